/**
 * A cluster worker (`vigil run --worker`): any number of these, on any machines, share Vigil's
 * work through the PostgreSQL job queue (queue.ts). Each runs graphile-worker with the task
 * registry (tasks.ts); schedules are graphile-worker cron items made from the source registry's
 * `schedule` (or the config's), which fire once per tick across the whole cluster (graphile-worker
 * records each item's last run in `known_crontabs` and adds its job with the same job key); the
 * leases (lease.ts) give a killed worker's jobs to another within the lease.
 */
import { EventEmitter } from 'node:events';
import { hostname } from 'node:os';
import { Logger as GraphileLogger, type LogLevel, type ParsedCronItem, parseCronItems, type Runner, run, type WorkerEvents } from 'graphile-worker';
import pg from 'pg';
import type { Channel } from '../alerts/channels/types.ts';
import type { VigilConfig } from '../config.ts';
import { VigilError } from '../errors.ts';
import type { Logger } from '../log.ts';
import type { HttpClient } from '../sources/http.ts';
import { enabledSources, findSource } from '../sources/registry.ts';
import type { Stores } from '../store/index.ts';
import { DEFAULT_LEASE_SECONDS, WorkerLeases } from './lease.ts';
import { notifyEvents } from './notify.ts';
import { ALERTS_QUEUE, openQueue, queueTarget, TASK } from './queue.ts';
import { taskList } from './tasks.ts';

/** Settings of one worker process. */
export interface WorkerOptions {
  /** Jobs this process runs at once (default 2). Each holds a store connection while it writes. */
  concurrency?: number;
  /** Seconds after which a silent worker's jobs go to another (default {@link DEFAULT_LEASE_SECONDS}). */
  leaseSeconds?: number;
  /** Queue a sync of every enabled source at start, as `vigil run` does (default true). A sync waiting already is not duplicated. */
  initialSync?: boolean;
  /** Milliseconds between polls for jobs when no NOTIFY came (graphile-worker's `pollInterval`, default 2000). */
  pollIntervalMs?: number;
}

/** What a worker needs. */
export interface WorkerDeps {
  config: VigilConfig;
  log: Logger;
  stores: Stores;
  channels: Map<string, Channel>;
  http: HttpClient;
}

/** A running worker. */
export interface ClusterWorker {
  /** Resolves when the runner stops (after {@link ClusterWorker.stop}, or a fatal error: rejects). */
  readonly done: Promise<void>;
  /** Stops cleanly: no new jobs; jobs in flight get 5 s, then their abort signal (a sync saves its cursor and is retried). */
  stop(): Promise<void>;
}

/**
 * The cron items of the enabled sources: `sync-source` at each source's schedule (UTC), plus a
 * delivery pass every minute (retries and digests falling due). Identifiers are stable, so
 * graphile-worker knows each item's last run across restarts (no backfill: a missed tick is not
 * replayed; the next tick or the start-up sync covers it).
 * @throws {VigilError} VIGIL_CONFIG_INVALID for a schedule graphile-worker cannot read (croner's
 *   seconds field, `L`, day names).
 */
export function cronItems(config: VigilConfig): ParsedCronItem[] {
  const syncs = enabledSources(config).map((id) => {
    const match = config.sources[id]?.schedule ?? findSource(id).schedule;
    const item = {
      task: TASK.sync,
      match,
      identifier: `sync:${id}`,
      payload: { source: id },
      options: { queueName: `sync:${id}`, jobKey: `sync:${id}`, jobKeyMode: 'replace' as const, backfillPeriod: 0 },
    };
    try {
      parseCronItems([item]);
    } catch {
      throw new VigilError('VIGIL_CONFIG_INVALID', [
        `sources.${id}.schedule: "${match}" is not a cron pattern workers read (five numeric fields with * , - /: no seconds field, L or day names)`,
      ]);
    }
    return item;
  });
  return parseCronItems([
    ...syncs,
    {
      task: TASK.deliver,
      match: '* * * * *',
      identifier: 'deliver',
      options: { queueName: ALERTS_QUEUE, jobKey: 'alerts:deliver', jobKeyMode: 'preserve_run_at' as const, backfillPeriod: 0 },
    },
  ]);
}

