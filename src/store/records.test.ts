/**
 * The CVE-record store on both back ends at once: the corpus's CVE 5 records, NVD samples, the KEV
 * catalog and part of an EPSS day imported into SQLite and PostgreSQL give the same record views
 * (getVulnerability, for every CVE, stubs and EPSS-only CVEs included), the same ranked lists,
 * counts and keyset pages, the same full-text matches (the inputs users type: CVE ids, `pan-os`,
 * product and vendor names, CWE ids, accented words) and the same statistics. "A difference
 * between the two is a bug" (issue 12): this test is about both back ends, so it opens one of each.
 */
import { readFileSync } from 'node:fs';
import { gunzipSync } from 'node:zlib';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createLogger } from '../log.ts';
import type { RankedVulnerability } from '../model/record.ts';
import type { EpssScore } from '../model/vulnerability.ts';
import { importFiles } from '../pipeline.ts';
import { findSource } from '../sources/registry.ts';
import { corpusPath, hasCorpus } from '../testing/corpus.ts';
import { openTestStores, TEST_BACKEND, TEST_PG_URL, type TestStores } from '../testing/store.ts';
import type { Stores } from './index.ts';
import { parsePostgresUrl } from './postgres/pool.ts';
import { sortValue } from './query.ts';
import type { RankQuery, Store } from './types.ts';

const log = createLogger('silent');

/** Whether the PostgreSQL test server answers (this test needs both back ends). */
async function pgUp(): Promise<boolean> {
  const c = new pg.Client({ connectionString: parsePostgresUrl(TEST_PG_URL).connectionString });
  try {
    await c.connect();
    await c.end();
    return true;
  } catch {
    console.warn(`\n*** PostgreSQL not reachable at ${TEST_PG_URL}: the two-back-end record test is SKIPPED ***\n`);
    return false;
  }
}

const FILES = {
  cve5: [corpusPath('cve5', 'records')],
  nvd: [corpusPath('nvd', 'nvdcve-1.1-recent.json.gz'), corpusPath('nvd', 'api2')],
  kev: [corpusPath('cisa-kev', 'known_exploited_vulnerabilities.json')],
};

/** Scores of the newest corpus EPSS day for `ids` (those it has). */
function epssScores(ids: Set<string>): EpssScore[] {
  const out: EpssScore[] = [];
  for (const line of gunzipSync(readFileSync(corpusPath('epss', 'emba-epss-2026-08-16.ssv.gz'))).toString('utf8').split('\n')) {
    const [cveId, epss, percentile] = line.split(';');
    if (cveId && ids.has(cveId)) out.push({ cveId, epss: Number(epss), percentile: Number(percentile) });
  }
  return out;
}

async function load(stores: Stores, epssIds: Set<string>): Promise<void> {
  for (const [source, paths] of Object.entries(FILES)) {
    const s = await importFiles(findSource(source).source, paths, { store: stores.store, log });
    if (s.error) throw new Error(`${source}: ${s.error}`);
  }
  await stores.store.applyEpssDay({ date: '2026-08-16', modelVersion: null, scores: epssScores(epssIds) });
}

/** `b` (PostgreSQL) equals `a` (SQLite), priority included (PostgreSQL reproduces SQLite's round(); postgres/migrations.ts). */
function expectSame<T>(b: T | null, a: T | null, label: string): void {
  expect(b, label).toEqual(a);
}

/** The same rows in the same order. */
function expectSameList(b: RankedVulnerability[], a: RankedVulnerability[], label: string): void {
  expect(b, label).toEqual(a);
}

// Opens both back ends itself: runs once, in the PostgreSQL pass (npm run test:pg).
const run = hasCorpus() && TEST_BACKEND === 'postgres' && (await pgUp());

