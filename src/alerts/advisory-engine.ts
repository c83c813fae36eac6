/**
 * `advisory` and `exploit` events from the advisory history (the store's `saveAdvisories`
 * changes: created, modified, withdrawn, cves), read by the engine with its own cursor and
 * committed with the alerts it makes, like the CVE change feed (engine.ts).
 *
 * - `advisory`: an advisory that is new, revised (`modified`) or names other CVEs (`cves`) and
 *   matches a watchlist: on its own data (advisory-match.ts: products, packages with versions in
 *   the ecosystem's order, text, CVE ids), or through the stored record of a CVE it names (the
 *   first {@link ADVISORY_CVE_LIMIT} CVEs, listed ones first). One alert per (subscription,
 *   advisory id, revision), key `advisory:<id>:<modified>`. Its subject is the CVE when exactly
 *   one CVE made it match (or the advisory names only one), else the advisory id.
 * - `exploit`: a new exploit (kind `exploit`) that lists a CVE matching a watchlist, when it is
 *   the CVE's first public exploit (no stored exploit of the CVE was published before it). Key
 *   `exploit`: one alert per subscription and CVE, ever. Exploits make no `advisory` events.
 * Withdrawn advisories make no events.
 */
import type { Advisory, AdvisoryChange } from '../model/advisory.ts';
import type { AlertEventDetail, MatchReason, WatchEntry, Watchlist } from '../model/alert.ts';
import type { VulnerabilityView } from '../model/record.ts';
import { advisoryFacts, advisoryThresholdFacts, alertAdvisory } from './advisory-facts.ts';
import type { AlertPlan } from './plan.ts';
import { checkThresholds, passesAll, type ThresholdFacts, thresholdFactsOf } from './thresholds.ts';

/** CVE records read per advisory to match through them (a CERT-FR bulletin can name 1,900 CVEs). */
export const ADVISORY_CVE_LIMIT = 100;
/** Reasons kept per entry. */
const MAX_REASONS = 8;

/** What the advisory evaluation needs from the engine. */
export interface AdvisoryEvalDeps {
  plan: AlertPlan;
  /** The stored advisory, or null. */
  getAdvisory(id: string): Promise<Advisory | null>;
  /** Exploits naming a CVE (id, published, modified). */
  exploitsFor(cveId: string): Promise<{ id: string; published: string | null; modified: string }[]>;
  /** A CVE's view (also a KEV-only CVE), or null. */
  viewOf(cveId: string): Promise<VulnerabilityView | null>;
  /** Records one alert (the store ignores one already made for the subscription, subject and key). */
  emit(alert: {
    watchlist: Watchlist;
    subject: string;
    facts: ReturnType<typeof advisoryFacts>;
    detail: AlertEventDetail;
    key: string;
    matches: MatchReason[];
    thresholds: ReturnType<typeof checkThresholds>;
  }): void;
  linkBase?: string;
  breathe(): Promise<void>;
}

/** Entries matched, with their reasons and the CVEs they matched through. */
type Found = Map<WatchEntry, { reasons: MatchReason[]; cves: Set<string> }>;

function collect(found: Found, entry: WatchEntry, reasons: MatchReason[], cve?: string): void {
  let f = found.get(entry);
  if (!f) {
    f = { reasons: [], cves: new Set() };
    found.set(entry, f);
  }
  for (const r of reasons) if (f.reasons.length < MAX_REASONS) f.reasons.push(r);
  if (cve) f.cves.add(cve);
  for (const r of reasons) if (r.via === 'cve-id') f.cves.add(r.matched.toUpperCase());
}

/** Matches through a CVE's record, reworded to say which CVE of the advisory they came from. */
function throughCve(plan: AlertPlan, view: VulnerabilityView, found: Found): void {
  for (const m of plan.index.match(view)) {
    const reasons = m.reasons.map((r): MatchReason => (r.via === 'cve-id' ? r : { ...r, via: 'advisory-cve', field: `${view.id} ${r.field}` }));
    collect(found, m.entry, reasons, view.id);
  }
}

/** The matches of each watchlist whose entries pass their thresholds. */
function byWatchlist(
  plan: AlertPlan,
  found: Found,
  facts: ThresholdFacts,
): { watchlist: Watchlist; matches: MatchReason[]; thresholds: ReturnType<typeof checkThresholds>; cves: Set<string> }[] {
  const out = new Map<string, { watchlist: Watchlist; matches: MatchReason[]; thresholds: ReturnType<typeof checkThresholds>; cves: Set<string> }>();
  for (const [entry, f] of found) {
    const checks = checkThresholds(entry.thresholds, facts);
    const watchlist = plan.watchlists.get(entry.watchlist);
    if (!watchlist || !passesAll(checks) || f.reasons.length === 0) continue;
    const w = out.get(watchlist.name) ?? { watchlist, matches: [], thresholds: [], cves: new Set<string>() };
    out.set(watchlist.name, w);
    w.matches.push(...f.reasons);
    w.thresholds.push(...checks);
    for (const c of f.cves) w.cves.add(c);
  }
  return [...out.values()];
}

function plainChanges(changes: readonly AdvisoryChange[]): NonNullable<AlertEventDetail['changes']> {
  return changes.map((c) => ({ field: c.field, old: c.old, new: c.new, source: c.source, at: c.at }));
}

/** `new CERT-FR bulletin` / `revised package advisory` / `… now names other CVEs`, for the event summary. */
function advisorySummary(adv: Advisory, fields: readonly string[]): string {
  const what = `${adv.kind === 'package' ? 'package advisory' : adv.kind} ${adv.id} (${adv.source})`;
  if (fields.includes('created')) return `new ${what}`;
  const last = adv.revisions?.at(-1);
  const revised = `revised ${what}, ${adv.modified.slice(0, 10)}${last?.description ? `: ${last.description}` : ''}`;
  return fields.includes('modified') ? revised : `${what} now names other CVEs`;
}

