/**
 * How a new CVE without an EPSS score yet is ranked (issue 10, item 6; docs/priority.md "New
 * CVEs"), on real records: a real CVSS 10.0 CVE 5 record (CVE-2024-45066, outside KEV), published
 * the day after the newest stored EPSS day under an id EPSS has never scored, stands for
 * tomorrow's critical CVE. It ranks with the prior until EPSS scores it, then with its score.
 */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { gunzipSync, gzipSync } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildView } from '../analysis/view.ts';
import { createLogger } from '../log.ts';
import { importFiles } from '../pipeline.ts';
import { findSource } from '../sources/registry.ts';
import { corpusPath, hasCorpus } from '../testing/corpus.ts';
import { openTestStores, TEST_BACKEND, type TestStores } from '../testing/store.ts';
import { peek, peekValue } from './test-sql.ts';
import type { Store, StoredVulnerability } from './types.ts';

const log = createLogger('silent');
const tmp = mkdtempSync(path.join(tmpdir(), 'vigil-awaiting-'));
const NEW_ID = 'CVE-2026-990661';
const NEWEST_EPSS = '2026-08-16';

async function importStep(store: Store, source: string, paths: string[]): Promise<void> {
  const summary = await importFiles(findSource(source).source, paths, { store, log });
  if (summary.error) throw new Error(`${source}: ${summary.error}`);
}

/** The real record of CVE-2024-45066 (CVSS 3.1 10.0, not in KEV), as a CVE published on `published`. */
function freshRecord(published: string): string {
  const r = JSON.parse(readFileSync(corpusPath('cve5', 'records', '2024', '45xxx', 'CVE-2024-45066.json'), 'utf8')) as {
    cveMetadata: Record<string, string>;
  };
  r.cveMetadata = { ...r.cveMetadata, cveId: NEW_ID, datePublished: published, dateUpdated: published };
  const file = path.join(tmp, `${NEW_ID}.json`);
  writeFileSync(file, JSON.stringify(r));
  return file;
}

describe.skipIf(!hasCorpus())(`a new critical CVE without an EPSS score yet (${TEST_BACKEND})`, () => {
  let stores: TestStores;
  let store: Store;
  const newestDay = gunzipSync(readFileSync(corpusPath('epss', `emba-epss-${NEWEST_EPSS}.ssv.gz`))).toString('utf8');

  beforeAll(async () => {
    stores = await openTestStores();
    store = stores.store;
    await importStep(store, 'cve5', [corpusPath('cve5', 'records')]);
    await importStep(store, 'nvd', [corpusPath('nvd', 'api2')]);
    await importStep(store, 'kev', [corpusPath('cisa-kev', 'known_exploited_vulnerabilities-2025.08.18.json'), corpusPath('cisa-kev', 'known_exploited_vulnerabilities.json')]);
    await importStep(store, 'epss', [corpusPath('epss', 'emba-epss-2026-08-09.ssv.gz'), corpusPath('epss', `emba-epss-${NEWEST_EPSS}.ssv.gz`)]);
  }, 300_000);
  afterAll(async () => {
    await stores?.close();
    rmSync(tmp, { recursive: true, force: true });
  });

  it('gives no prior to old records EPSS does not score (real data: they are not new)', async () => {
    const unscored = Number(await peekValue(stores, "SELECT count(*) FROM vulns WHERE has_record = 1 AND epss IS NULL AND state != 'REJECTED'"));
    expect(unscored).toBeGreaterThan(0);
    expect(Number(await peekValue(stores, 'SELECT count(*) FROM vulns WHERE awaiting_epss = 1'))).toBe(0);
  });

  it('ranks a new CVSS 10.0 CVE above KEV entries with little exploitation activity (EPSS < 10 %), below those with much (≥ 70 %), until EPSS scores it', async () => {
    expect(newestDay).not.toContain(`${NEW_ID};`);
    await importStep(store, 'cve5', [freshRecord('2026-08-17T09:30:00.000Z')]);
    const view = buildView((await store.getVulnerability(NEW_ID)) as StoredVulnerability);
    expect(view.primaryCvss?.baseScore).toBe(10);
    expect(view.epss).toBeNull();
    expect(view.kev).toBeNull();
    // Before the fix it scored 15 (CVSS only), under all 1,404 KEV entries.
    expect(view.priority.score).toBe(55 + 2.5 + 15);
    expect(view.priority.factors.find((f) => f.name === 'kev')?.explanation).toContain('presumed exploited until EPSS scores it');
    expect(view.priority.factors.find((f) => f.name === 'epss')).toMatchObject({ value: 0.1, contribution: 2.5 });

    const kev = await store.rank({ kev: true, limit: 10_000 });
    const all = await store.rank({ limit: 10_000 });
    const position = all.findIndex((r) => r.id === NEW_ID);
    expect(position).toBeGreaterThan(0);
    const lowEpss = kev.filter((r) => !r.ransomware && r.epss !== null && r.epss < 0.1);
    expect(lowEpss.length).toBeGreaterThan(50);
    const above = new Set(all.slice(0, position).map((r) => r.id));
    for (const r of lowEpss) expect(above.has(r.id), `${r.id} (EPSS ${r.epss}) ranks above the new CVE`).toBe(false);
    const highEpss = kev.filter((r) => r.epss !== null && r.epss >= 0.7);
    expect(highEpss.length).toBeGreaterThan(50);
    for (const r of highEpss) expect(above.has(r.id), `${r.id} (EPSS ${r.epss}) ranks below the new CVE`).toBe(true);
    // First among CVEs outside KEV, and first of `vigil top --since` its day.
    expect(all.filter((r) => !r.kev)[0]?.id).toBe(NEW_ID);
    expect((await store.rank({ since: '2026-08-17', limit: 5 }))[0]?.id).toBe(NEW_ID);

    // The next EPSS day scores it (a low first score, as most new CVEs get): the prior ends.
    const file = path.join(tmp, 'emba-epss-2026-08-17.ssv.gz');
    writeFileSync(file, gzipSync(`${newestDay.trimEnd()}\n${NEW_ID};0.000430000;0.120220000\n`));
    await importStep(store, 'epss', [file]);
    const scored = buildView((await store.getVulnerability(NEW_ID)) as StoredVulnerability);
    expect(scored.epss).toMatchObject({ score: 0.00043, date: '2026-08-17' });
    expect(scored.priority.score).toBe(Math.round((25 * 0.00043 + 15) * 100) / 100);
    const [stored] = await peek(stores, 'SELECT awaiting_epss, priority FROM vulns WHERE cve_id = ?', NEW_ID);
    expect(stored).toEqual({ awaiting_epss: 0, priority: scored.priority.score });
  }, 120_000);
});
