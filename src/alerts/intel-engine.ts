/**
 * `intel` events from the threat-intel history (the intel store's `intel_history`: documents
 * created, and changed when their title or text moved), read by the engine with its own cursor
 * and committed with the alerts it makes, like the advisory history (advisory-engine.ts).
 *
 * A document matches a watchlist on its own title and text (intel-match.ts: keywords, regexes,
 * vendor and product names, CVE ids it names), or through the stored record of a CVE it names
 * (the first {@link INTEL_CVE_LIMIT}): vendor, product, CPE and purl entries only, as the CVE
 * matcher finds them (a keyword in the description of one of 50 CVEs a roundup lists says nothing
 * about the article). One alert per (subscription, document), ever: key `intel:<documentId>`.
 * Its subject is the CVE when exactly one CVE made it match, else the document id.
 *
 * Thresholds are checked as for advisories: against the strongest facts of the CVE records the
 * document names (first {@link INTEL_CVE_LIMIT}); a document naming none has no severity, CVSS or
 * EPSS, so an entry with such a threshold does not alert on it (a missing value fails).
 *
 * A `changed` row (the title or text was edited) is evaluated like a new document: the key makes
 * it alert only the subscriptions the earlier text did not (an edit that adds the watched word).
 */
import type { IntelChange, IntelStore, StoredIntelDocument } from '../intel/types.ts';
import type { AlertEventDetail, AlertFacts, AlertIntel, MatchReason, ThresholdCheck, WatchEntry, Watchlist } from '../model/alert.ts';
import type { VulnerabilityView } from '../model/record.ts';
import { factsFromView } from './facts.ts';
import type { IntelIndex } from './intel-match.ts';
import type { AlertPlan } from './plan.ts';
import { checkThresholds, passesAll, severityRank, type ThresholdFacts } from './thresholds.ts';

/** CVE records read per document, to match through them and for thresholds (a CISA roundup names 50). */
export const INTEL_CVE_LIMIT = 20;
/** CVE ids an {@link AlertIntel} keeps. */
const MAX_CVES = 50;
/** Reasons kept per entry. */
const MAX_REASONS = 8;
/** Entry kinds matched through a named CVE's record. */
const THROUGH_CVE = new Set<WatchEntry['kind']>(['vendor', 'product', 'cpe', 'purl']);

/** What the intel evaluation needs from the engine. */
export interface IntelEvalDeps {
  plan: AlertPlan;
  /** The plan's entries indexed for documents (one per evaluation). */
  index: IntelIndex;
  intel: Pick<IntelStore, 'getDocument'>;
  /** A CVE's view (also a KEV-only CVE), or null. */
  viewOf(cveId: string): Promise<VulnerabilityView | null>;
  /** Records one alert for every subscription of the watchlist that chose `intel` (the store ignores one already made). */
  emit(alert: {
    watchlist: Watchlist;
    subject: string;
    facts: AlertFacts;
    detail: AlertEventDetail;
    key: string;
    matches: MatchReason[];
    thresholds: ThresholdCheck[];
  }): void;
  linkBase?: string;
  breathe(): Promise<void>;
}

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

/**
 * What a document's thresholds are checked against: the strongest facts among the stored CVE
 * records it names (highest severity, CVSS, EPSS, percentile; KEV or ransomware use on any), as
 * advisories are judged (advisory-facts.ts); all null/false when it names none.
 */
export function strongestFacts(views: readonly VulnerabilityView[]): ThresholdFacts {
  const out: ThresholdFacts = { severity: null, cvssScore: null, epss: null, percentile: null, kev: false, ransomware: false };
  const max = (a: number | null, b: number | null | undefined) => (b === null || b === undefined ? a : a === null ? b : Math.max(a, b));
  for (const v of views) {
    if (severityRank(v.severity) > severityRank(out.severity)) out.severity = v.severity;
    out.cvssScore = max(out.cvssScore, v.primaryCvss?.baseScore);
    out.epss = max(out.epss, v.epss?.score);
    out.percentile = max(out.percentile, v.epss?.percentile);
    out.kev ||= v.kev !== null;
    out.ransomware ||= v.kev?.knownRansomwareCampaignUse === 'Known';
  }
  return out;
}

/** The document as an alert carries it. */
export function alertIntel(doc: StoredIntelDocument, change: AlertIntel['change']): AlertIntel {
  return {
    id: doc.id,
    source: doc.source,
    title: doc.title,
    url: doc.url,
    published: doc.published,
    cves: doc.cves.slice(0, MAX_CVES),
    cveCount: doc.cves.length,
    cluster: doc.cluster,
    clusterSize: doc.clusterSize,
    change,
  };
}

/**
 * The message facts of an `intel` alert. With the record of its subject CVE, that record's facts;
 * otherwise the document's (its id in `cveId`, its title and summary, the strongest scores of the
 * CVEs it names, {@link AlertFacts.document}). The link is the document's page either way.
 */
