/**
 * The one way to open Vigil's stores: `database:` in the config, `--db` or `VIGIL_DB` decides the
 * back end. A file path (or `:memory:`) is the embedded SQLite store; a `postgres://` or
 * `postgresql://` URL is PostgreSQL 15+ (optionally `?schema=NAME`, see postgres/pool.ts). The CLI,
 * the daemon, workers and the API use only the interfaces returned here.
 */

import type { CveExportStore } from '../export/cve-types.ts';
import type { ExposureStore } from '../exposure/types.ts';
import type { IntelStore } from '../intel/types.ts';
import type { IocStore } from '../iocs/types.ts';
import type { TrendsStore } from '../trends/types.ts';
import type { AlertStore } from './alerts.ts';
import type { PgDb, PgPoolOptions } from './postgres/pool.ts';
import { isPostgresUrl } from './postgres/pool.ts';
import type { AuthStore, JobStore, StatsStore, TriageStore } from './server.ts';
import { SqliteAlertStore } from './sqlite/alerts.ts';
import { SqliteCveExportStore } from './sqlite/cve-export.ts';
import { SqliteExposureStore } from './sqlite/exposure.ts';
import { openSqliteStore, type SqliteStore } from './sqlite/index.ts';
import { SqliteIntelStore } from './sqlite/intel.ts';
import { SqliteIocStore } from './sqlite/iocs.ts';
import { PooledSqliteStore, SqliteReaderPool } from './sqlite/readers.ts';
import { SqliteServerStore } from './sqlite/server.ts';
import { SqliteStatsStore } from './sqlite/stats.ts';
import { ThreadedSqliteStore, threadedIntelStore, threadedIocStore } from './sqlite/threaded.ts';
import { SqliteTrendsStore } from './sqlite/trends.ts';
import { SqliteTriageStore } from './sqlite/triage.ts';
import type { Store } from './types.ts';

/** The two back ends. */
export type Backend = 'sqlite' | 'postgres';

/** Which back end a `database` setting names. */
export function backendOf(database: string): Backend {
  return isPostgresUrl(database) ? 'postgres' : 'sqlite';
}

/** Every store interface over one database. */
export interface Stores {
  backend: Backend;
  /** The `database` setting they were opened from (a PostgreSQL URL may hold a password: never log it). */
  database: string;
  /** Reads and small writes, on this thread. */
  store: Store;
  /**
   * Imports and syncs. SQLite with `writer: true`: a store in a worker thread (parsing and writing
   * overlap, sqlite/threaded.ts); otherwise the same object as {@link store}.
   */
  writer: Store;
  alerts: AlertStore;
  auth: AuthStore & JobStore;
  triage: TriageStore;
  stats: StatsStore;
  /** Threat-intel sources, documents, story clusters and HTTP validators (issue 13). */
  intel: IntelStore;
  /**
   * The intel store for collections: SQLite with `writer: true`, the writer's worker thread (so
   * a collection's full-text writes never run on the thread serving the API); otherwise {@link intel}.
   */
  intelWriter: IntelStore;
  /** Indicators found in intel documents, their sightings, document analyses and cached look-ups (issue 14). */
  iocs: IocStore;
  /** The IOC store for collections: like {@link intelWriter}, the writer's worker thread on SQLite with `writer: true`, else {@link iocs}. */
  iocsWriter: IocStore;
  /** Counts over time, EPSS movers, intel mentions (issue 15, trends/types.ts). */
  trends: TrendsStore;
  /** The cumulative threat-exposure index (issue 15, exposure/types.ts). */
  exposure: ExposureStore;
  /** The consolidated CVE export rows (issue 15, export/cve-types.ts). */
  cveExport: CveExportStore;
  /** The SQLite store on this thread (SQLite only): for SQLite-only tools (`vigil doctor`'s integrity check). */
  sqlite?: SqliteStore;
  /** The PostgreSQL pool (PostgreSQL only): for the job queue and LISTEN/NOTIFY. */
  pg?: PgDb;
  /** Closes the writer, then the rest. */
  close(): Promise<void>;
}

/** Options of {@link openStores}. */
export interface OpenStoresOptions {
  /** Give SQLite imports a worker-thread writer (see {@link Stores.writer}). Default false. */
  writer?: boolean;
  /** SQLite: how long a statement waits for another connection's write lock, ms (default 5000). */
  busyTimeoutMs?: number;
  /** PostgreSQL pool settings (size, statement timeout). */
  pool?: PgPoolOptions;
  /**
   * SQLite: serve the hot reads of {@link Stores.store} (`getVulnerability`, `rank`, `countRanked`,
   * advisory reads) from this many read-only connections in worker threads (sqlite/readers.ts), so
   * concurrent API requests run in parallel instead of queueing on one thread. Default 0 (reads on
   * this thread). A server on n cores: n. Ignored for `:memory:` and for PostgreSQL (its pool).
   */
  readers?: number;
}

/**
 * Opens (creating and migrating if needed) the stores of `database`.
 * @throws {Error} when the file or server cannot be opened or migrated; a PostgreSQL error keeps
 *   pg's SQLSTATE `code` (`ECONNREFUSED` when no server listens).
 */
export async function openStores(database: string, options: OpenStoresOptions = {}): Promise<Stores> {
  if (backendOf(database) === 'postgres') {
    const { openPostgresStores } = await import('./postgres/index.ts');
    return openPostgresStores(database, options.pool);
  }
  const sqlite = openSqliteStore(database);
  if (options.busyTimeoutMs !== undefined) sqlite.db.pragma(`busy_timeout = ${Math.max(0, Math.round(options.busyTimeoutMs))}`);
  // The worker thread opens the file after this thread created and migrated it.
  const writer = options.writer ? new ThreadedSqliteStore(database) : sqlite;
  // Readers open the file after this thread created and migrated it, like the writer.
  const readers = options.readers && database !== ':memory:' && database !== '' ? new SqliteReaderPool(database, options.readers) : null;
  const store = readers ? new PooledSqliteStore(sqlite, readers) : sqlite;
  return {
    backend: 'sqlite',
    database,
    store,
    writer,
    alerts: new SqliteAlertStore(sqlite),
    auth: new SqliteServerStore(sqlite),
    triage: new SqliteTriageStore(sqlite),
    stats: new SqliteStatsStore(sqlite),
    intel: new SqliteIntelStore(sqlite),
    intelWriter: writer instanceof ThreadedSqliteStore ? threadedIntelStore(writer) : new SqliteIntelStore(sqlite),
    iocs: new SqliteIocStore(sqlite),
    iocsWriter: writer instanceof ThreadedSqliteStore ? threadedIocStore(writer) : new SqliteIocStore(sqlite),
    trends: new SqliteTrendsStore(sqlite),
    exposure: new SqliteExposureStore(sqlite),
    cveExport: new SqliteCveExportStore(sqlite),
    sqlite,
    async close() {
      if (writer !== sqlite) await writer.close();
      if (store !== sqlite) await store.close();
      await sqlite.close();
    },
  };
}
