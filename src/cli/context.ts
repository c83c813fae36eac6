/**
 * What every command needs: the validated config, a logger and the stores. Commands get it from
 * {@link withContext}, which always closes the stores, even on errors. Stores are opened only
 * through the factory (store/index.ts `openStores`): a file path is SQLite, a `postgres://` URL
 * is PostgreSQL, and no command knows which.
 */
import { type Command, InvalidArgumentError } from 'commander';
import { databaseProblem, loadConfig, type VigilConfig } from '../config.ts';
import { VigilError } from '../errors.ts';
import { createLogger, type Logger } from '../log.ts';
import { createChannels } from '../alerts/channels/registry.ts';
import type { Channel } from '../alerts/channels/types.ts';
import type { AlertStore } from '../store/alerts.ts';
import { backendOf, type OpenStoresOptions, openStores, type Stores } from '../store/index.ts';
import { redactUrl } from '../store/postgres/pool.ts';
import type { Store } from '../store/types.ts';

/** Services of one CLI invocation. */
export interface CliContext {
  config: VigilConfig;
  log: Logger;
  /** The store for this command: the import writer with `writer: true`, else the reader. */
  store: Store;
  /** Every store interface over the database. */
  stores: Stores;
}

/** Global options (`vigil --config FILE --db FILE|URL <command>`). */
export interface GlobalOptions {
  config?: string;
  db?: string;
}

/**
 * The validated configuration (with `--db` applied) and a logger, from the program's global
 * options (`--config FILE --db FILE`).
 * @throws {VigilError} VIGIL_CONFIG_INVALID (see config.ts).
 */
export function cliConfig(cmd: Command): { config: VigilConfig; log: Logger } {
  const globals = cmd.optsWithGlobals<GlobalOptions>();
  const config = loadConfig(globals.config);
  if (globals.db) {
    const problem = databaseProblem(globals.db);
    if (problem) throw new VigilError('VIGIL_CONFIG_INVALID', [`--db: ${problem}`]);
    config.database = globals.db;
  }
  return { config, log: createLogger() };
}

/**
 * The database as it may be printed: a PostgreSQL URL without its password
 * (`postgres://vigil:***@db/vigil`), a file path as it is.
 */
export function databaseLabel(database: string): string {
  return backendOf(database) === 'postgres' ? redactUrl(database) : database;
}

/**
 * The store cannot be opened (PostgreSQL unreachable, refusing us, failing to migrate): printed by
 * main.ts as one line, exit code 1. Keeps pg's error as `cause`.
 */
export class StoreUnavailableError extends Error {
  override name = 'StoreUnavailableError';
}

/** Network and sign-in failures: the server is not there, or not for us (SQLSTATE class 28, 3D000). */
const CONNECT_FAILURES = /^(?:ECONNREFUSED|ENOTFOUND|EAI_AGAIN|ETIMEDOUT|EHOSTUNREACH|ENETUNREACH|ECONNRESET|28\w{3}|3D000)$/;

/**
 * Opens the stores of `database` (the config's, with `--db` applied) for a command (store/index.ts `openStores`).
 * @throws {StoreUnavailableError} when a PostgreSQL server cannot be reached, refuses us or fails
 *   to migrate (`cannot connect to PostgreSQL at postgres://…: ECONNREFUSED`, the password
 *   redacted); a SQLite failure is rethrown as it is.
 */
export async function openCliStores(database: string, options: OpenStoresOptions = {}): Promise<Stores> {
  try {
    return await openStores(database, options);
  } catch (err) {
    if (backendOf(database) !== 'postgres') throw err;
    const e = err as Error & { code?: string };
    // pg gives an AggregateError without a message when every address of the host refuses.
    const detail = [e.message, e.code && !e.message.includes(e.code) ? `(${e.code})` : ''].filter(Boolean).join(' ') || e.code || String(err);
    const what = CONNECT_FAILURES.test(e.code ?? '') ? 'cannot connect to PostgreSQL at' : 'cannot open the PostgreSQL store at';
    throw new StoreUnavailableError(`${what} ${redactUrl(database)}: ${redactUrl(detail)}`, { cause: err });
  }
}

