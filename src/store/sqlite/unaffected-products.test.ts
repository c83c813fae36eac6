/**
 * Products named only as unaffected are not indexed in `vuln_products`, and migration 6 removes
 * the rows older stores wrote for them: the real CVE 5 records (CVE-2024-3400 lists Cloud NGFW and
 * Prisma Access as "All (unaffected)").
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { productKey } from '../../enrich/product-key.ts';
import { createLogger } from '../../log.ts';
import { importFiles } from '../../pipeline.ts';
import { findSource } from '../../sources/registry.ts';
import { corpusPath, hasCorpus } from '../../testing/corpus.ts';
import { openSqliteStore, type SqliteStore } from './index.ts';
import { dropUnaffectedProducts } from './unaffected-products.ts';

describe.skipIf(!hasCorpus())('unaffected products in the store', () => {
  const dir = mkdtempSync(path.join(tmpdir(), 'vigil-unaffected-'));
  let store: SqliteStore;
  const productsOf = (id: string): string[] =>
    (store.db.prepare('SELECT vendor_key || \'/\' || product_key FROM vuln_products WHERE cve_id = ? ORDER BY 1').pluck().all(id) as string[]);

  beforeAll(async () => {
    store = openSqliteStore(path.join(dir, 'vigil.db'));
    await importFiles(findSource('cve5').source, [corpusPath('cve5', 'records')], { store, log: createLogger() });
  }, 120_000);
  afterAll(async () => {
    await store?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('CVE-2024-3400 is indexed under PAN-OS only', () => {
    expect(productsOf('CVE-2024-3400')).toEqual(['paloaltonetworks/panos']);
  });

  it('migration 6 drops the rows an older store wrote for unaffected products, and nothing else', async () => {
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
    await store.close();
    store = openSqliteStore(path.join(dir, 'vigil.db'));
    expect(productsOf('CVE-2024-3400')).toEqual(['paloaltonetworks/panos']);
    expect(all()).toBe(before);
  });
});
