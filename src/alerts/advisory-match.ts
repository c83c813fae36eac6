/**
 * Which watch entries an advisory matches, and why: the advisory's own data, without the CVE
 * records it names (the engine adds those, advisory-engine.ts). Per entry kind:
 * - `vendor`: an affected entry's `vendor`, or the vendor of one of its CPEs;
 * - `product` (+ vendor, + version): an affected entry's `product` (or, where the source gives a
 *   placeholder like CERT-FR's `N/A`, the product name in its `description`), the last part of a
 *   package name (`org.springframework:spring-webmvc` → `spring-webmvc`), or a CPE's product;
 * - `cpe`: an affected entry's vendor/product, or one of its CPEs;
 * - `purl`: an affected package of the same ecosystem (purl type → OSV ecosystem) and name (in
 *   the ecosystem's spelling, entry.ts `samePackage`); its `@version` is evaluated against the
 *   OSV `versions` and `ranges` in the ecosystem's own order (osv-ranges.ts);
 * - `keyword` / `regex`: the advisory's title, summary and the first {@link TEXT_LIMIT}
 *   characters of its details (regexes within the budget entry.ts enforces: RE2, linear time);
 * - `cve`: a CVE the advisory names.
 * Affected entries with status `fixed` or `not_affected` (CSAF, VEX) match nothing. A version
 * an advisory states only in words (CERT-FR "versions antérieures à 11.2.4-h4") cannot be
 * evaluated: the entry matches on the product and the reason says the version was not evaluated.
 */
import { PackageURL } from 'packageurl-js';
import { RE2JS, RE2Set } from 're2js';
import { parseCpe23 } from '../enrich/cpe.ts';
import { productKey } from '../enrich/product-key.ts';
import type { Advisory, AdvisoryAffected } from '../model/advisory.ts';
import type { MatchReason, WatchEntry } from '../model/alert.ts';
import { ecosystemOfPurlType } from './ecosystem-versions.ts';
import { type CompiledEntry, compileEntry, findKeyword, type KeywordPattern, keywordPattern, samePackage } from './entry.ts';
import { affectedBy, hasEvaluableVersions, osvIntervals } from './osv-ranges.ts';
import { describe, intersects, type VersionRange } from './versions.ts';

/** One entry an advisory matched, with its reasons (at most {@link MAX_REASONS}). */
export interface AdvisoryEntryMatch {
  entry: WatchEntry;
  reasons: MatchReason[];
}

/** Reasons kept per entry: an advisory listing 300 products matches a vendor entry 300 times. */
const MAX_REASONS = 8;
/** Characters of `details` searched by text entries: OSV details run to tens of kilobytes of Markdown. */
const TEXT_LIMIT = 5000;
/** Names sources give where they have none (CERT-FR `N/A`). */
const PLACEHOLDERS = new Set(['n/a', 'na', 'unknown', '-', '*', 'unspecified', 'none', '']);

type Of<K extends CompiledEntry['kind']> = Extract<CompiledEntry, { kind: K }>;
type ProductLike = Of<'product'> & { words: KeywordPattern };

function key(name: string | undefined): string | null {
  if (name === undefined || PLACEHOLDERS.has(name.trim().toLowerCase())) return null;
  return productKey(name) || null;
}

/** The match with up to 40 characters either side, on one line, `…` where cut. */
function around(text: string, start: number, end: number): string {
  const from = Math.max(0, start - 40);
  const to = Math.min(text.length, end + 40);
  return `${from > 0 ? '…' : ''}${text.slice(from, to).replace(/\s+/g, ' ').trim()}${to < text.length ? '…' : ''}`;
}

function push<V>(map: Map<string, V[]>, k: string, v: V): void {
  const list = map.get(k);
  if (list) list.push(v);
  else map.set(k, [v]);
}

/** Vendor and product keys of an affected entry's CPEs (unparsable CPEs are skipped). */
function cpeKeys(a: AdvisoryAffected): { cpe: string; vendorKey: string | null; productKey: string | null; part: string }[] {
  const out = [];
  for (const cpe of a.cpes ?? []) {
    try {
      const c = parseCpe23(cpe);
      out.push({ cpe, vendorKey: key(c.vendor), productKey: key(c.product), part: c.part });
    } catch {
      // a malformed CPE in a vendor document names nothing we can compare
    }
  }
  return out;
}

/**
 * A watch entry's version against an affected entry: `''` without a version condition, how it
 * matched, a note that it could not be evaluated, or `null` when the version is not affected.
 */
