/**
 * Pure helpers of the Trends page (`/ui/trends`): its state as the URL holds it (shareable), the
 * API paths it reads (`GET /api/v1/trends`, `/trends/members`, `/trends/epss-movers`,
 * `/trends/buzz`, `/exposure`), and the scopes offered (everything, a watchlist, a team's
 * watchlists). Dates are `YYYY-MM-DD` (UTC).
 */
import { TREND_DIMENSIONS, TREND_INTERVALS, type TrendDimension, type TrendInterval, type TrendMember } from '../types-trends.ts';

/** Default series count (the server's default, too). */
export const DEFAULT_TOP = 10;
/** Default half-life of the exposure index, days (the server's `DEFAULT_HALF_LIFE_DAYS`). */
export const DEFAULT_HALF_LIFE = 30;

/** The page's state. `''` leaves a value to the server's default. */
export interface TrendsState {
  by: TrendDimension;
  interval: TrendInterval;
  /** First day, `YYYY-MM-DD`, or `''` (server default: 90 days, 26 weeks or 24 months back). */
  since: string;
  /** Last day, `YYYY-MM-DD`, or `''` (the newest day with data). */
  until: string;
  /** Series shown, 1–50. */
  top: number;
  /** `all`, `watchlist:NAME` or `team:NAME`. */
  scope: string;
  /** Exposure half-life H, days, > 0. */
  halfLife: number;
  /** The bucket opened for its list: series key and bucket start, or null. */
  open: { key: string; bucket: string } | null;
}

const DAY = /^\d{4}-\d{2}-\d{2}$/;

function dayOrEmpty(v: string | null): string {
  return v && DAY.test(v) ? v : '';
}

function intIn(v: string | null, min: number, max: number, fallback: number): number {
  const n = Number(v);
  return v !== null && v !== '' && Number.isFinite(n) && n >= min && n <= max ? n : fallback;
}

/** The state of a dashboard URL's query; anything unreadable takes its default. */
export function trendsStateOf(q: URLSearchParams): TrendsState {
  const by = q.get('by') ?? '';
  const interval = q.get('interval') ?? '';
  const key = q.get('key');
  const bucket = dayOrEmpty(q.get('bucket'));
  const scope = (q.get('scope') ?? '').trim();
  return {
    by: (TREND_DIMENSIONS as readonly string[]).includes(by) ? (by as TrendDimension) : 'vendor',
    interval: (TREND_INTERVALS as readonly string[]).includes(interval) ? (interval as TrendInterval) : 'week',
    since: dayOrEmpty(q.get('since')),
    until: dayOrEmpty(q.get('until')),
    top: Math.round(intIn(q.get('top'), 1, 50, DEFAULT_TOP)),
    scope: /^(watchlist|team):.+/.test(scope) ? scope : 'all',
    halfLife: intIn(q.get('halfLife'), 0.1, 3650, DEFAULT_HALF_LIFE),
    open: key && bucket ? { key, bucket } : null,
  };
}

/** The dashboard query of a state (defaults left out, so URLs stay short). */
export function trendsQuery(s: TrendsState): Record<string, string | number | null> {
  return {
    by: s.by === 'vendor' ? null : s.by,
    interval: s.interval === 'week' ? null : s.interval,
    since: s.since || null,
    until: s.until || null,
    top: s.top === DEFAULT_TOP ? null : s.top,
    scope: s.scope === 'all' ? null : s.scope,
    halfLife: s.halfLife === DEFAULT_HALF_LIFE ? null : s.halfLife,
    key: s.open?.key ?? null,
    bucket: s.open?.bucket ?? null,
  };
}

/** The scope as the API takes it (`null`: everything, the default). */
function scopeParam(s: Pick<TrendsState, 'scope'>): string | null {
  return s.scope === 'all' ? null : s.scope;
}

/** `GET /api/v1/trends` query. */
export function trendsApiQuery(s: TrendsState): Record<string, string | number | null> {
  return { by: s.by, interval: s.interval, since: s.since || null, until: s.until || null, top: s.top, scope: scopeParam(s) };
}

