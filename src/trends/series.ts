/**
 * What both back ends share for trends (issue 15): bucket arithmetic (UTC days, ISO weeks starting
 * Monday, calendar months), the default window, and the assembly of per-day counts into a
 * {@link TrendResult} (top series, `other`, breakouts). The stores only count per key and day.
 */
import { VigilError } from '../errors.ts';
import { BREAKOUT_DEFAULTS, detectBreakouts } from './breakout.ts';
import type { TrendDimension, TrendInterval, TrendResult, TrendSeriesItem } from './types.ts';

const DAY_MS = 86_400_000;
const DAY_RE = /^\d{4}-\d{2}-\d{2}$/;

/** `day` (`YYYY-MM-DD`) plus `n` days (negative: before). */
export function addDays(day: string, n: number): string {
  return new Date(Date.parse(`${day}T00:00:00Z`) + n * DAY_MS).toISOString().slice(0, 10);
}

/** The start of the bucket holding `day`: the day itself, its ISO week's Monday, or the 1st of its month. */
export function bucketStart(day: string, interval: TrendInterval): string {
  if (interval === 'day') return day;
  if (interval === 'month') return `${day.slice(0, 7)}-01`;
  const dow = new Date(`${day}T00:00:00Z`).getUTCDay(); // 0 Sunday … 6 Saturday
  return addDays(day, -((dow + 6) % 7));
}

/** The start of the bucket after the one starting at `start`. */
export function nextBucket(start: string, interval: TrendInterval): string {
  if (interval === 'day') return addDays(start, 1);
  if (interval === 'week') return addDays(start, 7);
  const d = new Date(`${start}T00:00:00Z`);
  d.setUTCMonth(d.getUTCMonth() + 1);
  return d.toISOString().slice(0, 10);
}

/** `n` buckets before the one starting at `start`. */
export function bucketsBefore(start: string, interval: TrendInterval, n: number): string {
  if (interval === 'day') return addDays(start, -n);
  if (interval === 'week') return addDays(start, -7 * n);
  const d = new Date(`${start}T00:00:00Z`);
  d.setUTCMonth(d.getUTCMonth() - n);
  return d.toISOString().slice(0, 10);
}

/** Bucket starts from the bucket holding `since` to the one holding `until`, oldest first. */
export function bucketList(since: string, until: string, interval: TrendInterval): string[] {
  const out: string[] = [];
  for (let b = bucketStart(since, interval); b <= until; b = nextBucket(b, interval)) out.push(b);
  return out;
}

/** Default number of buckets shown: 90 days, 26 weeks, 24 months. */
const DEFAULT_SPAN: Record<TrendInterval, number> = { day: 90, week: 26, month: 24 };

/**
 * The window of a query: `until` defaults to `newest` (the newest day with data) or `today`;
 * `since` to 90 days, 26 weeks or 24 months before `until`.
 * @throws {VigilError} VIGIL_INPUT_FORMAT for a malformed day, an inverted window or one over 20 years
 */
export function trendWindow(
  q: { since?: string; until?: string; interval: TrendInterval },
  newest: string | null,
  today: string,
): { since: string; until: string } {
  for (const [name, v] of [
    ['since', q.since],
    ['until', q.until],
  ] as const)
    if (v !== undefined && (!DAY_RE.test(v) || Number.isNaN(Date.parse(`${v}T00:00:00Z`))))
      throw new VigilError('VIGIL_INPUT_FORMAT', [`trends ${name}`, `expected YYYY-MM-DD, got ${JSON.stringify(v)}`]);
  const until = q.until ?? (newest && newest <= today ? newest : today);
  const since = q.since ?? bucketsBefore(bucketStart(until, q.interval), q.interval, DEFAULT_SPAN[q.interval] - 1);
  if (since > until) throw new VigilError('VIGIL_INPUT_FORMAT', ['trends window', `since ${since} is after until ${until}`]);
  if (Date.parse(until) - Date.parse(since) > 20 * 366 * DAY_MS) throw new VigilError('VIGIL_INPUT_FORMAT', ['trends window', 'over 20 years']);
  return { since, until };
}

