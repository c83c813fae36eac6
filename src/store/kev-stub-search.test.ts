/**
 * A CVE known only from CISA KEV (a stub row) is searched by its catalog entry with FTS5's rules on
 * both back ends: its columns (CVE id, name, description, vendor and product, CWEs) are separate,
 * so a phrase never joins the end of one to the start of the next; accents are folded; and the
 * stub's text is replaced when the catalog changes it.
 */
import { readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseKevJson } from '../sources/kev/parse.ts';
import { corpusPath, hasCorpus } from '../testing/corpus.ts';
import { openTestStores, type TestStores } from '../testing/store.ts';

describe.skipIf(!hasCorpus())('searching KEV-only CVEs', () => {
  let stores: TestStores;
  const file = corpusPath('cisa-kev', 'known_exploited_vulnerabilities.json');
  const catalog = parseKevJson(readFileSync(file, 'utf8'), file).catalog!;
  const base = catalog.entries[0]!;
  const stub = {
    ...base,
    cveId: 'CVE-2099-0001',
    vendorProject: 'Acme',
    product: 'Widget Zürich',
    vulnerabilityName: 'Acme Widget Zork',
    shortDescription: 'Quux overflow in the frobnicator.',
    cwes: ['CWE-787'],
  };
  const found = async (text: string) => (await stores.store.rank({ text, limit: 5 })).map((r) => r.id);

  beforeAll(async () => {
    stores = await openTestStores();
    await stores.store.applyKevCatalog({ ...catalog, entries: [stub] });
  });
  afterAll(() => stores?.close());

  it('finds a stub by words of each column, an accent folded, a phrase within one column', async () => {
    for (const q of ['zork', 'quux frobnicator', 'zurich', 'Zürich', 'CVE-2099-0001', 'widget_zork', 'cwe 787', 'acme widget'])
      expect({ q, ids: await found(q) }).toEqual({ q, ids: ['CVE-2099-0001'] });
  });

  it('does not match a phrase across two columns (the name’s last word, the description’s first)', async () => {
    expect(await found('zork_quux')).toEqual([]);
    expect(await found('frobnicator_acme')).toEqual([]);
  });

  it('searches the new text once the catalog changes it', async () => {
    await stores.store.applyKevCatalog({ ...catalog, catalogVersion: '2099.01.02', dateReleased: '2099-01-02T00:00:00.000Z', entries: [{ ...stub, shortDescription: 'Plugh underflow.' }] });
    expect(await found('plugh')).toEqual(['CVE-2099-0001']);
    expect(await found('quux')).toEqual([]);
  });
});