/** graphile-worker's log lines through Vigil's logger (its `warning` is pino's `warn`). */
function graphileLogger(log: Logger): GraphileLogger {
  return new GraphileLogger((scope) => (level: LogLevel, message: string, meta?: unknown) => {
    const fields = {
      ...(meta && typeof meta === 'object' ? meta : {}),
      ...(scope.workerId ? { workerId: scope.workerId } : {}),
      ...(scope.taskIdentifier ? { task: scope.taskIdentifier } : {}),
      ...(scope.jobId ? { jobId: scope.jobId } : {}),
    };
    const to = level === 'warning' ? 'warn' : level === 'error' ? 'error' : level === 'info' ? 'info' : 'debug';
    log[to](fields, message);
  });
}

/**
 * Starts a worker on a PostgreSQL store.
 * @throws {VigilError} VIGIL_CONFIG_INVALID for a SQLite store (a cluster needs PostgreSQL).
 * @throws {Error} when PostgreSQL cannot be reached.
 */
export async function startWorker(deps: WorkerDeps, options: WorkerOptions = {}): Promise<ClusterWorker> {
  const { config, log, stores } = deps;
  if (stores.backend !== 'postgres' || !stores.pg)
    throw new VigilError('VIGIL_CONFIG_INVALID', [
      `database: vigil run --worker shares work through a PostgreSQL job queue, and the store is SQLite (${config.database}); use a postgres:// database (docs/deploy.md), or plain \`vigil run\` for one process`,
    ]);
  const target = queueTarget(config.database);
  const concurrency = options.concurrency ?? 2;
  const queue = await openQueue(config.database);
  const leases = new WorkerLeases(target.connectionString, target.schema, `${hostname()}:${process.pid}`, log, {
    leaseSeconds: options.leaseSeconds ?? DEFAULT_LEASE_SECONDS,
  });
  // Our pool, not one graphile-worker makes: 0.17 records a job's completion or failure without
  // waiting for it, and ends its own pool at shutdown, so the last job's outcome could be cut off
  // (the job then waits for the lease). We end this one only once it is idle (see drain).
  // Size: the workers' connections, the queue's LISTEN connection and cron's.
  const queuePool = new pg.Pool({ connectionString: target.connectionString, max: concurrency + 2, application_name: 'vigil-worker-queue' });
  // A dropped idle connection must not crash the worker; graphile-worker also wants each client's
  // errors handled (else it prints "Your pool doesn't have all of the error handlers!").
  queuePool.on('error', (err) => log.warn({ err: err.message }, 'job queue connection lost'));
  queuePool.on('connect', (client) => client.on('error', (err) => log.warn({ err: err.message }, 'job queue connection lost')));
  let runner: Runner | null = null;
  try {
    await leases.install();
    const pg = stores.pg;
    const notify = () =>
      notifyEvents((sql, params) => pg.query(sql, params), target.storeSchema).catch((err: Error) => log.debug({ err: err.message }, 'NOTIFY failed'));
    const tasks = taskList({ config, log, stores, channels: deps.channels, http: deps.http, queue, notify });
    // Our own emitter, so the pool and workers run() makes at once are seen (heartbeats from the
    // start). graphile-worker 0.17 locks jobs in the pool's name (`pool-…`); the workers' ids are
    // registered too, for versions that lock per worker.
    const events = new EventEmitter() as WorkerEvents;
    const beat = (id: string) => leases.add(id).catch((err: Error) => log.warn({ err: err.message }, 'worker heartbeat failed'));
    events.on('pool:create', ({ workerPool }) => void beat(workerPool.id));
    events.on('worker:create', ({ worker }) => void beat(worker.workerId));
    const revision = { current: await queueRevision(queuePool, target.schema) };
    events.on('pool:listen:success', ({ client }) => ignoreForeignMigrations(client as unknown as pg.PoolClient, () => revision.current, log));
    runner = await run({
      events,
      pgPool: queuePool,
      schema: target.schema,
      concurrency,
      noHandleSignals: true,
      pollInterval: options.pollIntervalMs ?? 2000,
      taskList: tasks,
      parsedCronItems: cronItems(config),
      logger: graphileLogger(log),
    });
    revision.current = await queueRevision(queuePool, target.schema);
    leases.start();
    if (options.initialSync ?? true) for (const id of enabledSources(config)) await queue.sync(id);
  } catch (err) {
    await runner?.stop().catch(() => {});
    await leases.stop().catch(() => {});
    await queue.release().catch(() => {});
    await queuePool.end().catch(() => {});
    throw err;
  }
  const r = runner;
  log.info({ schema: target.schema, concurrency, leaseSeconds: leases.leaseSeconds, sources: enabledSources(config) }, 'vigil worker: started');
  let stopping: Promise<void> | null = null;
  const done = r.promise.finally(async () => {
    await drain(queuePool);
    await queuePool.end().catch(() => {});
    await leases.stop().catch(() => {});
    await queue.release().catch(() => {});
  });
  return {
    done,
    stop() {
      stopping ??= (async () => {
        await r.stop();
        await done.catch(() => {});
        log.info('vigil worker: stopped');
      })();
      return stopping;
    },
  };
}

