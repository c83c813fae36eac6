/**
 * Which watch entries a threat-intel document matches on its own title and text, and why (the
 * engine adds matches through the CVE records it names: intel-engine.ts). Per entry kind:
 * - `keyword`: on word boundaries, case-insensitive, as over a CVE's title and description
 *   (entry.ts `findKeyword`; looked for only where its first word occurs, as match.ts does);
 * - `regex`: RE2, case-insensitive, the watchlist's patterns as one set (one linear pass per
 *   field), within the budget entry.ts enforces when the entry is saved;
 * - `vendor` / `product`: the name as whole words, compared on its key (enrich/product-key.ts):
 *   `Palo Alto Networks`, `palo-alto-networks` and `paloaltonetworks` all match the text
 *   "Palo Alto Networks", and `pan-os` matches "PAN-OS". A product entry with a vendor needs
 *   both names in the document; its version cannot be evaluated on prose, and its reason says so;
 * - `cve`: a CVE id the document names (`cves`, found in title and text).
 * `cpe` and `purl` entries match only through CVE records. Title and text are searched up to
 * {@link INTEL_TEXT_LIMIT} characters each.
 */
import { RE2JS, RE2Set } from 're2js';
import type { IntelDocument } from '../intel/types.ts';
import type { MatchReason, WatchEntry } from '../model/alert.ts';
import { type CompiledEntry, compileEntry, findKeyword } from './entry.ts';
import { snippet } from './match.ts';
import { describe } from './versions.ts';

/** Characters of a document's text searched (a long CISA advisory runs to 70,000; 100,000 take RE2 ~10 ms). */
export const INTEL_TEXT_LIMIT = 100_000;
/** Reasons kept per entry: a vendor named 40 times in an article says so a few times. */
const MAX_REASONS = 8;
/** Longest name, in words, looked for as a vendor or product (`Palo Alto Networks Cortex XDR`). */
const MAX_NAME_WORDS = 6;

type Of<K extends CompiledEntry['kind']> = Extract<CompiledEntry, { kind: K }>;

/** One entry a document matched, with its reasons. */
export interface IntelEntryMatch {
  entry: WatchEntry;
  reasons: MatchReason[];
}

/** A word of a text: its lower-case letters and digits, and where it is. */
interface Word {
  key: string;
  start: number;
  end: number;
}

/** Runs of letters and digits; a name may join words separated by one space or one of `-_./` (never a line or sentence break). */
function words(text: string): Word[] {
  const out: Word[] = [];
  for (const m of text.matchAll(/[\p{L}\p{N}]+/gu)) out.push({ key: m[0].toLowerCase(), start: m.index, end: m.index + m[0].length });
  return out;
}

function joins(text: string, a: Word, b: Word): boolean {
  const gap = text.slice(a.end, b.start);
  return gap === ' ' || (gap.length === 1 && '-_./'.includes(gap));
}

function push<V>(map: Map<string, V[]>, key: string, value: V): void {
  const list = map.get(key);
  if (list) list.push(value);
  else map.set(key, [value]);
}

/**
 * Watch entries indexed for matching intel documents. Entries that fail to compile are skipped
 * (the CVE matcher, match.ts, reports them).
 * @example
 * const index = new IntelIndex(entries);
 * for (const { entry, reasons } of index.match(document)) console.log(entry.id, reasons[0]?.matched);
 */
export class IntelIndex {
  readonly #keywords = new Map<string, Of<'keyword'>[]>();
  /** Keywords without a letter or digit (`++`): looked for everywhere. */
  readonly #keywordsEverywhere: Of<'keyword'>[] = [];
  /** Vendor and product entries by the key of their name. */
  readonly #names = new Map<string, (Of<'vendor'> | Of<'product'>)[]>();
  /** Vendor keys product entries name: looked for as names too. */
  readonly #productVendors = new Set<string>();
  readonly #cves = new Map<string, Of<'cve'>[]>();
  readonly #regexes: Of<'regex'>[][] = [];
  #regexSet: RE2Set | null = null;
  /** Whether any vendor/product/CPE/purl entry exists: only then are the records of named CVEs worth reading for matching. */
  readonly productEntries: boolean;

