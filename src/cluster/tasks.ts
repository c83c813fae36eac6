/**
 * The cluster's task registry: task name → handler, in one place. A later kind of work (a
 * collection or analysis job) is one handler here plus, if it has a schedule, one cron line in
 * worker.ts. Handlers run in any worker process, possibly twice for one job (a worker killed
 * mid-job: its job is retried after the lease, lease.ts), so each is idempotent: a sync resumes
 * from its saved cursor, an import re-reads records the store already has as unchanged, and
 * alert passes rest on the store's unique alert keys and delivery log.
 */
import type { Task, TaskList } from 'graphile-worker';
import { z } from 'zod';
import type { Channel } from '../alerts/channels/types.ts';
import { deliverDue } from '../alerts/deliver.ts';
import { evaluate } from '../alerts/engine.ts';
import type { VigilConfig } from '../config.ts';
import { recordSourceHealth } from '../daemon.ts';
import type { Logger } from '../log.ts';
import { importFiles, syncSource } from '../pipeline.ts';
import { evaluateExposureAlerts } from '../exposure/alert.ts';
import { queueDueReports } from '../reports/due.ts';
import type { HttpClient } from '../sources/http.ts';
import { findSource } from '../sources/registry.ts';
import type { Stores } from '../store/index.ts';
import type { JobQueue } from './queue.ts';
import { TASK } from './queue.ts';

/** What every handler may use (one per worker process). */
export interface TaskContext {
  config: VigilConfig;
  log: Logger;
  stores: Stores;
  channels: Map<string, Channel>;
  http: HttpClient;
  /** To queue follow-up jobs (an evaluation after a sync, a retry). */
  queue: JobQueue;
  /** Called after a step that may have made alerts or changes (LISTEN/NOTIFY wake-up of API replicas, notify.ts). */
  notify?: () => Promise<void>;
  now?: () => Date;
}

const SyncPayload = z.object({ source: z.string().min(1) });
const ImportPayload = z.object({ source: z.string().min(1), paths: z.array(z.string().min(1)).min(1), options: z.object({ date: z.string().optional() }).optional() });

/** Raised to have graphile-worker retry a job that a shutdown stopped (it resumes from its cursor). */
export class JobStoppedError extends Error {
  constructor(what: string) {
    super(`${what}: stopped by a shutdown; retried by the next worker (it resumes from its cursor)`);
    this.name = 'JobStoppedError';
  }
}

/**
 * The handlers. Payloads cross a zod schema (a job may have been added by hand with SQL,
 * `graphile_worker.add_job`); a bad one throws and graphile-worker records the error.
 */
export function taskList(ctx: TaskContext): TaskList {
  const now = () => (ctx.now ?? (() => new Date()))();
  const clock = ctx.now ? { now: ctx.now } : {};

  /** `sync-source`: one sync window run of a source, then an alert evaluation. */
  const sync: Task = async (payload, helpers) => {
    const { source: id } = SyncPayload.parse(payload);
    const found = findSource(id);
    if (!ctx.config.sources[id]?.enabled) {
      helpers.logger.info(`source ${id} is not enabled here: sync skipped`);
      return;
    }
    const summary = await syncSource(found.source, ctx.config.sources[id]?.config, { store: ctx.stores.writer, log: ctx.log, http: ctx.http, merge: ctx.config.ssvc, signal: helpers.abortSignal, ...clock });
    if (summary.stopped) throw new JobStoppedError(`sync of ${id}`);
    const health = await recordSourceHealth(ctx.stores.alerts, id, summary, ctx.config.daemon.sourceRetry, now());
    if (health?.retryAt) await ctx.queue.sync(id, new Date(health.retryAt));
    if (summary.stored) await ctx.notify?.();
    await ctx.queue.evaluate();
  };

  /** `import-files`: one chunk of a file import (queue.ts splits it), then an alert evaluation. */
  const importChunk: Task = async (payload) => {
    const p = ImportPayload.parse(payload);
    const found = findSource(p.source);
    // A failure throws (with the summary attached): graphile-worker retries the chunk with backoff.
    const summary = await importFiles(found.source, p.paths, { store: ctx.stores.writer, log: ctx.log, merge: ctx.config.ssvc }, p.options?.date ? { date: p.options.date } : {});
    ctx.log.info({ source: p.source, files: p.paths.length, read: summary.read, stored: summary.stored }, 'import chunk done');
    if (summary.stored) await ctx.notify?.();
    await ctx.queue.evaluate();
  };

  /** `evaluate-alerts`: what changed since the feed cursors, into alerts (committed with the cursors); then a delivery. */
  const evaluateAlerts: Task = async () => {
    const ev = await evaluate({ store: ctx.stores.store, alerts: ctx.stores.alerts, intel: ctx.stores.intel, iocs: ctx.stores.iocs, config: ctx.config.alerts, log: ctx.log, merge: ctx.config.ssvc, ...clock });
    if ((await queueDueReports({ stores: ctx.stores, config: ctx.config.alerts, log: ctx.log, merge: ctx.config.ssvc, ...clock })).length) await ctx.notify?.();
    if ((await evaluateExposureAlerts({ stores: ctx.stores, config: ctx.config.alerts, halfLifeDays: ctx.config.exposure.halfLifeDays, merge: ctx.config.ssvc, log: ctx.log, ...clock })).length) await ctx.notify?.();
    if (ev.alerts.length) await ctx.notify?.();
    await ctx.queue.deliver();
  };

  /** `deliver-alerts`: sends what is due; queues the next pass for the next retry falling due. */
  const deliverAlerts: Task = async (_payload, helpers) => {
    await deliverDue({ alerts: ctx.stores.alerts, channels: ctx.channels, config: ctx.config.alerts, log: ctx.log, shouldStop: () => helpers.abortSignal.aborted, ...clock });
    const next = await ctx.stores.alerts.nextDue();
    // At least a second ahead: an alert still due now (a pass stopped by a shutdown) must not spin.
    if (next) await ctx.queue.deliver(new Date(Math.max(Date.parse(next), now().getTime() + 1000)));
  };

  return { [TASK.sync]: sync, [TASK.importFiles]: importChunk, [TASK.evaluate]: evaluateAlerts, [TASK.deliver]: deliverAlerts } satisfies Record<(typeof TASK)[keyof typeof TASK], Task>;
}
