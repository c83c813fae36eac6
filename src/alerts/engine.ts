/**
 * The alert engine: reads what changed since it last looked (the store's change history, EPSS
 * days, the advisory history: advisory-engine.ts, the threat-intel history: intel-engine.ts, and
 * the IOC store's sightings: ioc-engine.ts),
 * derives events, matches the changed CVEs, advisories and documents against every watchlist and makes one alert per (subscription, CVE, event), with
 * why it fired. Alerts and each feed's cursor are committed together, so a crash or a re-run
 * neither loses nor repeats an alert.
 */
import type { Logger } from 'pino';
import type { MergeOptions } from '../analysis/merge.ts';
import { buildView } from '../analysis/view.ts';
import type { AlertsConfig } from '../config.ts';
import type { IntelStore } from '../intel/types.ts';
import type { IocStore } from '../iocs/types.ts';
import type { AlertEventDetail, AlertFacts, MatchReason, Subscription, ThresholdCheck, Watchlist } from '../model/alert.ts';
import type { VulnerabilityView } from '../model/record.ts';
import type { AlertStore, EpssMove, EvaluationCommit, NewAlert } from '../store/alerts.ts';
import type { Store } from '../store/types.ts';
import { evaluateAdvisoryChanges } from './advisory-engine.ts';
import { breather } from './breather.ts';
import { type DerivedEvent, eventsFromChanges } from './events.ts';
import { factsFromView, KEV_PROVIDER, kevOnlyView, kevReasons, vendorUnknown } from './facts.ts';
import { evaluateIntelChanges } from './intel-engine.ts';
import { IntelIndex } from './intel-match.ts';
import { evaluateIocSightings } from './ioc-engine.ts';
import { IocIndex } from './ioc-match.ts';
import { isProvisional, provisionalReason } from './match.ts';
import { type AlertPlan, loadPlan } from './plan.ts';
import { firstAttemptAt } from './schedule.ts';
import { checkThresholds, passesAll, severityRank, thresholdFactsOf } from './thresholds.ts';

/** What the engine needs. */
export interface EngineDeps {
  /** Read access to the records (views are built from it). */
  store: Store;
  alerts: AlertStore;
  config: AlertsConfig;
  log: Logger;
  merge?: MergeOptions;
  now?: () => Date;
  /** Threat-intel documents (`Stores.intel`): their history makes `intel` events; absent, none. */
  intel?: IntelStore;
  /** The IOC store (`Stores.iocs`): its sightings make `ioc` events; absent, none. */
  iocs?: IocStore;
}

/** What one evaluation did. */
export interface EvaluationSummary {
  /** Change-history rows read. */
  changes: number;
  /** Advisory-history rows read (`advisory` and `exploit` events). */
  advisoryChanges: number;
  /** Intel-history rows read (`intel` events). */
  intelChanges: number;
  /** IOC sightings read (`ioc` events). */
  iocSightings: number;
  /** CVEs evaluated. */
  cves: number;
  /** EPSS days evaluated (the first day stored is a baseline). */
  epssDays: string[];
  /** Alerts created (ids). */
  alerts: number[];
  confirmations: number;
  durationMs: number;
}

const PAGE = 2000;
/** Reasons kept per matching entry (the rest match the same way). */
const MAX_REASONS = 8;

/** The matches of one watchlist that pass their entries' thresholds. */
interface WatchlistMatch {
  watchlist: Watchlist;
  entries: { entryId: number; minEpss?: number; minPercentile?: number; reasons: MatchReason[]; checks: ThresholdCheck[] }[];
  provisional: boolean;
}

