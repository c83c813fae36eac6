/**
 * Opens the PostgreSQL back end: one pool, migrated, shared by every store interface.
 * Loaded by ../index.ts only when the database is a `postgres://` URL.
 */

import pg from 'pg';
import type { Stores } from '../index.ts';
import { createPgAlertStore } from './alerts.ts';
import { createPgCveExportStore } from './cve-export.ts';
import { createPgExposureStore } from './exposure.ts';
import { createPgIntelStore } from './intel.ts';
import { createPgIocStore } from './iocs.ts';
import { migratePg } from './migrations.ts';
import { PgDb, type PgPoolOptions, parsePostgresUrl } from './pool.ts';
import { createPgServerStore } from './server.ts';
import { createPgStatsStore } from './stats.ts';
import { PgStore } from './store.ts';
import { createPgTrendsStore } from './trends.ts';
import { createPgTriageStore } from './triage.ts';

/**
 * Connects to `database` (a `postgres://` URL, optionally `?schema=NAME`), applies pending
 * migrations, and returns the stores on one pool.
 * @throws {Error} when the server cannot be reached or a migration fails (pg's error, with its SQLSTATE `code`).
 */
export async function openPostgresStores(database: string, options: PgPoolOptions = {}): Promise<Stores> {
  let db = new PgDb(database, options);
  try {
    await migratePg(db);
  } catch (err) {
    await db.close().catch(() => {});
    // A database that does not exist yet (SQLSTATE 3D000) is created, as a SQLite file would be.
    if ((err as { code?: string }).code !== '3D000' || !(await createDatabase(database))) throw err;
    db = new PgDb(database, options);
    try {
      await migratePg(db);
    } catch (again) {
      await db.close().catch(() => {});
      throw again;
    }
  }
  const store = new PgStore(db);
  const intel = createPgIntelStore(db);
  const iocs = createPgIocStore(db);
  return {
    backend: 'postgres',
    database,
    store,
    writer: store,
    alerts: createPgAlertStore(db),
    auth: createPgServerStore(db),
    triage: createPgTriageStore(db),
    stats: createPgStatsStore(db),
    intel,
    intelWriter: intel,
    iocs,
    iocsWriter: iocs,
    trends: createPgTrendsStore(db),
    exposure: createPgExposureStore(db),
    cveExport: createPgCveExportStore(db),
    pg: db,
    async close() {
      await db.close();
    },
  };
}

/**
 * Creates the database `database` names, connected to the server's `postgres` maintenance database
 * with the same credentials (the role needs CREATEDB). Zero set-up like the SQLite file: `VIGIL_DB=
 * postgres://127.0.0.1/vigil npm start` works on a server where `vigil` does not exist yet.
 * @returns false when it could not (no right to: the caller reports the original error).
 */
async function createDatabase(database: string): Promise<boolean> {
  const url = new URL(parsePostgresUrl(database).connectionString);
  const name = decodeURIComponent(url.pathname.slice(1));
  if (!name) return false;
  url.pathname = '/postgres';
  const client = new pg.Client({ connectionString: url.toString() });
  try {
    await client.connect();
    await client.query(`CREATE DATABASE "${name.replaceAll('"', '""')}"`);
    return true;
  } catch (err) {
    // Another process created it meanwhile (42P04): fine.
    return (err as { code?: string }).code === '42P04';
  } finally {
    await client.end().catch(() => {});
  }
}
