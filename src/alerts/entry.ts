/**
 * Watchlist entries: validation (every problem named with the entry, as written) and compilation
 * into the form the matcher indexes (normalised keys, parsed CPE/purl, version ranges, compiled
 * patterns). Regular expressions are RE2 (re2js): linear time on untrusted CVE text, so patterns
 * RE2 cannot run in linear time (backreferences, lookaround) are refused with RE2's reason.
 * Also here: what a purl entry selects in CVE 5 `affected` data ({@link samePackage}) and keyword
 * search on word boundaries ({@link findKeyword}). Kind semantics: {@link WatchEntry} in model/alert.ts.
 * Package URLs: https://github.com/package-url/purl-spec (PURL specification).
 */
import { PackageURL } from 'packageurl-js';
import { RE2JS } from 're2js';
import { type Cpe23, parseCpe23 } from '../enrich/cpe.ts';
import { productKey } from '../enrich/product-key.ts';
import { VigilError } from '../errors.ts';
import { type Thresholds, WATCH_KINDS, type WatchEntry, type WatchKind } from '../model/alert.ts';
import { type Indicator, parseWatchedIndicator, storedIndicatorValue } from './ioc-value.ts';
import { rangeFromCpe } from './ranges.ts';
import { regexCostProblem } from './regex-budget.ts';
import { thresholdProblem } from './thresholds.ts';
import { parseVersionSpec, type VersionRange } from './versions.ts';

/** An entry as a user or config file gives it (before validation). */
export interface WatchEntryInput {
  id?: number;
  watchlist?: string;
  kind: string;
  value: string;
  vendor?: string | null;
  version?: string | null;
  thresholds?: Thresholds | Readonly<Record<string, unknown>> | null;
}

/** The parts of a package URL the matcher uses (`pkg:npm/%40angular/core@1.0` → npm, `@angular`, `core`, `1.0`). */
export interface PurlParts {
  type: string;
  namespace: string | null;
  name: string;
  version: string | null;
}

interface Compiled<K extends WatchKind> {
  kind: K;
  entry: WatchEntry;
  /** {@link entryLabel} of the entry. */
  label: string;
}

/** A validated entry ready for indexing. `range: null` means no version condition. */
export type CompiledEntry =
  | (Compiled<'vendor'> & { vendorKey: string })
  | (Compiled<'product'> & { vendorKey: string | null; productKey: string; range: VersionRange | null })
  | (Compiled<'cpe'> & { cpe: Cpe23; vendorKey: string | null; productKey: string | null; range: VersionRange | null })
  | (Compiled<'purl'> & { purl: PurlParts; nameKey: string; range: VersionRange | null })
  | (Compiled<'keyword'> & KeywordPattern)
  | (Compiled<'regex'> & { re: RE2JS })
  | (Compiled<'cve'> & { cveId: string })
  | (Compiled<'ioc'> & { ioc: Indicator });

/** Most entries one watchlist holds: each is matched against every changed CVE (the API, `vigil watch add` and `vigil watch import` refuse more). */
export const MAX_WATCHLIST_ENTRIES = 200;
/**
 * Most RE2 instructions a watchlist's regex entries may compile to together. Measured: 50
 * patterns like `.{0,20}x.{0,20}y\d` (4,300 instructions) took 100–500 ms per CVE as one set.
 */
export const MAX_WATCHLIST_REGEX_PROGRAM = 1000;

/** An entry's identity, as the store compares entries (a re-added identical entry is the same one). */
function entryKey(e: Omit<WatchEntry, 'id'>): string {
  return JSON.stringify([e.kind, e.value, e.vendor ?? '', e.version ?? '', e.thresholds]);
}

/**
 * Refuses a watchlist that would hold more than {@link MAX_WATCHLIST_ENTRIES} distinct entries,
 * or regex entries compiling to more than {@link MAX_WATCHLIST_REGEX_PROGRAM} RE2 instructions
 * together (they run as one set on every CVE's text), once `added` join `existing`.
 * @throws VigilError `VIGIL_WATCHLIST_INVALID` naming the watchlist, the count and the limit.
 */
