/**
 * Table-level access to a store's database for `vigil migrate` (./index.ts): the shape of each
 * table as the database's own catalog describes it, key-ordered pages of rows, multi-row inserts,
 * and the identity sequences. One implementation per back end, each working inside one transaction
 * on one connection (a consistent snapshot of a source; an all-or-nothing copy into a target).
 *
 * Catalogs read: SQLite's `pragma_table_xinfo`, `pragma_index_list`/`pragma_index_info`,
 * `pragma_foreign_key_list`, `sqlite_sequence` (https://sqlite.org/pragma.html,
 * https://sqlite.org/autoinc.html); PostgreSQL's `information_schema.columns`, `pg_index`,
 * `pg_constraint` and the identity sequences (https://www.postgresql.org/docs/15/catalogs.html).
 */
import type { Database } from 'better-sqlite3';
import type { Backend } from '../index.ts';
import type { PgClient } from '../postgres/pool.ts';

/** What is copied of one table. */
export interface TableShape {
  name: string;
  /** Stored columns, in table order: generated columns (`priority`) and full text (`fts`) are left out. */
  columns: string[];
  /** Columns rows are paged by: the primary key, else the first unique index. */
  key: string[];
  /** Tables its foreign keys reference (copied before it). */
  references: string[];
  /** Column whose values come from a sequence (SQLite AUTOINCREMENT or INTEGER PRIMARY KEY, PostgreSQL identity), or null. */
  identity: string | null;
  /** PostgreSQL: each column's type (`udt_name`: `text`, `int4`, `float8`, …). */
  types?: Record<string, string>;
}

/** Rows as arrays of column values, in the order of the columns asked for. */
export type Row = unknown[];

/** One back end's tables, on one connection inside one transaction. */
export interface TableIo {
  readonly backend: Backend;
  /** Starts the transaction: a snapshot for reading, or a write transaction. */
  begin(mode: 'read' | 'write'): Promise<void>;
  commit(): Promise<void>;
  /** Rolls back; never throws (called on the way out of a failure). */
  rollback(): Promise<void>;
  /** The store's tables (not the migration log, not full-text index tables). */
  tables(): Promise<TableShape[]>;
  /** Migration ids applied (`schema_migrations`). */
  migrations(): Promise<number[]>;
  count(table: string): Promise<number>;
  /** Up to `limit` rows whose key is after `after` (all from the start when null), in key order. */
  page(t: TableShape, columns: string[], after: Row | null, limit: number): Promise<Row[]>;
  insert(t: TableShape, columns: string[], rows: Row[]): Promise<void>;
  /** Deletes every row of these tables (any order: foreign keys are handled). */
  clear(tables: string[]): Promise<void>;
  /** The highest id the table's sequence handed out (or its highest stored id, if higher); 0 for none. */
  sequence(t: TableShape): Promise<number>;
  /** Makes the next id handed out greater than `value`. */
  setSequence(t: TableShape, value: number): Promise<void>;
}

/** Quotes an identifier (both back ends use SQL's double quotes). */
export function ident(name: string): string {
  return `"${name.replace(/"/g, '""')}"`;
}

/** `(a, b) > (?, ?)` with the back end's placeholders from `first`. */
function after(key: string[], placeholder: (i: number) => string): string {
  const cols = key.map(ident).join(', ');
  const params = key.map((_, i) => placeholder(i)).join(', ');
  return key.length === 1 ? `${cols} > ${params}` : `(${cols}) > (${params})`;
}

/** Tables SQLite keeps for itself or for an FTS5 index (`x_fts` and its shadow tables `x_fts_data`, …). */
function isSqliteInternal(name: string, virtual: Set<string>): boolean {
  if (name.startsWith('sqlite_') || name === 'schema_migrations') return true;
  for (const v of virtual) if (name === v || name.startsWith(`${v}_`)) return true;
  return false;
}

/** The tables of a SQLite store (better-sqlite3 connection). */
export class SqliteTables implements TableIo {
  readonly backend = 'sqlite' as const;
  constructor(readonly db: Database) {}

