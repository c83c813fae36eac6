/**
 * The embedded store: SQLite through better-sqlite3, in WAL mode, with FTS5 full-text search.
 * Zero set-up: the file and its schema are created on first open. Each write method runs in one
 * transaction, so a killed import leaves whole batches or nothing.
 */
import { statSync } from 'node:fs';
import Database from 'better-sqlite3';
import { DummyDriver, Kysely, SqliteAdapter, SqliteIntrospector, SqliteQueryCompiler } from 'kysely';
import { productKey } from '../../enrich/product-key.ts';
import type { Change, RankedVulnerability } from '../../model/record.ts';
import type { CvssVersion, CveState, KevEntry, KevHint, RecordSourceId, Severity, VulnObservation } from '../../model/vulnerability.ts';
import { buildRankQuery, type RankTables } from '../query.ts';
import type { MergeState, RankQuery, SourceState, Store, StoredVulnerability, StoreStats, VulnWrite } from '../types.ts';
import { applyEpssDay } from './epss.ts';
import { applyKevCatalog } from './kev.ts';
import { migrate } from './migrations.ts';

/** Options of the SQLite store. */
export interface SqliteStoreOptions {
  /** Open read-only (for `show`/`top` while a sync writes). */
  readonly?: boolean;
}

const CHUNK = 500;

function chunks<T>(items: T[], size = CHUNK): T[][] {
  const out: T[][] = [];
  for (let i = 0; i < items.length; i += size) out.push(items.slice(i, i + size));
  return out;
}

interface RankRow {
  cve_id: string;
  state: CveState;
  published: string | null;
  title: string | null;
  severity: Severity | null;
  cvss_score: number | null;
  cvss_version: CvssVersion | null;
  kev: number;
  ransomware: number;
  epss: number | null;
  epss_percentile: number | null;
  vendors: string | null;
  priority: number;
}

/**
 * Opens (creating if needed) the SQLite store at `file` (`:memory:` for a throwaway store).
 * @throws {Error} when the file cannot be opened or migrated.
 */
export function openSqliteStore(file: string, options: SqliteStoreOptions = {}): SqliteStore {
  return new SqliteStore(file, options);
}

/** {@link Store} on SQLite. */
export class SqliteStore implements Store {
  readonly db: Database.Database;
  readonly #file: string;
  readonly #qb: Kysely<RankTables>;
  readonly #stmts = new Map<string, Database.Statement>();

