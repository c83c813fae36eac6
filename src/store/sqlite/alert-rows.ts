/**
 * Row mappers of the alerting tables (migration 2): rows to the alerting model, on both back ends
 * (the PostgreSQL store, ../postgres/alerts.ts, gets the same shapes: TEXT dates and JSON, integers
 * and int8 ids as numbers). JSON columns (handles, thresholds, events, explanation, facts,
 * recipients) are parsed here.
 */
import type { Alert, AlertStatus, DeliveryAttempt, Subscription, User, WatchEntry } from '../../model/alert.ts';

/** A row as better-sqlite3 (or pg, through postgres/pool.ts) returns it. */
export type Row = Record<string, unknown>;

/** A `users` row. */
export function toUser(r: Row): User {
  return { name: r.name as string, email: (r.email as string | null) ?? null, handles: JSON.parse(r.handles as string) };
}

/** A `watch_entries` row (empty vendor/version mean none). */
export function toEntry(r: Row): WatchEntry {
  const e: WatchEntry = { id: r.id as number, watchlist: r.watchlist as string, kind: r.kind as WatchEntry['kind'], value: r.value as string, thresholds: JSON.parse(r.thresholds as string) };
  if (r.vendor) e.vendor = r.vendor as string;
  if (r.version) e.version = r.version as string;
  return e;
}

/** A `subscriptions` row (empty target means the owner's). */
export function toSubscription(r: Row): Subscription {
  return {
    id: r.id as number,
    watchlist: r.watchlist as string,
    channel: r.channel as string,
    target: (r.target as string) || null,
    events: JSON.parse(r.events as string),
    mode: r.mode as Subscription['mode'],
    quietHours: r.quiet_hours ? JSON.parse(r.quiet_hours as string) : null,
    timezone: r.timezone as string,
    epssAbove: r.epss_above as number,
    epssJump: r.epss_jump as number,
    ...(r.exposure_above !== null && r.exposure_above !== undefined ? { exposureAbove: r.exposure_above as number } : {}),
  };
}

/** An `alerts` row (subscription 0 is the administrator fallback). */
export function toAlert(r: Row): Alert {
  return {
    id: r.id as number,
    subscriptionId: r.subscription_id === 0 ? null : (r.subscription_id as number),
    watchlist: (r.watchlist as string | null) ?? null,
    channel: r.channel as string,
    recipients: JSON.parse(r.recipients as string),
    cveId: r.cve_id as string,
    event: r.event as Alert['event'],
    eventKey: r.event_key as string,
    mode: r.mode as Alert['mode'],
    createdAt: r.created_at as string,
    explanation: JSON.parse(r.explanation as string),
    facts: JSON.parse(r.facts as string),
    provisional: r.provisional === 1,
    confirmedAt: (r.confirmed_at as string | null) ?? null,
    status: r.status as AlertStatus,
    deliveredTo: JSON.parse(r.delivered_to as string),
    attempts: r.attempts as number,
    nextAttemptAt: (r.next_attempt_at as string | null) ?? null,
    sentAt: (r.sent_at as string | null) ?? null,
    lastError: (r.last_error as string | null) ?? null,
  };
}

/** A `deliveries` row. */
export function toAttempt(r: Row): DeliveryAttempt {
  return {
    alertId: r.alert_id as number,
    attempt: r.attempt as number,
    at: r.at as string,
    status: r.status as DeliveryAttempt['status'],
    retryable: r.retryable === 1,
    response: (r.response as string | null) ?? null,
    error: (r.error as string | null) ?? null,
    durationMs: r.duration_ms as number,
  };
}

