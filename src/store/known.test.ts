/**
 * CVEs known before their record (issue 10, item 1), on the real corpus: the KEV catalog lists
 * 1,404 CVEs and EPSS scores 360k, while the corpus holds records of 53k (339 of them in KEV).
 * Every KEV CVE is shown, counted, listed and searched; every EPSS-scored one is shown; a record
 * arriving later replaces its stub in place; and migration 5 gives a store built before the same
 * rows as the live import path (SQLite only: PostgreSQL stores were never built without stubs).
 * Runs on the back end under test (`VIGIL_TEST_DB`).
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import Database from 'better-sqlite3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildView } from '../analysis/view.ts';
import { corpusPlan } from '../cli/demo.ts';
import { createLogger } from '../log.ts';
import type { RankedVulnerability, VulnerabilityView } from '../model/record.ts';
import type { EpssDay, KevCatalog } from '../model/vulnerability.ts';
import { importFiles } from '../pipeline.ts';
import { findSource } from '../sources/registry.ts';
import { CLI } from '../testing/cli.ts';
import { corpusDir, corpusPath, hasCorpus } from '../testing/corpus.ts';
import { openTestStores, TEST_BACKEND, type TestStores } from '../testing/store.ts';
import { openSqliteStore, type SqliteStore } from './sqlite/index.ts';
import { migrate, migrations } from './sqlite/migrations.ts';
import { peek, peekColumn, peekValue } from './test-sql.ts';
import type { Store, StoredVulnerability } from './types.ts';

const log = createLogger('silent');
const tmp = mkdtempSync(path.join(tmpdir(), 'vigil-known-'));
const cli = (db: string, ...args: string[]) =>
  spawnSync(process.execPath, [...CLI, '--db', db, ...args], { encoding: 'utf8', env: { ...process.env, VIGIL_LOG_LEVEL: 'silent' } });

const LOG4SHELL = 'CVE-2021-44228';
const KEV_FILES = ['known_exploited_vulnerabilities-2025.08.18.json', 'known_exploited_vulnerabilities.json'];

/** The newest KEV catalog of the corpus: CVE id → entry. */
function kevCatalog(): Map<string, { vendorProject: string; product: string; vulnerabilityName: string; shortDescription: string }> {
  const c = JSON.parse(readFileSync(corpusPath('cisa-kev', 'known_exploited_vulnerabilities.json'), 'utf8')) as {
    vulnerabilities: { cveID: string; vendorProject: string; product: string; vulnerabilityName: string; shortDescription: string }[];
  };
  return new Map(c.vulnerabilities.map((v) => [v.cveID, v]));
}

async function importStep(store: Store, source: string, paths: string[]): Promise<void> {
  const summary = await importFiles(findSource(source).source, paths, { store, log });
  if (summary.error) throw new Error(`${source}: ${summary.error}`);
}

afterAll(() => rmSync(tmp, { recursive: true, force: true }));

/** Rows that must agree between two ways of building a store (rowids aside). */
const VULN_ROWS = `SELECT cve_id, state, published, last_modified, title, snippet, severity, cvss_score, kev, ransomware, kev_hint, epss,
  epss_percentile, epss_date, vendors, has_record, awaiting_epss, priority FROM vulns ORDER BY cve_id`;

