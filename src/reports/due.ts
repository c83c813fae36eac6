/**
 * When reports are due, and their alerts: a subscription whose events include `report` gets one
 * report per period through the alert machinery (one alert per subscription and period, so the
 * store's uniqueness, delivery log, retries and claims apply as to any alert; render at send time).
 *
 * - Period: mode `weekly` → the weekly report, any other mode → the daily one.
 * - Due: at `alerts.digest.at` local time in the subscription's time zone (weekly: on
 *   `alerts.digest.weekday`), the same clock as digests (alerts/schedule.ts).
 * - Covers the UTC days that ended before it was due: the day before the local date of the due
 *   time (and never a UTC day not over yet, for zones east of UTC); weekly: the seven days ending then.
 * - Alert: subject `report:<watchlist>`, event `report`, key `report:<day|week>:<period start>`,
 *   mode `immediate` (sent as a message of its own, never gathered into a digest), facts with the
 *   report data ({@link ReportFacts}). Only the latest due period is made: a daemon that was down
 *   three days sends yesterday's report, not three.
 * - A state value per subscription (`report.<id>`: the last period's last day) spares building
 *   the report again on every pass; two processes passing at once build it twice and the store
 *   keeps one alert.
 */
import { Cron } from 'croner';
import type { Logger } from 'pino';
import { resolveRecipients } from '../alerts/plan.ts';
import type { MergeOptions } from '../analysis/merge.ts';
import type { AlertsConfig } from '../config.ts';
import { resolveScope } from '../exposure/scope.ts';
import type { ResolvedScope } from '../exposure/types.ts';
import type { AlertFacts, Subscription, Watchlist } from '../model/alert.ts';
import type { NewAlert } from '../store/alerts.ts';
import { addDays, buildReport, type ReportStores, reportWindow } from './build.ts';
import { reportSummary, reportTitle } from './text.ts';
import type { ReportData, ReportFacts, ReportPeriod } from './types.ts';

/** What the due-check needs. */
export interface ReportDueDeps {
  stores: ReportStores;
  config: AlertsConfig;
  log: Logger;
  /** SSVC settings of the merged view (config `ssvc`), for watchlist scopes. */
  merge?: MergeOptions;
  now?: () => Date;
}

/** The period a subscription's mode gets. */
export function reportPeriodOf(sub: Pick<Subscription, 'mode'>): ReportPeriod {
  return sub.mode === 'weekly' ? 'week' : 'day';
}

/** `YYYY-MM-DD` of `at` on the local calendar of `tz`. */
function localDate(at: Date, tz: string): string {
  return new Intl.DateTimeFormat('en-CA', { timeZone: tz, year: 'numeric', month: '2-digit', day: '2-digit' }).format(at);
}

/**
 * The latest time at or before `now` a report of `period` was due in `tz` (`at` `HH:MM` local, on
 * `weekday` for weeks), and the last UTC day its period covers.
 */
export function lastDue(now: Date, period: ReportPeriod, tz: string, times: AlertsConfig['digest']): { due: Date; lastDay: string } {
  const [h, m] = times.at.split(':').map(Number);
  const cron = new Cron(`${m} ${h} * * ${period === 'week' ? times.weekday : '*'}`, { timezone: tz, paused: true });
  let due: Date | null = null;
  let next = cron.nextRun(new Date(now.getTime() - (period === 'week' ? 8 : 2) * 86_400_000));
  while (next && next.getTime() <= now.getTime()) {
    due = next;
    next = cron.nextRun(next);
  }
  if (!due) throw new Error(`no ${period} report time before ${now.toISOString()} in ${tz}`);
  const local = addDays(localDate(due, tz), -1);
  const utc = addDays(due.toISOString().slice(0, 10), -1);
  return { due, lastDay: local < utc ? local : utc };
}