/**
 * A parser of a numeric option within [min, max], for commander (`--min-cvss 7.5`).
 * @throws {InvalidArgumentError} for anything else.
 */
export function numberIn(min: number, max: number): (value: string) => number {
  return (value) => {
    const n = Number(value);
    if (!Number.isFinite(n) || n < min || n > max) throw new InvalidArgumentError(`expected a number from ${min} to ${max}`);
    return n;
  };
}

/**
 * Runs `fn` with a context built from the program's global options. `writer: true` (imports,
 * syncs) gives SQLite a store in a worker thread so that parsing and writing overlap (on
 * PostgreSQL the server does the writing: the same store).
 */
export async function withContext<T>(cmd: Command, fn: (ctx: CliContext) => Promise<T>, options: { writer?: boolean } = {}): Promise<T> {
  const { config, log } = cliConfig(cmd);
  const stores = await openCliStores(config.database, { writer: options.writer ?? false });
  try {
    return await fn({ config, log, store: options.writer ? stores.writer : stores.store, stores });
  } finally {
    await stores.close();
  }
}

/** Services of an alerting command: the stores, the record store and the alerting tables. */
export interface AlertsContext {
  config: VigilConfig;
  log: Logger;
  store: Store;
  alerts: AlertStore;
  stores: Stores;
}

/** Like {@link withContext}, for commands that read or write watchlists, users and alerts. */
export async function withAlerts<T>(cmd: Command, fn: (ctx: AlertsContext) => Promise<T>): Promise<T> {
  const { config, log } = cliConfig(cmd);
  const stores = await openCliStores(config.database);
  try {
    return await fn({ config, log, store: stores.store, alerts: stores.alerts, stores });
  } finally {
    await stores.close();
  }
}

/**
 * Resolves once SIGTERM or SIGINT arrives and `stop` has finished (a failing `stop` is logged and
 * sets exit code 1). For long-running commands (`vigil run`, `vigil serve`).
 */
export function untilSignal(log: Logger, stop: () => Promise<void>): Promise<void> {
  return new Promise<void>((resolve) => {
    const onSignal = (signal: string) => {
      log.info({ signal }, 'stopping');
      stop().then(resolve, (err) => {
        log.error({ err }, 'stop failed');
        process.exitCode = 1;
        resolve();
      });
    };
    process.once('SIGTERM', () => onSignal('SIGTERM'));
    process.once('SIGINT', () => onSignal('SIGINT'));
  });
}

/** Stores and channels of a long-running command (`vigil run`, `vigil serve`). */
export interface MonitorContext {
  /** Every store interface over the database. */
  stores: Stores;
  /** The store for reads (API, alert engine): {@link Stores.store}. */
  reader: Store;
  alerts: AlertStore;
  /** The store for syncs and imports: {@link Stores.writer} (SQLite: in a worker thread). */
  writer: Store;
  /** The configured alert channels (none when `channels: false`). */
  channels: Map<string, Channel>;
  /** Closes the channels, then the stores (the writer first). */
  close(): Promise<void>;
}

/**
 * Opens the stores and channels of a long-running command. SQLite: the reader waits up to 30 s
 * for the writer thread's write lock.
 * @throws {VigilError} VIGIL_CHANNEL_INVALID for a misconfigured channel.
 * @throws {StoreUnavailableError} when the PostgreSQL server cannot be reached ({@link openCliStores}).
 */
export async function openMonitor(config: VigilConfig, options: { channels?: boolean; readers?: number } = {}): Promise<MonitorContext> {
  const channels = (options.channels ?? true) ? createChannels(config.alerts.channels) : new Map<string, Channel>();
  let stores: Stores;
  try {
    stores = await openCliStores(config.database, { writer: true, busyTimeoutMs: 30_000, readers: options.readers });
  } catch (err) {
    await Promise.all([...channels.values()].map((c) => c.close()));
    throw err;
  }
  return {
    stores,
    reader: stores.store,
    alerts: stores.alerts,
    writer: stores.writer,
    channels,
    async close() {
      await Promise.all([...channels.values()].map((c) => c.close()));
      await stores.close();
    },
  };
}
