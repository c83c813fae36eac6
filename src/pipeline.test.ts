/**
 * The whole pipeline on the real corpus, on the back end under test (`VIGIL_TEST_DB`): import
 * everything, check merged records against the files they came from, re-import (nothing changes),
 * and kill an import half way (the re-run ends in the same state as an uninterrupted run).
 */
import { spawn, spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { gunzipSync } from 'node:zlib';
import Database from 'better-sqlite3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { computePriority } from './analysis/priority.ts';
import { ssvcDecision } from './analysis/ssvc.ts';
import { buildView } from './analysis/view.ts';
import { corpusPlan } from './cli/demo.ts';
import { createLogger } from './log.ts';
import { importFiles, type RunSummary } from './pipeline.ts';
import { findSource } from './sources/registry.ts';
import { openStores, type Stores } from './store/index.ts';
import { PgDb } from './store/postgres/pool.ts';
import type { Store } from './store/types.ts';
import { CLI } from './testing/cli.ts';
import { corpusDir, corpusPath, hasCorpus } from './testing/corpus.ts';
import { openTestStores, TEST_BACKEND, type TestStores, testDatabase } from './testing/store.ts';

const log = createLogger('silent');
/** PostgreSQL imports the EPSS days through the network: a longer budget. */
const IMPORT_MS = TEST_BACKEND === 'postgres' ? 900_000 : 300_000;
const cli = (db: string, ...args: string[]) =>
  spawnSync(process.execPath, [...CLI, '--db', db, ...args], { encoding: 'utf8', env: { ...process.env, VIGIL_LOG_LEVEL: 'silent' } });

async function importCorpus(store: Store): Promise<RunSummary[]> {
  const out: RunSummary[] = [];
  for (const step of corpusPlan(corpusDir)) out.push(await importFiles(findSource(step.source).source, step.paths, { store, log }, step.options));
  return out;
}

/** Rows of one statement (`?` placeholders) on the stores' own connection: what the interfaces do not show. */
async function rows<R = Record<string, unknown>>(stores: Pick<Stores, 'sqlite' | 'pg'>, sql: string, ...params: unknown[]): Promise<R[]> {
  if (stores.sqlite) return stores.sqlite.db.prepare(sql).all(...params) as R[];
  let n = 0;
  return (stores.pg as PgDb).query<R>(
    sql.replace(/\?/g, () => `$${++n}`),
    params,
  );
}

/** The first column of the first row. */
async function value<T>(stores: Pick<Stores, 'sqlite' | 'pg'>, sql: string, ...params: unknown[]): Promise<T> {
  return Object.values((await rows(stores, sql, ...params))[0] ?? {})[0] as T;
}

/** Digest of everything the store holds except run bookkeeping (source_state). */
async function digest(stores: Pick<Stores, 'sqlite' | 'pg'>): Promise<string> {
  const h = createHash('sha256');
  const tables: Record<string, string> = {
    observations: 'SELECT cve_id, source, last_modified, hash, data FROM observations ORDER BY 1, 2',
    vulns: 'SELECT cve_id, state, published, last_modified, severity, cvss_score, kev, ransomware, epss, epss_date, priority, vendors FROM vulns ORDER BY 1',
    vuln_products: 'SELECT vendor_key, product_key, cve_id FROM vuln_products ORDER BY 1, 2, 3',
    changes: 'SELECT cve_id, field, old, new, source, at FROM changes ORDER BY 1, 2, 3, 4, 5, 6',
    epss: 'SELECT cve_id, date, epss, percentile FROM epss_history ORDER BY 1, 2',
    kev: 'SELECT cve_id, data, ransomware, first_catalog, removed_in FROM kev ORDER BY 1',
  };
  if (stores.sqlite) {
    stores.sqlite.db.exec('CREATE VIRTUAL TABLE IF NOT EXISTS temp.fts_vocab USING fts5vocab(main, vulns_fts, row)');
    tables.fts = 'SELECT v.cve_id FROM vulns_fts f JOIN vulns v ON v.rowid = f.rowid ORDER BY 1';
    tables.ftsTerms = 'SELECT term, doc, cnt FROM temp.fts_vocab ORDER BY term';
  } else {
    tables.fts = 'SELECT cve_id, fts::text FROM vulns ORDER BY 1';
  }
  for (const [name, sql] of Object.entries(tables)) {
    h.update(name);
    for (const row of await rows(stores, sql)) h.update(JSON.stringify(row));
  }
  return h.digest('hex');
}

describe.skipIf(!hasCorpus())('pipeline on the real corpus', () => {
  let stores: TestStores;
  let store: Store;
  let first: RunSummary[];

  beforeAll(async () => {
    stores = await openTestStores();
    store = stores.store;
    first = await importCorpus(store);
  }, IMPORT_MS);
  afterAll(async () => {
    await stores?.close();
  });

  it('imports every source with nothing lost', async () => {
    const by = Object.fromEntries(first.map((s) => [s.source, s]));
    expect(by.cve5?.read).toBe(400 + 23_975);
    expect(by.nvd?.read).toBe(16_591 + 12_137 + 1_182 + 38 + 1 + 17);
    expect(by.kev?.kev.map((k) => k.entries)).toEqual([1_400, 1_404]);
    expect(by.epss?.epss.map((d) => d.rows)).toEqual([341_309, 356_353, 360_142]);
    for (const s of first) expect(s.error, s.source).toBeNull();
    const stats = await store.stats();
    // Every CVE id read is stored once.
    const ids = await value<number>(stores, 'SELECT count(DISTINCT cve_id) FROM observations');
    expect(stats.vulnerabilities).toBe(ids);
    expect(stats.vulnerabilities).toBeGreaterThan(50_000);
    expect(stats.epssDays).toEqual(['2026-06-14', '2026-08-09', '2026-08-16']);
    expect(stats.kevEntries).toBe(1_404);
  });

  it('reports the CVEs the newer KEV catalog added', () => {
    const kev = first.find((s) => s.source === 'kev');
    const older = JSON.parse(readFileSync(corpusPath('cisa-kev', 'known_exploited_vulnerabilities-2025.08.18.json'), 'utf8')) as {
      vulnerabilities: { cveID: string }[];
    };
    const newer = JSON.parse(readFileSync(corpusPath('cisa-kev', 'known_exploited_vulnerabilities.json'), 'utf8')) as { vulnerabilities: { cveID: string }[] };
    const before = new Set(older.vulnerabilities.map((v) => v.cveID));
    const added = newer.vulnerabilities.map((v) => v.cveID).filter((id) => !before.has(id));
    expect(added.length).toBeGreaterThan(0);
    expect(kev?.kev[0]?.added).toEqual([]); // the first catalog is a baseline
    expect([...(kev?.kev[1]?.added ?? [])].sort()).toEqual(added.sort());
  });

  it('merges CVE-2024-3400 from CVE 5, NVD, KEV and EPSS', async () => {
    const stored = await store.getVulnerability('CVE-2024-3400');
    expect(stored).not.toBeNull();
    const v = buildView(stored as NonNullable<typeof stored>);
    expect(v.state).toBe('PUBLISHED');
    expect(v.sources.map((s) => s.source).sort()).toEqual(['cve5', 'nvd']);
    expect(v.provenance.description).toBe('cve5');
    expect(v.vulnStatus).toBe('Awaiting Analysis');
    expect(v.primaryCvss).toMatchObject({ version: '3.1', baseScore: 10, baseSeverity: 'CRITICAL', vector: 'CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:C/C:H/I:H/A:H' });
    expect(v.severity).toBe('CRITICAL');
    expect(v.cwes.map((c) => c.id)).toContain('CWE-77');
    // KEV as the catalog says.
    const catalog = JSON.parse(readFileSync(corpusPath('cisa-kev', 'known_exploited_vulnerabilities.json'), 'utf8')) as {
      vulnerabilities: { cveID: string; dateAdded: string; dueDate: string; knownRansomwareCampaignUse: string }[];
    };
    const entry = catalog.vulnerabilities.find((e) => e.cveID === 'CVE-2024-3400');
    expect(v.kev).toMatchObject({ dateAdded: entry?.dateAdded, dueDate: entry?.dueDate, knownRansomwareCampaignUse: entry?.knownRansomwareCampaignUse });
    // EPSS as the newest day's file says.
    const line = gunzipSync(readFileSync(corpusPath('epss', 'emba-epss-2026-08-16.ssv.gz')))
      .toString('utf8')
      .split('\n')
      .find((l) => l.startsWith('CVE-2024-3400;'));
    const [, score, percentile] = (line ?? '').split(';');
    expect(v.epss).toMatchObject({ score: Number(score), percentile: Number(percentile), date: '2026-08-16' });
    expect(v.epss?.history.length).toBeGreaterThanOrEqual(1);
    // SSVC from CISA ADP and CISA's tree.
    expect(v.ssvc).toMatchObject({ exploitation: 'active', automatable: 'yes', technicalImpact: 'total' });
    expect(v.ssvc?.decision).toBe(ssvcDecision({ exploitation: 'active', automatable: 'yes', technicalImpact: 'total' }, 'medium').decision);
    // Priority: as documented, and equal to the stored generated column.
    const expected = computePriority({
      rejected: false,
      kev: true,
      ransomware: entry?.knownRansomwareCampaignUse === 'Known',
      epss: Number(score),
      cvssScore: 10,
    });
    expect(v.priority.score).toBe(expected.score);
    expect(stored?.priority).toBeCloseTo(expected.score, 2);
    expect(v.products.some((p) => p.product.toLowerCase().replace(/[^a-z]/g, '') === 'panos')).toBe(true);
    expect(v.history.some((h) => h.field === 'created')).toBe(true);
    expect(v.history.some((h) => h.source === 'kev' && h.field === 'kev')).toBe(true);
  });

  it('ranks KEV first and agrees with the documented formula on every record', async () => {
    const top = await store.rank({ kev: true, limit: 20 });
    expect(top).toHaveLength(20);
    for (const r of top) expect(r.kev).toBe(true);
    for (let i = 1; i < top.length; i++)
      expect((top[i - 1] as { priority: number }).priority).toBeGreaterThanOrEqual((top[i] as { priority: number }).priority);
    const overall = await store.rank({ limit: 50 });
    expect(overall[0]?.kev).toBe(true);
    const all = await rows<{
      state: string;
      kev: number;
      ransomware: number;
      epss: number | null;
      cvss_score: number | null;
      awaiting_epss: number;
      exploits: number;
      priority: number;
    }>(stores, 'SELECT state, kev, ransomware, epss, cvss_score, awaiting_epss, exploits, priority FROM vulns');
    // The corpus's Exploit-DB sample names some of the records: the exploit factor is exercised.
    expect(all.filter((r) => r.exploits > 0 && r.kev === 0).length).toBeGreaterThan(0);
    let worst = 0;
    for (const r of all) {
      const p = computePriority({
        rejected: r.state === 'REJECTED',
        kev: r.kev === 1,
        ransomware: r.ransomware === 1,
        epss: r.epss,
        cvssScore: r.cvss_score,
        awaitingEpss: r.awaiting_epss === 1,
        exploits: r.exploits,
      });
      worst = Math.max(worst, Math.abs(p.score - r.priority));
    }
    // SQL round() and Math.round may differ by one unit in the last (2nd) decimal.
    expect(worst).toBeLessThan(0.0101);
    const minKev = await value<number>(stores, 'SELECT min(priority) FROM vulns WHERE kev = 1 AND state != ?', 'REJECTED');
    const maxOther = await value<number>(stores, 'SELECT max(priority) FROM vulns WHERE kev = 0');
    expect(minKev).toBeGreaterThan(maxOther);
  });

  it('filters and searches safely', async () => {
    const pan = await store.rank({ vendor: 'Palo Alto Networks', limit: 100 });
    expect(pan.map((r) => r.id)).toContain('CVE-2024-3400');
    const since = await store.rank({ since: '2025-01-01', limit: 50 });
    for (const r of since) expect(r.published && r.published >= '2025-01-01').toBe(true);
    const found = await store.rank({ text: 'GlobalProtect command injection', limit: 10 });
    expect(found.map((r) => r.id)).toContain('CVE-2024-3400');
    for (const nasty of ['"', 'foo* OR (bar', "'; DROP TABLE vulns; --", 'NEAR(a b)', '-', '***']) {
      await expect(store.rank({ text: nasty, limit: 5 })).resolves.toBeInstanceOf(Array);
    }
    expect((await store.stats()).vulnerabilities).toBeGreaterThan(50_000);
  });

  it(
    'changes nothing when everything is imported again',
    async () => {
      const before = await digest(stores);
      const again = await importCorpus(store);
      for (const s of again) {
        expect(s.stored, s.source).toBe(0);
        expect(s.error).toBeNull();
      }
      expect(await digest(stores)).toBe(before);
    },
    IMPORT_MS,
  );

  it('vigil show --json and vigil top --json give the documented shapes', () => {
    const dbFile = stores.database;
    const show = cli(dbFile, 'show', 'CVE-2024-3400', '--json');
    expect(show.status, show.stderr).toBe(0);
    const v = JSON.parse(show.stdout);
    for (const key of [
      'id',
      'state',
      'published',
      'lastModified',
      'description',
      'cvss',
      'severity',
      'cwes',
      'epss',
      'kev',
      'ssvc',
      'priority',
      'sources',
      'history',
    ]) {
      expect(v, key).toHaveProperty(key);
    }
    expect(v.cvss[0]).toHaveProperty('source');
    expect(Object.keys(v.epss)).toEqual(expect.arrayContaining(['score', 'percentile', 'date', 'history']));
    expect(Object.keys(v.kev)).toEqual(expect.arrayContaining(['dateAdded', 'dueDate', 'knownRansomwareCampaignUse']));
    const top = cli(dbFile, 'top', '--kev', '--limit', '20', '--json');
    expect(top.status, top.stderr).toBe(0);
    const rows = JSON.parse(top.stdout) as { kev: boolean }[];
    expect(rows).toHaveLength(20);
    expect(rows.every((r) => r.kev)).toBe(true);
    const missing = cli(dbFile, 'show', 'CVE-1999-99999');
    expect(missing.status).toBe(1);
    expect(missing.stderr).toContain('CVE-1999-99999 not found');
    const bad = cli(dbFile, 'show', '../etc/passwd');
    expect(bad.stderr).toContain('Invalid CVE id');
  }, 60_000);
});

/** Observations stored in `database` so far, read without disturbing the import writing it (0 before it exists). */
async function storedObservations(database: string): Promise<number> {
  try {
    if (TEST_BACKEND === 'sqlite') {
      const db = new Database(database, { readonly: true, fileMustExist: true });
      try {
        return db.prepare('SELECT count(*) FROM observations').pluck().get() as number;
      } finally {
        db.close();
      }
    }
    const db = new PgDb(database, { max: 1 });
    try {
      return (await db.one<{ n: number }>('SELECT count(*) AS n FROM observations'))?.n ?? 0;
    } finally {
      await db.close();
    }
  } catch {
    return 0;
  }
}

describe.skipIf(!hasCorpus())('crash safety', () => {
  it('an import killed half way and re-run ends in the state of an uninterrupted run', async () => {
    const feed = corpusPath('nvd', 'nvdcve-1.1-2018.json.gz');
    const whole = testDatabase();
    const killed = testDatabase();
    try {
      expect(cli(whole.database, 'import', 'nvd', feed).status).toBe(0);
      // Kill the second import once it has committed some batches.
      const child = spawn(process.execPath, [...CLI, '--db', killed.database, 'import', 'nvd', feed], { stdio: 'ignore' });
      let stored = 0;
      for (let i = 0; i < 600 && stored < 3_000; i++) {
        await new Promise((r) => setTimeout(r, 50));
        stored = await storedObservations(killed.database);
      }
      child.kill('SIGKILL');
      await new Promise((r) => child.once('exit', r));
      const partial = await storedObservations(killed.database);
      expect(partial).toBeGreaterThan(0);
      expect(partial).toBeLessThan(16_591);
      expect(cli(killed.database, 'import', 'nvd', feed).status).toBe(0);
      const a = await openStores(whole.database);
      const b = await openStores(killed.database);
      expect(await digest(b)).toBe(await digest(a));
      await a.close();
      await b.close();
    } finally {
      await whole.drop();
      await killed.drop();
    }
  }, 300_000);
});
