/**
 * The exposure alert (docs/exposure.md, "The alert"): after each alert pass, for every
 * subscription that chose the `exposure` event and set `exposureAbove`, the watchlist's exposure
 * E_t of today (UTC) is compared with the threshold. When today's value is above it and
 * yesterday's was not (the index rose past it), one alert is made: subject `exposure:<watchlist>`,
 * event key `exposure:<date>` (one per subscription and day, ever: the store ignores a repeat),
 * facts naming the value, the threshold and the CVEs weighing most in it. An index that stays
 * above, or falls and rises again on a later day, behaves as that says: one alert per crossing.
 */

import { loadPlan } from '../alerts/plan.ts';
import { firstAttemptAt } from '../alerts/schedule.ts';
import type { MergeOptions } from '../analysis/merge.ts';
import type { AlertsConfig } from '../config.ts';
import type { Logger } from '../log.ts';
import type { AlertFacts, Subscription, Watchlist } from '../model/alert.ts';
import type { NewAlert } from '../store/alerts.ts';
import type { Stores } from '../store/index.ts';
import { resolveScope } from './scope.ts';
import type { ExposureContributor } from './types.ts';
import { addDays, todayUtc } from './window.ts';

/** What {@link evaluateExposureAlerts} needs. */
export interface ExposureAlertDeps {
  stores: Pick<Stores, 'store' | 'alerts' | 'exposure'>;
  config: AlertsConfig;
  /** H, days (config `exposure.halfLifeDays`). */
  halfLifeDays: number;
  merge?: MergeOptions;
  log: Logger;
  now?: () => Date;
}

/** CVEs an alert names. */
const TOP = 5;

const fmt = (x: number) => (Math.round(x * 100) / 100).toString();

/** Whether a subscription wants exposure alerts. */
const wantsExposure = (s: Subscription): s is Subscription & { exposureAbove: number } =>
  s.events.includes('exposure') && typeof s.exposureAbove === 'number' && s.exposureAbove > 0;

/** The facts of one exposure alert (no CVE: the subject is the watchlist). */
function exposureFacts(
  w: Watchlist,
  day: string,
  value: number,
  previous: number,
  threshold: number,
  top: ExposureContributor[],
  linkBase: string | undefined,
): AlertFacts {
  const lines = top.map((c) => `${c.cveId} (priority ${fmt(c.priority)}, published ${c.published}): ${fmt(c.contribution)}`);
  return {
    cveId: `exposure:${w.name}`,
    state: 'PUBLISHED',
    title: `Exposure of watchlist ${w.name} rose past ${fmt(threshold)}: ${fmt(value)} on ${day}`,
    description: `Exposure index ${fmt(value)} on ${day} (${fmt(previous)} the day before), threshold ${fmt(threshold)}.${lines.length ? ` Weighing most: ${lines.join('; ')}.` : ''}`,
    published: `${day}T00:00:00.000Z`,
    severity: null,
    cvss: null,
    epss: null,
    kev: null,
    ssvc: null,
    priority: 0,
    products: top.map((c) => c.cveId),
    link: linkBase ? `${linkBase.replace(/\/$/, '')}/exposure?scope=${encodeURIComponent(`watchlist:${w.name}`)}` : '',
  };
}

/**
 * Makes the exposure alerts due today and stores them (the store ignores one already made).
 * Watchlists without such a subscription cost nothing; each other one is resolved through the
 * alert matcher (exposure/scope.ts) once.
 * @returns the ids of the alerts stored.
 */
export async function evaluateExposureAlerts(deps: ExposureAlertDeps): Promise<number[]> {
  const { stores, config } = deps;
  const at = deps.now?.() ?? new Date();
  const plan = await loadPlan(stores.alerts, config);
  const wanted = [...plan.watchlists.values()].filter((w) => w.subscriptions.some(wantsExposure));
  if (!wanted.length) return [];
  const today = todayUtc(at);
  const yesterday = addDays(today, -1);
  const alerts: NewAlert[] = [];
  for (const w of wanted) {
    const scope = await resolveScope(stores, { kind: 'watchlist', name: w.name }, deps.merge);
    const q = { cves: scope.cves, watchlists: scope.watchlists, since: yesterday, until: today, halfLifeDays: deps.halfLifeDays };
    const [before, now] = await stores.exposure.exposure(q);
    if (!before || !now) continue;
    const crossed = w.subscriptions.filter(wantsExposure).filter((s) => now.exposure > s.exposureAbove && before.exposure <= s.exposureAbove);
    if (!crossed.length) continue;
    const top = await stores.exposure.contributors({ ...q, limit: TOP });
    for (const sub of crossed) {
      const facts = exposureFacts(w, today, now.exposure, before.exposure, sub.exposureAbove, top, config.linkBase);
      deps.log.info({ watchlist: w.name, subscription: sub.id, exposure: now.exposure, threshold: sub.exposureAbove }, 'exposure rose past a threshold');
      alerts.push({
        subscriptionId: sub.id,
        watchlist: w.name,
        channel: sub.channel,
        recipients: plan.recipients.get(sub.id) ?? [],
        cveId: facts.cveId,
        event: 'exposure',
        eventKey: `exposure:${today}`,
        mode: sub.mode,
        createdAt: at.toISOString(),
        explanation: {
          event: {
            type: 'exposure',
            summary: `exposure ${fmt(before.exposure)} → ${fmt(now.exposure)}, past the threshold ${fmt(sub.exposureAbove)} (half-life ${deps.halfLifeDays} days)`,
          },
          matches: [],
          thresholds: [],
          provisional: false,
        },
        facts,
        provisional: false,
        nextAttemptAt: firstAttemptAt(at, sub.mode, sub.timezone, sub.quietHours, config.digest).toISOString(),
      });
    }
  }
  if (!alerts.length) return [];
  return stores.alerts.commitEvaluation({ alerts, confirmations: [], state: {}, at: at.toISOString() });
}
