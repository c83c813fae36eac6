/**
 * Leases of worker processes on their jobs. graphile-worker 0.17 frees the jobs a dead worker
 * locked only after 4 hours (`resetLockedAt`, hard-coded); it offers `forceUnlockWorkers(ids)`
 * but no liveness of its own (the Rust port's "worker recovery" does heartbeats and a sweeper;
 * this is the same design). Each process writes a heartbeat row per lock holder id (0.17 locks
 * jobs in its worker pool's name, `pool-…`; worker ids are registered too) every
 * lease/6 seconds into `<jobs schema>.vigil_workers`; every process sweeps every lease/3 seconds
 * (jittered) and force-unlocks the jobs and queues locked for longer than the lease by a worker
 * whose heartbeat is older than the lease. A live worker running a long job keeps beating, so its
 * job is never taken from it; a SIGKILLed worker's job runs again within 1–1.4 leases.
 *
 * The lease must exceed the longest stall of a live worker's event loop plus a connection hiccup:
 * a worker whose heartbeats stop while its job still runs (a network partition) loses the job to
 * another, and both runs then write (each write is idempotent and the end state is the same).
 */
import pg from 'pg';
import type { Logger } from '../log.ts';

/** Lease settings. */
export interface LeaseOptions {
  /** Seconds without a heartbeat after which a worker's jobs are taken back (default 90). */
  leaseSeconds?: number;
}

/** Default lease, seconds: above any event-loop stall of an import, well under graphile's 4 hours. */
export const DEFAULT_LEASE_SECONDS = 90;

const quote = (id: string) => `"${id.replaceAll('"', '""')}"`;

/** Heartbeats of this process's workers and the sweep of dead ones. */
export class WorkerLeases {
  readonly #pool: pg.Pool;
  readonly #schema: string;
  readonly #lease: number;
  readonly #process: string;
  readonly #log: Logger;
  readonly #ids = new Set<string>();
  readonly #timers: NodeJS.Timeout[] = [];
  #sweeping = false;

