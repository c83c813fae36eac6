/**
 * Which stored advisories watchlist entries match, and why (the preview's `advisories`, beside its
 * CVEs): candidates from the store's advisory indexes (CVE links, vendor/product/package names,
 * full text), newest first, then the advisory matcher (advisory-match.ts) on each. Regex entries
 * have no index to narrow by: they are matched against the candidates the other entries found
 * only. Exploits are left out (they alert as `exploit` events of their CVEs).
 */
import { PackageURL } from 'packageurl-js';
import { parseCpe23 } from '../enrich/cpe.ts';
import type { AdvisoryKind } from '../model/advisory.ts';
import type { MatchReason, WatchEntry } from '../model/alert.ts';
import type { AdvisoryQuery, Store } from '../store/types.ts';
import { AdvisoryIndex } from './advisory-match.ts';

/** One (advisory, entry) match. */
export interface AdvisoryPreviewMatch {
  advisoryId: string;
  source: string;
  kind: AdvisoryKind;
  title: string;
  /** ISO 8601 UTC. */
  published: string | null;
  modified: string;
  /** Id of the entry that matched (0 for an unsaved entry: see `entryIndex`). */
  entry: number;
  /** Position of the entry in the list given. */
  entryIndex: number;
  reasons: MatchReason[];
}

/** Advisories examined per preview, newest first (each is read whole). */
export const ADVISORY_PREVIEW_CANDIDATES = 300;
/** Candidates asked of the store per entry. */
const PER_QUERY = 100;

/** The store query that finds advisories `entry` could match, or null (regex: no index). */
export function advisoryQuery(entry: WatchEntry): AdvisoryQuery | null {
  switch (entry.kind) {
    case 'cve':
      return { cve: entry.value.toUpperCase() };
    case 'vendor':
    case 'product':
      return { vendor: entry.value };
    case 'cpe': {
      const cpe = parseCpe23(entry.value);
      const name = cpe.product !== '*' && cpe.product !== '-' ? cpe.product : cpe.vendor;
      return name === '*' || name === '-' ? null : { vendor: name };
    }
    case 'purl': {
      const p = PackageURL.fromString(entry.value);
      const ns = p.namespace ?? '';
      return { vendor: !ns ? p.name : p.type === 'maven' ? `${ns}:${p.name}` : `${ns}/${p.name}` };
    }
    case 'keyword':
      return { text: entry.value };
    case 'regex':
    case 'ioc': // indicators are sighted in intel documents, not advisories
      return null;
  }
}

/**
 * Matches `entries` (validated: see validateEntry) against the stored advisories that could
 * match them, at most {@link ADVISORY_PREVIEW_CANDIDATES}, newest first.
 * @returns the matches, newest advisory first, and how many advisories were examined.
 */
export async function previewAdvisories(store: Store, entries: WatchEntry[]): Promise<{ candidates: number; matches: AdvisoryPreviewMatch[] }> {
  const queries = new Map<string, AdvisoryQuery>();
  for (const e of entries) {
    const q = advisoryQuery(e);
    if (q) queries.set(JSON.stringify(q), q);
  }
  const found = new Map<string, string>();
  for (const q of queries.values())
    for (const s of await store.listAdvisories({ ...q, limit: PER_QUERY })) if (s.kind !== 'exploit') found.set(s.id, s.published ?? s.modified);
  const ids = [...found].sort((a, b) => (a[1] < b[1] ? 1 : a[1] > b[1] ? -1 : a[0].localeCompare(b[0]))).slice(0, ADVISORY_PREVIEW_CANDIDATES);
  const index = new AdvisoryIndex(entries);
  const matches: AdvisoryPreviewMatch[] = [];
  for (const [id] of ids) {
    const adv = (await store.getAdvisory(id))?.advisory;
    if (!adv) continue;
    for (const m of index.match(adv))
      matches.push({
        advisoryId: adv.id,
        source: adv.source,
        kind: adv.kind,
        title: adv.title,
        published: adv.published ?? null,
        modified: adv.modified,
        entry: m.entry.id,
        entryIndex: entries.indexOf(m.entry),
        reasons: m.reasons,
      });
  }
  return { candidates: ids.length, matches };
}
