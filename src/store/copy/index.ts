/**
 * Copies a whole store from one database to another, across back ends or within one (`vigil
 * migrate`): SQLite → PostgreSQL, PostgreSQL → SQLite, SQLite → SQLite, PostgreSQL → PostgreSQL.
 *
 * Both schemas have the same tables and columns (sqlite/migrations.ts, postgres/migrations.ts), so
 * the copy is table by table, column by column, in pages ordered by each table's key (streaming:
 * never a whole table in memory), parents before children (foreign keys). What is not copied is
 * derived on the target: the generated `priority` column, and the full-text index (./full-text.ts).
 * Identity sequences are moved past the copied ids (and past ids the source handed out and deleted).
 *
 * All or nothing: the source is read in one snapshot, and the target is cleared, filled and
 * re-indexed in ONE transaction, so a copy that crashes or is killed (SIGKILL included) leaves the
 * target as it was, and running it again gives the same end state. The row counts per table are
 * then compared on both sides ({@link CopyReport.ok}).
 */
import { existsSync } from 'node:fs';
import path from 'node:path';
import pg from 'pg';
import { VigilError } from '../../errors.ts';
import { type Backend, backendOf, openStores, type Stores } from '../index.ts';
import { type PgClient, parsePostgresUrl, redactUrl } from '../postgres/pool.ts';
import { type FullTextCounts, type FullTextProgress, rebuildPgFullText, rebuildSqliteFullText } from './full-text.ts';
import { PgTables, type Row, SqliteTables, type TableIo, type TableShape } from './tables.ts';

/** Options of {@link copyStore}. */
export interface CopyOptions {
  /** Replace what the target holds (default false: a target holding data is refused). */
  force?: boolean;
  /** Rows read and written per batch (default 1,000). */
  batchSize?: number;
  /** Called after each batch: rows of `table` copied (or given full text) so far, of `total`. */
  onProgress?: (ev: CopyProgress) => void;
  /**
   * Called after each batch is written, inside the target's transaction (tests: throwing here is a
   * crash in the middle of a table).
   */
  afterBatch?: (table: string, copied: number) => void | Promise<void>;
}

/** Progress of one table. */
export interface CopyProgress {
  phase: 'rows' | 'full text';
  table: string;
  done: number;
  total: number;
}

/** Rows of one table on both sides. */
export interface TableCount {
  table: string;
  source: number;
  target: number;
}

/** What {@link copyStore} did. */
export interface CopyReport {
  from: Backend;
  to: Backend;
  /** Per table, in copy order; plus the full-text rows as `vulns (full text)`, `advisories (full text)` and `intel_documents (full text)`. */
  counts: TableCount[];
  /** Every count matches. */
  ok: boolean;
  /** Wall time, ms. */
  ms: number;
}

/**
 * Tables a store writes by itself when it is opened or first served (engine cursors, the JWT key):
 * rows there do not make a target "hold data", and are replaced like the rest.
 */
const BOOKKEEPING = new Set(['alert_state', 'settings']);

/** Whether a store exists at `database` (a SQLite file, or a PostgreSQL schema Vigil migrated). */
async function storeExists(database: string): Promise<boolean> {
  if (backendOf(database) === 'sqlite') return database !== ':memory:' && existsSync(database);
  const target = parsePostgresUrl(database);
  const client = new pg.Client({ connectionString: target.connectionString });
  await client.connect();
  try {
    const r = await client.query("SELECT 1 FROM information_schema.tables WHERE table_schema = $1 AND table_name = 'schema_migrations'", [target.schema]);
    return (r.rowCount ?? 0) > 0;
  } finally {
    await client.end();
  }
}

/** Same database? (The same file, or the same server, database and schema.) */
function sameDatabase(a: string, b: string): boolean {
  if (backendOf(a) !== backendOf(b)) return false;
  if (backendOf(a) === 'sqlite') return path.resolve(a) === path.resolve(b);
  const [x, y] = [parsePostgresUrl(a), parsePostgresUrl(b)];
  const where = (u: string) => {
    const url = new URL(u);
    return `${url.hostname}:${url.port || '5432'}${url.pathname}`;
  };
  return where(x.connectionString) === where(y.connectionString) && x.schema === y.schema;
}

