/**
 * `vigil run --worker`: the command-line side of a cluster worker (worker.ts). Opens the
 * PostgreSQL stores (refusing SQLite before anything is opened), checks channels and watchlists as
 * `vigil run` does, runs until SIGTERM/SIGINT, then stops cleanly.
 */
import { createChannels } from '../alerts/channels/registry.ts';
import type { VigilConfig } from '../config.ts';
import { VigilError } from '../errors.ts';
import type { Logger } from '../log.ts';
import { HttpClient } from '../sources/http.ts';
import { backendOf, openStores } from '../store/index.ts';
import { redactUrl } from '../store/postgres/pool.ts';
import { DEFAULT_LEASE_SECONDS } from './lease.ts';
import { startWorker } from './worker.ts';

/** `vigil run --worker` options as commander parses them. */
export interface WorkerCliOptions {
  concurrency?: string;
  lease?: string;
  /** `--no-initial-sync` makes this false. */
  initialSync?: boolean;
}

function positiveInt(name: string, value: string | undefined, fallback: number, min = 1): number {
  if (value === undefined) return fallback;
  const n = Number(value);
  if (!Number.isInteger(n) || n < min) throw new VigilError('VIGIL_CONFIG_INVALID', [`${name}: expected a whole number ≥ ${min}, got "${value}"`]);
  return n;
}

/**
 * Runs a worker until a signal stops it.
 * @param checks start-up checks of `vigil run` (run.ts startupChecks), given by the caller.
 * @throws {VigilError} VIGIL_CONFIG_INVALID for a SQLite store or a bad option.
 */
export async function runWorkerCommand(
  config: VigilConfig,
  log: Logger,
  o: WorkerCliOptions,
  checks: (stores: Awaited<ReturnType<typeof openStores>>, channels: ReturnType<typeof createChannels>) => Promise<string[]>,
  untilSignal: (log: Logger, stop: () => Promise<void>) => Promise<void>,
): Promise<void> {
  if (backendOf(config.database) !== 'postgres')
    throw new VigilError('VIGIL_CONFIG_INVALID', [
      `database: vigil run --worker needs PostgreSQL (workers share their jobs through a PostgreSQL queue), and ${config.database} is a SQLite file. Give --db postgres://host/db (docs/deploy.md), or run plain \`vigil run\` (one process on SQLite)`,
    ]);
  const concurrency = positiveInt('--concurrency', o.concurrency ?? process.env.VIGIL_WORKER_CONCURRENCY, 2);
  const leaseSeconds = positiveInt('--lease', o.lease ?? process.env.VIGIL_WORKER_LEASE_SECONDS, DEFAULT_LEASE_SECONDS);
  const channels = createChannels(config.alerts.channels);
  // Each job writes through the store's pool; two spare for alert passes and NOTIFY.
  const stores = await openStores(config.database, { pool: { max: concurrency + 2, applicationName: 'vigil-worker' } });
  let closing: Promise<void> | null = null;
  const close = () =>
    (closing ??= (async () => {
      await Promise.all([...channels.values()].map((c) => c.close()));
      await stores.close();
    })());
  try {
    for (const p of await checks(stores, channels)) console.error(`warning: ${p}`);
    const worker = await startWorker({ config, log, stores, channels, http: new HttpClient() }, { concurrency, leaseSeconds, initialSync: o.initialSync ?? true });
    const stopped = untilSignal(log, () => worker.stop().then(close));
    console.error(`vigil run --worker: ${concurrency} job(s) at once, lease ${leaseSeconds} s (store ${redactUrl(config.database)}); SIGTERM or Ctrl-C stops`);
    // A runner that ends by itself (its database connection failed for good) rejects `done`.
    const how = await Promise.race([stopped.then(() => 'signal' as const), worker.done.then(() => 'ended' as const)]);
    if (how === 'ended') await close();
  } catch (err) {
    await close().catch(() => {});
    throw err;
  }
}