  async begin(mode: 'read' | 'write'): Promise<void> {
    // IMMEDIATE takes the write lock at once: no other writer can slip in between the checks and the copy.
    this.db.exec(mode === 'write' ? 'BEGIN IMMEDIATE' : 'BEGIN');
    // A read transaction starts its snapshot at the first read.
    if (mode === 'read') this.db.prepare('SELECT count(*) FROM sqlite_master').get();
  }
  async commit(): Promise<void> {
    this.db.exec('COMMIT');
  }
  async rollback(): Promise<void> {
    if (this.db.inTransaction) this.db.exec('ROLLBACK');
  }

  async tables(): Promise<TableShape[]> {
    const all = this.db.prepare("SELECT name, sql FROM sqlite_master WHERE type = 'table' ORDER BY name").all() as { name: string; sql: string }[];
    const virtual = new Set(all.filter((t) => /^CREATE VIRTUAL TABLE/i.test(t.sql)).map((t) => t.name));
    return all
      .filter((t) => !isSqliteInternal(t.name, virtual))
      .map((t) => {
        // hidden: 0 a column, 1 a virtual table's hidden column, 2/3 a generated column.
        const cols = this.db.prepare('SELECT name, type, pk, hidden FROM pragma_table_xinfo(?) ORDER BY cid').all(t.name) as {
          name: string;
          type: string;
          pk: number;
          hidden: number;
        }[];
        const pk = cols.filter((c) => c.pk > 0).sort((a, b) => a.pk - b.pk);
        let key = pk.map((c) => c.name);
        if (!key.length) {
          const unique = this.db.prepare("SELECT name FROM pragma_index_list(?) WHERE \"unique\" = 1 ORDER BY seq").pluck().all(t.name) as string[];
          const index = unique[0];
          if (index) key = this.db.prepare('SELECT name FROM pragma_index_info(?) ORDER BY seqno').pluck().all(index) as string[];
        }
        if (!key.length) throw new Error(`table ${t.name} has no primary key or unique index to copy it by`);
        const single = pk.length === 1 ? pk[0] : undefined;
        const identity = single && single.type.toUpperCase() === 'INTEGER' ? single.name : null;
        const references = this.db.prepare('SELECT DISTINCT "table" FROM pragma_foreign_key_list(?)').pluck().all(t.name) as string[];
        return { name: t.name, columns: cols.filter((c) => c.hidden === 0).map((c) => c.name), key, references: references.filter((r) => r !== t.name), identity };
      });
  }

  async migrations(): Promise<number[]> {
    return this.db.prepare('SELECT id FROM schema_migrations ORDER BY id').pluck().all() as number[];
  }

  async count(table: string): Promise<number> {
    return this.db.prepare(`SELECT count(*) FROM ${ident(table)}`).pluck().get() as number;
  }

  async page(t: TableShape, columns: string[], from: Row | null, limit: number): Promise<Row[]> {
    const where = from ? `WHERE ${after(t.key, () => '?')}` : '';
    const sql = `SELECT ${columns.map(ident).join(', ')} FROM ${ident(t.name)} ${where} ORDER BY ${t.key.map(ident).join(', ')} LIMIT ?`;
    return this.db.prepare(sql).raw().all(...(from ?? []), limit) as Row[];
  }

  async insert(t: TableShape, columns: string[], rows: Row[]): Promise<void> {
    const put = this.db.prepare(`INSERT INTO ${ident(t.name)} (${columns.map(ident).join(', ')}) VALUES (${columns.map(() => '?').join(', ')})`);
    for (const r of rows) put.run(...r);
  }

  async clear(tables: string[]): Promise<void> {
    // Foreign keys: deferred to the commit, where the copied rows satisfy them again.
    this.db.pragma('defer_foreign_keys = ON');
    for (const t of tables) this.db.exec(`DELETE FROM ${ident(t)}`);
    const seq = this.db.prepare("SELECT 1 FROM sqlite_master WHERE name = 'sqlite_sequence'").get();
    if (seq) {
      const del = this.db.prepare('DELETE FROM sqlite_sequence WHERE name = ?');
      for (const t of tables) del.run(t);
    }
  }

