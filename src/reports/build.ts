/**
 * Builds the report data (reports/types.ts) of one scope over one period from the stores: the CVE
 * list (`Store.rank`), the trends store (KEV additions, EPSS movers, buzz), the intel documents and
 * the exposure index. A part whose data source fails is left empty and named in `gaps` (the report
 * still goes out, and says what it lacks); the scope itself must resolve.
 */
import type { MergeOptions } from '../analysis/merge.ts';
import { VigilError } from '../errors.ts';
import { resolveScope } from '../exposure/scope.ts';
import type { ExposureScope, ResolvedScope } from '../exposure/types.ts';
import type { RankedVulnerability } from '../model/record.ts';
import type { Stores } from '../store/index.ts';
import { MAX_LIMIT } from '../store/query.ts';
import {
  REPORT_LIST_MAX,
  type ReportCve,
  type ReportData,
  type ReportDay,
  type ReportGap,
  type ReportIntel,
  type ReportKev,
  type ReportPeriod,
  SEVERITY_BUCKETS,
  type SeverityBucket,
} from './types.ts';

/** The stores a report reads. */
export type ReportStores = Pick<Stores, 'store' | 'alerts' | 'trends' | 'intel' | 'exposure'>;

/** Days of exposure history the report's chart shows. */
export const EXPOSURE_CHART_DAYS = 90;

const DAY = /^\d{4}-\d{2}-\d{2}$/;

/** `day` plus `n` days (UTC), `YYYY-MM-DD`. */
export function addDays(day: string, n: number): string {
  return new Date(Date.parse(`${day}T00:00:00Z`) + n * 86_400_000).toISOString().slice(0, 10);
}

/**
 * The period ending on `lastDay` (`YYYY-MM-DD`, UTC, inclusive): `day` → [lastDay, lastDay+1),
 * `week` → the seven days [lastDay−6, lastDay+1).
 * @throws {VigilError} VIGIL_INPUT_FORMAT for a date that is not `YYYY-MM-DD`.
 */
export function reportWindow(period: ReportPeriod, lastDay: string): { start: string; end: string } {
  if (!DAY.test(lastDay) || Number.isNaN(Date.parse(`${lastDay}T00:00:00Z`)))
    throw new VigilError('VIGIL_INPUT_FORMAT', ['date', `"${lastDay}": expected YYYY-MM-DD`]);
  return { start: addDays(lastDay, period === 'week' ? -6 : 0), end: addDays(lastDay, 1) };
}

/** What to build. */
export interface ReportRequest {
  /** The scope, or one already resolved (several reports of one scope resolve it once). */
  scope: ExposureScope | ResolvedScope;
  period: ReportPeriod;
  /** Last day of the period, `YYYY-MM-DD` (UTC). */
  date: string;
  /** Dashboard base URL for links (`alerts.linkBase`). */
  linkBase?: string;
  /** SSVC settings of the merged view (config `ssvc`), as the watchlist matcher uses them. */
  merge?: MergeOptions;
  now?: Date;
}

function message(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}

/** Non-rejected CVEs published in [start, end), newest first, paged through `rank` (keyset on `published`). */
export async function newCves(store: Stores['store'], start: string, end: string): Promise<RankedVulnerability[]> {
  const endIso = `${end}T00:00:00.000Z`;
  const out: RankedVulnerability[] = [];
  let after = { value: endIso as string | number | null, id: '' };
  for (;;) {
    const page = await store.rank({ since: start, sort: 'published', keyset: true, after, limit: MAX_LIMIT });
    for (const r of page) if (r.published !== null && r.published < endIso) out.push(r);
    const last = page.at(-1);
    if (!last || page.length < MAX_LIMIT) return out;
    after = { value: last.published ?? '', id: last.id };
  }
}

function reportCve(r: RankedVulnerability): ReportCve {
  return {
    cveId: r.id,
    title: r.title,
    severity: r.severity,
    cvss: r.cvssScore,
    epss: r.epss,
    kev: r.kev,
    priority: r.priority,
    published: r.published,
    vendors: r.vendors.slice(0, 3),
  };
}

function emptyDays(start: string, end: string): ReportDay[] {
  const days: ReportDay[] = [];
  for (let d = start; d < end; d = addDays(d, 1))
    days.push({ date: d, counts: Object.fromEntries(SEVERITY_BUCKETS.map((s) => [s, 0])) as Record<SeverityBucket, number> });
  return days;
}

/**
 * Builds the report of `req.scope` over the period ending `req.date`.
 * @throws {VigilError} VIGIL_INPUT_FORMAT for a bad date; VIGIL_NOT_FOUND for an unknown watchlist or team.
 * @example await buildReport(stores, { scope: { kind: 'all' }, period: 'week', date: '2025-05-17' })
 */
