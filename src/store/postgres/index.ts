/**
 * Opens the PostgreSQL back end: one pool, migrated, shared by every store interface.
 * Loaded by ../index.ts only when the database is a `postgres://` URL.
 */
import type { Stores } from '../index.ts';
import { createPgAlertStore } from './alerts.ts';
import { migratePg } from './migrations.ts';
import { PgDb, type PgPoolOptions } from './pool.ts';
import { createPgServerStore } from './server.ts';
import { createPgStatsStore } from './stats.ts';
import { PgStore } from './store.ts';
import { createPgTriageStore } from './triage.ts';

/**
 * Connects to `database` (a `postgres://` URL, optionally `?schema=NAME`), applies pending
 * migrations, and returns the stores on one pool.
 * @throws {Error} when the server cannot be reached or a migration fails (pg's error, with its SQLSTATE `code`).
 */
export async function openPostgresStores(database: string, options: PgPoolOptions = {}): Promise<Stores> {
  const db = new PgDb(database, options);
  try {
    await migratePg(db);
  } catch (err) {
    await db.close().catch(() => {});
    throw err;
  }
  const store = new PgStore(db);
  return {
    backend: 'postgres',
    database,
    store,
    writer: store,
    alerts: createPgAlertStore(db),
    auth: createPgServerStore(db),
    triage: createPgTriageStore(db),
    stats: createPgStatsStore(db),
    pg: db,
    async close() {
      await db.close();
    },
  };
}