  async sequence(t: TableShape): Promise<number> {
    if (!t.identity) return 0;
    const max = (this.db.prepare(`SELECT coalesce(max(${ident(t.identity)}), 0) FROM ${ident(t.name)}`).pluck().get() as number) ?? 0;
    const hasSeq = this.db.prepare("SELECT 1 FROM sqlite_master WHERE name = 'sqlite_sequence'").get();
    const seq = hasSeq ? ((this.db.prepare('SELECT seq FROM sqlite_sequence WHERE name = ?').pluck().get(t.name) as number | undefined) ?? 0) : 0;
    return Math.max(max, seq);
  }

  async setSequence(t: TableShape, value: number): Promise<void> {
    // Only AUTOINCREMENT tables keep a sequence; the others take max(id) + 1, which the copied rows already set.
    const sql = (this.db.prepare('SELECT sql FROM sqlite_master WHERE name = ?').pluck().get(t.name) as string | undefined) ?? '';
    if (!/AUTOINCREMENT/i.test(sql)) return;
    const current = (this.db.prepare('SELECT seq FROM sqlite_sequence WHERE name = ?').pluck().get(t.name) as number | undefined) ?? null;
    if (current === null) this.db.prepare('INSERT INTO sqlite_sequence (name, seq) VALUES (?, ?)').run(t.name, value);
    else if (current < value) this.db.prepare('UPDATE sqlite_sequence SET seq = ? WHERE name = ?').run(value, t.name);
  }
}

/** The tables of a PostgreSQL store: one pooled client of its {@link PgDb}, in the store's schema. */
export class PgTables implements TableIo {
  readonly backend = 'postgres' as const;
  constructor(
    readonly client: PgClient,
    readonly schema: string,
  ) {}

  async begin(mode: 'read' | 'write'): Promise<void> {
    // A read is one snapshot of the whole store (REPEATABLE READ: every page sees the same data).
    await this.client.query(mode === 'write' ? 'BEGIN' : 'BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY');
  }
  async commit(): Promise<void> {
    await this.client.query('COMMIT');
  }
  async rollback(): Promise<void> {
    await this.client.query('ROLLBACK').catch(() => {});
  }

  async tables(): Promise<TableShape[]> {
    const names = (
      await this.client.query<{ table_name: string }>(
        "SELECT table_name FROM information_schema.tables WHERE table_schema = $1 AND table_type = 'BASE TABLE' AND table_name <> 'schema_migrations' ORDER BY table_name",
        [this.schema],
      )
    ).rows.map((r) => r.table_name);
    const shapes: TableShape[] = [];
    for (const name of names) {
      const cols = (
        await this.client.query<{ column_name: string; is_generated: string; data_type: string; udt_name: string; is_identity: string }>(
          'SELECT column_name, is_generated, data_type, udt_name, is_identity FROM information_schema.columns WHERE table_schema = $1 AND table_name = $2 ORDER BY ordinal_position',
          [this.schema, name],
        )
      ).rows;
      const key = (
        await this.client.query<{ attname: string }>(
          `SELECT a.attname FROM pg_index i
             JOIN LATERAL unnest(i.indkey) WITH ORDINALITY AS k(attnum, n) ON true
             JOIN pg_attribute a ON a.attrelid = i.indrelid AND a.attnum = k.attnum
           WHERE i.indrelid = $1::regclass AND i.indisprimary ORDER BY k.n`,
          [`${ident(this.schema)}.${ident(name)}`],
        )
      ).rows.map((r) => r.attname);
      if (!key.length) throw new Error(`table ${name} has no primary key to copy it by`);
      const references = (
        await this.client.query<{ ref: string }>(
          `SELECT DISTINCT f.relname AS ref FROM pg_constraint k JOIN pg_class f ON f.oid = k.confrelid
           WHERE k.contype = 'f' AND k.conrelid = $1::regclass`,
          [`${ident(this.schema)}.${ident(name)}`],
        )
      ).rows.map((r) => r.ref);
      const copied = cols.filter((c) => c.is_generated !== 'ALWAYS' && c.data_type !== 'tsvector');
      shapes.push({
        name,
        columns: copied.map((c) => c.column_name),
        types: Object.fromEntries(copied.map((c) => [c.column_name, c.udt_name])),
        key,
        references: references.filter((r) => r !== name),
        identity: cols.find((c) => c.is_identity === 'YES')?.column_name ?? null,
      });
    }
    return shapes;
  }