  constructor(file: string, options: SqliteStoreOptions = {}) {
    this.#file = file;
    this.db = new Database(file, { readonly: options.readonly ?? false });
    if (!options.readonly) {
      // Records are a few KB of JSON each: large pages keep them out of overflow chains
      // (only takes effect when the file is created).
      this.db.pragma('page_size = 16384');
      this.db.pragma('journal_mode = WAL');
      this.db.pragma('synchronous = NORMAL');
    }
    this.db.pragma('busy_timeout = 5000');
    this.db.pragma('cache_size = -65536');
    this.db.pragma('temp_store = MEMORY');
    if (!options.readonly) migrate(this.db);
    this.#qb = new Kysely<RankTables>({
      dialect: {
        createAdapter: () => new SqliteAdapter(),
        createDriver: () => new DummyDriver(),
        createIntrospector: (db) => new SqliteIntrospector(db),
        createQueryCompiler: () => new SqliteQueryCompiler(),
      },
    });
  }

  /** A cached prepared statement. */
  stmt(sql: string): Database.Statement {
    let s = this.#stmts.get(sql);
    if (!s) {
      s = this.db.prepare(sql);
      this.#stmts.set(sql, s);
    }
    return s;
  }

  async loadForMerge(cveIds: string[]): Promise<Map<string, MergeState>> {
    const out = new Map<string, MergeState>();
    const state = (id: string): MergeState => {
      let s = out.get(id);
      if (!s) {
        s = { observations: new Map() };
        out.set(id, s);
      }
      return s;
    };
    for (const ids of chunks([...new Set(cveIds)])) {
      const marks = ids.map(() => '?').join(',');
      const obs = this.stmt(`SELECT cve_id, source, hash, data FROM observations WHERE cve_id IN (${marks})`).all(...ids) as {
        cve_id: string;
        source: RecordSourceId;
        hash: string;
        data: string;
      }[];
      for (const r of obs) state(r.cve_id).observations.set(r.source, { observation: JSON.parse(r.data) as VulnObservation, hash: r.hash });
    }
    return out;
  }

  async saveVulnerabilities(writes: VulnWrite[]): Promise<void> {
    if (!writes.length) return;
    const putObs = this.stmt(
      `INSERT INTO observations (cve_id, source, last_modified, hash, data) VALUES (?, ?, ?, ?, ?)
       ON CONFLICT (cve_id, source) DO UPDATE SET last_modified = excluded.last_modified, hash = excluded.hash, data = excluded.data`,
    );
    const getKev = this.stmt('SELECT ransomware FROM kev WHERE cve_id = ? AND removed_in IS NULL').pluck();
    const getEpss = this.stmt('SELECT epss, percentile, date FROM epss_current WHERE cve_id = ?');
    const putVuln = this.stmt(
      `INSERT INTO vulns (cve_id, state, published, last_modified, title, severity, cvss_score, cvss_version, kev, ransomware, kev_hint, epss, epss_percentile, epss_date, vendors)
       VALUES (@id, @state, @published, @lastModified, @title, @severity, @cvssScore, @cvssVersion, @kev, @ransomware, @kevHint, @epss, @percentile, @epssDate, @vendors)
       ON CONFLICT (cve_id) DO UPDATE SET state = excluded.state, published = excluded.published, last_modified = excluded.last_modified,
         title = excluded.title, severity = excluded.severity, cvss_score = excluded.cvss_score, cvss_version = excluded.cvss_version,
         kev = excluded.kev, ransomware = excluded.ransomware, kev_hint = excluded.kev_hint, epss = excluded.epss,
         epss_percentile = excluded.epss_percentile, epss_date = excluded.epss_date, vendors = excluded.vendors`,
    );
    // Not RETURNING: in SQLite it costs several times the insert itself.
    const getRowid = this.stmt('SELECT rowid FROM vulns WHERE cve_id = ?').pluck();
    const delProducts = this.stmt('DELETE FROM vuln_products WHERE cve_id = ?');
    const putProduct = this.stmt('INSERT OR IGNORE INTO vuln_products (vendor_key, product_key, cve_id) VALUES (?, ?, ?)');
    const delFts = this.stmt('DELETE FROM vulns_fts WHERE rowid = ?');
    const putFts = this.stmt('INSERT INTO vulns_fts (rowid, cve_id, title, description, products, cwes) VALUES (?, ?, ?, ?, ?, ?)');
    const putChange = this.stmt('INSERT INTO changes (cve_id, field, old, new, source, at) VALUES (?, ?, ?, ?, ?, ?)');

    this.db.transaction(() => {
      for (const w of writes) {
        const v = w.vulnerability;
        putObs.run(v.id, w.observation.source, w.observation.lastModified, w.hash, w.json);
        const vendors = [...new Set(v.products.map((p) => p.vendor))];
        const ransomware = getKev.get(v.id) as number | undefined;
        const epss = getEpss.get(v.id) as { epss: number; percentile: number; date: string } | undefined;
        const info = putVuln.run({
          id: v.id,
          state: v.state,
          published: v.published ?? null,
          lastModified: v.lastModified,
          title: v.title ?? null,
          severity: v.severity,
          cvssScore: v.primaryCvss?.baseScore ?? null,
          cvssVersion: v.primaryCvss?.version ?? null,
          kevHint: w.kevHint ? JSON.stringify(w.kevHint) : null,
          kev: Number(ransomware !== undefined || w.kevHint !== null),
          ransomware: ransomware ?? 0,
          epss: epss?.epss ?? null,
          percentile: epss?.percentile ?? null,
          epssDate: epss?.date ?? null,
          vendors: vendors.length ? vendors.join(', ') : null,
        });
        const rowid = w.isNew ? Number(info.lastInsertRowid) : (getRowid.get(v.id) as number);
        if (!w.isNew) {
          delProducts.run(v.id);
          delFts.run(rowid);
        }
        for (const p of v.products) putProduct.run(productKey(p.vendor), productKey(p.product), v.id);
        putFts.run(
          rowid,
          v.id,
          v.title ?? '',
          v.description ?? '',
          v.products.map((p) => `${p.vendor} ${p.product}`).join(' '),
          v.cwes.map((c) => `${c.id} ${c.name ?? ''}`).join(' '),
        );
        for (const c of w.changes) putChange.run(c.cveId, c.field, c.old, c.new, c.source, c.at);
      }
    })();
  }

  async applyEpssDay(day: Parameters<Store['applyEpssDay']>[0]) {
    return applyEpssDay(this, day);
  }

  async applyKevCatalog(catalog: Parameters<Store['applyKevCatalog']>[0]) {
    return applyKevCatalog(this, catalog);
  }

  async getVulnerability(cveId: string): Promise<StoredVulnerability | null> {
    const row = this.stmt('SELECT kev_hint, epss, epss_percentile, epss_date, priority FROM vulns WHERE cve_id = ?').get(cveId) as
      | { kev_hint: string | null; epss: number | null; epss_percentile: number | null; epss_date: string | null; priority: number }
      | undefined;
    if (!row) return null;
    const kev = this.stmt('SELECT data FROM kev WHERE cve_id = ? AND removed_in IS NULL').get(cveId) as { data: string } | undefined;
    const epssHistory = this.stmt('SELECT date, epss AS score, percentile FROM epss_history WHERE cve_id = ? ORDER BY date').all(cveId) as {
      date: string;
      score: number;
      percentile: number;
    }[];
    const history = this.stmt('SELECT cve_id AS cveId, field, old, new, source, at FROM changes WHERE cve_id = ? ORDER BY at, id').all(cveId) as Change[];
    return {
      observations: (this.stmt('SELECT data FROM observations WHERE cve_id = ? ORDER BY source').pluck().all(cveId) as string[]).map(
        (d) => JSON.parse(d) as VulnObservation,
      ),
      kev: kev ? (JSON.parse(kev.data) as KevEntry) : null,
      kevHint: row.kev_hint ? (JSON.parse(row.kev_hint) as KevHint) : null,
      epss:
        row.epss !== null && row.epss_percentile !== null && row.epss_date !== null
          ? { score: row.epss, percentile: row.epss_percentile, date: row.epss_date }
          : null,
      epssHistory,
      history,
      priority: row.priority,
    };
  }

  async rank(query: RankQuery): Promise<RankedVulnerability[]> {
    const compiled = buildRankQuery(this.#qb, query).compile();
    const rows = this.stmt(compiled.sql).all(...(compiled.parameters as unknown[])) as RankRow[];
    return rows.map((r) => ({
      id: r.cve_id,
      state: r.state,
      published: r.published,
      severity: r.severity,
      cvssScore: r.cvss_score,
      cvssVersion: r.cvss_version,
      epss: r.epss,
      percentile: r.epss_percentile,
      kev: r.kev === 1,
      ransomware: r.ransomware === 1,
      priority: r.priority,
      title: r.title,
      vendors: r.vendors ? r.vendors.split(', ') : [],
    }));
  }

  async getSourceState(source: string): Promise<SourceState | null> {
    const r = this.stmt('SELECT * FROM source_state WHERE source = ?').get(source) as Record<string, unknown> | undefined;
    return r ? toSourceState(r) : null;
  }

  async saveSourceState(s: SourceState): Promise<void> {
    this.stmt(
      `INSERT INTO source_state (source, cursor, last_success, last_attempt, last_error, last_count) VALUES (?, ?, ?, ?, ?, ?)
       ON CONFLICT (source) DO UPDATE SET cursor = excluded.cursor, last_success = excluded.last_success,
         last_attempt = excluded.last_attempt, last_error = excluded.last_error, last_count = excluded.last_count`,
    ).run(s.source, s.cursor, s.lastSuccess, s.lastAttempt, s.lastError, s.lastCount);
  }

  async listSourceStates(): Promise<SourceState[]> {
    return (this.stmt('SELECT * FROM source_state ORDER BY source').all() as Record<string, unknown>[]).map(toSourceState);
  }

  async stats(): Promise<StoreStats> {
    const count = (table: string): number => this.stmt(`SELECT count(*) FROM ${table}`).pluck().get() as number;
    let bytes: number | null = null;
    if (this.#file !== ':memory:') {
      bytes = 0;
      for (const suffix of ['', '-wal']) bytes += statSync(this.#file + suffix, { throwIfNoEntry: false })?.size ?? 0;
    }
    return {
      vulnerabilities: count('vulns'),
      observations: count('observations'),
      epssScores: count('epss_current'),
      epssDays: this.stmt('SELECT date FROM epss_days ORDER BY date').pluck().all() as string[],
      kevEntries: this.stmt('SELECT count(*) FROM kev WHERE removed_in IS NULL').pluck().get() as number,
      kevCatalogVersion: (this.stmt('SELECT max(catalog_version) FROM kev_catalogs').pluck().get() as string | null) ?? null,
      changes: count('changes'),
      bytes,
    };
  }

  async close(): Promise<void> {
    if (this.db.open) {
      if (!this.db.readonly) this.db.pragma('optimize');
      this.db.close();
    }
  }
}

function toSourceState(r: Record<string, unknown>): SourceState {
  return {
    source: r.source as string,
    cursor: (r.cursor as string | null) ?? null,
    lastSuccess: (r.last_success as string | null) ?? null,
    lastAttempt: (r.last_attempt as string | null) ?? null,
    lastError: (r.last_error as string | null) ?? null,
    lastCount: (r.last_count as number | null) ?? null,
  };
}
