/**
 * The back-end-neutral half of storing advisories: {@link toAdvisoryRows} flattens advisories into
 * plain rows (canonical JSON, its hash, CVE links, vendor keys), and the helpers both stores use to
 * decide what a row changes (history CVE lists, `since` dates). The SQL lives beside each back end
 * (sqlite/advisories.ts, postgres/advisories.ts); see those for the idempotence rules.
 */
import { createHash } from 'node:crypto';
import { productKey } from '../enrich/product-key.ts';
import type { Advisory, AdvisoryKind } from '../model/advisory.ts';

/** One advisory's rows, plain strings and numbers (they cross to the SQLite store's worker). */
export interface AdvisoryRow {
  id: string;
  source: string;
  kind: AdvisoryKind;
  title: string;
  url: string | null;
  severity: string | null;
  published: string | null;
  modified: string;
  withdrawn: string | null;
  /** `published ?? modified`: the list order. */
  sortDate: string;
  /** `{verified,type,platform}` JSON of an exploit, else null. */
  exploit: string | null;
  json: string;
  hash: string;
  /** [CVE id, origin], one per CVE (listed wins over text). */
  cves: [string, 'listed' | 'text'][];
  /** productKey() of the affected entries' vendors and products. */
  nameKeys: string[];
  summary: string;
}

/** Largest page of an advisory list (`listAdvisories`). */
export const MAX_ADVISORY_LIMIT = 500;

/** Hash of an advisory's canonical JSON (SHA-1, base64url): equal hashes mean nothing to write. */
export function advisoryHash(json: string): string {
  return createHash('sha1').update(json).digest('base64url');
}

/** Flattens advisories into rows. */
export function toAdvisoryRows(advisories: Advisory[]): AdvisoryRow[] {
  return advisories.map((a) => {
    const json = JSON.stringify(a);
    const cves = new Map<string, 'listed' | 'text'>();
    for (const c of a.cves) if (cves.get(c.id) !== 'listed') cves.set(c.id, c.origin);
    const names = new Set<string>();
    for (const p of a.affected) {
      for (const name of [p.vendor, p.product, p.packageName]) {
        const key = name ? productKey(name) : '';
        if (key) names.add(key);
      }
    }
    return {
      id: a.id,
      source: a.source,
      kind: a.kind,
      title: a.title,
      url: a.url ?? null,
      severity: a.severity ?? null,
      published: a.published ?? null,
      modified: a.modified,
      withdrawn: a.withdrawn ?? null,
      sortDate: a.published ?? a.modified,
      exploit: a.exploit ? JSON.stringify({ verified: a.exploit.verified, type: a.exploit.type, platform: a.exploit.platform }) : null,
      json,
      hash: advisoryHash(json),
      cves: [...cves],
      nameKeys: [...names],
      summary: a.summary ?? '',
    };
  });
}

/**
 * The CVE list as history shows it: ids sorted, those only found in the text marked `(text)`, so a
 * CVE moving from the text to the listed CVEs is a `cves` change (it now counts as a public exploit's).
 * @returns the ids joined by `, `, or null when none.
 */
export function cveList(links: Iterable<readonly [string, string]>): string | null {
  const sorted = [...links].map(([id, origin]) => (origin === 'text' ? `${id} (text)` : id)).sort();
  return sorted.length ? sorted.join(', ') : null;
}

/**
 * Whether a row must not replace the stored version: an older `modified`, or equally new with a
 * smaller hash (the greater hash wins, so the result never depends on the import order).
 */
export function isStale(row: { modified: string; hash: string }, stored: { modified: string; hash: string }): boolean {
  return row.modified < stored.modified || (row.modified === stored.modified && row.hash < stored.hash);
}

/** Normalises `since` (`YYYY-MM-DD` or ISO 8601) to ISO 8601. @throws {RangeError} on an invalid date. */
export function sinceIso(since: string): string {
  const d = new Date(/^\d{4}-\d{2}-\d{2}$/.test(since) ? `${since}T00:00:00.000Z` : since);
  // A day the calendar lacks (2024-02-30) is refused, not rolled over to the next month.
  const day = /^(\d{4}-\d{2}-\d{2})/.exec(since)?.[1];
  if (Number.isNaN(d.getTime()) || (day !== undefined && !/[+-]\d\d:?\d\d$/.test(since) && d.toISOString().slice(0, 10) !== day)) {
    throw new RangeError(`invalid date "${since}": expected YYYY-MM-DD or ISO 8601`);
  }
  return d.toISOString();
}

/**
 * The vendor filter's two halves: the name's product key (matched as a prefix of the affected
 * entries' vendor and product keys) and its words (matched as a phrase of the title), or null when
 * the name has no key or no word (the filter then matches nothing).
 */
export function vendorFilter(vendor: string): { key: string; words: string[] } | null {
  const key = productKey(vendor);
  const words = vendor.match(/[\p{L}\p{N}_]+/gu) ?? [];
  return key && words.length ? { key, words } : null;
}