function matchWatchlists(plan: AlertPlan, view: VulnerabilityView, epss?: { score: number; percentile: number }): { matched: WatchlistMatch[]; any: boolean } {
  const matches = plan.index.match(view);
  const facts = thresholdFactsOf(view, epss);
  const byList = new Map<string, WatchlistMatch>();
  for (const m of matches) {
    const checks = checkThresholds(m.entry.thresholds, facts);
    if (!passesAll(checks)) continue;
    const w = plan.watchlists.get(m.entry.watchlist);
    if (!w) continue;
    let wm = byList.get(w.name);
    if (!wm) {
      wm = { watchlist: w, entries: [], provisional: false };
      byList.set(w.name, wm);
    }
    // A vendor entry on a record with hundreds of CPEs matches hundreds of times: a few say why.
    const kept = m.reasons.slice(0, MAX_REASONS);
    const reasons = view.affected[0]?.provider === KEV_PROVIDER ? kevReasons(kept) : kept;
    wm.entries.push({ entryId: m.entry.id, minEpss: m.entry.thresholds.minEpss, minPercentile: m.entry.thresholds.minPercentile, reasons, checks });
  }
  for (const wm of byList.values())
    wm.provisional = isProvisional(
      wm.entries.flatMap((e) => e.reasons),
      view,
    );
  return { matched: [...byList.values()], any: matches.length > 0 };
}

/** Builds alerts; the store ignores any already made. */
class AlertBuilder {
  readonly commit: EvaluationCommit;
  constructor(
    private readonly deps: EngineDeps,
    private readonly plan: AlertPlan,
    private readonly at: Date,
  ) {
    this.commit = { alerts: [], confirmations: [], state: {}, at: at.toISOString() };
  }

  add(
    sub: Subscription | null,
    view: VulnerabilityView,
    detail: AlertEventDetail,
    key: string,
    why: { matches: MatchReason[]; thresholds: ThresholdCheck[]; provisional: boolean; fallback?: boolean },
  ): void {
    const reason = why.provisional ? provisionalReason(why.matches, view) : null;
    this.addAbout(sub, view.id, factsFromView(view, this.deps.config.linkBase), detail, key, { ...why, ...(reason ? { provisionalReason: reason } : {}) });
  }

  /** An alert about `subject` (a CVE id, or an advisory id for `advisory` events) with facts made by the caller. */
  addAbout(
    sub: Subscription | null,
    subject: string,
    facts: AlertFacts,
    detail: AlertEventDetail,
    key: string,
    why: { matches: MatchReason[]; thresholds: ThresholdCheck[]; provisional: boolean; provisionalReason?: string; fallback?: boolean },
  ): void {
    const config = this.deps.config;
    const fallback = config.fallback;
    const alert: NewAlert = {
      subscriptionId: sub?.id ?? null,
      watchlist: sub?.watchlist ?? null,
      channel: sub?.channel ?? fallback?.channel ?? '',
      recipients: sub ? (this.plan.recipients.get(sub.id) ?? []) : fallback?.to ? [fallback.to] : [],
      cveId: subject,
      event: detail.type,
      eventKey: key,
      mode: sub?.mode ?? 'immediate',
      createdAt: this.at.toISOString(),
      explanation: {
        event: detail,
        matches: why.matches,
        thresholds: why.thresholds,
        provisional: why.provisional,
        ...(why.provisionalReason ? { provisionalReason: why.provisionalReason } : {}),
        ...(why.fallback ? { fallback: true } : {}),
      },
      facts,
      provisional: why.provisional,
      nextAttemptAt: firstAttemptAt(
        this.at,
        sub?.mode ?? 'immediate',
        sub?.timezone ?? config.defaults.timezone,
        sub?.quietHours ?? null,
        config.digest,
      ).toISOString(),
    };
    this.commit.alerts.push(alert);
  }
}

/**
 * Alerts for one CVE's change events.
 * @param alerted subscriptions alerted about this CVE before: they hear of its rejection even
 *   though a rejected record no longer matches their entries (its product data is withdrawn).
 */