/** A connection of `stores` for table access, and how to hand it back. */
async function tableIo(stores: Stores): Promise<{ io: TableIo; client: PgClient | null; release(): void }> {
  if (stores.sqlite) return { io: new SqliteTables(stores.sqlite.db), client: null, release: () => {} };
  const db = stores.pg;
  if (!db) throw new Error(`no table access to a ${stores.backend} store`);
  const client = await db.pool.connect();
  return { io: new PgTables(client, db.schema), client, release: () => client.release() };
}

/** Tables in an order where each comes after those it references. */
function parentsFirst(shapes: TableShape[]): TableShape[] {
  const byName = new Map(shapes.map((s) => [s.name, s]));
  const done = new Set<string>();
  const out: TableShape[] = [];
  const visit = (s: TableShape, trail: string[]) => {
    if (done.has(s.name)) return;
    if (trail.includes(s.name)) throw new Error(`foreign keys form a cycle: ${[...trail, s.name].join(' → ')}`);
    for (const r of s.references) {
      const parent = byName.get(r);
      if (parent) visit(parent, [...trail, s.name]);
    }
    done.add(s.name);
    out.push(s);
  };
  for (const s of [...shapes].sort((a, b) => a.name.localeCompare(b.name))) visit(s, []);
  return out;
}

/** The copy plan: target tables with the columns both sides have. */
interface PlannedTable {
  source: TableShape;
  target: TableShape;
  columns: string[];
}

/**
 * Matches the two schemas.
 * @throws {Error} when the source has a column the target lacks (a newer store copied into an older Vigil).
 */
function plan(source: TableShape[], target: TableShape[]): { tables: PlannedTable[]; sourceOnly: TableShape[] } {
  const byName = new Map(source.map((s) => [s.name, s]));
  const tables: PlannedTable[] = [];
  for (const t of parentsFirst(target)) {
    const s = byName.get(t.name);
    if (!s) continue;
    const missing = s.columns.filter((c) => !t.columns.includes(c));
    if (missing.length) throw new Error(`table ${t.name}: the target has no column ${missing.join(', ')}`);
    tables.push({ source: s, target: t, columns: s.columns });
  }
  const sourceOnly = source.filter((s) => !target.some((t) => t.name === s.name));
  return { tables, sourceOnly };
}

/**
 * Copies the store at `from` into the store at `to` (each a SQLite file path or a `postgres://`
 * URL; opening them applies pending migrations to both).
 * @throws {VigilError} VIGIL_NOT_FOUND when `from` holds no store; VIGIL_BAD_REQUEST when both name
 *   the same database, when the schema versions differ, or when the target holds data and
 *   `force` is not set. Any database error rolls the target back and is rethrown.
 */