describe.skipIf(!hasCorpus())(`CVEs known only from KEV or EPSS, on the real corpus (${TEST_BACKEND})`, () => {
  let stores: TestStores;
  let store: Store;
  let dbFile: string;
  const catalog = kevCatalog();

  beforeAll(async () => {
    stores = await openTestStores();
    store = stores.store;
    dbFile = stores.database;
    for (const step of corpusPlan(corpusDir)) await importStep(store, step.source, step.paths);
  }, 600_000);
  afterAll(() => stores?.close());

  it('vigil show CVE-2021-44228 (Log4Shell: in KEV, no record in the corpus) shows the KEV entry and EPSS, and says no record is imported', async () => {
    expect(Number(await peekValue(stores, 'SELECT count(*) FROM observations WHERE cve_id = ?', LOG4SHELL))).toBe(0);
    const json = cli(dbFile, 'show', LOG4SHELL, '--json');
    expect(json.status, json.stderr).toBe(0);
    const v = JSON.parse(json.stdout) as VulnerabilityView;
    const entry = catalog.get(LOG4SHELL);
    expect(v).toMatchObject({ id: LOG4SHELL, recordImported: false, title: entry?.vulnerabilityName, description: entry?.shortDescription });
    expect(v.kev).toMatchObject({ vendorProject: 'Apache', product: 'Log4j2', knownRansomwareCampaignUse: 'Known' });
    expect(v.products).toEqual([{ vendor: 'Apache', product: 'Log4j2' }]);
    expect(v.epss?.date).toBe('2026-08-16');
    expect(v.epss?.history.map((h) => h.date)).toContain('2026-06-14');
    expect(v.priority.score).toBeCloseTo(55 + 5 + 25 * (v.epss?.score ?? 0), 2);
    const text = cli(dbFile, 'show', LOG4SHELL);
    expect(text.status, text.stderr).toBe(0);
    expect(text.stdout).toContain('Apache Log4j2 Remote Code Execution Vulnerability');
    expect(text.stdout).toContain('no CVE record (CVE 5 or NVD) imported yet; known from CISA KEV and FIRST EPSS');
  });

  it('vigil top --kev lists every CVE of the KEV catalog (1,404), not only those with a record', async () => {
    const r = cli(dbFile, 'top', '--kev', '--limit', '10000', '--json');
    expect(r.status, r.stderr).toBe(0);
    const rows = JSON.parse(r.stdout) as RankedVulnerability[];
    const ids = new Set(rows.map((x) => x.id));
    expect(ids.size).toBe(rows.length);
    expect(catalog.size).toBe(1_404);
    for (const id of catalog.keys()) expect(ids.has(id), id).toBe(true);
    // Beyond the catalog, only records whose own feed carries CISA's KEV mark (CISA ADP, NVD cisaExploitAdd).
    const extra = rows.filter((x) => !catalog.has(x.id)).map((x) => x.id);
    const marked = new Set(await peekColumn<string>(stores, 'SELECT cve_id FROM vulns WHERE kev_hint IS NOT NULL'));
    for (const id of extra) expect(marked.has(id), id).toBe(true);
    expect(rows.find((x) => x.id === LOG4SHELL)).toMatchObject({ kev: true, ransomware: true, title: 'Apache Log4j2 Remote Code Execution Vulnerability' });
  });

  it('counts every KEV CVE in the overview, whose EPSS movers and recent KEV entries all have a record view', async () => {
    const stats = await stores.stats.stats('2025-08-25');
    const kevListed = Number(await peekValue(stores, 'SELECT count(*) FROM vulns WHERE kev = 1'));
    expect(stats.totals.kev).toBe(kevListed);
    expect(stats.totals.kev).toBeGreaterThanOrEqual(1_404);
    expect(stats.totals.withRecord).toBe(Number(await peekValue(stores, 'SELECT count(DISTINCT cve_id) FROM observations')));
    const stubs = Number(await peekValue(stores, 'SELECT count(*) FROM vulns WHERE has_record = 0'));
    expect(stubs).toBeGreaterThan(1_000); // KEV-only CVEs: 1,404 listed, 339 with a record in the corpus
    expect(stats.totals.cves).toBe(stats.totals.withRecord + stubs);
    expect((await store.stats()).knownWithoutRecord).toBeGreaterThan(300_000); // and those only EPSS scores
    expect(stats.epssMovers).toHaveLength(10);
    expect(stats.kevRecent.length).toBeGreaterThanOrEqual(8);
    for (const id of [...stats.epssMovers.map((m) => m.cveId), ...stats.kevRecent.map((k) => k.cveId)]) {
      const stored = await store.getVulnerability(id);
      expect(stored, id).not.toBeNull();
      expect(buildView(stored as NonNullable<typeof stored>).id).toBe(id);
    }
    // Movers are CVEs the store knows (a record or a KEV entry; AlertStore.epssMoves), not the ~300k only EPSS scores.
    const withRow = new Set(await peekColumn<string>(stores, 'SELECT cve_id FROM vulns'));
    for (const m of stats.epssMovers) expect(withRow.has(m.cveId), m.cveId).toBe(true);
    // A CVE only EPSS knows: its scores and their history, no KEV, no record; priority from EPSS alone.
    const [onlyId] = await peekColumn<string>(stores, 'SELECT cve_id FROM epss_current WHERE cve_id NOT IN (SELECT cve_id FROM vulns) ORDER BY cve_id LIMIT 1');
    const [onlyScore] = await peekColumn<number>(stores, 'SELECT epss FROM epss_current WHERE cve_id = ?', onlyId);
    const epssOnly = onlyId === undefined ? undefined : { cveId: onlyId, score: Number(onlyScore) };
    expect(epssOnly).toBeDefined();
    const v = buildView((await store.getVulnerability(epssOnly?.cveId ?? '')) as StoredVulnerability);
    expect(v).toMatchObject({ id: epssOnly?.cveId, recordImported: false, kev: null, epss: { score: epssOnly?.score, date: '2026-08-16' } });
    // History keeps change points: the newest one holds the current score.
    expect(v.epss?.history.at(-1)?.score).toBe(epssOnly?.score);
    expect((v.epss?.history.at(-1)?.date ?? '') <= '2026-08-16').toBe(true);
    expect(v.priority.score).toBeCloseTo(25 * (epssOnly?.score ?? 0), 2);
    expect(await store.getVulnerability('CVE-2099-0001')).toBeNull();
  });

  it('finds a KEV-only CVE by its catalog words and vendor', async () => {
    expect((await store.rank({ text: 'log4j2 jndi', kev: true, limit: 50 })).map((r) => r.id)).toContain(LOG4SHELL);
    expect((await store.rank({ vendor: 'apache', product: 'log4j', kev: true, limit: 50 })).map((r) => r.id)).toContain(LOG4SHELL);
  });

  // SQLite only: migration 5 backfills SQLite files built before stubs existed; a PostgreSQL store
  // starts at migration 8.
  it.skipIf(TEST_BACKEND !== 'sqlite')(
    'migration 5 gives a store built before it the same rows as the import path',
    async () => {
      const current = stores.sqlite as SqliteStore;
      const oldFile = path.join(tmp, 'old.db');
      const old = new Database(oldFile);
      migrate(
        old,
        migrations.filter((m) => m.id < 5),
      );
      // What the import wrote before migration 5: records, observations, KEV, EPSS, history.
      old.exec(`ATTACH '${dbFile}' AS cur`);
      const cols =
        'cve_id, state, published, last_modified, title, snippet, severity, cvss_score, cvss_version, kev, ransomware, kev_hint, epss, epss_percentile, epss_date, vendors';
      old.exec(`
      INSERT INTO vulns (rowid, ${cols}) SELECT rowid, ${cols} FROM cur.vulns WHERE has_record = 1;
      INSERT INTO observations SELECT * FROM cur.observations;
      INSERT INTO vuln_products SELECT p.* FROM cur.vuln_products p JOIN cur.vulns v USING (cve_id) WHERE v.has_record = 1;
      INSERT INTO vuln_cwes SELECT c.* FROM cur.vuln_cwes c JOIN cur.vulns v USING (cve_id) WHERE v.has_record = 1;
      INSERT INTO changes SELECT * FROM cur.changes;
      INSERT INTO kev SELECT * FROM cur.kev;
      INSERT INTO kev_catalogs SELECT * FROM cur.kev_catalogs;
      INSERT INTO epss_days SELECT * FROM cur.epss_days;
      INSERT INTO epss_current SELECT * FROM cur.epss_current;
      INSERT INTO epss_history SELECT * FROM cur.epss_history;
    `);
      // Before: Log4Shell is unknown to the lists (the defect).
      expect(old.prepare('SELECT count(*) FROM vulns WHERE cve_id = ?').pluck().get(LOG4SHELL)).toBe(0);
      old.exec('DETACH cur');
      old.close();
      const upgraded = openSqliteStore(oldFile);
      try {
        // Advisories came with migration 7: the corpus's exploits (the priority's exploit factor) are imported after the upgrade.
        await importStep(upgraded, 'exploitdb', [corpusPath('exploitdb', 'files_exploits-sample.csv')]);
        expect(upgraded.db.prepare(VULN_ROWS).all()).toEqual(current.db.prepare(VULN_ROWS).all());
        const stubProducts = 'SELECT p.* FROM vuln_products p JOIN vulns v USING (cve_id) WHERE v.has_record = 0 ORDER BY 1, 2, 3';
        expect(upgraded.db.prepare(stubProducts).all()).toEqual(current.db.prepare(stubProducts).all());
        const view = buildView((await upgraded.getVulnerability(LOG4SHELL)) as StoredVulnerability);
        expect(view).toMatchObject({ id: LOG4SHELL, recordImported: false, kev: { product: 'Log4j2' } });
        expect((await upgraded.rank({ text: 'log4j2', kev: true, limit: 10 })).map((r) => r.id)).toContain(LOG4SHELL);
      } finally {
        await upgraded.close();
      }
    },
    120_000,
  );
});

