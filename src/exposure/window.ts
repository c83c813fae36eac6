/**
 * The window and half-life of an exposure query, validated and defaulted once for both back ends
 * (store/sqlite/exposure.ts, store/postgres/exposure.ts), and the TypeScript reference of the
 * recursion the SQL computes (docs/exposure.md), which tests compare the SQL with.
 */
import { VigilError } from '../errors.ts';
import { DEFAULT_HALF_LIFE_DAYS, type ExposureContributor, type ExposurePoint, type ExposureStoreQuery } from './types.ts';

/** Days returned by default when `since` is absent (counted back from `until`). */
export const DEFAULT_WINDOW_DAYS = 365;

/** Longest window accepted, days (a typo such as `0024-01-01` is refused, not recursed over). */
export const MAX_WINDOW_DAYS = 60_000;

const DAY_MS = 86_400_000;

/** A validated query window. */
export interface ExposureWindow {
  /** First day returned, `YYYY-MM-DD` (UTC). */
  since: string;
  /** Last day returned, `YYYY-MM-DD` (UTC). */
  until: string;
  /** H, days, > 0. */
  halfLifeDays: number;
  /** The daily decay factor 2^(−1/H) (0–1). */
  decay: number;
}

/** Today's date, UTC, `YYYY-MM-DD`. */
export function todayUtc(now: Date = new Date()): string {
  return now.toISOString().slice(0, 10);
}

/** `day` (`YYYY-MM-DD`) plus `n` calendar days. */
export function addDays(day: string, n: number): string {
  return new Date(Date.parse(`${day}T00:00:00Z`) + n * DAY_MS).toISOString().slice(0, 10);
}

/** Whole days from `a` to `b` (`YYYY-MM-DD`), negative when `b` is earlier. */
export function daysBetween(a: string, b: string): number {
  return Math.round((Date.parse(`${b}T00:00:00Z`) - Date.parse(`${a}T00:00:00Z`)) / DAY_MS);
}

/**
 * Checks a calendar date `YYYY-MM-DD` (a real day: `2025-02-30` is refused).
 * @throws {VigilError} VIGIL_INPUT_FORMAT naming `field` and the value.
 */
export function checkDay(field: string, value: string): string {
  const ok = /^\d{4}-\d{2}-\d{2}$/.test(value) && !Number.isNaN(Date.parse(`${value}T00:00:00Z`)) && addDays(value, 0) === value;
  if (!ok) throw new VigilError('VIGIL_INPUT_FORMAT', [field, `"${value}": expected a date YYYY-MM-DD`]);
  return value;
}

/**
 * The window of `q`: `until` defaults to today (UTC), `since` to {@link DEFAULT_WINDOW_DAYS} before
 * `until`, the half-life to {@link DEFAULT_HALF_LIFE_DAYS}.
 * @throws {VigilError} VIGIL_INPUT_FORMAT for a malformed date, a half-life that is not a finite
 *   number > 0, `since` after `until`, or a window longer than {@link MAX_WINDOW_DAYS}.
 */
export function exposureWindow(q: Pick<ExposureStoreQuery, 'since' | 'until' | 'halfLifeDays'>, now: Date = new Date()): ExposureWindow {
  const halfLifeDays = q.halfLifeDays ?? DEFAULT_HALF_LIFE_DAYS;
  if (typeof halfLifeDays !== 'number' || !Number.isFinite(halfLifeDays) || halfLifeDays <= 0) {
    throw new VigilError('VIGIL_INPUT_FORMAT', ['halfLifeDays', `${String(halfLifeDays)}: expected a number of days > 0`]);
  }
  const until = checkDay('until', q.until ?? todayUtc(now));
  const since = checkDay('since', q.since ?? addDays(until, -DEFAULT_WINDOW_DAYS));
  if (since > until) throw new VigilError('VIGIL_INPUT_FORMAT', ['since', `${since} is after until ${until}`]);
  if (daysBetween(since, until) > MAX_WINDOW_DAYS)
    throw new VigilError('VIGIL_INPUT_FORMAT', ['since', `${since}: window longer than ${MAX_WINDOW_DAYS} days`]);
  return { since, until, halfLifeDays, decay: 2 ** (-1 / halfLifeDays) };
}

/** One CVE as the reference recursion reads it. */
export interface ExposureInput {
  /** ISO 8601 UTC timestamp or `YYYY-MM-DD`; null: never published (not counted). */
  published: string | null;
  /** Priority 0–100. */
  priority: number;
  /** `REJECTED` CVEs are not counted. */
  state: string;
  /** Counted in the open series too (default true). */
  open?: boolean;
}

/**
 * The exposure series computed in TypeScript, day by day, exactly as docs/exposure.md defines it:
 * the reference the SQL of both back ends is tested against (and what the done-when test
 * recomputes from `vigil export csv`). Recursion from the first published day (or `since` when
 * earlier), days in [since, until] returned.
 */
export function referenceExposure(rows: Iterable<ExposureInput>, window: Pick<ExposureWindow, 'since' | 'until' | 'decay'>): ExposurePoint[] {
  const w = new Map<string, [number, number]>();
  let first = window.since;
  for (const r of rows) {
    if (r.published === null || r.state === 'REJECTED') continue;
    const day = r.published.slice(0, 10);
    if (day > window.until) continue;
    if (day < first) first = day;
    const cell = w.get(day) ?? [0, 0];
    cell[0] += r.priority / 100;
    if (r.open !== false) cell[1] += r.priority / 100;
    w.set(day, cell);
  }
  const out: ExposurePoint[] = [];
  let e = 0;
  let oe = 0;
  for (let day = first; day <= window.until; day = addDays(day, 1)) {
    const [score, openScore] = w.get(day) ?? [0, 0];
    e = score + window.decay * e;
    oe = openScore + window.decay * oe;
    if (day >= window.since) out.push({ date: day, score, exposure: e, openScore, openExposure: oe });
  }
  return out;
}

/**
 * The `limit` largest shares of E_t on `until` among `rows` (CVE id, priority 0–100, publication
 * day `YYYY-MM-DD`, already filtered to the scope's non-rejected CVEs published on or before `until`).
 */
export function topContributors(
  rows: Iterable<{ cveId: string; priority: number; published: string }>,
  window: Pick<ExposureWindow, 'until' | 'decay'>,
  limit = 5,
): ExposureContributor[] {
  const out: ExposureContributor[] = [];
  for (const r of rows) {
    if (r.priority <= 0) continue;
    out.push({ ...r, contribution: (r.priority / 100) * window.decay ** daysBetween(r.published, window.until) });
  }
  return out.sort((a, b) => b.contribution - a.contribution || a.cveId.localeCompare(b.cveId)).slice(0, limit);
}
