/**
 * What the relevance model learns from: analysts' triage decisions on alerts (Stores.triage), and
 * the text each decision is about (the CVE's title, description and affected vendors/products from
 * the store's record; for an alert whose subject is not a stored CVE, an intel document or an
 * advisory, the alert's own facts). And the keyword rules: watchlist entries (per user or team,
 * as their owners wrote them).
 *
 * Decisions: `triaged` and `fixed` mean relevant, `ignored` means not; `new` is no decision. A
 * subject with several decided alerts (several watchlists, events) is relevant when any of them
 * was triaged or fixed: somebody acted on it.
 */
import { RE2JS } from 're2js';
import { findKeyword, keywordPattern } from '../../alerts/entry.ts';
import { mergeVulnerability } from '../../analysis/merge.ts';
import { VigilError } from '../../errors.ts';
import type { AlertFacts, WatchEntry } from '../../model/alert.ts';
import type { Stores } from '../../store/index.ts';

/** One subject (CVE or document) with the analysts' verdict. */
export interface RelevanceDecision {
  /** The alert's subject: a CVE id, or a document/advisory id. */
  subject: string;
  relevant: boolean;
  /** Title, description and `vendor product` pairs, one text. */
  text: string;
  /** Number of decided alerts about the subject. */
  alerts: number;
}

const PAGE = 500;

/** Title, description and `vendor product` pairs of a stored CVE, or null when the store has no record of it. */
export async function cveText(stores: Pick<Stores, 'store'>, cveId: string): Promise<string | null> {
  const stored = await stores.store.getVulnerability(cveId);
  if (!stored || stored.observations.length === 0) return null;
  const v = mergeVulnerability(stored.observations).vulnerability;
  const products = [...new Set(v.affected.map((a) => [a.vendor, a.product].filter(Boolean).join(' ')).filter(Boolean))].slice(0, 20);
  return [v.title ?? '', v.description ?? '', products.join('; ')].filter(Boolean).join('\n');
}

function factsText(f: AlertFacts): string {
  return [f.title ?? '', f.description ?? '', f.products.join('; ')].filter(Boolean).join('\n');
}

/**
 * Every triage decision in the store, one per subject, in subject order (deterministic).
 * `onProgress(done)`: alerts read so far.
 */
export async function loadDecisions(stores: Pick<Stores, 'store' | 'triage'>, onProgress: (done: number) => void = () => {}): Promise<RelevanceDecision[]> {
  const bySubject = new Map<string, { relevant: boolean; alerts: number; facts: AlertFacts }>();
  let read = 0;
  for (const state of ['triaged', 'fixed', 'ignored'] as const) {
    let before: number | undefined;
    for (;;) {
      const page = await stores.triage.listInbox({ triage: state, limit: PAGE, ...(before !== undefined ? { before } : {}) });
      for (const a of page) {
        const seen = bySubject.get(a.cveId);
        const relevant = state !== 'ignored';
        if (seen) {
          seen.relevant ||= relevant;
          seen.alerts++;
        } else bySubject.set(a.cveId, { relevant, alerts: 1, facts: a.facts });
      }
      read += page.length;
      onProgress(read);
      if (page.length < PAGE) break;
      before = page.at(-1)?.id;
    }
  }
  const out: RelevanceDecision[] = [];
  for (const subject of [...bySubject.keys()].sort()) {
    const d = bySubject.get(subject);
    if (!d) continue;
    const text = (/^CVE-\d{4}-\d+$/.test(subject) ? await cveText(stores, subject) : null) ?? factsText(d.facts);
    out.push({ subject, relevant: d.relevant, text, alerts: d.alerts });
  }
  return out;
}

/** One keyword rule: a watchlist entry that reads text. */
export interface KeywordRule {
  watchlist: string;
  /** `keyword:log4j`, `regex:…`, `product:pan-os`, `vendor:fortinet`. */
  rule: string;
  test(text: string): boolean;
}

/**
 * The keyword rules of watchlists: `keyword` and `regex` entries as the matcher reads them
 * (case-insensitive; keywords on word boundaries; RE2 regexes), and `vendor`/`product` names
 * searched as keywords in the text. CPE, purl and CVE entries match structured data, not text,
 * and are not rules here.
 */
export function keywordRules(entries: readonly WatchEntry[]): KeywordRule[] {
  const out: KeywordRule[] = [];
  for (const e of entries) {
    if (e.kind === 'keyword' || e.kind === 'vendor' || e.kind === 'product') {
      const k = keywordPattern(e.value);
      out.push({ watchlist: e.watchlist, rule: `${e.kind}:${e.value}`, test: (text) => findKeyword(k, text) !== null });
    } else if (e.kind === 'regex') {
      const re = RE2JS.compile(e.value, RE2JS.CASE_INSENSITIVE);
      out.push({ watchlist: e.watchlist, rule: `regex:${e.value}`, test: (text) => re.matcher(text).find() });
    }
  }
  return out;
}

/** The rules of the named watchlists (all when `names` is empty). @throws VigilError VIGIL_NOT_FOUND naming an unknown watchlist. */
export async function loadRules(stores: Pick<Stores, 'alerts'>, names: readonly string[] = []): Promise<KeywordRule[]> {
  const lists = await stores.alerts.listWatchlists();
  for (const n of names) if (!lists.some((w) => w.name === n)) throw new VigilError('VIGIL_NOT_FOUND', [`watchlist "${n}"`]);
  const chosen = names.length ? lists.filter((w) => names.includes(w.name)) : lists;
  return keywordRules(chosen.flatMap((w) => w.entries));
}
