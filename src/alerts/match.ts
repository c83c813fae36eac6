/**
 * The matcher: which watchlist entries a merged CVE record matches, and why. Entries are indexed
 * once (maps from vendor key, product key, CVE id, keyword first word and package name); a record
 * is read once (its CPEs, `affected` products and text), and only the entries its keys point to
 * are checked. Regex entries run together as one RE2 set (one linear pass per text field).
 * Vendor/product names compare on their key (enrich/product-key.ts); versions as ranges
 * (versions.ts). Kind semantics: {@link WatchEntry} in model/alert.ts.
 */
import { RE2JS, RE2Set } from 're2js';
import { productKey } from '../enrich/product-key.ts';
import type { VigilError } from '../errors.ts';
import type { MatchReason, MatchVia, WatchEntry } from '../model/alert.ts';
import type { Vulnerability } from '../model/record.ts';
import { type CompiledEntry, compileEntry, findKeyword, samePackage } from './entry.ts';
import { rangesFromAffected } from './ranges.ts';
import { claimsNothing, isAdp, type Site, sitesOf } from './sites.ts';
import { describe, intersects, type VersionRange } from './versions.ts';

/** One entry that matched a record, with every reason it matched. */
export interface EntryMatch {
  entry: WatchEntry;
  reasons: MatchReason[];
}

type Of<K extends CompiledEntry['kind']> = Extract<CompiledEntry, { kind: K }>;
/** Entries with the same keyword (ignoring case) or the same regex: the text is searched once for all. */
interface TextGroup<K extends 'keyword' | 'regex'> {
  first: Of<K>;
  entries: Of<K>[];
}
type Add = (c: CompiledEntry, via: MatchVia, field: string, matched: string, version?: string, provisional?: string) => void;

/** The entry's version against the CVE's ranges: `null` no match, `''` no version condition, else how it matched. */
function evaluate(range: VersionRange | null, cve: () => readonly VersionRange[]): string | null {
  if (!range) return '';
  for (const r of cve()) if (intersects(range, r)) return `${describe(range)} ${range.exact !== undefined ? 'in' : 'overlaps'} ${describe(r)}`;
  return null;
}

/** Adds a match at a product site; a version matched only by a wildcard CPE says so and is provisional. */
function addAt(add: Add, c: CompiledEntry, s: Site, field: string, matched: string, how: string): void {
  if (how && s.wildcard) add(c, s.via, field, matched, `${how} (wildcard CPE: no affected versions stated)`, WILDCARD_ONLY);
  else add(c, s.via, field, matched, how);
}

/** The match with about 40 characters either side (cut at a space), `…` where cut, on one line. */
export function snippet(text: string, start: number, end: number): string {
  let from = Math.max(0, start - 40);
  let to = Math.min(text.length, end + 40);
  const space = text.indexOf(' ', from);
  if (from > 0 && space !== -1 && space < start) from = space + 1;
  const last = text.lastIndexOf(' ', to);
  if (to < text.length && last > end) to = last;
  return `${from > 0 ? '…' : ''}${text.slice(from, to).replace(/\s+/g, ' ')}${to < text.length ? '…' : ''}`;
}

function push<K, V>(map: Map<K, V[]>, key: K, value: V): void {
  const list = map.get(key);
  if (list) list.push(value);
  else map.set(key, [value]);
}

function group<K extends 'keyword' | 'regex'>(groups: Map<string, TextGroup<K>>, key: string, c: Of<K>): void {
  const g = groups.get(key);
  if (g) g.entries.push(c);
  else groups.set(key, { first: c, entries: [c] });
}

/**
 * Watch entries indexed for matching. Entries that fail to compile are left out and listed in
 * {@link MatchIndex.invalid} (one bad entry never stops the others).
 * @example
 * const index = new MatchIndex(entries);
 * for (const { entry, reasons } of index.match(vulnerability)) console.log(entry.id, reasons[0]?.field);
 */