function versionHow(range: VersionRange | null, a: AdvisoryAffected): string | null {
  if (!range) return '';
  if (!hasEvaluableVersions(a)) {
    const words = a.description ? `: "${a.description.length > 120 ? `${a.description.slice(0, 119)}…` : a.description}"` : '';
    return `${describe(range)} not evaluated: the advisory states no versions Vigil can compare${words}`;
  }
  if (range.exact !== undefined) return affectedBy(range.exact, a);
  for (const r of osvIntervals(a)) if (intersects(range, r)) return `${describe(range)} overlaps ${describe(r)}`;
  return null;
}

/** The package an affected entry names as purl parts (from its `purl`, else ecosystem + name). */
function packageOf(a: AdvisoryAffected): { ecosystem: string | null; name: string | null; purl: PackageURL | null } {
  let purl: PackageURL | null = null;
  if (a.purl) {
    try {
      purl = PackageURL.fromString(a.purl);
    } catch {
      purl = null;
    }
  }
  const ecosystem = a.ecosystem ? (a.ecosystem.split(':')[0] as string) : purl ? ecosystemOfPurlType(purl.type) : null;
  return { ecosystem, name: a.packageName ?? null, purl };
}

/**
 * Watch entries indexed for matching advisories. Entries that fail to compile are skipped (the
 * CVE matcher, match.ts, reports them).
 * @example
 * const index = new AdvisoryIndex(entries);
 * for (const { entry, reasons } of index.match(advisory)) console.log(entry.id, reasons[0]?.field);
 */
export class AdvisoryIndex {
  readonly #vendors = new Map<string, Of<'vendor'>[]>();
  readonly #products = new Map<string, ProductLike[]>();
  /** Product entries, for the product name in a placeholder's description. */
  readonly #productList: ProductLike[] = [];
  readonly #cpes: Of<'cpe'>[] = [];
  readonly #purls = new Map<string, Of<'purl'>[]>();
  readonly #cves = new Map<string, Of<'cve'>[]>();
  readonly #keywords: Of<'keyword'>[] = [];
  /** Regex entries grouped by pattern; the groups run as one RE2 set (one pass per text), as in match.ts. */
  readonly #regexes: Of<'regex'>[][] = [];
  #regexSet: RE2Set | null = null;

