/**
 * Products named only as unaffected are not indexed in `vuln_products`, and migration 6 removes
 * the rows older stores wrote for them: the real CVE 5 records (CVE-2024-3400 lists Cloud NGFW and
 * Prisma Access as "All (unaffected)").
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { productKey } from '../../enrich/product-key.ts';
import { createLogger } from '../../log.ts';
import { importFiles } from '../../pipeline.ts';
import { findSource } from '../../sources/registry.ts';
import { corpusPath, hasCorpus } from '../../testing/corpus.ts';
import { openTestStores, TEST_BACKEND, type TestStores } from '../../testing/store.ts';
import { openSqliteStore, type SqliteStore } from './index.ts';
import { dropUnaffectedProducts } from './unaffected-products.ts';

describe.skipIf(!hasCorpus())('unaffected products in the store', () => {
  let stores: TestStores;

  beforeAll(async () => {
    stores = await openTestStores();
    await importFiles(findSource('cve5').source, [corpusPath('cve5', 'records')], { store: stores.store, log: createLogger() });
  }, 120_000);
  afterAll(async () => {
    await stores?.close();
  });

  /** CVE ids the product filter finds for Palo Alto Networks' `product`. */
  const listed = async (product: string) =>
    (await stores.store.rank({ vendor: 'Palo Alto Networks', product, limit: 10_000 })).map((r) => r.id);

  it('CVE-2024-3400 is indexed under PAN-OS only', async () => {
    expect(await listed('PAN-OS')).toContain('CVE-2024-3400');
    expect(await listed('Cloud NGFW')).not.toContain('CVE-2024-3400');
    expect(await listed('Prisma Access')).not.toContain('CVE-2024-3400');
  });

  // Migration 6 cleans SQLite files written by an older merge; a PostgreSQL store never had such rows.
  it.skipIf(TEST_BACKEND !== 'sqlite')('migration 6 drops the rows an older store wrote for unaffected products, and nothing else', async () => {
    let store = stores.sqlite as SqliteStore;
    const file = stores.database;
    const productsOf = (id: string): string[] =>
      store.db.prepare("SELECT vendor_key || '/' || product_key FROM vuln_products WHERE cve_id = ? ORDER BY 1").pluck().all(id) as string[];
    const all = () => store.db.prepare('SELECT count(*) FROM vuln_products').pluck().get() as number;
    const before = all();
    const stale = () => {
      const put = store.db.prepare('INSERT INTO vuln_products (vendor_key, product_key, cve_id) VALUES (?, ?, ?)');
      for (const product of ['Cloud NGFW', 'Prisma Access']) put.run(productKey('Palo Alto Networks'), productKey(product), 'CVE-2024-3400');
      expect(productsOf('CVE-2024-3400')).toEqual(['paloaltonetworks/cloudngfw', 'paloaltonetworks/panos', 'paloaltonetworks/prismaaccess']);
    };
    stale();
    expect(dropUnaffectedProducts(store.db)).toBe(2);
    expect(productsOf('CVE-2024-3400')).toEqual(['paloaltonetworks/panos']);
    expect(all()).toBe(before);
    expect(store.db.prepare('SELECT vendors FROM vulns WHERE cve_id = ?').pluck().get('CVE-2024-3400')).toBe('Palo Alto Networks');

    // The same through the migration, as an older store meets this version when it is opened.
    stale();
    store.db.prepare('DELETE FROM schema_migrations WHERE id = 6').run();
    store = openSqliteStore(file);
    try {
      expect(productsOf('CVE-2024-3400')).toEqual(['paloaltonetworks/panos']);
      expect(all()).toBe(before);
    } finally {
      await store.close();
    }
  });
});