function evaluateChanges(
  b: AlertBuilder,
  deps: EngineDeps,
  plan: AlertPlan,
  view: VulnerabilityView,
  derived: ReturnType<typeof eventsFromChanges>,
  alerted: number[],
): void {
  const { matched, any } = matchWatchlists(plan, view);
  const rejected = derived.events.find((e) => e.type === 'rejected');
  if (rejected) {
    const covered = new Set(matched.flatMap((wm) => wm.watchlist.subscriptions.map((s) => s.id)));
    for (const id of alerted) {
      const sub = plan.subscriptions.get(id);
      if (!sub || covered.has(id) || !sub.events.includes('rejected')) continue;
      const detail = { ...rejected.detail, summary: `${rejected.detail.summary}; you were alerted about it before` };
      b.add(sub, view, detail, rejected.key, { matches: [], thresholds: [], provisional: false });
    }
  }
  const events: DerivedEvent[] = [...derived.events];
  if (derived.matchDataChanged && view.state === 'PUBLISHED' && !events.some((e) => e.type === 'new'))
    events.push({ type: 'new', key: 'new', detail: { type: 'new', summary: 'now matches (its product or text data changed)' } });
  for (const wm of matched) {
    const why = { matches: wm.entries.flatMap((e) => e.reasons), thresholds: wm.entries.flatMap((e) => e.checks), provisional: wm.provisional };
    for (const sub of wm.watchlist.subscriptions) {
      if (!wm.provisional && derived.nvdCpeChanged) b.commit.confirmations.push({ subscriptionId: sub.id, cveId: view.id });
      for (const e of events) if (sub.events.includes(e.type)) b.add(sub, view, e.detail, e.key, why);
    }
  }
  // The administrator fallback: a severe new CVE nobody could watch, because it names no vendor.
  const fb = deps.config.fallback;
  if (fb && !any && severityRank(view.severity) >= severityRank(fb.minSeverity) && vendorUnknown(view)) {
    const trigger = events.find((e) => e.type === 'new' || e.type === 'severity_raised');
    if (trigger) {
      const check: ThresholdCheck = { name: 'minSeverity', required: fb.minSeverity, actual: view.severity, passed: true };
      b.add(null, view, trigger.detail, trigger.key, { matches: [], thresholds: [check], provisional: false, fallback: true });
    }
  }
}

/** Alerts for one CVE's EPSS movement on `date`. */
function evaluateMove(b: AlertBuilder, plan: AlertPlan, view: VulnerabilityView, move: EpssMove, date: string, previousDate: string): void {
  const prev = move.previousScore ?? 0;
  const prevPct = move.previousPercentile ?? 0;
  const { matched } = matchWatchlists(plan, view, move);
  const epss = { date, score: move.score, percentile: move.percentile, previousDate, previousScore: move.previousScore };
  const pct = (x: number) => `${(x * 100).toFixed(1)}%`;
  for (const wm of matched) {
    const why = { matches: wm.entries.flatMap((e) => e.reasons), thresholds: wm.entries.flatMap((e) => e.checks), provisional: wm.provisional };
    for (const sub of wm.watchlist.subscriptions) {
      const crossed = wm.entries
        .map((e) => {
          const t = e.minEpss ?? sub.epssAbove;
          if (prev < t && move.score >= t) return `EPSS rose above ${pct(t)}: ${pct(prev)} → ${pct(move.score)}`;
          const p = e.minPercentile;
          if (p !== undefined && prevPct < p && move.percentile >= p) return `EPSS percentile rose above ${pct(p)}: ${pct(prevPct)} → ${pct(move.percentile)}`;
          return null;
        })
        .find((x) => x !== null);
      if (crossed && sub.events.includes('epss_threshold')) b.add(sub, view, { type: 'epss_threshold', summary: crossed, epss }, 'epss_threshold', why);
      if (move.score - prev >= sub.epssJump && sub.events.includes('epss_jump'))
        b.add(
          sub,
          view,
          { type: 'epss_jump', summary: `EPSS jumped ${pct(prev)} → ${pct(move.score)} (+${pct(move.score - prev)}) from ${previousDate} to ${date}`, epss },
          `epss_jump:${date}`,
          why,
        );
    }
  }
}

/** The CVE's view; for a CVE known only from the KEV catalog, a view of its catalog entry. */
async function viewOf(deps: EngineDeps, cveId: string): Promise<VulnerabilityView | null> {
  const stored = await deps.store.getVulnerability(cveId);
  if (stored) return buildView(stored, deps.merge);
  const kev = await deps.alerts.getKevEntry(cveId);
  return kev ? kevOnlyView(kev, null) : null;
}