/** `GET /api/v1/trends/members` query of one bucket of one series. */
export function membersApiQuery(s: TrendsState, open: { key: string; bucket: string }, limit = 100): Record<string, string | number | null> {
  return { by: s.by, interval: s.interval, key: open.key, bucket: open.bucket, scope: scopeParam(s), limit };
}

/** `GET /api/v1/trends/epss-movers` query: largest rises between the window's first and last day (the trend's, resolved by the server). */
export function moversApiQuery(s: TrendsState, since: string, until: string, limit: number): Record<string, string | number | null> {
  return { from: since, to: until, direction: 'up', scope: scopeParam(s), limit };
}

/** `GET /api/v1/trends/buzz` query over a window. */
export function buzzApiQuery(s: TrendsState, since: string, until: string, limit: number): Record<string, string | number | null> {
  return { since, until, scope: scopeParam(s), limit };
}

/** `GET /api/v1/exposure` query. */
export function exposureApiQuery(s: Pick<TrendsState, 'scope' | 'since' | 'until' | 'halfLife'>): Record<string, string | number | null> {
  return { scope: scopeParam(s), since: s.since || null, until: s.until || null, halfLife: s.halfLife };
}

/** The dashboard path (below `/ui`) of what a bucket counted: a CVE, an advisory or an intel document. */
export function memberPath(m: Pick<TrendMember, 'kind' | 'id'>): string {
  const id = encodeURIComponent(m.id);
  return m.kind === 'cve' ? `/cves/${id}` : m.kind === 'advisory' ? `/advisories/${id}` : `/intel/${id}`;
}

/** A scope to offer: its API value and what to show. */
export interface ScopeOption {
  value: string;
  label: string;
}

/**
 * The scopes of a list of watchlists: everything, each watchlist, and each team owning one (a
 * team's scope is the union of its watchlists'). Watchlists keep their order; teams are sorted.
 */
export function scopeOptions(watchlists: readonly { name: string; owner: { user: string } | { team: string } }[]): ScopeOption[] {
  const teams = [...new Set(watchlists.flatMap((w) => ('team' in w.owner ? [w.owner.team] : [])))].sort();
  return [
    { value: 'all', label: 'Everything' },
    ...watchlists.map((w) => ({ value: `watchlist:${w.name}`, label: `Watchlist ${w.name}` })),
    ...teams.map((t) => ({ value: `team:${t}`, label: `Team ${t}` })),
  ];
}

/** How a bucket is named: `2024-05-06` (day), `week of 2024-05-06`, `2024-05` (month). */
export function bucketLabel(bucket: string, interval: TrendInterval): string {
  return interval === 'day' ? bucket : interval === 'week' ? `week of ${bucket}` : bucket.slice(0, 7);
}

/** A Poisson p-value as text: `p = 0.0004`, `p < 1e-6`. */
export function fmtP(p: number): string {
  if (p < 1e-6) return 'p < 1e-6';
  return `p = ${p < 0.001 ? p.toExponential(1) : p.toFixed(3)}`;
}

/** The CVE list's filters an export takes (the explorer's `Filters`, pages/ExplorerFilters.tsx). `minEpss` is in percent (0–100). */
export interface CveListFilters {
  q: string;
  kev: boolean;
  exploit: boolean;
  minCvss: string;
  minEpss: string;
  vendor: string;
  since: string;
  rejected: boolean;
}

/** The export routes' query of the list's filters (as `GET /api/v1/cves` takes them; EPSS entered in percent, sent 0–1). */
export function cveExportQuery(f: CveListFilters): Record<string, string | null> {
  return {
    q: f.q.trim(),
    kev: f.kev ? 'true' : null,
    exploit: f.exploit ? 'true' : null,
    minCvss: f.minCvss,
    minEpss: f.minEpss === '' ? null : String(Number(f.minEpss) / 100),
    vendor: f.vendor.trim(),
    since: f.since,
    includeRejected: f.rejected ? 'true' : null,
  };
}