  constructor(entries: Iterable<WatchEntry>) {
    const regexGroups = new Map<string, Of<'regex'>[]>();
    let products = false;
    for (const entry of entries) {
      let c: CompiledEntry;
      try {
        c = compileEntry(entry);
      } catch {
        continue;
      }
      if (c.kind === 'vendor') push(this.#names, c.vendorKey, c);
      else if (c.kind === 'product') {
        push(this.#names, c.productKey, c);
        if (c.vendorKey) this.#productVendors.add(c.vendorKey);
      } else if (c.kind === 'cve') push(this.#cves, c.cveId, c);
      else if (c.kind === 'keyword') {
        if (c.firstToken) push(this.#keywords, c.firstToken, c);
        else this.#keywordsEverywhere.push(c);
      } else if (c.kind === 'regex') push(regexGroups, c.entry.value, c);
      products ||= c.kind === 'vendor' || c.kind === 'product' || c.kind === 'cpe' || c.kind === 'purl';
    }
    this.productEntries = products;
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

  /** The entries `doc` matches, each with its reasons (at most 8), in the order first matched. */
  match(doc: Pick<IntelDocument, 'title' | 'text' | 'cves'>): IntelEntryMatch[] {
    const found = new Map<WatchEntry, MatchReason[]>();
    const add = (c: CompiledEntry, via: MatchReason['via'], field: string, matched: string, version?: string) => {
      const reasons = found.get(c.entry) ?? [];
      if (!found.has(c.entry)) found.set(c.entry, reasons);
      if (reasons.length >= MAX_REASONS) return;
      const reason: MatchReason = { entryId: c.entry.id, kind: c.kind, entry: c.label, via, field, matched };
      if (version) reason.version = version;
      reasons.push(reason);
    };
    const vendorsNamed = new Set<string>();
    const products = new Set<Of<'product'>>();
    doc.cves.forEach((id, i) => {
      for (const c of this.#cves.get(id.toUpperCase()) ?? []) add(c, 'cve-id', `cves[${i}]`, id);
    });
    for (const [field, full] of [
      ['title', doc.title],
      ['text', doc.text],
    ] as const) {
      const text = full.length > INTEL_TEXT_LIMIT ? full.slice(0, INTEL_TEXT_LIMIT) : full;
      if (!text) continue;
      const list = words(text);
      this.#matchKeywords(text, list, field, add);
      this.#matchNames(text, list, field, add, vendorsNamed, products);
      this.#matchRegexes(text, field, add);
    }
    // A product entry naming a vendor needs that vendor in the document too (title or text).
    for (const c of products) if (c.vendorKey && !vendorsNamed.has(c.vendorKey)) found.delete(c.entry);
    return [...found].map(([entry, reasons]) => ({ entry, reasons }));
  }

  #matchKeywords(
    text: string,
    list: readonly Word[],
    field: string,
    add: (c: CompiledEntry, via: MatchReason['via'], field: string, matched: string) => void,
  ): void {
    if (this.#keywords.size === 0 && this.#keywordsEverywhere.length === 0) return;
    const candidates = new Set(this.#keywordsEverywhere);
    for (const w of list) for (const c of this.#keywords.get(w.key) ?? []) candidates.add(c);
    for (const c of candidates) {
      const m = findKeyword(c, text);
      if (m) add(c, 'intel', field, snippet(text, m.start, m.end));
    }
  }

  /** Vendor and product names: every run of up to {@link MAX_NAME_WORDS} joined words, compared on its key. */
  #matchNames(
    text: string,
    list: readonly Word[],
    field: string,
    add: (c: CompiledEntry, via: MatchReason['via'], field: string, matched: string, version?: string) => void,
    vendorsNamed: Set<string>,
    products: Set<Of<'product'>>,
  ): void {
    if (this.#names.size === 0) return;
    const seen = new Set<CompiledEntry>();
    for (let i = 0; i < list.length; i++) {
      let key = '';
      for (let j = i; j < list.length && j < i + MAX_NAME_WORDS; j++) {
        const w = list[j] as Word;
        if (j > i && !joins(text, list[j - 1] as Word, w)) break;
        key += w.key;
        const start = (list[i] as Word).start;
        if (this.#productVendors.has(key)) vendorsNamed.add(key);
        for (const c of this.#names.get(key) ?? []) {
          // The first place a name occurs in the field is reason enough.
          if (seen.has(c)) continue;
          seen.add(c);
          if (c.kind === 'product') products.add(c);
          const version =
            c.kind === 'product' && c.range ? `${describe(c.range)} not evaluated: a document's text states no versions Vigil can compare` : undefined;
          add(c, 'intel', field, snippet(text, start, w.end), version);
        }
      }
    }
  }

  #matchRegexes(text: string, field: string, add: (c: CompiledEntry, via: MatchReason['via'], field: string, matched: string) => void): void {
    if (this.#regexes.length === 0) return;
    for (const i of this.#regexSet ? this.#regexSet.match(text) : this.#regexes.keys()) {
      const group = this.#regexes[i];
      const m = group?.[0]?.re.matcher(text);
      if (!group || !m?.find()) continue;
      for (const c of group) add(c, 'intel', field, snippet(text, m.start(), m.end()));
    }
  }
}
