/**
 * What every command needs: the validated config, a logger and the store. Commands get it from
 * {@link withContext}, which always closes the store, even on errors.
 */
import { type Command, InvalidArgumentError } from 'commander';
import { loadConfig, type VigilConfig } from '../config.ts';
import { createLogger, type Logger } from '../log.ts';
import { createChannels } from '../alerts/channels/registry.ts';
import type { Channel } from '../alerts/channels/types.ts';
import { SqliteAlertStore } from '../store/sqlite/alerts.ts';
import { openSqliteStore, type SqliteStore } from '../store/sqlite/index.ts';
import { ThreadedSqliteStore } from '../store/sqlite/threaded.ts';
import type { Store } from '../store/types.ts';

/** Services of one CLI invocation. */
export interface CliContext {
  config: VigilConfig;
  log: Logger;
  store: Store;
}

/** Global options (`vigil --config FILE --db FILE <command>`). */
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
  if (globals.db) config.database = globals.db;
  return { config, log: createLogger() };
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
 * syncs) puts the store in a worker thread so that parsing and writing overlap.
 */
export async function withContext<T>(cmd: Command, fn: (ctx: CliContext) => Promise<T>, options: { writer?: boolean } = {}): Promise<T> {
  const { config, log } = cliConfig(cmd);
  const store = options.writer ? new ThreadedSqliteStore(config.database) : openSqliteStore(config.database);
  try {
    return await fn({ config, log, store });
  } finally {
    await store.close();
  }
}

/** Services of an alerting command: the store on this thread and its alerting tables. */
export interface AlertsContext {
  config: VigilConfig;
  log: Logger;
  store: SqliteStore;
  alerts: SqliteAlertStore;
}

/** Like {@link withContext}, for commands that read or write watchlists, users and alerts. */
export async function withAlerts<T>(cmd: Command, fn: (ctx: AlertsContext) => Promise<T>): Promise<T> {
  const { config, log } = cliConfig(cmd);
  const store = openSqliteStore(config.database);
  try {
    return await fn({ config, log, store, alerts: new SqliteAlertStore(store) });
  } finally {
    await store.close();
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
  /** The store on this thread (reads, alerting tables); 30 s busy timeout beside the writer. */
  reader: SqliteStore;
  alerts: SqliteAlertStore;
  /** The store in a worker thread, for syncs and imports. */
  writer: ThreadedSqliteStore;
  /** The configured alert channels (none when `channels: false`). */
  channels: Map<string, Channel>;
  /** Closes the writer, the channels and the reader, in that order. */
  close(): Promise<void>;
}

/**
 * Opens the stores and channels of a long-running command.
 * @throws {VigilError} VIGIL_CHANNEL_INVALID for a misconfigured channel.
 */
export function openMonitor(config: VigilConfig, options: { channels?: boolean } = {}): MonitorContext {
  // The reader opens (and migrates) the file before the writer's thread opens it.
  const reader = openSqliteStore(config.database);
  reader.db.pragma('busy_timeout = 30000');
  const channels = (options.channels ?? true) ? createChannels(config.alerts.channels) : new Map<string, Channel>();
  const writer = new ThreadedSqliteStore(config.database);
  return {
    reader,
    alerts: new SqliteAlertStore(reader),
    writer,
    channels,
    async close() {
      await writer.close();
      await Promise.all([...channels.values()].map((c) => c.close()));
      await reader.close();
    },
  };
}