/**
 * Evaluates everything that changed since the last evaluation and stores the alerts it makes.
 * Safe to run at any time and any number of times.
 */
export async function evaluate(deps: EngineDeps, plan?: AlertPlan): Promise<EvaluationSummary> {
  const started = Date.now();
  const now = deps.now ?? (() => new Date());
  const p = plan ?? (await loadPlan(deps.alerts, deps.config));
  const summary: EvaluationSummary = {
    changes: 0,
    advisoryChanges: 0,
    intelChanges: 0,
    iocSightings: 0,
    cves: 0,
    epssDays: [],
    alerts: [],
    confirmations: 0,
    durationMs: 0,
  };
  const watching = p.watchlists.size > 0 || deps.config.fallback !== undefined;
  const breathe = breather();

  let cursor = Number((await deps.alerts.getState('changes')) ?? 0);
  for (;;) {
    const page = await deps.alerts.readChanges(cursor, PAGE);
    if (!page.length) break;
    const b = new AlertBuilder(deps, p, now());
    if (watching) {
      const byCve = new Map<string, typeof page>();
      for (const c of page) byCve.set(c.cveId, [...(byCve.get(c.cveId) ?? []), c]);
      for (const [cveId, changes] of byCve) {
        await breathe();
        const derived = eventsFromChanges(changes);
        if (!derived.events.length && !derived.matchDataChanged) continue;
        const view = await viewOf(deps, cveId);
        if (!view) continue;
        summary.cves++;
        const alerted = derived.events.some((e) => e.type === 'rejected') ? await deps.alerts.subscriptionsAlerted(cveId) : [];
        evaluateChanges(b, deps, p, view, derived, alerted);
      }
    }
    summary.changes += page.length;
    cursor = (page.at(-1) as { id: number }).id;
    b.commit.state.changes = String(cursor);
    summary.alerts.push(...(await deps.alerts.commitEvaluation(b.commit)));
    summary.confirmations += b.commit.confirmations.length;
  }

  await evaluateAdvisories(deps, p, now, summary, breathe);
  if (deps.intel) await evaluateIntel(deps, deps.intel, p, now, summary, breathe);
  if (deps.iocs) await evaluateIocs(deps, deps.iocs, p, now, summary, breathe);

  const days = await deps.alerts.epssDays();
  const last = await deps.alerts.getState('epssDay');
  for (const [i, day] of days.entries()) {
    if (last !== null && day.date <= last) continue;
    const previous = days[i - 1] ?? null;
    const b = new AlertBuilder(deps, p, now());
    b.commit.state.epssDay = day.date;
    const modelChanged = previous?.modelVersion && day.modelVersion && previous.modelVersion !== day.modelVersion;
    if (modelChanged)
      deps.log.info({ date: day.date, from: previous.modelVersion, to: day.modelVersion }, 'EPSS model changed: score movements of this day are not alerted');
    if (previous && !modelChanged && p.watchlists.size) {
      const { scores, percentiles, minJump } = p.epssTriggers;
      for (const move of await deps.alerts.epssMoves(day.date)) {
        await breathe();
        const prev = move.previousScore ?? 0;
        if (move.score <= prev) continue;
        const crosses = scores.some((t) => prev < t && move.score >= t) || percentiles.some((t) => (move.previousPercentile ?? 0) < t && move.percentile >= t);
        if (!crosses && move.score - prev < minJump) continue;
        const view = await viewOf(deps, move.cveId);
        if (!view || view.state === 'REJECTED') continue;
        summary.cves++;
        evaluateMove(b, p, view, move, day.date, previous.date);
      }
    }
    summary.alerts.push(...(await deps.alerts.commitEvaluation(b.commit)));
    summary.epssDays.push(day.date);
  }
  summary.durationMs = Date.now() - started;
  if (summary.alerts.length) deps.log.info({ alerts: summary.alerts.length, cves: summary.cves, changes: summary.changes }, 'alerts created');
  return summary;
}