  /**
   * @param connectionString pg's connection string of the queue's database.
   * @param schema the queue's schema (queue.ts jobsSchemaOf), already migrated by graphile-worker.
   * @param process a label of this process in the table (`host:pid`), for operators.
   */
  constructor(connectionString: string, schema: string, process: string, log: Logger, options: LeaseOptions = {}) {
    this.#pool = new pg.Pool({ connectionString, max: 2, application_name: 'vigil-worker-lease' });
    this.#pool.on('error', () => {});
    this.#schema = quote(schema);
    this.#lease = options.leaseSeconds ?? DEFAULT_LEASE_SECONDS;
    if (!(this.#lease >= 1)) throw new RangeError(`lease must be at least 1 second (got ${this.#lease})`);
    this.#process = process;
    this.#log = log;
  }

  /** Seconds of the lease. */
  get leaseSeconds(): number {
    return this.#lease;
  }

  /** Creates the heartbeat table (idempotent; serialised between processes starting at once). */
  async install(): Promise<void> {
    const client = await this.#pool.connect();
    try {
      await client.query('BEGIN');
      await client.query(`SELECT pg_advisory_xact_lock(hashtext($1))`, [`vigil:lease-install:${this.#schema}`]);
      await client.query(`CREATE TABLE IF NOT EXISTS ${this.#schema}.vigil_workers (
        worker_id text PRIMARY KEY,
        process text NOT NULL,
        last_seen timestamptz NOT NULL DEFAULT now()
      )`);
      await client.query('COMMIT');
    } catch (err) {
      await client.query('ROLLBACK').catch(() => {});
      throw err;
    } finally {
      client.release();
    }
  }

  /** Starts beating for `workerId` (a lock holder of this process: its pool's or a worker's id) right away. */
  async add(workerId: string): Promise<void> {
    this.#ids.add(workerId);
    await this.beat();
  }

  /** Stops beating for `workerId` and removes its row (it stopped cleanly, holding nothing). */
  async remove(workerId: string): Promise<void> {
    this.#ids.delete(workerId);
    await this.#pool.query(`DELETE FROM ${this.#schema}.vigil_workers WHERE worker_id = $1`, [workerId]).catch(() => {});
  }

  /** Writes this process's heartbeats (database time, so clocks of worker hosts do not matter). */
  async beat(): Promise<void> {
    if (!this.#ids.size) return;
    await this.#pool.query(
      `INSERT INTO ${this.#schema}.vigil_workers (worker_id, process, last_seen) SELECT id, $2, now() FROM unnest($1::text[]) AS id
       ON CONFLICT (worker_id) DO UPDATE SET last_seen = now(), process = excluded.process`,
      [[...this.#ids], this.#process],
    );
  }

  /**
   * Frees the jobs and queues locked for longer than the lease by workers without a heartbeat
   * within it, and forgets heartbeats older than ten leases.
   * @returns the worker ids whose locks were freed.
   */
  async sweep(): Promise<string[]> {
    const s = this.#schema;
    const client = await this.#pool.connect();
    try {
      await client.query('BEGIN');
      const { rows } = await client.query<{ ids: string[] | null }>(
        `WITH live AS (SELECT worker_id FROM ${s}.vigil_workers WHERE last_seen > now() - make_interval(secs => $1)),
         stale AS (
           SELECT locked_by FROM ${s}._private_jobs WHERE locked_by IS NOT NULL AND locked_at < now() - make_interval(secs => $1)
           UNION
           SELECT locked_by FROM ${s}._private_job_queues WHERE locked_by IS NOT NULL AND locked_at < now() - make_interval(secs => $1)
         )
         SELECT array_agg(locked_by) AS ids FROM stale WHERE locked_by NOT IN (SELECT worker_id FROM live)`,
        [this.#lease],
      );
      const ids = rows[0]?.ids ?? [];
      if (ids.length) await client.query(`SELECT ${s}.force_unlock_workers($1::text[])`, [ids]);
      await client.query(`DELETE FROM ${s}.vigil_workers WHERE last_seen < now() - make_interval(secs => $1)`, [this.#lease * 10]);
      await client.query('COMMIT');
      if (ids.length) this.#log.warn({ workers: ids, leaseSeconds: this.#lease }, 'jobs of workers without a heartbeat within the lease freed: they run again');
      return ids;
    } catch (err) {
      await client.query('ROLLBACK').catch(() => {});
      throw err;
    } finally {
      client.release();
    }
  }

  /** Starts the heartbeat and sweep timers. A failed beat or sweep is logged and tried again next time. */
  start(): void {
    const beat = setInterval(() => this.beat().catch((err: Error) => this.#log.warn({ err: err.message }, 'worker heartbeat failed')), (this.#lease * 1000) / 6);
    this.#timers.push(beat);
    const sweepEvery = (this.#lease * 1000) / 3;
    const sweep = () => {
      const t = setTimeout(async () => {
        if (!this.#sweeping) {
          this.#sweeping = true;
          await this.sweep().catch((err: Error) => this.#log.warn({ err: err.message }, 'lease sweep failed'));
          this.#sweeping = false;
        }
        if (this.#timers.length) sweep();
      }, sweepEvery * (0.8 + 0.4 * Math.random()));
      this.#timers[1] = t;
    };
    sweep();
  }

  /** Stops the timers, removes this process's rows and closes the pool. */
  async stop(): Promise<void> {
    for (const t of this.#timers) clearTimeout(t);
    this.#timers.length = 0;
    const ids = [...this.#ids];
    this.#ids.clear();
    if (ids.length) await this.#pool.query(`DELETE FROM ${this.#schema}.vigil_workers WHERE worker_id = ANY($1::text[])`, [ids]).catch(() => {});
    await this.#pool.end();
  }
}
