/**
 * The SQLite reader pool (readers.ts) answers as the store's own connection does, and sees writes
 * made on that connection as soon as they return. About SQLite's worker threads only: PostgreSQL
 * reads go through its own connection pool.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createLogger } from '../../log.ts';
import { importFiles } from '../../pipeline.ts';
import { findSource } from '../../sources/registry.ts';
import { corpusPath, hasCorpus } from '../../testing/corpus.ts';
import { openTestStores, type TestStores } from '../../testing/store.ts';
import type { RankQuery } from '../types.ts';
import { SqliteReaderPool } from './readers.ts';

const log = createLogger('silent');

describe.skipIf(!hasCorpus())('SQLite reader pool', () => {
  let stores: TestStores;
  let ids: string[];

  beforeAll(async () => {
    stores = await openTestStores({ backend: 'sqlite', readers: 2 });
    // The newest NVD feed of the corpus (real records), written on the caller's connection.
    await importFiles(findSource('nvd').source, [corpusPath('nvd', 'nvdcve-1.1-recent.json.gz')], { store: stores.sqlite ?? stores.store, log });
    ids = (stores.sqlite?.db.prepare('SELECT cve_id FROM vulns ORDER BY cve_id').pluck().all() ?? []) as string[];
  }, 120_000);
  afterAll(async () => {
    await stores?.close();
  });

  it('gives the same record as the connection of this thread, for every CVE', async () => {
    expect(ids.length).toBeGreaterThan(100);
    expect(stores.store).not.toBe(stores.sqlite);
    for (const id of ids) expect(await stores.store.getVulnerability(id)).toEqual(await stores.sqlite?.getVulnerability(id));
    expect(await stores.store.getVulnerability('CVE-1999-0000')).toBeNull();
  });

  it('gives the same ranked lists and totals', async () => {
    const queries: RankQuery[] = [
      { limit: 50 },
      { limit: 20, text: 'remote code execution' },
      { limit: 20, minCvss: 9 },
      { limit: 20, vendor: 'microsoft' },
      { limit: 20, since: '2024-01-01', kev: true },
    ];
    for (const q of queries) {
      expect(await stores.store.rank(q)).toEqual(await stores.sqlite?.rank(q));
      expect(await stores.store.countRanked(q)).toBe(await stores.sqlite?.countRanked(q));
    }
  });

  it('answers concurrent requests from both readers, each with its own answer', async () => {
    const sample = ids.slice(0, 200);
    const got = await Promise.all(sample.map((id) => stores.store.getVulnerability(id)));
    expect(got.map((s) => s?.cveId)).toEqual(sample);
  });

  it('sees a write made on this thread as soon as it returns', async () => {
    const before = await stores.store.countRanked({});
    await importFiles(findSource('nvd').source, [corpusPath('nvd', 'nvdcve-1.1-2025.json.gz')], { store: stores.sqlite ?? stores.store, log });
    const after = await stores.store.countRanked({});
    expect(after).toBeGreaterThan(before);
    expect(after).toBe(await stores.sqlite?.countRanked({}));
  }, 120_000);

  it('rejects a write (read-only connections)', async () => {
    const pool = new SqliteReaderPool(stores.database, 1);
    try {
      await expect(pool.reader().saveSourceState({ source: 'nvd', cursor: null, lastAttempt: null, lastSuccess: null, lastError: null, lastCount: 0 })).rejects.toThrow(
        /readonly/i,
      );
    } finally {
      await pool.close();
    }
  });

  it.each([0, 65, 1.5])('refuses a pool of %s readers', (size) => {
    expect(() => new SqliteReaderPool(stores.database, size)).toThrow(RangeError);
  });
});
