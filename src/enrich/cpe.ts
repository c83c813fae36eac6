/**
 * CPE 2.3 formatted-string binding: parse and format, own code (no maintained library handles the
 * backslash quoting correctly).
 * Spec: NISTIR 7695 "CPE Naming Specification Version 2.3",
 * https://nvlpubs.nist.gov/nistpubs/Legacy/IR/nistir7695.pdf — §5.3.2 (allowed characters, the
 * special characters `*` and `?`), §6.2 (formatted string binding: grammar, binding, unbinding).
 *
 * Display form of an attribute (what {@link Cpe23} holds): the value with its quoting removed,
 * except where quoting carries meaning. So:
 * - `*` alone is ANY and `-` alone is NA, exactly as in the formatted string;
 * - unquoted `*` / `?` at either end are wildcards (`8.*`, `sp?`) and stay bare;
 * - a quoted (literal) `*`, `?` or `\` stays quoted (`8.\*`, `foo\\bar`), so a literal asterisk
 *   never reads as a wildcard;
 * - a lone literal hyphen stays `\-` (bare it would read as NA);
 * - every other quoted character loses its backslash: `big\$money_2010` displays as
 *   `big$money_2010`, `pan\:os` as `pan:os`.
 * Formatting quotes again whatever the formatted string requires, so `parseCpe23(formatCpe23(c))`
 * gives `c` back and `formatCpe23(parseCpe23(s))` gives `s` back for every canonical string `s`.
 */
import { VigilError } from '../errors.ts';

/** The 11 attributes of a CPE 2.3 name (NISTIR 7695 §5.2), in display form (see the module doc). */
export interface Cpe23 {
  part: 'a' | 'o' | 'h' | '*' | '-';
  vendor: string;
  product: string;
  version: string;
  update: string;
  edition: string;
  language: string;
  swEdition: string;
  targetSw: string;
  targetHw: string;
  other: string;
}

type Attribute = Exclude<keyof Cpe23, 'part'>;

/** Attribute order after `part` in the formatted string (§6.2.2). */
const ATTRIBUTES: readonly Attribute[] = [
  'vendor', 'product', 'version', 'update', 'edition', 'language', 'swEdition', 'targetSw', 'targetHw', 'other',
];

const PREFIX = 'cpe:2.3:';
/**
 * Printable non-alphanumeric ASCII: what may be quoted (§5.3.2). `\-`, `\.` and `\_` need no
 * quoting in a formatted string but are accepted (a WFN value quotes them) and read as the bare
 * character.
 */
