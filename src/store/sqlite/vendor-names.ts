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
 *
 * Back-end neutral: the rule needs only "the `vendors` lists of up to {@link SAMPLE} records with
 * this vendor key" ({@link VENDOR_LISTS_SQL}, the same sample on both back ends: the first CVE ids
 * in code-point order). {@link VendorNames} reads them synchronously (SQLite), {@link AsyncVendorNames}
 * through a batched lookup (PostgreSQL: one query for every key of a page).
 */
import { productKey } from '../../enrich/product-key.ts';

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

/**
 * The `vendors` lists of up to {@link SAMPLE} records with vendor key `?` (SQLite placeholder). The
 * sample is the first CVE ids in code-point order, so both back ends pick the same records.
 */
export const VENDOR_LISTS_SQL = `SELECT vendors FROM vulns WHERE vendors IS NOT NULL AND cve_id IN (
  SELECT DISTINCT cve_id FROM vuln_products WHERE vendor_key = ? ORDER BY cve_id LIMIT ${SAMPLE})`;

/** A store that prepares SQLite statements (the SQLite store). */
interface StatementSource {
  stmt(sql: string): { pluck(): { all(...params: unknown[]): unknown[] } };
}

/** The `vendors` lists of the sampled records with one vendor key (see {@link VENDOR_LISTS_SQL}). */
export type VendorLists = (key: string) => string[];

/** Keys cached with their names; shared by both forms. */
class NameCache {
  readonly #names = new Map<string, string>();

  get(key: string): string | undefined {
    return this.#names.get(key);
  }

  /** Stores the name made of `lists` and returns it (null when no list states the key). */
  put(key: string, lists: string[]): string | null {
    const name = displayName(lists.flatMap((l) => spellingsIn(l, key)));
    if (name === null) return null;
    if (this.#names.size >= CACHE_MAX) this.#names.clear();
    this.#names.set(key, name);
    return name;
  }
}

/** The keys of `names` in order, one each, with the name to fall back on. */
function keysOf(names: string[]): Map<string, string> {
  const byKey = new Map<string, string>();
  for (const n of names) {
    const key = productKey(n);
    if (!byKey.has(key)) byKey.set(key, n);
  }
  return byKey;
}

/** The display names of one store's vendors, read synchronously (SQLite). */
export class VendorNames {
  readonly #lists: VendorLists;
  readonly #cache = new NameCache();

  /** @param source the SQLite store (its statements), or any synchronous {@link VendorLists}. */
  constructor(source: StatementSource | VendorLists) {
    this.#lists = typeof source === 'function' ? source : (key) => source.stmt(VENDOR_LISTS_SQL).pluck().all(key) as string[];
  }

  /** The display name of the vendor `key`, or `null` when no stored record names it. */
  ofKey(key: string): string | null {
    return this.#cache.get(key) ?? this.#cache.put(key, this.#lists(key));
  }

  /** `names` (one record's vendors) in their display spelling, one per key, in order. */
  display(names: string[]): string[] {
    return [...keysOf(names)].map(([key, n]) => (key && this.ofKey(key)) || n);
  }
}

/** The `vendors` lists of the sampled records of each key (keys without any may be absent). */
export type BatchVendorLists = (keys: string[]) => Promise<Map<string, string[]>>;

/** The display names of one store's vendors, read through a batched asynchronous lookup (PostgreSQL). */
export class AsyncVendorNames {
  readonly #lists: BatchVendorLists;
  readonly #cache = new NameCache();

  constructor(lists: BatchVendorLists) {
    this.#lists = lists;
  }

  /** The display names of `keys` (absent: no stored record names it), with one lookup for the uncached ones. */
  async ofKeys(keys: Iterable<string>): Promise<Map<string, string>> {
    const out = new Map<string, string>();
    const missing: string[] = [];
    for (const key of new Set(keys)) {
      if (!key) continue;
      const cached = this.#cache.get(key);
      if (cached !== undefined) out.set(key, cached);
      else missing.push(key);
    }
    if (missing.length) {
      const lists = await this.#lists(missing);
      for (const key of missing) {
        const name = this.#cache.put(key, lists.get(key) ?? []);
        if (name !== null) out.set(key, name);
      }
    }
    return out;
  }

  /** The display name of the vendor `key`, or `null` when no stored record names it. */
  async ofKey(key: string): Promise<string | null> {
    return (await this.ofKeys([key])).get(key) ?? null;
  }

  /** Each list of `lists` (records' vendors) in display spelling, as {@link VendorNames.display} does, with one lookup. */
  async displayAll(lists: string[][]): Promise<string[][]> {
    const keyed = lists.map(keysOf);
    const names = await this.ofKeys(keyed.flatMap((k) => [...k.keys()]));
    return keyed.map((k) => [...k].map(([key, n]) => (key && names.get(key)) || n));
  }
}