export function checkEntryCount(watchlist: string, existing: readonly Omit<WatchEntry, 'id'>[], added: readonly Omit<WatchEntry, 'id'>[]): void {
  const distinct = new Map([...existing, ...added].map((e) => [entryKey(e), e]));
  if (distinct.size > MAX_WATCHLIST_ENTRIES)
    throw new VigilError('VIGIL_WATCHLIST_INVALID', [
      watchlist,
      `it would hold ${distinct.size} entries (limit ${MAX_WATCHLIST_ENTRIES}): split it into several watchlists`,
    ]);
  const patterns = new Set([...distinct.values()].filter((e) => e.kind === 'regex').map((e) => e.value));
  let program = 0;
  for (const p of patterns) {
    try {
      program += RE2JS.compile(p, RE2JS.CASE_INSENSITIVE).programSize();
    } catch {
      // an invalid stored pattern is left out of matching (MatchIndex.invalid): it costs nothing
    }
  }
  if (program > MAX_WATCHLIST_REGEX_PROGRAM)
    throw new VigilError('VIGIL_WATCHLIST_INVALID', [
      watchlist,
      `its ${patterns.size} regex entries would compile to ${program} RE2 instructions together (limit ${MAX_WATCHLIST_REGEX_PROGRAM}): use fewer or simpler regexes, or keyword entries`,
    ]);
}

const CVE_ID = /^CVE-\d{4}-\d{4,}$/i;
/**
 * An entry as written, for messages and match reasons.
 * @example entryLabel({ kind: 'product', value: 'pan-os', vendor: 'paloaltonetworks', version: '10.2.5' }) // 'product paloaltonetworks:pan-os 10.2.5'
 * @example entryLabel({ kind: 'keyword', value: 'remote code execution' }) // 'keyword "remote code execution"'
 */
export function entryLabel(entry: Pick<WatchEntry, 'kind' | 'value' | 'vendor' | 'version'>): string {
  switch (entry.kind) {
    case 'product':
      return `product ${entry.vendor ? `${entry.vendor}:` : ''}${entry.value}${entry.version ? ` ${entry.version}` : ''}`;
    case 'keyword':
    case 'regex':
      return `${entry.kind} "${entry.value}"`;
    default:
      return `${entry.kind} ${entry.value}`;
  }
}

function invalid(entry: Pick<WatchEntryInput, 'id' | 'kind' | 'value' | 'vendor' | 'version'>, reason: string, cause?: unknown): VigilError {
  const label = entryLabel({ ...entry, kind: entry.kind as WatchKind, vendor: entry.vendor ?? undefined, version: entry.version ?? undefined });
  return new VigilError(
    'VIGIL_WATCH_ENTRY_INVALID',
    [entry.id !== undefined ? `#${entry.id} ${label}` : label, reason],
    cause === undefined ? undefined : { cause },
  );
}

function reasonOf(err: unknown): string {
  if (err instanceof VigilError) return err.message.replace(/^Invalid (?:watchlist entry|CPE 2\.3 string) /, '');
  return err instanceof Error ? err.message : String(err);
}

/**
 * Validates an entry as given and returns it normalised (values trimmed, CVE ids upper case, `ioc`
 * values refanged and canonical (ioc-match.ts),
 * empty `vendor`/`version` dropped, `thresholds` defaulting to `{}`, `id` to 0, `watchlist` to '').
 * @throws VigilError `VIGIL_WATCH_ENTRY_INVALID` naming the entry (`#12 regex "(foo"`) and the
 *   reason: unknown kind, empty value, `vendor`/`version` on a kind that takes none, an invalid
 *   regex/CPE/purl/version/CVE id (see {@link compileEntry}), a threshold out of range.
 * @example validateEntry({ kind: 'product', value: 'pan-os', vendor: 'paloaltonetworks', version: '>=10.2.0 <10.2.9' })
 */
export function validateEntry(input: WatchEntryInput): WatchEntry {
  const raw = { ...input, value: typeof input.value === 'string' ? input.value.trim() : '' };
  if (!(WATCH_KINDS as readonly string[]).includes(input.kind)) throw invalid(raw, `unknown kind "${input.kind}" (known: ${WATCH_KINDS.join(', ')})`);
  const kind = input.kind as WatchKind;
  let value = kind === 'cve' ? raw.value.toUpperCase() : raw.value;
  if (kind === 'ioc' && value) {
    try {
      value = storedIndicatorValue(value);
    } catch (err) {
      throw invalid(raw, reasonOf(err), err);
    }
  }
  const entry: WatchEntry = { id: input.id ?? 0, watchlist: input.watchlist ?? '', kind, value, thresholds: {} };
  const vendor = input.vendor?.trim();
  const version = input.version?.trim();
  if (vendor) entry.vendor = vendor;
  if (version) entry.version = version;
  const thresholds = (input.thresholds ?? {}) as Readonly<Record<string, unknown>>;
  const problem = thresholdProblem(thresholds);
  if (problem) throw invalid(raw, problem);
  entry.thresholds = Object.fromEntries(Object.entries(thresholds).filter(([, v]) => v !== undefined)) as Thresholds;
  compileEntry(entry);
  return entry;
}