/** The first day whose counts a trend needs: a full breakout baseline window before `since`'s bucket. */
export function baselineStart(since: string, interval: TrendInterval): string {
  return bucketsBefore(bucketStart(since, interval), interval, BREAKOUT_DEFAULTS[interval].window);
}

/** Clamps `top` to 1–50 (default 10). */
export function clampTop(top: number | undefined): number {
  if (top === undefined || !Number.isFinite(top)) return 10;
  return Math.max(1, Math.min(50, Math.floor(top)));
}

/** One stored count: `n` things of series `key` on `day` (`YYYY-MM-DD`). */
export interface DayCount {
  key: string;
  day: string;
  n: number;
}

/**
 * Builds the answer from per-day counts covering [{@link baselineStart}, until]: buckets of the
 * window, the `top` keys by total in the window (ties: key order), `other`, and each top series'
 * breakouts (tested on the window's buckets, with the earlier counts as their baseline).
 * @param label display name of a key (the key itself when it returns null/undefined)
 */
export function assembleTrend(
  q: { by: TrendDimension; interval: TrendInterval; top?: number },
  window: { since: string; until: string },
  rows: readonly DayCount[],
  label: (key: string) => string | null | undefined,
): TrendResult {
  const { interval } = q;
  const buckets = bucketList(window.since, window.until, interval);
  const first = baselineStart(window.since, interval);
  const all = bucketList(first, window.until, interval);
  const offset = all.length - buckets.length;
  const index = new Map(all.map((b, i) => [b, i]));
  // Totals in the window first (sparse: a store has thousands of vendor keys); dense arrays for the top keys only.
  const totals = new Map<string, number>();
  for (const r of rows) if (r.day >= window.since && r.day <= window.until) totals.set(r.key, (totals.get(r.key) ?? 0) + Number(r.n));
  const ranked = [...totals].filter(([, n]) => n > 0);
  ranked.sort((a, b) => b[1] - a[1] || (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0));
  const topKeys = new Map(ranked.slice(0, clampTop(q.top)).map(([key], i) => [key, i]));
  // Per top key: counts over baseline + window buckets (the tested series) and the window's shown counts.
  const tested = [...topKeys.keys()].map(() => new Array<number>(all.length).fill(0));
  const shown = [...topKeys.keys()].map(() => new Array<number>(buckets.length).fill(0));
  const other = new Array<number>(buckets.length).fill(0);
  for (const r of rows) {
    if (r.day < first || r.day > window.until) continue;
    const i = index.get(bucketStart(r.day, interval));
    if (i === undefined) continue;
    const n = Number(r.n);
    const k = topKeys.get(r.key);
    // Days before `since` inside its bucket belong to the baseline only: the first shown bucket counts from `since`.
    const inWindow = r.day >= window.since && i >= offset;
    if (k === undefined) {
      if (inWindow) other[i - offset] = (other[i - offset] as number) + n;
      continue;
    }
    const t = tested[k] as number[];
    if (i < offset) t[i] = (t[i] as number) + n;
    if (inWindow) {
      const c = shown[k] as number[];
      c[i - offset] = (c[i - offset] as number) + n;
    }
  }
  const series: TrendSeriesItem[] = [...topKeys].map(([key, k]) => {
    const counts = shown[k] as number[];
    // The tested series: the baseline buckets as stored, then the window's buckets as shown.
    const t = [...(tested[k] as number[]).slice(0, offset), ...counts];
    return { key, label: label(key) ?? key, counts, total: totals.get(key) as number, breakouts: detectBreakouts(t, all, BREAKOUT_DEFAULTS[interval], offset) };
  });
  return { by: q.by, interval, since: window.since, until: window.until, buckets, series, other };
}
