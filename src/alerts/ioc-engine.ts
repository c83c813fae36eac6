/**
 * `ioc` events: a watched indicator sighted in an intel document. The engine reads the IOC
 * store's sightings (iocs/types.ts `sightingsSince`: one row per indicator and document) with its
 * own cursor and commits the cursor with the alerts it makes (engine.ts `evaluateIocs`), like the
 * intel history (intel-engine.ts).
 *
 * Each sighting is matched against the plan's `ioc` entries (ioc-match.ts: a domain matches its
 * subdomains, URLs and addresses on them; a network the addresses inside it…). One alert per
 * (subscription, watched indicator, document), ever: subject the document id, key
 * `ioc:<type>:<value>` of the watched indicator; all the document's indicators that matched it
 * are in that one alert. A document analysed again, or edited, alerts no one twice.
 *
 * Only documents stored (or whose text changed) since the `ioc` cursor started are news: a
 * sighting in a document stored before (`vigil iocs reanalyse` over old documents after an
 * upgrade, a model update re-extracting everything) moves the cursor without alerting. Entries
 * added later alert on sightings from then on, never on older ones.
 */
import type { IntelStore, StoredIntelDocument } from '../intel/types.ts';
import type { IocStore, StoredIoc } from '../iocs/types.ts';
import type { AlertEventDetail, AlertFacts, AlertIoc, MatchReason, ThresholdCheck, Watchlist } from '../model/alert.ts';
import { alertIntel, intelFacts } from './intel-engine.ts';
import type { IocIndex, SightedIndicator } from './ioc-match.ts';
import type { Indicator } from './ioc-value.ts';
import type { AlertPlan } from './plan.ts';

/** Matched indicators an alert lists, and reasons it keeps per watchlist. */
const MAX_SIGHTED = 8;

/** One row of the store's sighting feed. */
export type SightingRow = Awaited<ReturnType<IocStore['sightingsSince']>>[number];