async function evaluateAdvisory(d: AdvisoryEvalDeps, adv: Advisory, changes: readonly AdvisoryChange[]): Promise<void> {
  const fields = [...new Set(changes.map((c) => c.field))];
  const found: Found = new Map();
  for (const m of d.plan.advisories.match(adv)) collect(found, m.entry, m.reasons);
  const listedFirst = [...adv.cves].sort((a, b) => (a.origin === b.origin ? 0 : a.origin === 'listed' ? -1 : 1));
  const views: VulnerabilityView[] = [];
  for (const c of listedFirst.slice(0, ADVISORY_CVE_LIMIT)) {
    await d.breathe();
    const view = await d.viewOf(c.id);
    if (!view) continue;
    views.push(view);
    throughCve(d.plan, view, found);
  }
  if (found.size === 0) return;
  const facts = advisoryThresholdFacts(adv, views);
  const detail: AlertEventDetail = {
    type: 'advisory',
    summary: advisorySummary(adv, fields),
    changes: plainChanges(changes),
    advisory: alertAdvisory(adv, fields),
  };
  for (const w of byWatchlist(d.plan, found, facts)) {
    const only = w.cves.size === 1 ? ([...w.cves][0] as string) : adv.cves.length === 1 ? (adv.cves[0]?.id as string) : null;
    const subjectView = only ? (views.find((v) => v.id === only) ?? (await d.viewOf(only))) : null;
    const alertFacts = advisoryFacts(adv, subjectView, views, d.linkBase);
    d.emit({
      watchlist: w.watchlist,
      subject: only ?? adv.id,
      facts: only && !subjectView ? { ...alertFacts, cveId: only } : alertFacts,
      detail,
      key: `advisory:${adv.id}:${adv.modified}`,
      matches: w.matches,
      thresholds: w.thresholds,
    });
  }
}

/** Whether no other stored exploit of the CVE was published before this one (ties: the smaller id first). */
async function firstExploit(d: AdvisoryEvalDeps, adv: Advisory, cveId: string): Promise<boolean> {
  const at = adv.published ?? adv.modified;
  for (const e of await d.exploitsFor(cveId)) {
    if (e.id === adv.id) continue;
    const other = e.published ?? e.modified;
    if (other < at || (other === at && e.id < adv.id)) return false;
  }
  return true;
}

async function evaluateExploit(d: AdvisoryEvalDeps, adv: Advisory, changes: readonly AdvisoryChange[]): Promise<void> {
  const fields = [...new Set(changes.map((c) => c.field))];
  const direct = d.plan.advisories.match(adv);
  for (const cve of adv.cves) {
    if (cve.origin !== 'listed' || !(await firstExploit(d, adv, cve.id))) continue;
    await d.breathe();
    const found: Found = new Map();
    // The exploit's own matches, but a `cve` entry only for this CVE.
    for (const m of direct) {
      const reasons = m.reasons.filter((r) => r.via !== 'cve-id' || r.matched.toUpperCase() === cve.id);
      if (reasons.length) collect(found, m.entry, reasons);
    }
    const view = await d.viewOf(cve.id);
    if (view) for (const m of d.plan.index.match(view)) collect(found, m.entry, m.reasons, cve.id);
    if (found.size === 0) continue;
    const facts = view ? thresholdFactsOf(view) : advisoryThresholdFacts(adv, []);
    const e = adv.exploit;
    const how = e ? ` (${[e.type, e.platform, e.verified ? 'verified' : 'not verified'].filter(Boolean).join(', ')})` : '';
    const detail: AlertEventDetail = {
      type: 'exploit',
      summary: `first public exploit: ${adv.id} "${adv.title}"${how}`,
      changes: plainChanges(changes),
      advisory: alertAdvisory(adv, fields),
    };
    const alertFacts = advisoryFacts(adv, view, view ? [view] : [], d.linkBase);
    for (const w of byWatchlist(d.plan, found, facts))
      d.emit({
        watchlist: w.watchlist,
        subject: cve.id,
        facts: { ...alertFacts, cveId: cve.id },
        detail,
        key: 'exploit',
        matches: w.matches,
        thresholds: w.thresholds,
      });
  }
}

/**
 * Makes the `advisory` and `exploit` alerts of one page of advisory history (oldest first).
 * Each advisory is evaluated once per page, as stored now (its current revision).
 * @returns how many advisories were evaluated.
 */
export async function evaluateAdvisoryChanges(d: AdvisoryEvalDeps, page: readonly AdvisoryChange[]): Promise<number> {
  const byAdvisory = new Map<string, AdvisoryChange[]>();
  for (const c of page) byAdvisory.set(c.advisoryId, [...(byAdvisory.get(c.advisoryId) ?? []), c]);
  let evaluated = 0;
  for (const [id, changes] of byAdvisory) {
    await d.breathe();
    const news = changes.filter((c) => c.field === 'created' || c.field === 'modified' || c.field === 'cves');
    if (news.length === 0) continue;
    const adv = await d.getAdvisory(id);
    if (!adv || adv.withdrawn) continue;
    evaluated++;
    if (adv.kind === 'exploit') {
      if (news.some((c) => c.field === 'created' || c.field === 'cves')) await evaluateExploit(d, adv, news);
    } else await evaluateAdvisory(d, adv, news);
  }
  return evaluated;
}