describe.skipIf(!hasCorpus())(`a CVE record arriving after KEV and EPSS named the CVE (${TEST_BACKEND})`, () => {
  let stores: TestStores;
  let store: Store;
  const CVE = 'CVE-2024-3400';
  const record = corpusPath('cve5', 'records', '2024', '3xxx', `${CVE}.json`);
  /** CVEs the full-text search finds (the ranked list's text filter: words ANDed). */
  const fts = async (words: string) => (await store.rank({ text: words, limit: 100 })).map((r) => r.id);
  const vulnRow = async () => (await peek(stores, 'SELECT has_record, title, kev, epss, vendors FROM vulns WHERE cve_id = ?', CVE))[0];
  /** SQLite keeps the row's rowid (the full-text index's key); PostgreSQL rows have none. */
  const rowid = async () => (stores.sqlite ? stores.sqlite.db.prepare('SELECT rowid FROM vulns WHERE cve_id = ?').pluck().get(CVE) : null);

  beforeAll(async () => {
    stores = await openTestStores();
    store = stores.store;
    await importStep(
      store,
      'kev',
      KEV_FILES.map((f) => corpusPath('cisa-kev', f)),
    );
    await importStep(store, 'epss', [corpusPath('epss', 'emba-epss-2026-08-16.ssv.gz')]);
  }, 300_000);
  afterAll(() => stores?.close());

  it('replaces the stub in place (SQLite: same rowid), with the record’s title, products and full text; re-importing changes nothing', async () => {
    const stub = (await vulnRow()) as Record<string, unknown>;
    const stubRowid = await rowid();
    expect(stub).toMatchObject({ has_record: 0, kev: 1, title: 'Palo Alto Networks PAN-OS Command Injection Vulnerability' });
    expect(stub.epss).toBeTypeOf('number');
    expect(await fts('PAN OS')).toContain(CVE);

    await importStep(store, 'cve5', [record]);
    const row = (await vulnRow()) as Record<string, unknown>;
    expect(row).toMatchObject({ has_record: 1, kev: 1, epss: stub.epss, vendors: 'Palo Alto Networks' });
    expect(await rowid()).toBe(stubRowid);
    expect(row.title).toContain('PAN-OS');
    expect(row.title).not.toBe(stub.title);
    // The catalog's text and product left with the stub: one index entry, the record's (SQLite: one FTS5 row per rowid).
    if (stores.sqlite) expect(stores.sqlite.db.prepare('SELECT count(*) FROM vulns_fts WHERE rowid = ?').pluck().get(stubRowid)).toBe(1);
    expect(await fts('GlobalProtect')).toContain(CVE);
    const products = await peek(stores, 'SELECT vendor_key, product_key FROM vuln_products WHERE cve_id = ? ORDER BY 1, 2', CVE);
    expect(products).toContainEqual({ vendor_key: 'paloaltonetworks', product_key: 'panos' });
    const view = buildView((await store.getVulnerability(CVE)) as StoredVulnerability);
    expect(view).toMatchObject({ recordImported: true, primaryCvss: { baseScore: 10 }, kev: { product: 'PAN-OS' } });
    expect((await store.stats()).vulnerabilities).toBe(1);

    const before = await peek(stores, VULN_ROWS);
    await importStep(store, 'cve5', [record]);
    await importStep(
      store,
      'kev',
      KEV_FILES.map((f) => corpusPath('cisa-kev', f)),
    );
    expect(await peek(stores, VULN_ROWS)).toEqual(before);
  }, 120_000);
});

