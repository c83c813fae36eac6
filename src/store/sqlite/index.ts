/**
 * The embedded store: SQLite through better-sqlite3, in WAL mode, with FTS5 full-text search.
 * Zero set-up: the file and its schema are created on first open. Each write method runs in one
 * transaction, so a killed import leaves whole batches or nothing.
 */
import { closeSync, existsSync, openSync, statSync } from 'node:fs';
import Database from 'better-sqlite3';
import { DummyDriver, Kysely, SqliteAdapter, SqliteIntrospector, SqliteQueryCompiler } from 'kysely';
import { computePriority } from '../../analysis/priority.ts';
import type { Advisory, AdvisoryLink, AdvisorySummary } from '../../model/advisory.ts';
import type { Change, RankedVulnerability } from '../../model/record.ts';
import type { CvssVersion, CveState, KevEntry, KevHint, RecordSourceId, Severity, VulnObservation } from '../../model/vulnerability.ts';
import { buildCountQuery, buildRankQuery, type RankTables } from '../query.ts';
import type {
  AdvisoryQuery,
  AdvisorySaveResult,
  MergeState,
  RankQuery,
  SourceState,
  Store,
  StoredAdvisory,
  StoredVulnerability,
  StoreStats,
  VulnWrite,
} from '../types.ts';
import {
  EXPLOIT_COUNT_SQL,
  advisoriesForCve,
  advisoryCounts,
  countAdvisories,
  getAdvisory,
  listAdvisories,
  toAdvisoryRows,
  writeAdvisoryRows,
} from './advisories.ts';
import { applyEpssDay } from './epss.ts';
import { applyKevCatalog } from './kev.ts';
import { dayStart } from './known.ts';
import { VendorNames } from './vendor-names.ts';
import { migrate } from './migrations.ts';
import { toRows, writeRows } from './rows.ts';

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
  snippet: string | null;
  severity: Severity | null;
  cvss_score: number | null;
  cvss_version: CvssVersion | null;
  kev: number;
  ransomware: number;
  epss: number | null;
  epss_percentile: number | null;
  vendors: string | null;
  exploits: number;
  priority: number;
}

/**
 * Which of the store's files (the database, its `-wal` and `-shm`) others than the owner may read
 * or write (mode bits beyond 0600): the store holds password hashes and, unless it comes from the
 * environment, the JWT signing key. One line per file, with the fix.
 */
export function storePermissionProblems(file: string): string[] {
  if (file === ':memory:' || file === '') return [];
  const problems: string[] = [];
  for (const f of [file, `${file}-wal`, `${file}-shm`]) {
    const st = statSync(f, { throwIfNoEntry: false });
    if (st && (st.mode & 0o077) !== 0)
      problems.push(`${f} is mode ${(st.mode & 0o777).toString(8)}: others can read it (it holds credentials): chmod 600 ${f}`);
  }
  return problems;
}