export async function buildReport(stores: ReportStores, req: ReportRequest): Promise<ReportData> {
  const { start, end } = reportWindow(req.period, req.date);
  const lastDay = addDays(end, -1);
  const resolved: ResolvedScope = 'label' in req.scope ? req.scope : await resolveScope(stores, req.scope, req.merge ?? {});
  const inScope = resolved.cves ? new Set(resolved.cves) : null;
  const cves = resolved.cves ?? undefined;
  const gaps: ReportGap[] = [];
  const days = emptyDays(start, end);
  const report: ReportData = {
    version: 1,
    scope: resolved.label,
    period: req.period,
    start,
    end,
    generatedAt: (req.now ?? new Date()).toISOString(),
    totals: { newCves: 0, critical: 0, high: 0, kevAdded: 0, intel: 0 },
    days,
    critical: [],
    kev: [],
    movers: [],
    intel: [],
    buzz: [],
    exposure: null,
    gaps,
    linkBase: req.linkBase ?? null,
  };

  try {
    const rows = (await newCves(stores.store, start, end)).filter((r) => !inScope || inScope.has(r.id));
    const byDay = new Map(days.map((d) => [d.date, d]));
    for (const r of rows) {
      const d = byDay.get((r.published ?? '').slice(0, 10));
      if (d) d.counts[r.severity ?? 'UNKNOWN']++;
    }
    const critical = rows.filter((r) => r.severity === 'CRITICAL');
    report.totals.newCves = rows.length;
    report.totals.critical = critical.length;
    report.totals.high = rows.filter((r) => r.severity === 'HIGH').length;
    report.critical = critical
      .sort((a, b) => b.priority - a.priority || (b.cvssScore ?? 0) - (a.cvssScore ?? 0) || (a.id < b.id ? -1 : 1))
      .slice(0, REPORT_LIST_MAX)
      .map(reportCve);
  } catch (err) {
    gaps.push({ section: 'newCves', error: message(err) });
  }

  try {
    const t = await stores.trends.trend({ by: 'kev', interval: 'day', since: start, until: lastDay, top: 50, ...(cves ? { cves } : {}) });
    const kev: ReportKev[] = [];
    for (const s of t.series)
      for (const [i, n] of s.counts.entries()) {
        if (n === 0) continue;
        const bucket = t.buckets[i] as string;
        const m = await stores.trends.members({ by: 'kev', key: s.key, interval: 'day', bucket, limit: 100, ...(cves ? { cves } : {}) });
        for (const x of m.items)
          if (!inScope || inScope.has(x.id)) kev.push({ cveId: x.id, title: x.title, dateAdded: x.date.slice(0, 10), vendor: s.label, priority: x.priority });
      }
    report.totals.kevAdded = inScope ? kev.length : t.series.reduce((n, s) => n + s.total, 0) + t.other.reduce((n, x) => n + x, 0);
    report.kev = kev.sort((a, b) => (b.priority ?? 0) - (a.priority ?? 0) || (a.cveId < b.cveId ? -1 : 1)).slice(0, REPORT_LIST_MAX);
  } catch (err) {
    gaps.push({ section: 'kev', error: message(err) });
  }

  try {
    const movers = await stores.trends.epssMovers({ from: addDays(start, -1), to: lastDay, limit: REPORT_LIST_MAX, ...(cves ? { cves } : {}) });
    report.movers = movers.map((m) => ({ cveId: m.cveId, title: m.title, before: m.before, after: m.after, delta: m.delta, kev: m.kev }));
  } catch (err) {
    gaps.push({ section: 'movers', error: message(err) });
  }

  try {
    report.buzz = await stores.trends.buzz({ since: start, until: lastDay, limit: REPORT_LIST_MAX, ...(cves ? { cves } : {}) });
  } catch (err) {
    gaps.push({ section: 'buzz', error: message(err) });
  }

  try {
    const { count, top } = await periodIntel(stores.intel, start, end, inScope);
    report.totals.intel = count;
    report.intel = top;
  } catch (err) {
    gaps.push({ section: 'intel', error: message(err) });
  }

  try {
    const series = await stores.exposure.exposure({
      cves: resolved.cves,
      watchlists: resolved.watchlists,
      since: addDays(lastDay, -EXPOSURE_CHART_DAYS),
      until: lastDay,
    });
    const at = (day: string) => series.find((p) => p.date === day)?.exposure ?? 0;
    const before = at(addDays(start, -1));
    const after = at(lastDay);
    report.exposure = {
      series: series.slice(-EXPOSURE_CHART_DAYS).map((p) => ({ date: p.date, exposure: p.exposure, openExposure: p.openExposure })),
      before,
      after,
      change: after - before,
    };
  } catch (err) {
    gaps.push({ section: 'exposure', error: message(err) });
  }
  return report;
}

/**
 * Intel documents dated in [start, end) (published, else fetched), naming a CVE of `inScope` when
 * given: how many, and the top ones (one per story cluster; largest stories, then most CVEs, then newest).
 */
async function periodIntel(intel: Stores['intel'], start: string, end: string, inScope: Set<string> | null): Promise<{ count: number; top: ReportIntel[] }> {
  const endIso = `${end}T00:00:00.000Z`;
  const docs: (ReportIntel & { cluster: string })[] = [];
  let after = { date: endIso, id: '' };
  for (;;) {
    const page = await intel.listDocuments({ since: start, after, limit: 500 });
    for (const d of page) {
      const date = d.published ?? d.fetchedAt;
      if (date >= endIso) continue;
      if (inScope && !d.cves.some((c) => inScope.has(c))) continue;
      docs.push({ id: d.id, source: d.source, title: d.title, url: d.url, date, cves: d.cves.slice(0, 10), clusterSize: d.clusterSize, cluster: d.cluster });
    }
    const last = page.at(-1);
    if (!last || page.length < 500) break;
    after = { date: last.published ?? last.fetchedAt, id: last.id };
  }
  const seen = new Set<string>();
  const top = docs
    .sort((a, b) => b.clusterSize - a.clusterSize || b.cves.length - a.cves.length || (a.date < b.date ? 1 : a.date > b.date ? -1 : 0))
    .filter((d) => !seen.has(d.cluster) && seen.add(d.cluster) !== undefined)
    .slice(0, REPORT_LIST_MAX)
    .map(({ cluster: _c, ...d }) => d);
  return { count: docs.length, top };
}