/** The facts of a report alert: the usual fields, for every channel, plus the report. */
export function reportFacts(report: ReportData, watchlist: string): ReportFacts {
  const facts: AlertFacts = {
    cveId: `report:${watchlist}`,
    state: 'PUBLISHED',
    title: reportTitle(report),
    description: reportSummary(report),
    published: report.generatedAt,
    severity: null,
    cvss: null,
    epss: null,
    kev: null,
    ssvc: null,
    priority: 0,
    products: [],
    // Chat cards need a well-formed URL (Discord refuses an embed without one): the dashboard, else NVD's search.
    link: report.linkBase ? `${report.linkBase.replace(/\/$/, '')}/` : 'https://nvd.nist.gov/vuln/search',
  };
  return { ...facts, report };
}

/**
 * Makes the alerts of every report due at `now` and not made yet. Never throws for one watchlist:
 * a report that cannot be built is logged and tried again next pass.
 * @returns ids of the alerts created.
 */
export async function queueDueReports(deps: ReportDueDeps): Promise<number[]> {
  const now = (deps.now ?? (() => new Date()))();
  const { alerts } = deps.stores;
  const lists = await alerts.listWatchlists();
  const wanted = lists.flatMap((w) => w.subscriptions.filter((s) => s.events.includes('report')).map((s) => [w, s] as const));
  if (!wanted.length) return [];
  const [users, teams] = await Promise.all([alerts.listUsers(), alerts.listTeams()]);
  const built = new Map<string, ReportData>();
  const scopes = new Map<string, ResolvedScope>();
  const created: number[] = [];
  for (const [w, sub] of wanted) {
    try {
      created.push(...(await queueOne(deps, now, w, sub, { built, scopes }, users, teams)));
    } catch (err) {
      deps.log.error({ err, watchlist: w.name, subscription: sub.id }, 'report could not be built: tried again next pass');
    }
  }
  return created;
}

async function queueOne(
  deps: ReportDueDeps,
  now: Date,
  w: Watchlist,
  sub: Subscription,
  cache: { built: Map<string, ReportData>; scopes: Map<string, ResolvedScope> },
  users: Awaited<ReturnType<ReportStores['alerts']['listUsers']>>,
  teams: Awaited<ReturnType<ReportStores['alerts']['listTeams']>>,
): Promise<number[]> {
  const { alerts } = deps.stores;
  const period = reportPeriodOf(sub);
  const { lastDay } = lastDue(now, period, sub.timezone || deps.config.defaults.timezone, deps.config.digest);
  const stateKey = `report.${sub.id}`;
  const done = await alerts.getState(stateKey);
  if (done !== null && done >= lastDay) return [];
  const cacheKey = `${w.name}\n${period}\n${lastDay}`;
  let report = cache.built.get(cacheKey);
  if (!report) {
    const scope = cache.scopes.get(w.name) ?? (await resolveScope(deps.stores, { kind: 'watchlist', name: w.name }, deps.merge ?? {}));
    cache.scopes.set(w.name, scope);
    report = await buildReport(deps.stores, {
      scope,
      period,
      date: lastDay,
      now,
      ...(deps.config.linkBase ? { linkBase: deps.config.linkBase } : {}),
      ...(deps.merge ? { merge: deps.merge } : {}),
    });
    cache.built.set(cacheKey, report);
    for (const g of report.gaps) deps.log.warn({ watchlist: w.name, section: g.section, err: g.error }, 'report part not available');
  }
  const { start } = reportWindow(period, lastDay);
  const alert: NewAlert = {
    subscriptionId: sub.id,
    watchlist: w.name,
    channel: sub.channel,
    recipients: resolveRecipients(sub, w, users, teams, deps.config),
    cveId: `report:${w.name}`,
    event: 'report',
    eventKey: `report:${period}:${start}`,
    mode: 'immediate',
    createdAt: now.toISOString(),
    explanation: { event: { type: 'report', summary: reportSummary(report) }, matches: [], thresholds: [], provisional: false },
    facts: reportFacts(report, w.name),
    provisional: false,
    nextAttemptAt: now.toISOString(),
  };
  const ids = await alerts.commitEvaluation({ alerts: [alert], confirmations: [], state: { [stateKey]: lastDay }, at: now.toISOString() });
  deps.log.info({ watchlist: w.name, subscription: sub.id, period, start, created: ids.length > 0 }, 'report queued');
  return ids;
}
