/**
 * Two writers (two pools: two workers) saving the same real batches at once, one in file order and
 * one in reverse, on the back end under test: neither fails (row locks are taken in CVE-id order; a
 * deadlock would be retried) and the records end as one writer leaves them.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createLogger } from '../log.ts';
import { importFiles } from '../pipeline.ts';
import { findSource } from '../sources/registry.ts';
import { corpusPath, hasCorpus } from '../testing/corpus.ts';
import { openTestStores, type TestDatabase, type TestStores, testDatabase } from '../testing/store.ts';
import { openStores, type Stores } from './index.ts';
import type { VulnWrite } from './types.ts';

const log = createLogger('silent');

describe.skipIf(!hasCorpus())('concurrent writers', () => {
  let reference: TestStores;
  let target: TestDatabase;
  let writers: Stores[] = [];
  const batches: VulnWrite[][] = [];

  beforeAll(async () => {
    // The batches a real import writes (NVD's recent feed), captured from a single writer.
    reference = await openTestStores();
    const store = reference.store;
    const save = store.saveVulnerabilities.bind(store);
    store.saveVulnerabilities = async (w) => {
      batches.push(w);
      return save(w);
    };
    const s = await importFiles(findSource('nvd').source, [corpusPath('nvd', 'nvdcve-1.1-recent.json.gz')], { store, log });
    expect(s.error).toBeNull();
    target = testDatabase();
    writers = [await openStores(target.database), await openStores(target.database)];
  }, 300_000);
  afterAll(async () => {
    for (const w of writers) await w.close();
    await target?.drop();
    await reference?.close();
  });

  it('two writers of overlapping batches in opposite orders both succeed, and the records are as one writer left them', async () => {
    expect(batches.length).toBeGreaterThan(1);
    const [a, b] = writers as [Stores, Stores];
    await Promise.all([
      (async () => {
        for (const batch of batches) await a.store.saveVulnerabilities(batch);
      })(),
      (async () => {
        for (const batch of [...batches].reverse()) await b.store.saveVulnerabilities(batch);
      })(),
    ]);
    const ids = [...new Set(batches.flat().map((w) => w.vulnerability.id))].sort();
    expect(ids.length).toBeGreaterThan(1_000);
    for (const id of ids) {
      const [want, got] = await Promise.all([reference.store.getVulnerability(id), a.store.getVulnerability(id)]);
      // History is appended by each writer (each wrote its changes): the rest is the record.
      expect({ ...got, history: [] }, id).toEqual({ ...want, history: [] });
    }
    const q = { includeRejected: true, limit: 10_000 };
    expect(await b.store.rank(q)).toEqual(await reference.store.rank(q));
  }, 300_000);
});