/** Parses a package URL into the parts matching needs. */
function parsePurl(value: string): PurlParts {
  const p = PackageURL.fromString(value);
  return { type: p.type.toLowerCase(), namespace: p.namespace ?? null, name: p.name, version: p.version ?? null };
}

/** Registry hosts of `collectionURL`, with the purl type they serve. */
const REGISTRIES: Readonly<Record<string, string>> = {
  'registry.npmjs.org': 'npm',
  'www.npmjs.com': 'npm',
  'npmjs.com': 'npm',
  'registry.yarnpkg.com': 'npm',
  'pypi.org': 'pypi',
  'pypi.python.org': 'pypi',
  'files.pythonhosted.org': 'pypi',
  'repo.maven.apache.org': 'maven',
  'repo1.maven.org': 'maven',
  'central.sonatype.com': 'maven',
  'search.maven.org': 'maven',
  'mvnrepository.com': 'maven',
  'rubygems.org': 'gem',
  'crates.io': 'cargo',
  'nuget.org': 'nuget',
  'www.nuget.org': 'nuget',
  'api.nuget.org': 'nuget',
  'packagist.org': 'composer',
  'repo.packagist.org': 'composer',
  'pkg.go.dev': 'golang',
  'proxy.golang.org': 'golang',
  'go.dev': 'golang',
};

/** PEP 503 name normalisation (https://peps.python.org/pep-0503/#normalized-names). */
function pep503(name: string): string {
  return name.toLowerCase().replace(/[-_.]+/g, '-');
}

/**
 * Whether a CVE 5 `affected[].packageName` names the purl's package, in its ecosystem's spelling:
 * npm `@scope/name`, Maven `group:artifact`, PyPI names normalised per PEP 503, Go the module path
 * or a package inside it, other types `namespace/name` (case-insensitive). A `collectionURL` on a
 * known registry host must serve the purl's type; any other host is accepted on the name.
 * @example samePackage({ type: 'maven', namespace: 'commons-io', name: 'commons-io', version: null }, 'commons-io:commons-io', 'https://repo.maven.apache.org/maven2') // true
 */
export function samePackage(p: PurlParts, packageName: string, collectionURL: string | undefined): boolean {
  if (collectionURL) {
    let host = '';
    try {
      host = new URL(collectionURL).hostname.toLowerCase();
    } catch {}
    const type = REGISTRIES[host];
    if (type !== undefined && type !== p.type) return false;
  }
  const full = p.namespace ? `${p.namespace}/${p.name}` : p.name;
  switch (p.type) {
    case 'maven':
      return packageName === `${p.namespace}:${p.name}`;
    case 'pypi':
      return pep503(packageName) === pep503(p.name);
    case 'golang': // the module itself or a package inside it
      return packageName === full || packageName.startsWith(`${full}/`);
    default:
      return packageName.toLowerCase() === full.toLowerCase();
  }
}

/** A compiled keyword: its words in order with any whitespace between, and where word boundaries apply. */
export interface KeywordPattern {
  /** Case-insensitive, global (searched from `lastIndex`). */
  pattern: RegExp;
  /** Boundary needed before / after (the keyword starts / ends with a letter, digit or `_`). */
  wordStart: boolean;
  wordEnd: boolean;
  /** First run of letters/digits, lower case (the matcher's index key); null for `++`. */
  firstToken: string | null;
}

const WORD_CHAR = /[\p{L}\p{N}_]/u;

