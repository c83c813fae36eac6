/**
 * When an alert may leave: immediately, after quiet hours, or at its subscription's next digest
 * time; and when a failed attempt is retried (exponential backoff). Calendar arithmetic in time
 * zones is croner's (https://github.com/hexagon/croner), not ours.
 */
import { Cron } from 'croner';
import { VigilError } from '../errors.ts';
import type { DeliveryMode, QuietHours } from '../model/alert.ts';

/** Digest times (local to the subscription's time zone). */
export interface DigestTimes {
  /** `HH:MM` of the daily and weekly digests. */
  at: string;
  /** Day of the weekly digest, 0 = Sunday … 6 = Saturday. */
  weekday: number;
}

/** Backoff between delivery attempts. */
export interface RetryPolicy {
  /** Delay before the second attempt, in seconds; doubles with each attempt. */
  baseSeconds: number;
  /** Longest delay, in seconds. */
  maxSeconds: number;
  /** Attempts before an alert is marked failed (it can still be retried by hand). */
  maxAttempts: number;
}

const HHMM = /^([01]\d|2[0-3]):([0-5]\d)$/;

function hm(text: string, what: string): [number, number] {
  const m = HHMM.exec(text);
  if (!m) throw new VigilError('VIGIL_WATCHLIST_INVALID', [what, `"${text}" is not a HH:MM time`]);
  return [Number(m[1]), Number(m[2])];
}

/**
 * Checks an IANA time zone name.
 * @throws {VigilError} VIGIL_WATCHLIST_INVALID for an unknown zone.
 */
export function checkTimezone(tz: string, what: string): void {
  try {
    new Intl.DateTimeFormat('en-GB', { timeZone: tz });
  } catch {
    throw new VigilError('VIGIL_WATCHLIST_INVALID', [what, `unknown time zone "${tz}"`]);
  }
}

/** Checks quiet hours. @throws {VigilError} VIGIL_WATCHLIST_INVALID naming `what`. */
export function checkQuietHours(q: QuietHours, what: string): void {
  hm(q.start, what);
  hm(q.end, what);
  if (q.start === q.end) throw new VigilError('VIGIL_WATCHLIST_INVALID', [what, 'quiet hours start and end at the same time']);
}

/** Minutes since local midnight of `at` in `tz`. */
function localMinutes(at: Date, tz: string): number {
  const parts = new Intl.DateTimeFormat('en-GB', { timeZone: tz, hour: '2-digit', minute: '2-digit', hourCycle: 'h23' }).formatToParts(at);
  const get = (t: string) => Number(parts.find((p) => p.type === t)?.value ?? 0);
  return get('hour') * 60 + get('minute');
}

/** Next time (after `at`) the local clock in `tz` reads `HH:MM`. */
function nextLocal(at: Date, time: string, tz: string, weekday?: number): Date {
  const [h, m] = hm(time, 'time');
  const next = new Cron(`${m} ${h} * * ${weekday ?? '*'}`, { timezone: tz, paused: true }).nextRun(at);
  if (!next) throw new Error(`no next run for ${time} in ${tz}`);
  return next;
}

/** Whether `at` falls within quiet hours (which may span midnight). */
export function inQuietHours(at: Date, q: QuietHours, tz: string): boolean {
  const [sh, sm] = hm(q.start, 'quietHours.start');
  const [eh, em] = hm(q.end, 'quietHours.end');
  const now = localMinutes(at, tz);
  const start = sh * 60 + sm;
  const end = eh * 60 + em;
  return start < end ? now >= start && now < end : now >= start || now < end;
}

/**
 * When an alert made at `at` is first due: now for immediate ones (or when quiet hours end), the
 * next digest time for digests (top of the hour; `times.at` daily; `times.at` on `times.weekday`).
 */
export function firstAttemptAt(at: Date, mode: DeliveryMode, tz: string, quiet: QuietHours | null, times: DigestTimes): Date {
  switch (mode) {
    case 'hourly':
      return new Cron('0 * * * *', { timezone: tz, paused: true }).nextRun(at) ?? at;
    case 'daily':
      return nextLocal(at, times.at, tz);
    case 'weekly':
      return nextLocal(at, times.at, tz, times.weekday);
    case 'immediate':
      return quiet && inQuietHours(at, quiet, tz) ? nextLocal(at, quiet.end, tz) : at;
  }
}

/**
 * When to try again after failed attempt number `attempt` (1-based): base · 2^(attempt−1)
 * seconds, at most `maxSeconds`, and never sooner than the service asked (`retryAfterSeconds`).
 * @returns null when no attempt is left.
 */
export function retryAt(now: Date, attempt: number, policy: RetryPolicy, retryAfterSeconds?: number): Date | null {
  if (attempt >= policy.maxAttempts) return null;
  const backoff = Math.min(policy.baseSeconds * 2 ** (attempt - 1), policy.maxSeconds);
  return new Date(now.getTime() + Math.max(backoff, retryAfterSeconds ?? 0) * 1000);
}