export async function copyStore(from: string, to: string, options: CopyOptions = {}): Promise<CopyReport> {
  const started = performance.now();
  const batchSize = Math.max(1, Math.floor(options.batchSize ?? 1_000));
  if (sameDatabase(from, to)) throw new VigilError('VIGIL_BAD_REQUEST', [`--from and --to name the same store (${redactUrl(from)})`]);
  if (!(await storeExists(from))) throw new VigilError('VIGIL_NOT_FOUND', [`store ${redactUrl(from)}`]);
  const source = await openStores(from);
  let target: Stores | null = null;
  const held: { release(): void }[] = [];
  try {
    target = await openStores(to);
    const src = await tableIo(source);
    held.push(src);
    const dst = await tableIo(target);
    held.push(dst);
    await src.io.begin('read');
    await dst.io.begin('write');
    let sourceCounts: TableCount[];
    let fullText: FullTextCounts;
    let copied: string[] = [];
    try {
      const [a, b] = [await src.io.migrations(), await dst.io.migrations()];
      if (a.join() !== b.join()) {
        throw new VigilError('VIGIL_BAD_REQUEST', [`the stores have different schema versions (source ${a.at(-1) ?? 0}, target ${b.at(-1) ?? 0}): run the newer Vigil on both`]);
      }
      const { tables, sourceOnly } = plan(await src.io.tables(), await dst.io.tables());
      for (const s of sourceOnly) {
        const n = await src.io.count(s.name);
        if (n) throw new Error(`table ${s.name} (${n} rows) has no counterpart in the target`);
      }
      if (!options.force) {
        const held: string[] = [];
        for (const t of tables) {
          if (BOOKKEEPING.has(t.target.name)) continue;
          const n = await dst.io.count(t.target.name);
          if (n) held.push(`${t.target.name}: ${n} rows`);
        }
        if (held.length) {
          throw new VigilError('VIGIL_BAD_REQUEST', [`the target store ${redactUrl(to)} is not empty (${held.slice(0, 5).join(', ')}${held.length > 5 ? ', …' : ''}): pass --force to replace what it holds`]);
        }
      }
      copied = tables.map((t) => t.target.name);
      await dst.io.clear([...copied].reverse());
      sourceCounts = [];
      for (const t of tables) sourceCounts.push({ table: t.target.name, source: await copyTable(src.io, dst.io, t, batchSize, options), target: 0 });
      for (const t of tables) {
        if (!t.target.identity) continue;
        const next = Math.max(await src.io.sequence(t.source), await dst.io.sequence(t.target));
        await dst.io.setSequence(t.target, next);
      }
      const progress: FullTextProgress = (table, done, total) => options.onProgress?.({ phase: 'full text', table, done, total });
      fullText = dst.io instanceof SqliteTables ? rebuildSqliteFullText(dst.io.db, batchSize, progress) : await rebuildPgFullText((dst.client as PgClient), batchSize, progress);
      await dst.io.commit();
    } catch (err) {
      await dst.io.rollback();
      throw err;
    } finally {
      await src.io.rollback();
    }
    // Planner statistics for the new contents at once: autovacuum would take them only after its
    // next round, and until then PostgreSQL plans searches for empty tables (a 40× slower plan for
    // a one-word search was measured on the corpus store). VACUUM too: the full-text rebuild
    // updated every `vulns` and `advisories` row, leaving as many dead row versions for searches to
    // skip. SQLite plans without statistics and has no dead rows to clean.
    if (dst.client) await dst.client.query(`VACUUM (ANALYZE) ${copied.map((name) => `"${name.replaceAll('"', '""')}"`).join(', ')}`);
    // Verified after the commit, as a reader of the target sees it.
    const counts: TableCount[] = [];
    for (const c of sourceCounts) counts.push({ ...c, target: await dst.io.count(c.table) });
    const byTable = (name: string) => counts.find((c) => c.table === name)?.target ?? 0;
    counts.push({ table: 'vulns (full text)', source: byTable('vulns'), target: fullText.vulns });
    counts.push({ table: 'advisories (full text)', source: byTable('advisories'), target: fullText.advisories });
    counts.push({ table: 'intel_documents (full text)', source: byTable('intel_documents'), target: fullText.intel });
    return { from: source.backend, to: target.backend, counts, ok: counts.every((c) => c.source === c.target), ms: performance.now() - started };
  } finally {
    for (const h of held) h.release();
    await target?.close();
    await source.close();
  }
}

/** Copies one table in key-ordered batches; returns the rows read from the source. */
async function copyTable(src: TableIo, dst: TableIo, t: PlannedTable, batchSize: number, options: CopyOptions): Promise<number> {
  const total = await src.count(t.source.name);
  const keyAt = t.source.key.map((k) => t.columns.indexOf(k));
  // Key columns not copied (none today) would still be needed to page: read them too.
  const columns = [...t.columns, ...t.source.key.filter((k) => !t.columns.includes(k))];
  const keyIndex = t.source.key.map((k, i) => (keyAt[i] !== undefined && keyAt[i] >= 0 ? keyAt[i] : columns.indexOf(k)));
  let copied = 0;
  let after: Row | null = null;
  options.onProgress?.({ phase: 'rows', table: t.target.name, done: 0, total });
  for (;;) {
    const rows = await src.page(t.source, columns, after, batchSize);
    if (!rows.length) break;
    const last = rows.at(-1) as Row;
    after = keyIndex.map((i) => last[i]);
    await dst.insert(t.target, t.columns, columns.length === t.columns.length ? rows : rows.map((r) => r.slice(0, t.columns.length)));
    copied += rows.length;
    options.onProgress?.({ phase: 'rows', table: t.target.name, done: copied, total });
    await options.afterBatch?.(t.target.name, copied);
    if (rows.length < batchSize) break;
  }
  return copied;
}