const PUNCTUATION = /^[!-/:-@[-`{-~]$/;
/** Characters a formatted string carries unquoted besides the wildcards (§6.2.2 `unreserved`). */
const UNRESERVED = /^[A-Za-z0-9._-]$/;
/** RFC 5646 language tag as CPE restricts it (§5.3.3.3 / the CPE 2.3 XSD): `en`, `en-us`, `es-419`. */
const LANGTAG = /^[A-Za-z]{2,3}(?:-(?:[A-Za-z]{2}|[0-9]{3}))?$/;

interface Token {
  c: string;
  quoted: boolean;
}

function invalid(s: string, reason: string): VigilError {
  return new VigilError('VIGIL_INVALID_CPE', [s, reason]);
}

/** Splits at unquoted colons; each component keeps its backslashes. */
function splitComponents(s: string): string[] {
  const out: string[] = [];
  let current = '';
  for (let i = 0; i < s.length; i++) {
    const c = s[i];
    if (c === '\\') {
      if (i + 1 >= s.length) throw invalid(s, 'ends with a lone backslash');
      current += c + s[++i];
    } else if (c === ':') {
      out.push(current);
      current = '';
    } else {
      current += c;
    }
  }
  out.push(current);
  return out;
}

/**
 * Tokenises one component of a formatted string and checks it against §5.3.2 / §6.2.2: only
 * alphanumerics, `_ - .` and quoted punctuation; unquoted `*` / `?` only at the ends (one `*`, or
 * one or more `?`, per end).
 */
function tokenize(s: string, name: string, value: string): Token[] {
  const tokens: Token[] = [];
  for (let i = 0; i < value.length; i++) {
    const c = value[i] ?? '';
    if (c === '\\') {
      const next = value[i + 1] ?? '';
      if (!PUNCTUATION.test(next)) throw invalid(s, `${name}: "\\${next}" quotes a character that needs no quoting (only punctuation may be quoted)`);
      tokens.push({ c: next, quoted: true });
      i++;
    } else if (UNRESERVED.test(c) || c === '*' || c === '?') {
      tokens.push({ c, quoted: false });
    } else {
      if (/^[!-~]$/.test(c)) throw invalid(s, `${name}: "${c}" must be quoted with a backslash`);
      const shown = c === ' ' ? 'a space' : `U+${(c.codePointAt(0) ?? 0).toString(16).toUpperCase().padStart(4, '0')}`;
      throw invalid(s, `${name}: ${shown} is not allowed (printable ASCII only; spaces are written as "_")`);
    }
  }
  checkWildcards(s, name, tokens);
  return tokens;
}

function checkWildcards(s: string, name: string, tokens: readonly Token[]): void {
  const special = (t: Token | undefined): boolean => t !== undefined && !t.quoted && (t.c === '*' || t.c === '?');
  let start = 0;
  while (special(tokens[start])) start++;
  let end = tokens.length;
  while (end > start && special(tokens[end - 1])) end--;
  if (tokens.slice(start, end).some(special)) throw invalid(s, `${name}: unquoted "*" or "?" inside the value (only allowed at its ends)`);
  for (const run of [tokens.slice(0, start), tokens.slice(end)]) {
    const text = run.map((t) => t.c).join('');
    if (text !== '' && !/^(?:\?+|\*)$/.test(text)) throw invalid(s, `${name}: "${text}" (at an end, use one "*" or one or more "?")`);
  }
}

/** Display form of a tokenised value (see the module doc). */
function display(tokens: readonly Token[]): string {
  if (tokens.length === 1 && tokens[0]?.quoted && tokens[0].c === '-') return '\\-';
  return tokens.map((t) => (t.quoted && (t.c === '\\' || t.c === '*' || t.c === '?') ? `\\${t.c}` : t.c)).join('');
}

const PLAIN = /^[A-Za-z0-9._-]+$/;

function parseAttribute(s: string, name: Attribute, raw: string): string {
  if (raw === '') throw invalid(s, `${name} is empty (use "*" for ANY)`);
  if (raw === '*' || raw === '-') return raw;
  // Letters, digits, `.`, `_`, `-` need no quoting and carry no wildcard: the value is itself.
  const value = PLAIN.test(raw) ? raw : display(tokenize(s, name, raw));
  if (name === 'language' && !LANGTAG.test(value)) throw invalid(s, `language "${raw}" is not a language tag such as "en" or "en-us"`);
  return value;
}

/**
 * Parses a CPE 2.3 formatted string (NISTIR 7695 §6.2).
 * @returns the 11 attributes in display form (see the module doc).
 * @throws VigilError `VIGIL_INVALID_CPE` (`[s, reason]`): wrong prefix, not exactly 13
 *   colon-separated components (quoted `\:` does not separate), a part other than a/o/h/`*`/`-`,
 *   an empty component, a character that must be quoted, a misplaced wildcard, a bad language tag.
 * Results are memoised by string (up to {@link CPE_MEMO_SIZE}) and frozen: do not mutate them.
 * @example parseCpe23('cpe:2.3:a:hp:insight_diagnostics:7.4.0.1570:-:*:*:online:win2003:x64:*').update // '-'
 */
export function parseCpe23(s: string): Cpe23 {
  const hit = parsed.get(s);
  if (hit) return hit;
  const cpe = Object.freeze(parseUncached(s));
  if (parsed.size >= CPE_MEMO_SIZE) {
    const oldest = parsed.keys().next();
    if (!oldest.done) parsed.delete(oldest.value);
  }
  parsed.set(s, cpe);
  return cpe;
}

/** CPE names remembered by {@link parseCpe23}: NVD data repeats the same names across CVEs. */
export const CPE_MEMO_SIZE = 100_000;
const parsed = new Map<string, Readonly<Cpe23>>();

function parseUncached(s: string): Cpe23 {
  if (!s.startsWith(PREFIX)) throw invalid(s, `must start with "${PREFIX}"`);
  // Fast path: most real names hold no quoting at all.
  const components = s.includes('\\') ? splitComponents(s) : s.split(':');
  if (components.length !== 13) throw invalid(s, `has ${components.length} colon-separated components, a CPE 2.3 name has 13`);
  const part = components[2];
  if (part !== 'a' && part !== 'o' && part !== 'h' && part !== '*' && part !== '-') {
    throw invalid(s, `part "${part}" is not a (application), o (operating system), h (hardware), * or -`);
  }
  const cpe: Cpe23 = { part, vendor: '', product: '', version: '', update: '', edition: '', language: '', swEdition: '', targetSw: '', targetHw: '', other: '' };
  ATTRIBUTES.forEach((name, i) => {
    cpe[name] = parseAttribute(s, name, components[i + 3] ?? '');
  });
  return cpe;
}

/** Quotes a display value back into formatted-string form. */
function bind(value: string): string {
  if (value === '*' || value === '-' || value === '\\-') return value;
  let out = '';
  for (let i = 0; i < value.length; i++) {
    let c = value[i] ?? '';
    let quoted = false;
    if (c === '\\' && i + 1 < value.length) {
      c = value[++i] ?? '';
      quoted = true;
    }
    if (UNRESERVED.test(c) || (!quoted && (c === '*' || c === '?'))) out += c;
    else out += `\\${c}`; // punctuation (quoted or not); anything else fails in parseCpe23 below
  }
  return out;
}

/**
 * Formats attributes (display form, as {@link parseCpe23} returns them) as a CPE 2.3 formatted
 * string. Bare punctuation in a display value is quoted; `*`/`?` stay wildcards unless quoted.
 * @throws VigilError `VIGIL_INVALID_CPE` when the result is not a valid CPE 2.3 name (e.g. a
 *   wildcard in the middle of a value, a space, an empty value).
 * @example formatCpe23({ ...parseCpe23('cpe:2.3:a:foo\\bar:big\$money_2010:*:*:*:*:special:ipod_touch:80gb:*'), version: '2.0' })
 */
export function formatCpe23(c: Cpe23): string {
  const s = `${PREFIX}${c.part}:${ATTRIBUTES.map((name) => bind(c[name])).join(':')}`;
  parseCpe23(s); // validates; throws naming the offending attribute
  return s;
}