export function intelFacts(
  doc: StoredIntelDocument,
  subjectView: VulnerabilityView | null,
  views: readonly VulnerabilityView[],
  linkBase?: string,
): AlertFacts {
  if (subjectView) return { ...factsFromView(subjectView, linkBase), link: doc.url };
  const top = [...views].sort((x, y) => y.priority.score - x.priority.score)[0];
  const t = strongestFacts(views);
  const cvss = top?.primaryCvss ?? null;
  const text = doc.summary ?? (doc.text || null);
  return {
    cveId: doc.id,
    state: 'PUBLISHED',
    title: doc.title,
    description: text ? text.slice(0, 500) : null,
    published: doc.published,
    severity: t.severity,
    cvss: cvss ? { score: cvss.baseScore, version: cvss.version, vector: cvss.vector } : null,
    epss: top?.epss ? { score: top.epss.score, percentile: top.epss.percentile, date: top.epss.date } : null,
    kev: top?.kev ? { dateAdded: top.kev.dateAdded, dueDate: top.kev.dueDate || null, ransomware: top.kev.knownRansomwareCampaignUse === 'Known' } : null,
    ssvc: top?.ssvc?.decision ?? null,
    priority: top?.priority.score ?? 0,
    products: [],
    link: doc.url,
    document: { source: doc.source, cves: doc.cves.slice(0, MAX_CVES), cveCount: doc.cves.length, clusterSize: doc.clusterSize },
  };
}

async function evaluateDocument(d: IntelEvalDeps, doc: StoredIntelDocument, change: AlertIntel['change']): Promise<void> {
  const found: Found = new Map();
  for (const m of d.index.match(doc)) collect(found, m.entry, m.reasons);
  // Records are read when they can match (product-like entries) or judge a match (thresholds, facts).
  const views: VulnerabilityView[] = [];
  if (d.index.productEntries || found.size > 0)
    for (const id of doc.cves.slice(0, INTEL_CVE_LIMIT)) {
      await d.breathe();
      const view = await d.viewOf(id);
      if (!view) continue;
      views.push(view);
      for (const m of d.plan.index.match(view)) {
        if (!THROUGH_CVE.has(m.entry.kind)) continue;
        collect(
          found,
          m.entry,
          m.reasons.map((r): MatchReason => ({ ...r, via: 'intel-cve', field: `${view.id} ${r.field}` })),
          view.id,
        );
      }
    }
  if (found.size === 0) return;
  const facts = strongestFacts(views);
  const byList = new Map<string, { watchlist: Watchlist; matches: MatchReason[]; thresholds: ThresholdCheck[]; cves: Set<string> }>();
  for (const [entry, f] of found) {
    const checks = checkThresholds(entry.thresholds, facts);
    const watchlist = d.plan.watchlists.get(entry.watchlist);
    if (!watchlist || !passesAll(checks) || f.reasons.length === 0) continue;
    const w = byList.get(watchlist.name) ?? { watchlist, matches: [], thresholds: [], cves: new Set<string>() };
    byList.set(watchlist.name, w);
    w.matches.push(...f.reasons);
    w.thresholds.push(...checks);
    for (const c of f.cves) w.cves.add(c);
  }
  const what = change === 'created' ? 'new' : 'edited';
  const detail: AlertEventDetail = {
    type: 'intel',
    summary: `${what} ${doc.source} document${doc.clusterSize > 1 ? ` (one of ${doc.clusterSize} telling the story)` : ''}: "${doc.title}"`,
    intel: alertIntel(doc, change),
  };
  for (const w of byList.values()) {
    const only = w.cves.size === 1 ? ([...w.cves][0] as string) : null;
    const subjectView = only ? (views.find((v) => v.id === only) ?? (await d.viewOf(only))) : null;
    const facts = intelFacts(doc, subjectView, views, d.linkBase);
    d.emit({
      watchlist: w.watchlist,
      subject: only ?? doc.id,
      facts: only && !subjectView ? { ...facts, cveId: only } : facts,
      detail,
      key: `intel:${doc.id}`,
      matches: w.matches,
      thresholds: w.thresholds,
    });
  }
}

/**
 * Makes the `intel` alerts of one page of intel history (oldest first). Each document is
 * evaluated once per page, as stored now; `created` wins over `changed` for the wording.
 * @returns how many documents were evaluated.
 */
export async function evaluateIntelChanges(d: IntelEvalDeps, page: readonly IntelChange[]): Promise<number> {
  const kinds = new Map<string, AlertIntel['change']>();
  for (const c of page) if (kinds.get(c.documentId) !== 'created') kinds.set(c.documentId, c.kind);
  let evaluated = 0;
  for (const [id, change] of kinds) {
    await d.breathe();
    const doc = await d.intel.getDocument(id);
    if (!doc) continue;
    evaluated++;
    await evaluateDocument(d, doc, change);
  }
  return evaluated;
}
