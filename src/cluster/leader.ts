/**
 * Leadership of plain daemons (`vigil run`, `vigil serve` without `--no-daemon`) sharing one
 * PostgreSQL store: only the process holding a session-level advisory lock
 * (https://www.postgresql.org/docs/15/explicit-locking.html §13.3.5) fires the schedules, so two
 * daemons started by mistake (or for failover) never sync a source twice on one tick. The lock
 * lives as long as the holder's connection: a killed leader's lock is released by the server at
 * once, and a follower takes over at its next attempt (every `retrySeconds`).
 *
 * The same dedicated connection sends the events channel's NOTIFY (notify.ts) for the daemon.
 */
import pg from 'pg';
import type { Logger } from '../log.ts';
import { parsePostgresUrl } from '../store/postgres/pool.ts';
import { notifyEvents } from './notify.ts';

/** Leadership as the daemon sees it. */
export interface Leadership {
  /** Whether this process fires the schedules now. */
  readonly isLeader: boolean;
  /** Wakes the event hubs of every replica (alerts or changes committed). Never throws. */
  notify(): Promise<void>;
  close(): Promise<void>;
}

/** The advisory lock key of a store schema's schedules (64-bit, from the name). */
const LOCK_SQL = `SELECT pg_try_advisory_lock(hashtextextended($1, 0)) AS ok`;

/**
 * Tries to become the schedules' leader of `database`'s schema now and every `retrySeconds`.
 * @param onChange called when this process becomes leader (true) or loses its connection (false).
 * @throws {Error} when the first connection fails.
 */
export async function electLeader(database: string, log: Logger, options: { retrySeconds?: number; onChange?: (leader: boolean) => void } = {}): Promise<Leadership> {
  const { connectionString, schema } = parsePostgresUrl(database);
  const key = `vigil:schedules:${schema}`;
  let client: pg.Client | null = null;
  let leader = false;
  let closed = false;
  let attempting = false;

  const setLeader = (v: boolean) => {
    if (v === leader) return;
    leader = v;
    log.info({ schema }, v ? 'this daemon leads the schedules' : 'this daemon lost the schedules lead (connection lost)');
    options.onChange?.(v);
  };

  async function attempt(): Promise<void> {
    if (closed || leader || attempting) return;
    attempting = true;
    try {
      if (!client) {
        const c = new pg.Client({ connectionString, application_name: 'vigil-daemon' });
        c.on('error', (err) => {
          log.warn({ err: err.message }, 'daemon leadership connection lost');
          c.end().catch(() => {});
          if (client === c) client = null;
          setLeader(false);
        });
        await c.connect();
        client = c;
      }
      const { rows } = await client.query<{ ok: boolean }>(LOCK_SQL, [key]);
      if (rows[0]?.ok) setLeader(true);
    } catch (err) {
      log.warn({ err: (err as Error).message }, 'daemon leadership: cannot reach PostgreSQL');
    } finally {
      attempting = false;
    }
  }

  await attempt();
  if (!client) throw new Error(`cannot connect to PostgreSQL for the daemon's schedules lock`);
  if (!leader) log.info({ schema }, 'another daemon leads the schedules: this one waits (it still runs collection requests)');
  const timer = setInterval(() => void attempt(), (options.retrySeconds ?? 15) * 1000);
  timer.unref();

  return {
    get isLeader() {
      return leader;
    },
    async notify() {
      if (!client) return;
      await notifyEvents((sql, params) => (client as pg.Client).query(sql, params), schema).catch((err: Error) => log.debug({ err: err.message }, 'NOTIFY failed'));
    },
    async close() {
      closed = true;
      clearInterval(timer);
      // Ending the session releases the lock.
      await client?.end().catch(() => {});
      client = null;
      leader = false;
    },
  };
}
