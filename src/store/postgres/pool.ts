/**
 * The PostgreSQL connection: a `pg` pool (https://node-postgres.com/apis/pool) bound to one
 * schema, with helpers for queries and transactions. Every PostgreSQL store takes a {@link PgDb}.
 *
 * Database URLs are libpq connection URIs (https://www.postgresql.org/docs/15/libpq-connect.html
 * §34.1.1), `postgres://user@host:5432/db`, plus Vigil's own `schema` parameter
 * (`postgres://127.0.0.1/vigil?schema=team_a`, default `public`): every table lives in that schema
 * (each connection's `search_path`), so several stores (and each test) can share one database.
 */
import { userInfo } from 'node:os';
import pg from 'pg';

/** A pooled client inside a transaction (or a single statement's connection). */
export type PgClient = pg.PoolClient;

/** Options of a connection pool. */
export interface PgPoolOptions {
  /** Connections at most (default 10; `database.poolSize` in the config). */
  max?: number;
  /** Per-statement limit, ms (default 0: none). Imports set none; API replicas should (docs/deploy.md). */
  statementTimeoutMs?: number;
  /** `application_name` shown in pg_stat_activity (default `vigil`). */
  applicationName?: string;
}

/** What {@link parsePostgresUrl} makes of a database URL. */
export interface PgTarget {
  /** The URL without Vigil's own parameters, for `pg`. */
  connectionString: string;
  /** Schema of Vigil's tables (`public` by default). */
  schema: string;
}

const SCHEMA_NAME = /^[a-z_][a-z0-9_]{0,62}$/;

/** Whether `database` names a PostgreSQL store (`postgres://` or `postgresql://`). */
export function isPostgresUrl(database: string): boolean {
  return /^postgres(?:ql)?:\/\//i.test(database);
}

/**
 * Splits a database URL into `pg`'s connection string and the schema.
 * @throws {RangeError} for a URL that does not parse or a schema that is not a plain lower-case SQL
 *   identifier (`[a-z_][a-z0-9_]*`, ≤ 63 characters).
 */
export function parsePostgresUrl(database: string): PgTarget {
  let url: URL;
  try {
    url = new URL(database);
  } catch {
    throw new RangeError(`invalid PostgreSQL URL "${redactUrl(database)}": expected postgres://[user[:password]@]host[:port]/database`);
  }
  const schema = url.searchParams.get('schema') ?? 'public';
  if (!SCHEMA_NAME.test(schema)) throw new RangeError(`invalid schema "${schema}" in the database URL: expected [a-z_][a-z0-9_]* (at most 63 characters)`);
  url.searchParams.delete('schema');
  // libpq's default user is the operating-system user; pg's is $USER, unset under some service managers.
  if (!url.username && !process.env.PGUSER) url.username = encodeURIComponent(userInfo().username);
  return { connectionString: url.toString(), schema };
}

/** The URL with its password replaced by `***` (for logs and errors). */
export function redactUrl(database: string): string {
  return database.replace(/^(postgres(?:ql)?:\/\/[^:/@]*:)[^@]*@/i, '$1***@');
}

/** Serialization failure, deadlock: the transaction may simply be retried. */
const RETRYABLE = new Set(['40001', '40P01']);

/** Type parsers: int8 (count(*), bigint ids) as numbers; safe below 2^53, far beyond any table here. */
const types = {
  getTypeParser(oid: number, format?: 'text' | 'binary') {
    if (oid === 20) return (v: string) => Number(v);
    return pg.types.getTypeParser(oid, format as 'text');
  },
};

/** A pool bound to one schema. */
export class PgDb {
  readonly pool: pg.Pool;
  readonly schema: string;
  /** The database URL as given (password included: never log it; see {@link redactUrl}). */
  readonly url: string;

  constructor(database: string, options: PgPoolOptions = {}) {
    const target = parsePostgresUrl(database);
    this.url = database;
    this.schema = target.schema;
    const settings = [`-c search_path=${target.schema}`];
    if (options.statementTimeoutMs) settings.push(`-c statement_timeout=${Math.round(options.statementTimeoutMs)}`);
    this.pool = new pg.Pool({
      connectionString: target.connectionString,
      max: options.max ?? 10,
      application_name: options.applicationName ?? 'vigil',
      options: settings.join(' '),
      types,
    });
    // An idle client's error (server restart) must not crash the process; the next query reconnects.
    this.pool.on('error', () => {});
  }

  /** Rows of one statement (`$1`… parameters). */
  async query<R = Record<string, unknown>>(sql: string, params: unknown[] = []): Promise<R[]> {
    return (await this.pool.query(sql, params)).rows as R[];
  }

  /** The first row of one statement, or null. */
  async one<R = Record<string, unknown>>(sql: string, params: unknown[] = []): Promise<R | null> {
    return ((await this.pool.query(sql, params)).rows[0] as R | undefined) ?? null;
  }

  /**
   * Runs `fn` in one transaction (READ COMMITTED unless `isolation` says otherwise); commits when
   * it resolves, rolls back when it throws. A serialization failure or deadlock (SQLSTATE 40001,
   * 40P01) re-runs `fn` from the start, up to 5 times: `fn` must not have effects outside the database.
   */
  async tx<T>(fn: (client: PgClient) => Promise<T>, isolation: 'read committed' | 'repeatable read' | 'serializable' = 'read committed'): Promise<T> {
    for (let attempt = 1; ; attempt++) {
      const client = await this.pool.connect();
      try {
        await client.query(`BEGIN ISOLATION LEVEL ${isolation.toUpperCase()}`);
        const result = await fn(client);
        await client.query('COMMIT');
        return result;
      } catch (err) {
        await client.query('ROLLBACK').catch(() => {});
        if (attempt < 5 && RETRYABLE.has((err as { code?: string }).code ?? '')) continue;
        throw err;
      } finally {
        client.release();
      }
    }
  }

  async close(): Promise<void> {
    await this.pool.end();
  }
}