  constructor(entries: Iterable<WatchEntry>) {
    const regexGroups = new Map<string, Of<'regex'>[]>();
    for (const entry of entries) {
      let c: CompiledEntry;
      try {
        c = compileEntry(entry);
      } catch {
        continue;
      }
      if (c.kind === 'vendor') push(this.#vendors, c.vendorKey, c);
      else if (c.kind === 'product') {
        const p = { ...c, words: keywordPattern(c.entry.value) };
        push(this.#products, c.productKey, p);
        this.#productList.push(p);
      } else if (c.kind === 'cpe') this.#cpes.push(c);
      else if (c.kind === 'purl') push(this.#purls, c.nameKey, c);
      else if (c.kind === 'cve') push(this.#cves, c.cveId, c);
      else if (c.kind === 'keyword') this.#keywords.push(c);
      else if (c.kind === 'regex') push(regexGroups, c.entry.value, c);
      // `ioc` entries match intel sightings only (ioc-match.ts).
    }
    this.#regexes.push(...regexGroups.values());
    if (this.#regexes.length > 0) {
      try {
        const set = new RE2Set(RE2Set.UNANCHORED, RE2JS.CASE_INSENSITIVE);
        for (const g of this.#regexes) set.add((g[0] as Of<'regex'>).entry.value);
        set.compile();
        this.#regexSet = set;
      } catch {
        this.#regexSet = null; // each pattern compiled alone: run them one by one
      }
    }
  }

  /** `cve` entries naming this CVE id. */
  cveEntries(cveId: string): WatchEntry[] {
    return (this.#cves.get(cveId.toUpperCase()) ?? []).map((c) => c.entry);
  }

  /** The entries `adv` matches, each with its reasons, in the order first matched. A withdrawn advisory matches nothing. */
  match(adv: Advisory): AdvisoryEntryMatch[] {
    const found = new Map<WatchEntry, MatchReason[]>();
    const add = (c: CompiledEntry, via: MatchReason['via'], field: string, matched: string, version?: string) => {
      const reasons = found.get(c.entry) ?? [];
      if (!found.has(c.entry)) found.set(c.entry, reasons);
      if (reasons.length >= MAX_REASONS) return;
      const reason: MatchReason = { entryId: c.entry.id, kind: c.kind, entry: c.label, via, field, matched };
      if (version) reason.version = version;
      reasons.push(reason);
    };
    if (adv.withdrawn) return [];
    adv.cves.forEach((cve, i) => {
      for (const c of this.#cves.get(cve.id.toUpperCase()) ?? []) add(c, 'cve-id', `cves[${i}]`, cve.id);
    });
    adv.affected.forEach((a, i) => {
      if (a.status === 'fixed' || a.status === 'not_affected') return;
      this.#matchAffected(a, `affected[${i}]`, add);
    });
    for (const [field, text] of [
      ['title', adv.title],
      ['summary', adv.summary],
      ['details', adv.details?.slice(0, TEXT_LIMIT)],
    ] as const) {
      if (!text) continue;
      for (const c of this.#keywords) {
        const m = findKeyword(c, text);
        if (m) add(c, 'text', field, around(text, m.start, m.end));
      }
      if (this.#regexes.length === 0) continue;
      for (const i of this.#regexSet ? this.#regexSet.match(text) : this.#regexes.keys()) {
        const group = this.#regexes[i];
        const m = group?.[0]?.re.matcher(text);
        if (!group || !m?.find()) continue;
        for (const c of group) add(c, 'text', field, around(text, m.start(), m.end()));
      }
    }
    return [...found].map(([entry, reasons]) => ({ entry, reasons }));
  }

  #matchAffected(
    a: AdvisoryAffected,
    at: string,
    add: (c: CompiledEntry, via: MatchReason['via'], field: string, matched: string, version?: string) => void,
  ): void {
    const vendorKey = key(a.vendor);
    const cpes = cpeKeys(a);
    if (vendorKey && a.vendor) for (const c of this.#vendors.get(vendorKey) ?? []) add(c, 'advisory', `${at}.vendor`, a.vendor);
    for (const [j, k] of cpes.entries()) if (k.vendorKey) for (const c of this.#vendors.get(k.vendorKey) ?? []) add(c, 'advisory', `${at}.cpes[${j}]`, k.cpe);

    const pkg = packageOf(a);
    const lastPart = pkg.name ? (pkg.name.split(/[/:]/).at(-1) as string) : null;
    const productSites: { productKey: string | null; vendorKey: string | null; field: string; matched: string }[] = [
      { productKey: key(a.product), vendorKey, field: `${at}.product`, matched: a.product ?? '' },
      ...(lastPart && pkg.name ? [{ productKey: key(lastPart), vendorKey: null, field: `${at}.packageName`, matched: pkg.name }] : []),
      ...cpes.map((k, j) => ({ productKey: k.productKey, vendorKey: k.vendorKey, field: `${at}.cpes[${j}]`, matched: k.cpe })),
    ];
    const matched = new Set<CompiledEntry>();
    for (const s of productSites) {
      if (!s.productKey) continue;
      for (const c of this.#products.get(s.productKey) ?? []) {
        if (c.vendorKey && c.vendorKey !== s.vendorKey) continue;
        const how = versionHow(c.range, a);
        if (how === null) continue;
        matched.add(c);
        add(c, 'advisory', s.field, s.matched, how);
      }
      for (const c of this.#cpes) {
        if ((c.vendorKey && c.vendorKey !== s.vendorKey) || (c.productKey && c.productKey !== s.productKey)) continue;
        const how = versionHow(c.range, a);
        if (how !== null) add(c, 'advisory', s.field, s.matched, how);
      }
    }
    // A placeholder product (CERT-FR `N/A`): the product's name in the description, on word boundaries.
    if (!key(a.product) && a.description)
      for (const c of this.#productList) {
        if (matched.has(c) || (c.vendorKey && c.vendorKey !== vendorKey) || !findKeyword(c.words, a.description)) continue;
        const how = versionHow(c.range, a);
        if (how !== null) add(c, 'advisory', `${at}.description`, a.description, how);
      }
    this.#matchPackage(a, pkg, at, add);
  }

  #matchPackage(
    a: AdvisoryAffected,
    pkg: ReturnType<typeof packageOf>,
    at: string,
    add: (c: CompiledEntry, via: MatchReason['via'], field: string, matched: string, version?: string) => void,
  ): void {
    if (this.#purls.size === 0 || (!pkg.name && !pkg.purl)) return;
    const names = [pkg.name, pkg.purl?.name].filter((n): n is string => !!n);
    const keys = new Set(names.flatMap((n) => n.split(/[/:]/).map((p) => productKey(p))));
    for (const k of keys)
      for (const c of this.#purls.get(k) ?? []) {
        const ecosystem = ecosystemOfPurlType(c.purl.type);
        if (pkg.ecosystem && ecosystem && pkg.ecosystem.toLowerCase() !== ecosystem.toLowerCase()) continue;
        const same = pkg.name
          ? samePackage(c.purl, pkg.name, undefined)
          : pkg.purl !== null && pkg.purl.type === c.purl.type && (pkg.purl.namespace ?? null) === c.purl.namespace && pkg.purl.name === c.purl.name;
        if (!same) continue;
        const how = versionHow(c.range, a);
        if (how !== null) add(c, 'advisory', pkg.name ? `${at}.packageName` : `${at}.purl`, pkg.name ?? a.purl ?? '', how);
      }
  }
}
