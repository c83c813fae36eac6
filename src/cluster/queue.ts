/**
 * The cluster's job queue: graphile-worker 0.17 (https://worker.graphile.org/) in a schema of its
 * own beside the store's (`<schema>_jobs`, or `graphile_worker` for `public`). This file names the
 * jobs and adds them; worker.ts runs them. Every job that must not run twice at once has a named
 * queue (graphile-worker runs a queue's jobs one at a time across the cluster) and a job key (a
 * job already waiting is updated instead of duplicated):
 *
 * | job              | payload                  | queue          | key            |
 * |------------------|--------------------------|----------------|----------------|
 * | `sync-source`    | `{ source }`             | `sync:<id>`    | `sync:<id>`    |
 * | `import-files`   | `{ source, paths, … }`   | `import:<id>`  | none (chunks)  |
 * | `evaluate-alerts`| `{}`                     | `alerts`       | `alerts:evaluate` |
 * | `deliver-alerts` | `{}`                     | `alerts`       | `alerts:deliver`  |
 *
 * Evaluation and delivery share the `alerts` queue: the change-feed cursor and the delivery log
 * are then advanced by one job at a time in the whole cluster (the store's unique alert keys and
 * delivery claims make a second pass harmless anyway; the queue makes it rare).
 */
import { makeWorkerUtils, type WorkerUtils } from 'graphile-worker';
import { parsePostgresUrl } from '../store/postgres/pool.ts';

/** Task names (the registry of handlers is tasks.ts). */
export const TASK = {
  sync: 'sync-source',
  importFiles: 'import-files',
  evaluate: 'evaluate-alerts',
  deliver: 'deliver-alerts',
} as const;

/** The named queue all alert jobs share (one at a time across the cluster). */
export const ALERTS_QUEUE = 'alerts';

/**
 * The job queue's schema for a store schema: `<schema>_jobs`, or graphile-worker's default
 * `graphile_worker` for `public` (so tools that assume the default find it).
 * @throws {RangeError} when the result would exceed PostgreSQL's 63-byte identifier limit.
 */
export function jobsSchemaOf(storeSchema: string): string {
  if (storeSchema === 'public') return 'graphile_worker';
  const name = `${storeSchema}_jobs`;
  if (name.length > 63) throw new RangeError(`schema "${storeSchema}" is too long for its job queue schema "${name}" (at most 58 characters)`);
  return name;
}

/** Where the queue of a database lives. */
export interface QueueTarget {
  /** `pg`'s connection string (Vigil's `schema` parameter removed). */
  connectionString: string;
  /** The store's schema. */
  storeSchema: string;
  /** The queue's schema ({@link jobsSchemaOf}). */
  schema: string;
}

/** The queue of a `postgres://` database URL. @throws {RangeError} for an invalid URL (see parsePostgresUrl). */
export function queueTarget(database: string): QueueTarget {
  const { connectionString, schema } = parsePostgresUrl(database);
  return { connectionString, storeSchema: schema, schema: jobsSchemaOf(schema) };
}

/** Payload of an `import-files` job: files (paths every worker can read, e.g. a shared volume) of one source. */
export interface ImportFilesPayload {
  source: string;
  paths: string[];
  /** `vigil import` options (`date` for EMBA EPSS files). */
  options?: { date?: string };
}

/** Adds jobs. Open with {@link openQueue}; `release()` closes its pool. */
export class JobQueue {
  constructor(readonly utils: WorkerUtils) {}

  /**
   * Queues a sync of `source`. A sync already waiting is kept (no duplicate); one running gets
   * this one queued behind it (its queue runs one at a time).
   * @param runAt when (default now: a retry passes its backoff time); it replaces the time of a sync already waiting.
   */
  async sync(source: string, runAt?: Date): Promise<void> {
    await this.utils.addJob(TASK.sync, { source }, { queueName: `sync:${source}`, jobKey: `sync:${source}`, jobKeyMode: 'replace', ...(runAt ? { runAt } : {}) });
  }

  /**
   * Queues an import of files, one job per chunk of `chunkFiles` paths: a folder of 10,000 CVE 5
   * files becomes 100 jobs that any worker may take. Chunks of one source run one at a time (their
   * merges would contend on the same rows otherwise), in order.
   * @returns the number of jobs added.
   */
  async importFiles(payload: ImportFilesPayload, chunkFiles = 100): Promise<number> {
    const chunks: string[][] = [];
    for (let i = 0; i < payload.paths.length; i += chunkFiles) chunks.push(payload.paths.slice(i, i + chunkFiles));
    for (const paths of chunks) await this.utils.addJob(TASK.importFiles, { ...payload, paths } satisfies ImportFilesPayload, { queueName: `import:${payload.source}` });
    return chunks.length;
  }

  /** Queues an alert evaluation (one waiting at most). */
  async evaluate(): Promise<void> {
    await this.utils.addJob(TASK.evaluate, {}, { queueName: ALERTS_QUEUE, jobKey: 'alerts:evaluate', jobKeyMode: 'replace' });
  }

  /**
   * Queues a delivery pass, now or at `runAt` (the next retry falling due). One waits at most: a
   * pass for now replaces the waiting one; a pass for later keeps the waiting one's time
   * (`preserve_run_at`), so a retry time never postpones a pass already due.
   */
  async deliver(runAt?: Date): Promise<void> {
    await this.utils.addJob(TASK.deliver, {}, { queueName: ALERTS_QUEUE, jobKey: 'alerts:deliver', jobKeyMode: runAt ? 'preserve_run_at' : 'replace', ...(runAt ? { runAt } : {}) });
  }

  async release(): Promise<void> {
    await this.utils.release();
  }
}

/**
 * Opens the queue of a `postgres://` database (creating its schema on first use: graphile-worker
 * migrates it, serialised by its own lock).
 * @throws {Error} when PostgreSQL cannot be reached.
 */
export async function openQueue(database: string): Promise<JobQueue> {
  const target = queueTarget(database);
  const utils = await makeWorkerUtils({ connectionString: target.connectionString, schema: target.schema, maxPoolSize: 2 });
  await utils.migrate();
  return new JobQueue(utils);
}