/**
 * The advisory history since the `advisoryChanges` cursor, page by page, each page's alerts
 * committed with the cursor. The first evaluation starts after the history already stored (a
 * first import of bulletins is a baseline, like the first KEV catalog).
 */
async function evaluateAdvisories(deps: EngineDeps, p: AlertPlan, now: () => Date, summary: EvaluationSummary, breathe: () => Promise<void>): Promise<void> {
  const state = await deps.alerts.getState('advisoryChanges');
  if (state === null) {
    const start = await deps.alerts.lastAdvisoryChangeId();
    await deps.alerts.commitEvaluation({ alerts: [], confirmations: [], at: now().toISOString(), state: { advisoryChanges: String(start) } });
    return;
  }
  let cursor = Number(state);
  for (;;) {
    const page = await deps.alerts.readAdvisoryChanges(cursor, PAGE);
    if (!page.length) break;
    const b = new AlertBuilder(deps, p, now());
    if (p.watchlists.size > 0)
      await evaluateAdvisoryChanges(
        {
          plan: p,
          getAdvisory: async (id) => (await deps.store.getAdvisory(id))?.advisory ?? null,
          // Public exploits as the priority counts them (store EXPLOIT_COUNT_SQL): listing the CVE, not withdrawn.
          exploitsFor: async (cveId) => {
            const counted = [];
            for (const link of (await deps.store.advisoriesForCve(cveId)).filter((a) => a.kind === 'exploit')) {
              const doc = (await deps.store.getAdvisory(link.id))?.advisory;
              if (doc && !doc.withdrawn && doc.cves.some((c) => c.id === cveId && c.origin === 'listed')) counted.push(link);
            }
            return counted;
          },
          viewOf: (cveId) => viewOf(deps, cveId),
          emit: (a) => {
            for (const sub of a.watchlist.subscriptions)
              if (sub.events.includes(a.detail.type))
                b.addAbout(sub, a.subject, a.facts, a.detail, a.key, { matches: a.matches, thresholds: a.thresholds, provisional: false });
          },
          ...(deps.config.linkBase ? { linkBase: deps.config.linkBase } : {}),
          breathe,
        },
        page,
      );
    summary.advisoryChanges += page.length;
    cursor = (page.at(-1) as { id: number }).id;
    b.commit.state.advisoryChanges = String(cursor);
    summary.alerts.push(...(await deps.alerts.commitEvaluation(b.commit)));
  }
}

/**
 * The intel history since the `intelChanges` cursor, page by page, each page's alerts committed
 * with the cursor. The first evaluation starts after the history already stored (documents
 * collected before alerting knew of them are a baseline, like the first advisories).
 */
async function evaluateIntel(
  deps: EngineDeps,
  intel: IntelStore,
  p: AlertPlan,
  now: () => Date,
  summary: EvaluationSummary,
  breathe: () => Promise<void>,
): Promise<void> {
  const state = await deps.alerts.getState('intelChanges');
  if (state === null) {
    const start = await intel.lastIntelChangeId();
    await deps.alerts.commitEvaluation({ alerts: [], confirmations: [], at: now().toISOString(), state: { intelChanges: String(start) } });
    return;
  }
  let cursor = Number(state);
  let index: IntelIndex | null = null;
  for (;;) {
    const page = await intel.intelChangesSince(cursor, PAGE);
    if (!page.length) break;
    const b = new AlertBuilder(deps, p, now());
    if (p.watchlists.size > 0) {
      index ??= new IntelIndex([...p.watchlists.values()].flatMap((w) => w.entries));
      await evaluateIntelChanges(
        {
          plan: p,
          index,
          intel,
          viewOf: (cveId) => viewOf(deps, cveId),
          emit: (a) => {
            for (const sub of a.watchlist.subscriptions)
              if (sub.events.includes('intel'))
                b.addAbout(sub, a.subject, a.facts, a.detail, a.key, { matches: a.matches, thresholds: a.thresholds, provisional: false });
          },
          ...(deps.config.linkBase ? { linkBase: deps.config.linkBase } : {}),
          breathe,
        },
        page,
      );
    }
    summary.intelChanges += page.length;
    cursor = (page.at(-1) as { id: number }).id;
    b.commit.state.intelChanges = String(cursor);
    summary.alerts.push(...(await deps.alerts.commitEvaluation(b.commit)));
  }
}

