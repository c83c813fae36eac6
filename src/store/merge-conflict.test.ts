/**
 * Two processes merging the same CVE at once (two workers syncing NVD and CVE 5 side by side):
 * each loads the CVE, merges its own feed's observation without the other's, and saves. Without a
 * check the last save wins and the record loses a feed. The store refuses the second save
 * (VIGIL_MERGE_CONFLICT, VulnWrite.basis) and keeps the first; the rerun (the job's retry) merges
 * both. On the back end under test, with two connections as two processes would have, on real
 * corpus records.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createLogger } from '../log.ts';
import type { VulnObservation } from '../model/vulnerability.ts';
import { emptySummary, importFiles, mergeBatch } from '../pipeline.ts';
import { findSource } from '../sources/registry.ts';
import { corpusPath, hasCorpus } from '../testing/corpus.ts';
import { openTestStores, type TestStores } from '../testing/store.ts';
import { openStores, type Stores } from './index.ts';

const log = createLogger('silent');

describe.skipIf(!hasCorpus())('a merge computed without what another process stored meanwhile', () => {
  let scratch: TestStores;
  let a: TestStores;
  let b: Stores;
  let cveId: string;
  let nvd: VulnObservation;
  let cve5: VulnObservation;

  beforeAll(async () => {
    // The two feeds' observations of one CVE, as the real parsers make them.
    scratch = await openTestStores({ backend: 'sqlite' });
    for (const [source, path] of [
      ['nvd', corpusPath('nvd', 'api2')],
      ['cve5', corpusPath('cve5', 'records', '2024')],
    ] as const) {
      const s = await importFiles(findSource(source).source, [path], { store: scratch.store, log });
      expect(s.error ?? null, source).toBeNull();
    }
    const both = scratch.sqlite?.db.prepare('SELECT cve_id FROM observations GROUP BY cve_id HAVING count(*) = 2 ORDER BY cve_id LIMIT 1').pluck().get() as string;
    expect(both).toMatch(/^CVE-/);
    cveId = both;
    const stored = await scratch.store.getVulnerability(cveId);
    nvd = stored?.observations.find((o) => o.source === 'nvd') as VulnObservation;
    cve5 = stored?.observations.find((o) => o.source === 'cve5') as VulnObservation;
    a = await openTestStores();
    b = await openStores(a.database);
  });

  afterAll(async () => {
    await b?.close();
    await a?.close();
    await scratch?.close();
  });

  it('is refused, keeps what was stored, and merges both feeds when run again', async () => {
    const [loadedA, loadedB] = await Promise.all([a.store.loadForMerge([cveId]), b.store.loadForMerge([cveId])]);
    const writesA = mergeBatch([nvd], loadedA, undefined, { store: a.store, log }, emptySummary('nvd')).writes;
    const writesB = mergeBatch([cve5], loadedB, undefined, { store: b.store, log }, emptySummary('cve5')).writes;
    await a.store.saveVulnerabilities(writesA);
    await expect(b.store.saveVulnerabilities(writesB)).rejects.toMatchObject({ code: 'VIGIL_MERGE_CONFLICT' });
    expect((await a.store.getVulnerability(cveId))?.observations.map((o) => o.source)).toEqual(['nvd']);

    // The retry loads again and merges with NVD's observation.
    const again = mergeBatch([cve5], await b.store.loadForMerge([cveId]), undefined, { store: b.store, log }, emptySummary('cve5')).writes;
    await b.store.saveVulnerabilities(again);
    const view = await a.store.getVulnerability(cveId);
    expect(view?.observations.map((o) => o.source).sort()).toEqual(['cve5', 'nvd']);
    // The same record as one process importing both feeds one after the other.
    const [rankedHere] = await a.store.rank({ text: cveId, includeRejected: true });
    const [rankedScratch] = await scratch.store.rank({ text: cveId, includeRejected: true });
    expect(rankedHere).toEqual(rankedScratch);
  });
});