describe.skipIf(!run)('CVE records: SQLite and PostgreSQL agree', () => {
  let lite: TestStores;
  let pgs: TestStores;
  let ids: string[];

  beforeAll(async () => {
    [lite, pgs] = await Promise.all([openTestStores({ backend: 'sqlite' }), openTestStores({ backend: 'postgres' })]);
    await load(lite, new Set());
    // Every CVE the records and KEV name, and some only EPSS knows (the ids after CVE-2024-3400 in the file).
    ids = (await lite.store.rank({ includeRejected: true, limit: 10_000 })).map((r) => r.id);
    const epssIds = new Set([...ids, 'CVE-2024-3401', 'CVE-2024-3402', 'CVE-2023-0001', 'CVE-2022-0002']);
    await lite.close();
    lite = await openTestStores({ backend: 'sqlite' });
    await Promise.all([load(lite, epssIds), load(pgs, epssIds)]);
  }, 300_000);
  afterAll(async () => {
    await lite?.close();
    await pgs?.close();
  });

  it('stores the same records, stubs and EPSS-only CVEs (getVulnerability of every CVE)', async () => {
    expect(ids.length).toBeGreaterThan(1_500);
    const extra = ['CVE-2024-3401', 'CVE-2024-3402', 'CVE-2023-0001', 'CVE-2022-0002', 'CVE-1999-99999'];
    let stubs = 0;
    let epssOnly = 0;
    for (const id of [...ids, ...extra]) {
      const [a, b] = await Promise.all([lite.store.getVulnerability(id), pgs.store.getVulnerability(id)]);
      expectSame(b, a, id);
      if (a && a.hasRecord === false && a.observations.length === 0) {
        if (a.kev) stubs++;
        else epssOnly++;
      }
    }
    expect(stubs).toBeGreaterThan(0);
    expect(epssOnly).toBeGreaterThan(0);
  });

  it('ranks, filters, counts and pages alike', async () => {
    const queries: RankQuery[] = [
      { limit: 200 },
      { kev: true, limit: 100 },
      { exploit: true, limit: 50 },
      { includeRejected: true, limit: 10_000 },
      { minEpss: 0.5, limit: 100 },
      { minCvss: 9, since: '2024-06-01', limit: 100 },
      { vendor: 'Palo Alto Networks', limit: 100 },
      { vendor: 'micro', product: 'windows', limit: 100 },
      { vendor: 'Fortinet', limit: 100, keyset: true, sort: 'published' },
    ];
    for (const q of queries) {
      const [a, b] = await Promise.all([lite.store.rank(q), pgs.store.rank(q)]);
      expectSameList(b, a, JSON.stringify(q));
      expect(await pgs.store.countRanked(q), JSON.stringify(q)).toBe(await lite.store.countRanked(q));
    }
    // Keyset pages of every sort key, walked to the end on both.
    for (const sort of ['priority', 'published', 'epss', 'cvss'] as const) {
      const walk = async (store: Store) => {
        const seen: string[] = [];
        let after: RankQuery['after'];
        for (;;) {
          const page = await store.rank({ keyset: true, sort, limit: 250, after, includeRejected: true });
          seen.push(...page.map((r) => r.id));
          const last = page.at(-1);
          if (!last || page.length < 250) return seen;
          after = { value: sortValue(last, sort), id: last.id };
        }
      };
      const [a, b] = await Promise.all([walk(lite.store), walk(pgs.store)]);
      expect(new Set(a).size).toBe(a.length);
      expect(b, sort).toEqual(a);
    }
  });

  it('full text matches the same CVEs for what users type', async () => {
    const searches = [
      'CVE-2024-3400',
      'cve-2024-3400',
      'PAN-OS',
      'pan-os globalprotect',
      'GlobalProtect',
      'GlobalProtect command injection',
      'Palo Alto Networks',
      'Fortinet FortiOS',
      'microsoft windows',
      'Ivanti',
      'CWE-79',
      'CWE-77',
      'cross-site scripting',
      'remote code execution',
      'SQL injection',
      'buffer overflow',
      'Apache Log4j',
      'OpenSSL',
      '2024',
      'café',
      'Überprüfung',
      'foo_bar',
      'x86_64',
      'v1.2.3',
      '"unterminated',
      'NEAR(a b)',
      "'; DROP TABLE vulns; --",
      '***',
      '_',
      '_ linux',
      'remote _ code',
    ];
    let matched = 0;
    for (const text of searches) {
      const q: RankQuery = { text, includeRejected: true, limit: 10_000 };
      const [a, b] = await Promise.all([lite.store.rank(q), pgs.store.rank(q)]);
      const ids = (rows: { id: string }[]) => rows.map((r) => r.id).sort();
      expect(ids(b), text).toEqual(ids(a));
      // Priority order when not sorted by relevance: the same rows in the same order.
      expectSameList(b, a, text);
      expect(await pgs.store.countRanked(q), text).toBe(a.length);
      const [ra, rb] = await Promise.all([lite.store.rank({ ...q, sort: 'relevance' }), pgs.store.rank({ ...q, sort: 'relevance' })]);
      expect(ids(rb), text).toEqual(ids(ra));
      if (a.length) matched++;
    }
    expect(matched).toBeGreaterThan(15);
    // The best match of a CVE id is that CVE on both.
    for (const store of [lite.store, pgs.store]) {
      expect((await store.rank({ text: 'CVE-2024-3400 GlobalProtect', sort: 'relevance', keyset: true, limit: 1 }))[0]?.id).toBe('CVE-2024-3400');
    }
  });

  it('reports the same statistics and source state', async () => {
    const [a, b] = await Promise.all([lite.store.stats(), pgs.store.stats()]);
    expect(b.bytes).toBeGreaterThan(0);
    expect({ ...b, bytes: 0 }).toEqual({ ...a, bytes: 0 });
    for (const source of ['cve5', 'nvd', 'kev', 'epss']) {
      expect(await pgs.store.newestLastModified(source), source).toBe(await lite.store.newestLastModified(source));
    }
    const strip = (s: Awaited<ReturnType<Store['listSourceStates']>>) => s.map((x) => ({ ...x, lastSuccess: null, lastAttempt: null }));
    expect(strip(await pgs.store.listSourceStates())).toEqual(strip(await lite.store.listSourceStates()));
  });
});