/**
 * The IOC sightings since the `iocSightings` cursor, page by page, each page's alerts committed
 * with the cursor. The first evaluation starts after the sightings already stored and records
 * when (`iocSightingsFrom`): documents stored before are history (ioc-engine.ts). With no `ioc`
 * entry in any watchlist, the cursor moves to the newest sighting without reading them.
 */
async function evaluateIocs(
  deps: EngineDeps,
  iocs: IocStore,
  p: AlertPlan,
  now: () => Date,
  summary: EvaluationSummary,
  breathe: () => Promise<void>,
): Promise<void> {
  const state = await deps.alerts.getState('iocSightings');
  if (state === null) {
    const start = await iocs.lastSightingId();
    await deps.alerts.commitEvaluation({
      alerts: [],
      confirmations: [],
      at: now().toISOString(),
      state: { iocSightings: String(start), iocSightingsFrom: now().toISOString() },
    });
    return;
  }
  let cursor = Number(state);
  const index = new IocIndex([...p.watchlists.values()].flatMap((w) => w.entries));
  if (index.size === 0) {
    const last = await iocs.lastSightingId();
    if (last > cursor) await deps.alerts.commitEvaluation({ alerts: [], confirmations: [], at: now().toISOString(), state: { iocSightings: String(last) } });
    return;
  }
  const from = await deps.alerts.getState('iocSightingsFrom');
  for (;;) {
    const page = await iocs.sightingsSince(cursor, PAGE);
    if (!page.length) break;
    const b = new AlertBuilder(deps, p, now());
    await evaluateIocSightings(
      {
        plan: p,
        index,
        iocs,
        ...(deps.intel ? { intel: deps.intel } : {}),
        from,
        emit: (a) => {
          for (const sub of a.watchlist.subscriptions)
            if (sub.events.includes('ioc'))
              b.addAbout(sub, a.subject, a.facts, a.detail, a.key, { matches: a.matches, thresholds: a.thresholds, provisional: false });
        },
        ...(deps.config.linkBase ? { linkBase: deps.config.linkBase } : {}),
        breathe,
      },
      page,
    );
    summary.iocSightings += page.length;
    cursor = (page.at(-1) as { id: number }).id;
    b.commit.state.iocSightings = String(cursor);
    summary.alerts.push(...(await deps.alerts.commitEvaluation(b.commit)));
  }
}

/**
 * Marks everything stored so far as seen, without alerting (`vigil alerts baseline`, for a store
 * filled with history first). With `intel`, the intel history too; with `iocs`, the IOC sightings
 * (documents stored until now are history for `ioc` events).
 */
export async function baseline(
  alerts: AlertStore,
  intel?: IntelStore,
  iocs?: IocStore,
): Promise<{ changes: number; epssDay: string | null; advisoryChanges: number; intelChanges: number | null; iocSightings: number | null }> {
  const changes = await alerts.lastChangeId();
  const advisoryChanges = await alerts.lastAdvisoryChangeId();
  const intelChanges = intel ? await intel.lastIntelChangeId() : null;
  const iocSightings = iocs ? await iocs.lastSightingId() : null;
  const at = new Date().toISOString();
  const days = await alerts.epssDays();
  const epssDay = days.at(-1)?.date ?? null;
  const state = {
    changes: String(changes),
    advisoryChanges: String(advisoryChanges),
    ...(intelChanges !== null ? { intelChanges: String(intelChanges) } : {}),
    ...(iocSightings !== null ? { iocSightings: String(iocSightings), iocSightingsFrom: at } : {}),
    ...(epssDay ? { epssDay } : {}),
  };
  await alerts.commitEvaluation({ alerts: [], confirmations: [], at, state });
  return { changes, epssDay, advisoryChanges, intelChanges, iocSightings };
}
