/**
 * Test stores on the back end under test: `VIGIL_TEST_DB=postgres` runs the suite on PostgreSQL
 * (a fresh schema per store in the database of `VIGIL_TEST_PG_URL`, default
 * `postgres://127.0.0.1:5432/test`, dropped again on close); anything else on SQLite (a temporary
 * file, removed on close). `.ci/run` runs the whole suite once per back end.
 */
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import pg from 'pg';
import { type Backend, type OpenStoresOptions, openStores, type Stores } from '../store/index.ts';
import { parsePostgresUrl } from '../store/postgres/pool.ts';

/** The back end the suite runs on. */
export const TEST_BACKEND: Backend = process.env.VIGIL_TEST_DB === 'postgres' ? 'postgres' : 'sqlite';

/** The PostgreSQL database tests make their schemas in. */
export const TEST_PG_URL = process.env.VIGIL_TEST_PG_URL ?? 'postgres://127.0.0.1:5432/test';

/** A database for one test: its `database` setting and how to remove it. */
export interface TestDatabase {
  /** A SQLite file path, or a PostgreSQL URL with `?schema=vigil_test_…`. */
  database: string;
  /** Removes the file or drops the schema (and the job queue's schema beside it). Idempotent. */
  drop(): Promise<void>;
}

/**
 * A new, empty database on {@link TEST_BACKEND} (nothing is created until a store opens it).
 * @param backend override (a test that is about one back end).
 */
export function testDatabase(backend: Backend = TEST_BACKEND): TestDatabase {
  if (backend === 'sqlite') {
    const dir = mkdtempSync(path.join(tmpdir(), 'vigil-test-'));
    return {
      database: path.join(dir, 'vigil.db'),
      async drop() {
        rmSync(dir, { recursive: true, force: true });
      },
    };
  }
  const schema = `vigil_test_${randomBytes(6).toString('hex')}`;
  const url = new URL(TEST_PG_URL);
  url.searchParams.set('schema', schema);
  return {
    database: url.toString(),
    async drop() {
      await dropSchemas(schema);
    },
  };
}

/** Drops a test schema and the schemas named after it (`<schema>_jobs`, …). */
async function dropSchemas(schema: string): Promise<void> {
  const client = new pg.Client({ connectionString: parsePostgresUrl(TEST_PG_URL).connectionString });
  await client.connect();
  try {
    const { rows } = await client.query<{ nspname: string }>('SELECT nspname FROM pg_namespace WHERE nspname = $1 OR nspname LIKE $2', [
      schema,
      `${schema}\\_%`,
    ]);
    for (const r of rows) await client.query(`DROP SCHEMA IF EXISTS "${r.nspname}" CASCADE`);
  } finally {
    await client.end();
  }
}

/** Stores on a new test database; `close()` also drops it. */
export type TestStores = Stores;

/** Opens stores on a new {@link testDatabase}; closing them removes the database. */
export async function openTestStores(options: OpenStoresOptions & { backend?: Backend } = {}): Promise<TestStores> {
  const target = testDatabase(options.backend);
  const stores = await openStores(target.database, options);
  const close = stores.close.bind(stores);
  return {
    ...stores,
    async close() {
      try {
        await close();
      } finally {
        await target.drop();
      }
    },
  };
}