/**
 * Opens (creating if needed) the SQLite store at `file` (`:memory:` for a throwaway store).
 * A new file is created mode 0600 (SQLite gives its `-wal` and `-shm` files the same mode).
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
  /** One display name per vendor key, for lists (vendor-names.ts). */
  readonly vendorNames = new VendorNames(this);

  constructor(file: string, options: SqliteStoreOptions = {}) {
    this.#file = file;
    // Created here, owner-only, before SQLite creates it with the umask's mode (usually 0644).
    if (!options.readonly && file !== ':memory:' && file !== '' && !existsSync(file)) closeSync(openSync(file, 'a', 0o600));
    this.db = new Database(file, { readonly: options.readonly ?? false });
    if (!options.readonly) {
      // Records are a few KB of JSON each: large pages keep them out of overflow chains
      // (only takes effect when the file is created).
      this.db.pragma('page_size = 16384');
      this.db.pragma('journal_mode = WAL');
      this.db.pragma('synchronous = NORMAL');
    }
    this.db.pragma('busy_timeout = 5000');
    this.db.pragma('foreign_keys = ON');
    // 16 MB page cache: the OS caches the file too; a larger cache only raised peak memory.
    this.db.pragma('cache_size = -16384');
    // Temp tables (EPSS days: 360k rows) in memory: on disk they save ~60 MB but cost ~1 s a day.
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
    return mergeStates(this.loadObservationRows(cveIds));
  }

  async saveVulnerabilities(writes: VulnWrite[]): Promise<void> {
    writeRows(this, toRows(writes));
  }

  /** Stored observations of these CVEs as raw JSON (for the worker, which leaves parsing to the caller). */
  loadObservationRows(cveIds: string[]): { cve_id: string; source: RecordSourceId; hash: string; data: string }[] {
    const out: { cve_id: string; source: RecordSourceId; hash: string; data: string }[] = [];
    for (const ids of chunks([...new Set(cveIds)])) {
      const marks = ids.map(() => '?').join(',');
      out.push(...(this.stmt(`SELECT cve_id, source, hash, data FROM observations WHERE cve_id IN (${marks})`).all(...ids) as typeof out));
    }
    return out;
  }

  async applyEpssDay(day: Parameters<Store['applyEpssDay']>[0]) {
    return applyEpssDay(this, day);
  }

  async applyKevCatalog(catalog: Parameters<Store['applyKevCatalog']>[0]) {
    return applyKevCatalog(this, catalog);
  }

  async getVulnerability(cveId: string): Promise<StoredVulnerability | null> {
    const row = this.stmt(
      'SELECT kev_hint, epss, epss_percentile, epss_date, priority, has_record, awaiting_epss, last_modified, exploits FROM vulns WHERE cve_id = ?',
    ).get(cveId) as
      | {
          kev_hint: string | null;
          epss: number | null;
          epss_percentile: number | null;
          epss_date: string | null;
          priority: number;
          has_record: number;
          awaiting_epss: number;
          last_modified: string;
          exploits: number;
        }
      | undefined;
    const epssHistory = this.stmt('SELECT date, epss AS score, percentile FROM epss_history WHERE cve_id = ? ORDER BY date').all(cveId) as {
      date: string;
      score: number;
      percentile: number;
    }[];
    const history = this.stmt('SELECT cve_id AS cveId, field, old, new, source, at FROM changes WHERE cve_id = ? ORDER BY at, id').all(cveId) as Change[];
    if (!row) return epssOnly(this, cveId, epssHistory, history);
    const kev = this.stmt('SELECT data FROM kev WHERE cve_id = ? AND removed_in IS NULL').get(cveId) as { data: string } | undefined;
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
      exploits: row.exploits,
      cveId,
      hasRecord: row.has_record === 1,
      awaitingEpss: row.awaiting_epss === 1,
      lastModified: row.last_modified,
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
      snippet: r.snippet,
      vendors: r.vendors ? this.vendorNames.display(r.vendors.split(', ')) : [],
      exploits: r.exploits,
    }));
  }

  async countRanked(query: RankQuery): Promise<number> {
    const compiled = buildCountQuery(this.#qb, query).compile();
    return this.stmt(compiled.sql)
      .pluck()
      .get(...(compiled.parameters as unknown[])) as number;
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

  async newestLastModified(source: string): Promise<string | null> {
    return (this.stmt('SELECT max(last_modified) FROM observations WHERE source = ?').pluck().get(source) as string | null) ?? null;
  }

  async stats(): Promise<StoreStats> {
    const count = (table: string): number => this.stmt(`SELECT count(*) FROM ${table}`).pluck().get() as number;
    let bytes: number | null = null;
    if (this.#file !== ':memory:') {
      bytes = 0;
      for (const suffix of ['', '-wal']) bytes += statSync(this.#file + suffix, { throwIfNoEntry: false })?.size ?? 0;
    }
    return {
      vulnerabilities: this.stmt('SELECT count(*) FROM vulns WHERE has_record = 1').pluck().get() as number,
      knownWithoutRecord: this.stmt(
        'SELECT (SELECT count(*) FROM vulns WHERE has_record = 0) + (SELECT count(*) FROM epss_current c WHERE NOT EXISTS (SELECT 1 FROM vulns v WHERE v.cve_id = c.cve_id))',
      )
        .pluck()
        .get() as number,
      observations: count('observations'),
      epssScores: count('epss_current'),
      epssDays: this.stmt('SELECT date FROM epss_days ORDER BY date').pluck().all() as string[],
      kevEntries: this.stmt('SELECT count(*) FROM kev WHERE removed_in IS NULL').pluck().get() as number,
      kevCatalogVersion: (this.stmt('SELECT max(catalog_version) FROM kev_catalogs').pluck().get() as string | null) ?? null,
      changes: count('changes'),
      advisories: advisoryCounts(this),
      bytes,
    };
  }

  async saveAdvisories(advisories: Advisory[]): Promise<AdvisorySaveResult> {
    return writeAdvisoryRows(this, toAdvisoryRows(advisories));
  }

  async getAdvisory(id: string): Promise<StoredAdvisory | null> {
    return getAdvisory(this, id);
  }

  async listAdvisories(query: AdvisoryQuery): Promise<AdvisorySummary[]> {
    return listAdvisories(this, query);
  }

  async countAdvisories(query: AdvisoryQuery): Promise<number> {
    return countAdvisories(this, query);
  }

  async advisoriesForCve(cveId: string): Promise<AdvisoryLink[]> {
    return advisoriesForCve(this, cveId);
  }

  async close(): Promise<void> {
    if (this.db.open) {
      if (!this.db.readonly) this.db.pragma('optimize');
      this.db.close();
    }
  }
}

/**
 * What the store holds of a CVE only EPSS knows (no row: see known.ts), or null when EPSS has never
 * scored it either: its scores, no record, no KEV entry; the priority from the same formula.
 */
function epssOnly(store: SqliteStore, cveId: string, epssHistory: StoredVulnerability['epssHistory'], history: Change[]): StoredVulnerability | null {
  const first = epssHistory[0];
  if (!first) return null;
  // No row to keep the count: counted here (an exploit may name a CVE before its record or KEV entry).
  const exploits = store.stmt(`SELECT ${EXPLOIT_COUNT_SQL}`).pluck().get(cveId) as number;
  const current = store.stmt('SELECT epss, percentile, date FROM epss_current WHERE cve_id = ?').get(cveId) as
    | { epss: number; percentile: number; date: string }
    | undefined;
  return {
    cveId,
    observations: [],
    kev: null,
    kevHint: null,
    epss: current ? { score: current.epss, percentile: current.percentile, date: current.date } : null,
    epssHistory,
    history,
    priority: computePriority({ rejected: false, kev: false, ransomware: false, epss: current?.epss ?? null, cvssScore: null, exploits }).score,
    exploits,
    hasRecord: false,
    awaitingEpss: false,
    lastModified: dayStart(first.date),
  };
}

/** Groups raw observation rows by CVE, parsing their JSON. */
export function mergeStates(rows: { cve_id: string; source: RecordSourceId; hash: string; data: string }[]): Map<string, MergeState> {
  const out = new Map<string, MergeState>();
  for (const r of rows) {
    let s = out.get(r.cve_id);
    if (!s) {
      s = { observations: new Map() };
      out.set(r.cve_id, s);
    }
    s.observations.set(r.source, { observation: JSON.parse(r.data) as VulnObservation, hash: r.hash });
  }
  return out;
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
