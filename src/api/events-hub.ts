/**
 * The source of the live event stream (`GET /api/v1/events`): polls the store for alerts and
 * change-history rows newer than the last seen (both have monotonic ids), so it sees what any
 * process wrote (the daemon, `vigil sync`), and fans them out to subscribers. An event's id is
 * the position in both feeds after it, `<alertId>.<changeId>`, so a reconnecting client's
 * `Last-Event-ID` resumes both.
 *
 * Several API replicas on one PostgreSQL store: each hub polls on its timer, and a `wake` source
 * (cluster/notify.ts: LISTEN on the store's channel, NOTIFYed after alerts and changes commit)
 * makes it poll at once, so a replica streams what another process wrote within milliseconds
 * rather than a poll interval. The timer stays as the fallback (a wake-up is a hint, not data).
 */
import type { AlertStore } from '../store/alerts.ts';
import type { InboxAlert, TriageStore } from '../store/server.ts';

/** One event of the stream. */
export type HubEvent = { id: string; event: 'alert'; data: InboxAlert } | { id: string; event: 'cve'; data: { cveId: string; field: string; old: string | null; new: string | null; source: string; at: string } };

/** Largest batch read per poll and replayed on resume. */
const BATCH = 500;

/** Polls for new alerts and changes; subscribers get each event once, in order. */
export class EventHub {
  readonly #subscribers = new Set<(e: HubEvent) => void>();
  #timer: NodeJS.Timeout | null = null;
  #alertId = 0;
  #changeId = 0;
  #polling = false;
  /** A wake-up came during a poll: poll again after it (what it announced may have committed after the poll's reads). */
  #again = false;
  #unwake: (() => void) | null = null;

  /**
   * @param intervalMs poll interval, ms (the fallback when `wake` is given).
   * @param wake subscribes a callback to cross-process wake-ups; returns the unsubscribe function.
   */
  constructor(
    private readonly alerts: AlertStore,
    private readonly triage: TriageStore,
    private readonly intervalMs = 2000,
    private readonly wake?: (fn: () => void) => () => void,
  ) {}

  /** Starts from the current ends of both feeds. */
  async start(): Promise<void> {
    this.#alertId = await this.triage.lastAlertId();
    this.#changeId = await this.alerts.lastChangeId();
    this.#timer = setInterval(() => void this.poll().catch(() => {}), this.intervalMs);
    this.#timer.unref();
    this.#unwake = this.wake?.(() => void this.poll().catch(() => {})) ?? null;
  }

  stop(): void {
    if (this.#timer) clearInterval(this.#timer);
    this.#timer = null;
    this.#unwake?.();
    this.#unwake = null;
    this.#subscribers.clear();
  }

  /** Subscribes; @returns the unsubscribe function. */
  subscribe(fn: (e: HubEvent) => void): () => void {
    this.#subscribers.add(fn);
    return () => this.#subscribers.delete(fn);
  }

  /**
   * What a client that saw everything up to `lastEventId` (`<alertId>.<changeId>`) missed, up to
   * what subscribers have been sent (later events reach it live, not twice), at most
   * {@link BATCH} of each kind.
   */
  async replay(lastEventId: string): Promise<HubEvent[]> {
    const m = /^(\d{1,15})\.(\d{1,15})$/.exec(lastEventId);
    if (!m) return [];
    return this.#events(Number(m[1]), Number(m[2]), { alertId: this.#alertId, changeId: this.#changeId });
  }

  /** Alerts after `alertId`, then changes after `changeId` (none past `upTo`), with their ids. */
  async #events(alertId: number, changeId: number, upTo = { alertId: Number.MAX_SAFE_INTEGER, changeId: Number.MAX_SAFE_INTEGER }): Promise<HubEvent[]> {
    const out: HubEvent[] = [];
    let a = alertId;
    let c = changeId;
    for (const alert of await this.triage.alertsAfter(alertId, BATCH)) {
      if (alert.id > upTo.alertId) break;
      a = alert.id;
      out.push({ id: `${a}.${c}`, event: 'alert', data: alert });
    }
    for (const { id, ...change } of await this.alerts.readChanges(changeId, BATCH)) {
      if (id > upTo.changeId) break;
      c = id;
      out.push({ id: `${a}.${c}`, event: 'cve', data: change });
    }
    return out;
  }

  /** Reads what is new and publishes it (also called by tests instead of waiting). */
  async poll(): Promise<void> {
    if (this.#polling) {
      this.#again = true;
      return;
    }
    this.#polling = true;
    this.#again = false;
    try {
      if (!this.#subscribers.size) {
        // Nobody listening: move to the ends, so a later subscriber gets no backlog burst.
        this.#alertId = await this.triage.lastAlertId();
        this.#changeId = await this.alerts.lastChangeId();
        return;
      }
      const events = await this.#events(this.#alertId, this.#changeId);
      const last = events[events.length - 1];
      if (last) [this.#alertId, this.#changeId] = last.id.split('.').map(Number) as [number, number];
      for (const e of events) for (const fn of this.#subscribers) fn(e);
    } finally {
      this.#polling = false;
    }
    if (this.#again) await this.poll();
  }
}