/** What the `ioc` evaluation needs from the engine. */
export interface IocEvalDeps {
  plan: AlertPlan;
  /** The plan's `ioc` entries (one per evaluation). */
  index: IocIndex;
  iocs: Pick<IocStore, 'getIoc'>;
  /** The intel documents sightings are in (absent: messages use what the sighting says). */
  intel?: Pick<IntelStore, 'getDocument'>;
  /** ISO 8601: documents stored or changed before this are history, not news (null: all are news). */
  from: string | null;
  /** Records one alert for every subscription of the watchlist that chose `ioc` (the store ignores one already made). */
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

/** What matched one watched indicator in one document, per watchlist. */
interface Hit {
  watched: Indicator;
  sighted: SightedIndicator[];
  byList: Map<string, MatchReason[]>;
  tlp: string;
}

/** When the document last became news: its first store, or its latest text change (the fetch that brought the new text). */
function storedAt(doc: StoredIntelDocument): string {
  const changed = doc.history.at(-1)?.at;
  return changed && changed > doc.firstSeen ? changed : doc.firstSeen;
}

/** Facts of a sighting whose document is not in the intel store: what the sighting says. */
function sightingFacts(s: SightingRow, linkBase: string | undefined): AlertFacts {
  return {
    cveId: s.documentId,
    state: 'PUBLISHED',
    title: s.title,
    description: null,
    published: s.seen,
    severity: null,
    cvss: null,
    epss: null,
    kev: null,
    ssvc: null,
    priority: 0,
    products: [],
    link: s.url ?? (linkBase ? `${linkBase.replace(/\/$/, '')}/intel/${encodeURIComponent(s.documentId)}` : ''),
    document: { source: s.source, cves: [], cveCount: 0, clusterSize: 1 },
  };
}

/**
 * The event of one watched indicator sighted in one document: `evil.example.com sighted again in
 * bleepingcomputer document "…" (first seen 2024-03-01, 3 documents)`.
 */
export function iocDetail(
  hit: Pick<Hit, 'watched' | 'sighted' | 'tlp'>,
  stored: StoredIoc | null,
  s: SightingRow,
  doc: StoredIntelDocument | null,
): AlertEventDetail {
  const first = hit.sighted[0] as SightedIndicator;
  const ioc: AlertIoc = {
    watched: hit.watched,
    sighted: hit.sighted,
    firstSeen: stored?.firstSeen ?? s.seen,
    lastSeen: stored?.lastSeen ?? s.seen,
    sightings: stored?.sightings ?? 1,
    sources: stored?.sources ?? [s.source],
    warning: stored?.warning ?? null,
    tlp: hit.tlp,
  };
  const as = first.type === hit.watched.type && first.value === hit.watched.value ? '' : ` as ${first.type} ${first.value}`;
  const again = ioc.sightings > 1 ? `again (first seen ${ioc.firstSeen.slice(0, 10)}, ${ioc.sightings} documents)` : 'for the first time';
  const title = doc?.title ?? s.title;
  const summary = `${hit.watched.value}${as} sighted ${again} in ${doc?.source ?? s.source} document${title ? ` "${title}"` : ` ${s.documentId}`}`;
  const detail: AlertEventDetail = { type: 'ioc', summary, ioc };
  if (doc) detail.intel = alertIntel(doc, doc.history.length ? 'changed' : 'created');
  return detail;
}

/** TLP labels, least to most restrictive (FIRST TLP 2.0). */
const TLP_ORDER = ['clear', 'green', 'amber', 'amber+strict', 'red'];

/**
 * Makes the `ioc` alerts of one page of sightings (oldest first).
 * @returns how many sightings matched a watched indicator (in documents that are news).
 */
export async function evaluateIocSightings(d: IocEvalDeps, page: readonly SightingRow[]): Promise<number> {
  // document id → watched `type:value` → hit
  const byDoc = new Map<string, { first: SightingRow; hits: Map<string, Hit> }>();
  let matched = 0;
  for (const s of page) {
    const matches = d.index.match({ type: s.type, value: s.value, original: s.original });
    if (!matches.length) continue;
    const doc = byDoc.get(s.documentId) ?? { first: s, hits: new Map<string, Hit>() };
    byDoc.set(s.documentId, doc);
    for (const m of matches) {
      const key = `${m.watched.type}:${m.watched.value}`;
      const hit = doc.hits.get(key) ?? { watched: m.watched, sighted: [], byList: new Map<string, MatchReason[]>(), tlp: s.tlp };
      doc.hits.set(key, hit);
      if (TLP_ORDER.indexOf(s.tlp) > TLP_ORDER.indexOf(hit.tlp)) hit.tlp = s.tlp;
      if (hit.sighted.length < MAX_SIGHTED && !hit.sighted.some((x) => x.type === s.type && x.value === s.value))
        hit.sighted.push({ type: s.type, value: s.value, original: s.original });
      const reasons = hit.byList.get(m.entry.watchlist) ?? [];
      hit.byList.set(m.entry.watchlist, reasons);
      if (reasons.length < MAX_SIGHTED) reasons.push(m.reason);
    }
  }
  for (const [documentId, { first, hits }] of byDoc) {
    await d.breathe();
    const doc = d.intel ? await d.intel.getDocument(documentId) : null;
    if (doc && d.from !== null && storedAt(doc) < d.from) continue;
    const facts = doc ? intelFacts(doc, null, [], d.linkBase) : sightingFacts(first, d.linkBase);
    for (const [key, hit] of hits) {
      const lead = hit.sighted[0] as SightedIndicator;
      const stored = await d.iocs.getIoc(lead.type, lead.value);
      const detail = iocDetail(hit, stored, first, doc);
      matched += hit.sighted.length;
      for (const [name, reasons] of hit.byList) {
        const watchlist = d.plan.watchlists.get(name);
        if (watchlist) d.emit({ watchlist, subject: documentId, facts, detail, key: `ioc:${key}`, matches: reasons, thresholds: [] });
      }
    }
  }
  return matched;
}