export class MatchIndex {
  /** Entries left out, with why. */
  readonly invalid: { entry: WatchEntry; error: VigilError }[] = [];
  readonly #vendors = new Map<string, Of<'vendor'>[]>();
  readonly #products = new Map<string, Of<'product'>[]>();
  readonly #cpesByProduct = new Map<string, Of<'cpe'>[]>();
  /** CPE entries with product `*`, by vendor. */
  readonly #cpesByVendor = new Map<string, Of<'cpe'>[]>();
  readonly #purls = new Map<string, Of<'purl'>[]>();
  readonly #cves = new Map<string, Of<'cve'>[]>();
  /** Keyword groups by the keyword's first word. */
  readonly #keywords = new Map<string, TextGroup<'keyword'>[]>();
  /** Keywords without a letter or digit (`++`): checked on every record. */
  readonly #keywordsEverywhere: TextGroup<'keyword'>[] = [];
  readonly #regexes: TextGroup<'regex'>[] = [];
  #regexSet: RE2Set | null = null;
  #size = 0;

  constructor(entries: Iterable<WatchEntry>) {
    const keywordGroups = new Map<string, TextGroup<'keyword'>>();
    const regexGroups = new Map<string, TextGroup<'regex'>>();
    for (const entry of entries) {
      let c: CompiledEntry;
      try {
        c = compileEntry(entry);
      } catch (err) {
        this.invalid.push({ entry, error: err as VigilError });
        continue;
      }
      this.#size++;
      if (c.kind === 'vendor') push(this.#vendors, c.vendorKey, c);
      else if (c.kind === 'product') push(this.#products, c.productKey, c);
      else if (c.kind === 'cpe') {
        if (c.productKey) push(this.#cpesByProduct, c.productKey, c);
        else if (c.vendorKey) push(this.#cpesByVendor, c.vendorKey, c);
      } else if (c.kind === 'purl') push(this.#purls, c.nameKey, c);
      else if (c.kind === 'cve') push(this.#cves, c.cveId, c);
      else if (c.kind === 'keyword') group(keywordGroups, c.entry.value.toLowerCase().split(/\s+/).join(' '), c);
      else if (c.kind === 'regex') group(regexGroups, c.entry.value, c);
      // `ioc` entries match intel sightings only (ioc-match.ts).
    }
    for (const g of keywordGroups.values()) {
      if (g.first.firstToken) push(this.#keywords, g.first.firstToken, g);
      else this.#keywordsEverywhere.push(g);
    }
    this.#regexes.push(...regexGroups.values());
    if (this.#regexes.length > 0) {
      try {
        const set = new RE2Set(RE2Set.UNANCHORED, RE2JS.CASE_INSENSITIVE);
        for (const g of this.#regexes) set.add(g.first.entry.value);
        set.compile();
        this.#regexSet = set;
      } catch {
        this.#regexSet = null; // each pattern compiled alone; run them one by one
      }
    }
  }

  /** Number of entries indexed (valid ones). */
  get size(): number {
    return this.#size;
  }

  /**
   * The entries `v` matches, each with all its reasons, in the order first matched. A REJECTED
   * record matches `cve` entries only.
   */
  match(v: Vulnerability): EntryMatch[] {
    const found = new Map<CompiledEntry, MatchReason[]>();
    const add: Add = (c, via, field, matched, version, provisional) => {
      const reason: MatchReason = { entryId: c.entry.id, kind: c.kind, entry: c.label, via, field, matched };
      if (version) reason.version = version;
      if (provisional) reason.provisional = provisional;
      const list = found.get(c);
      if (list) list.push(reason);
      else found.set(c, [reason]);
    };
    for (const c of this.#cves.get(v.id.toUpperCase()) ?? []) add(c, 'cve-id', 'id', v.id);
    if (v.state !== 'REJECTED') {
      if (this.#vendors.size + this.#products.size + this.#cpesByProduct.size + this.#cpesByVendor.size + this.#purls.size > 0)
        this.#matchProducts(v, found, add);
      this.#matchText(v, add);
    }
    return [...found].map(([c, reasons]) => ({ entry: c.entry, reasons }));
  }

  #matchProducts(v: Vulnerability, found: Map<CompiledEntry, MatchReason[]>, add: Add): void {
    const sites = sitesOf(v);
    for (const s of sites) {
      if (s.vendorKey && s.vendor) for (const c of this.#vendors.get(s.vendorKey) ?? []) add(c, s.via, s.vendor.field, s.vendor.matched);
      if (s.productKey)
        for (const c of this.#products.get(s.productKey) ?? []) {
          if (c.vendorKey && c.vendorKey !== s.vendorKey) continue;
          const how = evaluate(c.range, s.ranges);
          if (how !== null) addAt(add, c, s, s.field, s.matched, how);
        }
      const cpes = [
        ...(s.productKey ? (this.#cpesByProduct.get(s.productKey) ?? []) : []),
        ...(s.vendorKey ? (this.#cpesByVendor.get(s.vendorKey) ?? []) : []),
      ];
      for (const c of cpes) {
        if ((c.vendorKey && c.vendorKey !== s.vendorKey) || (c.productKey && c.productKey !== s.productKey)) continue;
        if (s.part && c.cpe.part !== '*' && s.part !== '*' && c.cpe.part !== s.part) continue;
        const how = evaluate(c.range, s.ranges);
        if (how !== null) addAt(add, c, s, s.field, s.matched, how);
      }
    }
    if (this.#purls.size === 0) return;
    v.affected.forEach((a, i) => {
      if (!a.packageName || claimsNothing(a)) return;
      const keys = new Set(a.packageName.split(/[/:]/).map((p) => productKey(p)));
      for (const key of keys)
        for (const c of this.#purls.get(key) ?? []) {
          if (!samePackage(c.purl, a.packageName, a.collectionURL)) continue;
          const how = evaluate(c.range, () => rangesFromAffected(a).ranges);
          if (how !== null) add(c, isAdp(a.provider) ? 'adp-affected' : 'cna-affected', `affected[${i}].packageName`, a.packageName, how);
        }
    });
    // No package name matched: the weaker match of the purl's name with a product name.
    const byPackage = new Set([...found.keys()].filter((c) => c.kind === 'purl'));
    for (const s of sites) {
      if (!s.product || !s.productKey) continue;
      for (const c of this.#purls.get(s.productKey) ?? []) {
        if (byPackage.has(c)) continue;
        const how = evaluate(c.range, s.ranges);
        if (how !== null) addAt(add, c, s, s.product.field, s.product.matched, how);
      }
    }
  }

  #matchText(v: Vulnerability, add: Add): void {
    const keywords = this.#keywords.size > 0 || this.#keywordsEverywhere.length > 0;
    for (const [field, text] of [
      ['title', v.title],
      ['description', v.description],
    ] as const) {
      if (!text) continue;
      if (keywords) {
        // A keyword is looked for only where its first word occurs.
        const groups = new Set(this.#keywordsEverywhere);
        for (const w of text.toLowerCase().match(/[\p{L}\p{N}]+/gu) ?? []) for (const g of this.#keywords.get(w) ?? []) groups.add(g);
        for (const g of groups) {
          const m = findKeyword(g.first, text);
          if (!m) continue;
          const matched = snippet(text, m.start, m.end);
          for (const c of g.entries) add(c, 'text', field, matched);
        }
      }
      if (this.#regexes.length === 0) continue;
      for (const i of this.#regexSet ? this.#regexSet.match(text) : this.#regexes.keys()) {
        const g = this.#regexes[i];
        const m = g?.first.re.matcher(text);
        if (!g || !m?.find()) continue;
        const matched = snippet(text, m.start(), m.end());
        for (const c of g.entries) add(c, 'text', field, matched);
      }
    }
  }
}

/** {@link MatchReason.provisional} of a version matched only by a wildcard CPE. */
export const WILDCARD_ONLY = 'matched only a wildcard CPE (any version): no source states which versions are affected';
/** Why a match before NVD analysis is provisional. */
const BEFORE_NVD = "matched on the CNA's data before NVD analysis";

/**
 * Whether a match is provisional: every reason is itself provisional (a version matched only a
 * wildcard CPE, see {@link WILDCARD_ONLY}); or nothing matched on NVD's CPE data because NVD has
 * none for the record yet (`cpes` empty), and no reason is a `cve` entry (an id match never
 * waits for NVD). Such alerts are confirmed (or not) once NVD analyses the CVE.
 */
export function isProvisional(reasons: readonly MatchReason[], v: Vulnerability): boolean {
  return provisionalReason(reasons, v) !== null;
}

/**
 * Why a match is provisional (see {@link isProvisional}), for people, or `null` when it is not.
 * @example provisionalReason(match.reasons, v) // "matched on the CNA's data before NVD analysis"
 */
export function provisionalReason(reasons: readonly MatchReason[], v: Vulnerability): string | null {
  if (reasons.length === 0) return null;
  const own = reasons[0]?.provisional;
  if (own && reasons.every((r) => r.provisional !== undefined)) return own;
  if (v.cpes.length === 0 && reasons.every((r) => r.via !== 'nvd-cpe' && r.kind !== 'cve')) return BEFORE_NVD;
  return null;
}
