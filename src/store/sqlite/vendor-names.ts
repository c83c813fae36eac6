/**
 * One display name per vendor key (enrich/product-key.ts), for every list that shows vendors (the
 * ranked list, search, the overview's top vendors, `vigil top`). Records spell a vendor as their
 * source does: the CNA writes `Microsoft`, an NVD CPE `microsoft`, KEV `Microsoft`, so one list
 * showed "microsoft" beside "Oracle".
 *
 * The rule: among the spellings the stored records of that vendor state (each record's `vendors`
 * column, sampled up to {@link SAMPLE} records), the most common one that is not all lower case
 * (an all-lower-case spelling is usually a CPE's key, not a name); when every spelling is lower
 * case, the most common one; ties go to the alphabetically first. Names are cached per store (a
 * new spelling shows after a restart, or once the cache is full and cleared).
 */
import { productKey } from '../../enrich/product-key.ts';
import type { SqliteStore } from './index.ts';

/** Records sampled per vendor key. */
export const SAMPLE = 200;
/** Keys cached before the cache is cleared. */
const CACHE_MAX = 20_000;

/**
 * Picks the display name among `spellings` (one entry per record stating it) by the rule above.
 * @example displayName(['microsoft', 'Microsoft', 'Microsoft']) // 'Microsoft'
 */
export function displayName(spellings: string[]): string | null {
  const counts = new Map<string, number>();
  for (const s of spellings) counts.set(s, (counts.get(s) ?? 0) + 1);
  const ranked = [...counts].sort((a, b) => b[1] - a[1] || (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0)).map(([s]) => s);
  return ranked.find((s) => s !== s.toLowerCase()) ?? ranked[0] ?? null;
}

/**
 * The spellings of vendor `key` in one record's `vendors` column (display names joined with
 * ", "; a name may itself hold ", ", as "MediaTek, Inc." does, so runs of parts are tried too).
 */
function spellingsIn(list: string, key: string): string[] {
  const parts = list.split(', ');
  const out: string[] = [];
  for (let i = 0; i < parts.length; i++) {
    for (let j = i + 1; j <= Math.min(parts.length, i + 3); j++) {
      const name = parts.slice(i, j).join(', ');
      if (productKey(name) === key) out.push(name);
    }
  }
  return out;
}

/** The display names of one store's vendors. */
export class VendorNames {
  readonly #store: SqliteStore;
  readonly #cache = new Map<string, string>();

  constructor(store: SqliteStore) {
    this.#store = store;
  }

  /** The display name of the vendor `key`, or `null` when no stored record names it. */
  ofKey(key: string): string | null {
    const cached = this.#cache.get(key);
    if (cached !== undefined) return cached;
    const lists = this.#store
      .stmt(
        `SELECT vendors FROM vulns WHERE vendors IS NOT NULL AND cve_id IN (
           SELECT DISTINCT cve_id FROM vuln_products WHERE vendor_key = ? LIMIT ${SAMPLE})`,
      )
      .pluck()
      .all(key) as string[];
    const name = displayName(lists.flatMap((l) => spellingsIn(l, key)));
    if (name === null) return null;
    if (this.#cache.size >= CACHE_MAX) this.#cache.clear();
    this.#cache.set(key, name);
    return name;
  }

  /** `names` (one record's vendors) in their display spelling, one per key, in order. */
  display(names: string[]): string[] {
    const byKey = new Map<string, string>();
    for (const n of names) {
      const key = productKey(n);
      if (!byKey.has(key)) byKey.set(key, (key && this.ofKey(key)) || n);
    }
    return [...byKey.values()];
  }
}