/** Compiles a keyword (or a product name searched in text) into a {@link KeywordPattern}. */
export function keywordPattern(keyword: string): KeywordPattern {
  const escaped = keyword
    .split(/\s+/)
    .map((w) => w.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&'))
    .join('\\s+');
  // Boundaries are checked by hand: `\p{L}` lookarounds cost ~0.3 ms to compile per pattern.
  return {
    pattern: new RegExp(escaped, 'giu'),
    wordStart: WORD_CHAR.test(keyword[0] ?? ''),
    wordEnd: WORD_CHAR.test(keyword.at(-1) ?? ''),
    firstToken: /[\p{L}\p{N}]+/u.exec(keyword.toLowerCase())?.[0] ?? null,
  };
}

/**
 * Finds a keyword in a text, on word boundaries (`GlobalProtect` is not found by `Global`).
 * @returns the match's start and end (UTF-16 offsets), or null.
 */
export function findKeyword(k: KeywordPattern, text: string): { start: number; end: number } | null {
  const re = k.pattern;
  re.lastIndex = 0;
  for (let m = re.exec(text); m; m = re.exec(text)) {
    const start = m.index;
    const end = start + m[0].length;
    if ((!k.wordStart || !WORD_CHAR.test(text[start - 1] ?? '')) && (!k.wordEnd || !WORD_CHAR.test(text[end] ?? ''))) return { start, end };
    re.lastIndex = start + 1;
  }
  return null;
}

/**
 * Compiles a validated entry for the matcher.
 * @throws VigilError `VIGIL_WATCH_ENTRY_INVALID` naming the entry: regex RE2 cannot compile (with
 *   RE2's reason) or too costly to run on every CVE (regex-budget.ts: length, counted repetitions,
 *   program size), invalid CPE 2.3 name or one whose vendor and product are both `*`, invalid
 *   purl, invalid version spec, CVE id not `CVE-YYYY-NNNN…`, empty keyword or name, `vendor` or
 *   `version` on a kind other than `product`, an `ioc` value that is no indicator (ioc-match.ts
 *   {@link parseWatchedIndicator}) or an `ioc` entry with thresholds.
 */
export function compileEntry(entry: WatchEntry): CompiledEntry {
  const { kind, value } = entry;
  const label = entryLabel(entry);
  const base = { entry, label };
  if (value.trim() === '') throw invalid(entry, 'the value is empty');
  if (kind !== 'product' && entry.vendor !== undefined) throw invalid(entry, `"vendor" applies to product entries only (a ${kind} entry takes none)`);
  if (kind !== 'product' && entry.version !== undefined) {
    const where = kind === 'cpe' ? ' (put the version in the CPE name)' : kind === 'purl' ? ' (put it in the purl: @version)' : '';
    throw invalid(entry, `"version" applies to product entries only${where}`);
  }
  const keyOf = (name: string, what: string): string => {
    const key = productKey(name);
    if (key === '') throw invalid(entry, `${what} "${name}" has no letters or digits`);
    return key;
  };
  const versionRange = (spec: string | undefined | null): VersionRange | null => {
    if (!spec) return null;
    try {
      return parseVersionSpec(spec);
    } catch (err) {
      throw invalid(entry, reasonOf(err), err);
    }
  };
  switch (kind) {
    case 'vendor':
      return { ...base, kind, vendorKey: keyOf(value, 'vendor') };
    case 'product':
      return {
        ...base,
        kind,
        vendorKey: entry.vendor ? keyOf(entry.vendor, 'vendor') : null,
        productKey: keyOf(value, 'product'),
        range: versionRange(entry.version),
      };
    case 'cpe': {
      let cpe: Cpe23;
      try {
        cpe = parseCpe23(value);
      } catch (err) {
        throw invalid(entry, `invalid CPE: ${reasonOf(err)}`, err);
      }
      const vendorKey = cpe.vendor === '*' ? null : productKey(cpe.vendor);
      const productKeyValue = cpe.product === '*' ? null : productKey(cpe.product);
      if (!vendorKey && !productKeyValue) throw invalid(entry, 'the CPE names neither a vendor nor a product (it would match every CVE)');
      const range = rangeFromCpe(cpe);
      return {
        ...base,
        kind,
        cpe,
        vendorKey,
        productKey: productKeyValue,
        range: range && (range.exact !== undefined || range.start || range.end) ? range : null,
      };
    }
    case 'purl': {
      let purl: PurlParts;
      try {
        purl = parsePurl(value);
      } catch (err) {
        throw invalid(entry, `invalid purl: ${reasonOf(err)}`, err);
      }
      return { ...base, kind, purl, nameKey: keyOf(purl.name, 'package name'), range: purl.version ? { exact: purl.version } : null };
    }
    case 'keyword':
      return { ...base, kind, ...keywordPattern(value) };
    case 'regex': {
      let re: RE2JS;
      try {
        re = RE2JS.compile(value, RE2JS.CASE_INSENSITIVE);
      } catch (err) {
        // re2js compiles `(?i)` + pattern for CASE_INSENSITIVE and quotes that; show the pattern as written.
        throw invalid(entry, `RE2 cannot compile it: ${reasonOf(err).replace('`(?i)', '`')}`, err);
      }
      const problem = regexCostProblem(value, re.programSize());
      if (problem) throw invalid(entry, problem);
      return { ...base, kind, re };
    }
    case 'cve':
      if (!CVE_ID.test(value)) throw invalid(entry, 'not a CVE id (expected CVE-YYYY-NNNN, four or more digits at the end)');
      return { ...base, kind, cveId: value.toUpperCase() };
    case 'ioc': {
      // Thresholds judge a CVE's scores; a sighting has none.
      if (Object.keys(entry.thresholds).length > 0) throw invalid(entry, 'thresholds (severity, CVSS, EPSS, KEV) apply to CVEs: an ioc entry takes none');
      try {
        return { ...base, kind, ioc: parseWatchedIndicator(value) };
      } catch (err) {
        throw invalid(entry, reasonOf(err), err);
      }
    }
  }
}
