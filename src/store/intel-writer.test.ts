/**
 * `Stores.intelWriter`: with `writer: true` on SQLite, the intel store of the writer's worker
 * thread (collections in `vigil serve` write there, not on the thread serving the API); on
 * PostgreSQL, and without a writer, the same store as `intel`. Whatever it writes, `intel` reads.
 */
import { readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildDocument } from '../intel/extract/document.ts';
import { parseFeed } from '../intel/feeds/parse.ts';
import { defaultSources } from '../intel/sources/defaults.ts';
import type { IntelDocument } from '../intel/types.ts';
import { corpusPath, hasCorpus } from '../testing/corpus.ts';
import { openTestStores, TEST_BACKEND, type TestStores } from '../testing/store.ts';

describe.skipIf(!hasCorpus())('the intel writer store', () => {
  let stores: TestStores;
  let documents: IntelDocument[];
  beforeAll(async () => {
    stores = await openTestStores({ writer: true });
    const feed = parseFeed(readFileSync(corpusPath('news/feeds/tsummey_cyberdash/cybersecurity-advisories.xml')), 'https://www.cisa.gov/');
    documents = feed.items.map((item) =>
      buildDocument({ source: { name: 'cisa', tags: ['cert'] }, url: item.url ?? '', fetchedAt: '2026-12-06T00:00:00.000Z', item }),
    );
  });
  afterAll(() => stores?.close());

  it('is the writer thread on SQLite, the same store on PostgreSQL', () => {
    expect(stores.intelWriter === stores.intel).toBe(TEST_BACKEND === 'postgres');
  });

  it('writes what intel reads: documents, history, sources, validators; a second save writes nothing', async () => {
    const w = stores.intelWriter;
    expect(documents).toHaveLength(10);
    const first = await w.saveDocuments(documents);
    expect([first.created, first.changed, first.unchanged]).toEqual([10, 0, 0]);
    const again = await w.saveDocuments(documents);
    expect([again.created, again.changed, again.unchanged]).toEqual([0, 0, 10]);
    for (const d of documents) {
      const read = await stores.intel.getDocument(d.id);
      expect(read?.text).toBe(d.text);
      expect(read?.cves).toEqual(d.cves);
      expect(await w.getDocument(d.id)).toEqual(read);
    }
    expect(await stores.intel.countDocuments({ text: 'ransomware' })).toBe(await w.countDocuments({ text: 'ransomware' }));
    expect(await w.lastIntelChangeId()).toBe(await stores.intel.lastIntelChangeId());
    expect((await w.intelChangesSince(0, 100)).map((c) => c.documentId)).toEqual(documents.map((d) => d.id));
    const [source] = defaultSources(new Date('2026-12-06T00:00:00Z'));
    if (!source) throw new Error('no default source');
    await w.saveSource(source);
    expect(await stores.intel.getSource(source.name)).toEqual(source);
    const validators = {
      url: 'https://www.cisa.gov/cybersecurity-advisories/all.xml',
      etag: '"abc"',
      lastModified: null,
      fetchedAt: '2026-12-06T00:00:00.000Z',
    };
    await w.saveValidators(validators);
    expect(await stores.intel.getValidators(validators.url)).toEqual(validators);
    expect(await w.deleteSource(source.name)).toBe(true);
    expect(await stores.intel.getSource(source.name)).toBeNull();
  });
});
