/**
 * Cross-process wake-ups on PostgreSQL (LISTEN/NOTIFY, https://www.postgresql.org/docs/15/sql-notify.html):
 * a process that committed alerts or record changes sends `NOTIFY` on its store's channel, and
 * every API replica's event hub (api/events-hub.ts) polls the store at once instead of at its next
 * tick. The notification carries nothing (the store is the truth: a hub that misses one still
 * polls on its timer), so a lost or duplicated wake-up costs at most a poll.
 */
import pg from 'pg';
import type { Logger } from '../log.ts';
import { isPostgresUrl, parsePostgresUrl } from '../store/postgres/pool.ts';

/** The NOTIFY channel of a store schema (one per schema: stores sharing a database do not wake each other). */
export function eventsChannel(storeSchema: string): string {
  return `vigil_events_${storeSchema}`.slice(0, 63);
}

/** Sends a wake-up on the store's channel through `query` (a pool or client of that database). */
export async function notifyEvents(query: (sql: string, params: unknown[]) => Promise<unknown>, storeSchema: string): Promise<void> {
  await query('SELECT pg_notify($1, $2)', [eventsChannel(storeSchema), '']);
}

/** A dedicated listening connection. */
export interface EventListener {
  /** Subscribes to wake-ups; @returns the unsubscribe function (the shape EventHub's `wake` takes). */
  wake(fn: () => void): () => void;
  close(): Promise<void>;
}

/**
 * Opens a dedicated connection listening on the channel of `database`'s schema. When the
 * connection drops it reconnects (1 s, doubling to 30 s) and wakes subscribers once connected
 * again (anything committed meanwhile is then read).
 * @param database a `postgres://` URL (optionally `?schema=`).
 * @throws {Error} when the first connection fails (pg's error).
 */
export async function listenForEvents(database: string, log: Logger): Promise<EventListener> {
  const { connectionString, schema } = parsePostgresUrl(database);
  const channel = eventsChannel(schema);
  const subscribers = new Set<() => void>();
  const wakeAll = () => {
    for (const fn of subscribers) fn();
  };
  let client: pg.Client | null = null;
  let closed = false;
  let delay = 1000;
  let retry: NodeJS.Timeout | null = null;

  async function connect(): Promise<void> {
    const c = new pg.Client({ connectionString, application_name: 'vigil-events' });
    c.on('notification', (m) => {
      if (m.channel === channel) wakeAll();
    });
    c.on('error', (err) => {
      log.warn({ err: err.message }, 'event listener connection lost: reconnecting');
      c.end().catch(() => {});
      if (client === c) client = null;
      schedule();
    });
    await c.connect();
    await c.query(`LISTEN "${channel}"`);
    client = c;
    delay = 1000;
  }

  function schedule(): void {
    if (closed || retry) return;
    retry = setTimeout(() => {
      retry = null;
      connect().then(wakeAll, (err: Error) => {
        log.warn({ err: err.message, retryInMs: delay }, 'event listener cannot reconnect yet');
        delay = Math.min(delay * 2, 30_000);
        schedule();
      });
    }, delay);
    retry.unref();
  }

  await connect();
  return {
    wake(fn) {
      subscribers.add(fn);
      return () => subscribers.delete(fn);
    },
    async close() {
      closed = true;
      if (retry) clearTimeout(retry);
      subscribers.clear();
      await client?.end().catch(() => {});
      client = null;
    },
  };
}

/**
 * The `wake` argument of an EventHub (api/events-hub.ts) for a store: on PostgreSQL a function
 * that opens a dedicated listening connection when the hub starts and closes it when the hub stops;
 * undefined on SQLite (one process: the hub's poll suffices). A failed connection is logged and
 * the hub keeps polling.
 * @example new EventHub(alerts, triage, 2000, eventWakeFor(config.database, log))
 */
export function eventWakeFor(database: string, log: Logger): ((fn: () => void) => () => void) | undefined {
  if (!isPostgresUrl(database)) return undefined;
  return (fn) => {
    let listener: EventListener | null = null;
    let closed = false;
    listenForEvents(database, log).then(
      (l) => {
        if (closed) return void l.close();
        listener = l;
        l.wake(fn);
        fn(); // anything committed while connecting
      },
      (err: Error) => log.warn({ err: err.message }, 'event stream: cannot LISTEN; polling only'),
    );
    return () => {
      closed = true;
      void listener?.close();
    };
  };
}