  async migrations(): Promise<number[]> {
    return (await this.client.query<{ id: number }>('SELECT id FROM schema_migrations ORDER BY id')).rows.map((r) => r.id);
  }

  async count(table: string): Promise<number> {
    return Number((await this.client.query<{ n: string | number }>(`SELECT count(*) AS n FROM ${ident(table)}`)).rows[0]?.n ?? 0);
  }

  async page(t: TableShape, columns: string[], from: Row | null, limit: number): Promise<Row[]> {
    const where = from ? `WHERE ${after(t.key, (i) => `$${i + 1}`)}` : '';
    const params = [...(from ?? []), limit];
    const sql = `SELECT ${columns.map(ident).join(', ')} FROM ${ident(t.name)} ${where} ORDER BY ${t.key.map(ident).join(', ')} LIMIT $${params.length}`;
    return (await this.client.query({ text: sql, values: params, rowMode: 'array' })).rows as Row[];
  }

  /**
   * One statement per batch: each column is one array parameter, `unnest`ed into rows (a fixed
   * statement text, so one plan; several times faster than a multi-row VALUES list).
   */
  async insert(t: TableShape, columns: string[], rows: Row[]): Promise<void> {
    if (!rows.length) return;
    const arrays = columns.map((_, c) => rows.map((r) => r[c] ?? null));
    const unnest = columns.map((name, c) => {
      const type = t.types?.[name];
      if (!type) throw new Error(`table ${t.name}: no type known for column ${name}`);
      return `$${c + 1}::${type}[]`;
    });
    await this.client.query(`INSERT INTO ${ident(t.name)} (${columns.map(ident).join(', ')}) OVERRIDING SYSTEM VALUE SELECT * FROM unnest(${unnest.join(', ')})`, arrays);
  }

  async clear(tables: string[]): Promise<void> {
    if (tables.length) await this.client.query(`TRUNCATE ${tables.map(ident).join(', ')}`);
  }

  async sequence(t: TableShape): Promise<number> {
    if (!t.identity) return 0;
    const seq = await this.sequenceName(t);
    const max = Number((await this.client.query<{ n: number | null }>(`SELECT max(${ident(t.identity)}) AS n FROM ${ident(t.name)}`)).rows[0]?.n ?? 0);
    if (!seq) return max;
    const s = (await this.client.query<{ last_value: number; is_called: boolean }>(`SELECT last_value, is_called FROM ${seq}`)).rows[0];
    return Math.max(max, s?.is_called ? Number(s.last_value) : 0);
  }

  async setSequence(t: TableShape, value: number): Promise<void> {
    const seq = t.identity ? await this.sequenceName(t) : null;
    if (!seq) return;
    // setval(seq, n, true): the next id is n + 1; (seq, 1, false): the next is 1.
    await this.client.query('SELECT setval($1::regclass, $2, $3)', [seq, Math.max(value, 1), value > 0]);
  }

  private async sequenceName(t: TableShape): Promise<string | null> {
    const r = await this.client.query<{ seq: string | null }>('SELECT pg_get_serial_sequence($1, $2) AS seq', [`${ident(this.schema)}.${ident(t.name)}`, t.identity]);
    return r.rows[0]?.seq ?? null;
  }
}