/** Every KEV catalog and EPSS day of the corpus, as their sources yield them. */
async function kevAndEpss(): Promise<{ catalogs: KevCatalog[]; days: EpssDay[] }> {
  const catalogs: KevCatalog[] = [];
  const days: EpssDay[] = [];
  for await (const e of findSource('kev').source.importFiles(
    KEV_FILES.map((f) => corpusPath('cisa-kev', f)),
    { log },
    {},
  ))
    if (e.type === 'kev') catalogs.push(e.catalog);
  const epssFiles = ['2026-06-14', '2026-08-16', '2026-08-09'].map((d) => corpusPath('epss', `emba-epss-${d}.ssv.gz`));
  for await (const e of findSource('epss').source.importFiles(epssFiles, { log }, {})) if (e.type === 'epss') days.push(e.day);
  return { catalogs, days };
}

// A comparison with the SQLite store: runs in the PostgreSQL pass of the suite.
describe.skipIf(!hasCorpus() || TEST_BACKEND !== 'postgres')('KEV catalogs and EPSS days give PostgreSQL the rows SQLite has', () => {
  const TABLES = [
    'SELECT cve_id, data, ransomware, first_catalog, removed_in FROM kev ORDER BY cve_id',
    'SELECT * FROM kev_catalogs ORDER BY catalog_version',
    'SELECT cve_id, field, old, new, source, at FROM changes ORDER BY cve_id, field, at, new',
    'SELECT * FROM epss_days ORDER BY date',
    'SELECT date, count(*) AS n FROM epss_history GROUP BY date ORDER BY date',
    "SELECT * FROM epss_history WHERE cve_id LIKE 'CVE-2024-3%' ORDER BY cve_id, date",
    "SELECT * FROM epss_current WHERE cve_id LIKE 'CVE-2021-4%' ORDER BY cve_id",
    'SELECT * FROM vuln_products ORDER BY cve_id, vendor_key, product_key',
    // Last: the priority is rounded by each engine (round(x, 2)), where a half-way double may differ.
    `SELECT cve_id, state, published, last_modified, title, snippet, kev, ransomware, epss, epss_percentile, epss_date, vendors, has_record, awaiting_epss, priority
       FROM vulns ORDER BY cve_id`,
  ];

  it('in the order days arrive out of order, each result and every table equal', async () => {
    const { catalogs, days } = await kevAndEpss();
    expect(catalogs.length).toBe(2);
    expect(days.length).toBe(3);
    /** An EPSS day before KEV (new stubs take the current score), the catalogs, a day after and one before, then each again. */
    const feed = async (s: TestStores) => {
      const results: unknown[] = [await s.store.applyEpssDay(days[0] as EpssDay)];
      for (const c of catalogs) results.push(await s.store.applyKevCatalog(c));
      for (const d of days.slice(1)) results.push(await s.store.applyEpssDay(d));
      results.push(await s.store.applyKevCatalog(catalogs[0] as KevCatalog), await s.store.applyEpssDay(days[1] as EpssDay));
      return results;
    };
    const [pg, sqlite] = [await openTestStores({ backend: 'postgres' }), await openTestStores({ backend: 'sqlite' })];
    try {
      expect(await feed(pg)).toEqual(await feed(sqlite));
      for (const sql of TABLES) {
        const [a, b] = [await peek(pg, sql), await peek(sqlite, sql)];
        expect(a.length, sql).toBe(b.length);
        expect(a, sql).toEqual(b);
      }
    } finally {
      await pg.close();
      await sqlite.close();
    }
  }, 600_000);
});
