/**
 * cvelistV5 release bundles: tag and asset names, and which bundles bring a store from a cursor
 * up to now. Pure functions; `sync.ts` downloads what they name. Naming checked against
 * CVEProject/cvelistV5 (README "Releases", .github/workflows/release.yml and baseline.yml):
 *
 * - every hour a release tagged `cve_YYYY-MM-DD_HH00Z` carries
 *   `YYYY-MM-DD_all_CVEs_at_midnight.zip.zip` (the day's midnight baseline: a GitHub artifact zip
 *   holding `cves.zip`, which holds `cves/YYYY/Nxxx/CVE-….json`) and
 *   `YYYY-MM-DD_delta_CVEs_at_HH00Z.zip` (`deltaCves/CVE-….json`: every record added or changed
 *   **since midnight**, so each hourly delta contains the previous ones of that day);
 * - after midnight a release tagged `cve_YYYY-MM-DD_at_end_of_day` carries
 *   `YYYY-MM-DD_delta_CVEs_at_end_of_day.zip`, the whole day's changes;
 * - the asset date can lag the tag (the `0000Z` release may still carry the previous day's
 *   baseline), so baselines are looked for under several tags.
 */

/** What applying a bundle brings the store up to, as a cursor (ISO hour, UTC). */
export interface Bundle {
  kind: 'baseline' | 'delta' | 'end-of-day';
  tag: string;
  asset: string;
  url: string;
  /** Cursor once the bundle is applied: the hour the bundle's content is complete up to. */
  cursor: string;
}

const HOUR_MS = 3_600_000;

/** `2024-10-24` of a date (UTC). */
export function utcDay(d: Date): string {
  return d.toISOString().slice(0, 10);
}

/** The day after `YYYY-MM-DD`. */
export function nextDay(day: string): string {
  return utcDay(new Date(Date.parse(`${day}T00:00:00.000Z`) + 24 * HOUR_MS));
}

/** The day before `YYYY-MM-DD`. */
export function previousDay(day: string): string {
  return utcDay(new Date(Date.parse(`${day}T00:00:00.000Z`) - 24 * HOUR_MS));
}

/** `2024-10-24T05:00:00.000Z` for day `2024-10-24`, hour 5. */
export function hourCursor(day: string, hour: number): string {
  return `${day}T${String(hour).padStart(2, '0')}:00:00.000Z`;
}

/**
 * Reads a saved cursor: any ISO 8601 timestamp, floored to its UTC hour.
 * @returns the hour, or `null` when absent or unreadable (the sync then re-baselines).
 */
export function parseCursor(cursor: string | null): Date | null {
  if (!cursor) return null;
  const ms = Date.parse(cursor);
  return Number.isNaN(ms) ? null : new Date(Math.floor(ms / HOUR_MS) * HOUR_MS);
}

function bundle(releasesUrl: string, kind: Bundle['kind'], tag: string, asset: string, cursor: string): Bundle {
  return { kind, tag, asset, url: `${releasesUrl.replace(/\/+$/, '')}/${tag}/${asset}`, cursor };
}

/**
 * Where the midnight baseline of `day` may be, in the order to try: the day's hourly releases
 * (`0000Z` first), then the next day's `0000Z`, leaving out releases not due before `now`.
 */
export function baselineCandidates(releasesUrl: string, day: string, now: Date): Bundle[] {
  const asset = `${day}_all_CVEs_at_midnight.zip.zip`;
  const out: Bundle[] = [];
  const start = Date.parse(`${day}T00:00:00.000Z`);
  for (let h = 0; h <= 24; h++) {
    if (start + h * HOUR_MS > now.getTime()) break;
    const tagDay = h === 24 ? nextDay(day) : day;
    const tag = `cve_${tagDay}_${String(h % 24).padStart(2, '0')}00Z`;
    out.push(bundle(releasesUrl, 'baseline', tag, asset, hourCursor(day, 0)));
  }
  return out;
}

/** The end-of-day delta of `day`: every change of that day; its cursor is the next midnight. */
export function endOfDayBundle(releasesUrl: string, day: string): Bundle {
  return bundle(releasesUrl, 'end-of-day', `cve_${day}_at_end_of_day`, `${day}_delta_CVEs_at_end_of_day.zip`, hourCursor(nextDay(day), 0));
}

/**
 * The hourly deltas of `day` after hour `afterHour`, newest first, up to the hour of `now`.
 * Each holds all of the day's changes so far, so the newest one published is the only one needed.
 */
export function hourlyDeltaCandidates(releasesUrl: string, day: string, afterHour: number, now: Date): Bundle[] {
  const out: Bundle[] = [];
  const last = utcDay(now) === day ? now.getUTCHours() : 23;
  for (let h = last; h > afterHour && h >= 1; h--) {
    const hhmm = `${String(h).padStart(2, '0')}00Z`;
    out.push(bundle(releasesUrl, 'delta', `cve_${day}_${hhmm}`, `${day}_delta_CVEs_at_${hhmm}.zip`, hourCursor(day, h)));
  }
  return out;
}