/** The newest graphile-worker migration applied to the job queue's schema, or null when it is not installed yet. */
async function queueRevision(pool: pg.Pool, schema: string): Promise<number | null> {
  try {
    const { rows } = await pool.query<{ id: number | null }>(`SELECT max(id) AS id FROM "${schema}".migrations`);
    return rows[0]?.id ?? null;
  } catch (err) {
    if ((err as { code?: string }).code === '42P01' || (err as { code?: string }).code === '3F000') return null; // no table, no schema
    throw err;
  }
}

/**
 * graphile-worker (0.17, src/main.ts `handleNotification`) shuts a worker down on any
 * `worker:migrate` notification that says "breaking", and that channel is the whole database's,
 * not the schema's: installing the job queue of another store in the same database (a second
 * Vigil on `?schema=…`, or a test) stopped every running worker (seen in CI: "detected breaking
 * migration to database schema revision '1' … shutting down", its locked job left for the lease).
 * A breaking migration numbered at or below the revision this worker's schema already has cannot
 * be a change to it (graphile-worker migrates its schema to its newest revision before working):
 * such notifications are dropped from the LISTEN connection; newer ones still stop the worker.
 */
function ignoreForeignMigrations(client: pg.PoolClient, revision: () => number | null, log: Logger): void {
  const emit = client.emit.bind(client);
  client.emit = (event: string | symbol, ...args: unknown[]): boolean => {
    if (event === 'notification') {
      const m = args[0] as pg.Notification;
      if (m.channel === 'worker:migrate') {
        let payload: { migrationNumber?: unknown; breaking?: unknown } = {};
        try {
          payload = JSON.parse(m.payload ?? '{}') as typeof payload;
        } catch {
          // not graphile-worker's shape: let it decide
        }
        const known = revision();
        if (payload.breaking && typeof payload.migrationNumber === 'number' && known !== null && payload.migrationNumber <= known) {
          log.debug({ migration: payload.migrationNumber, revision: known }, 'job queue: a breaking migration of another schema in this database, ignored');
          return false;
        }
      }
    }
    return emit(event, ...args);
  };
}

/**
 * Waits until no query of `pool` is running or waiting (at most `ms`): the completion or failure
 * of the jobs that ended during shutdown, which graphile-worker sends without awaiting.
 */
async function drain(pool: pg.Pool, ms = 5000): Promise<void> {
  const deadline = Date.now() + ms;
  await new Promise((r) => setTimeout(r, 50));
  while (Date.now() < deadline && (pool.waitingCount > 0 || pool.idleCount < pool.totalCount)) await new Promise((r) => setTimeout(r, 20));
}
