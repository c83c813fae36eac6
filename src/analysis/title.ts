/**
 * The title and description snippet a list shows for a CVE. Many CNAs give no title (NVD never
 * does), so the title falls back to the first sentence of the English description; the snippet is
 * the description text the title does not already show. Text is cut only between words, with `…`.
 *
 * Sentence ends are a period, `!` or `?` followed by a space and a capital letter, digit, quote or
 * bracket, unless the word before the period is an abbreviation (`e.g.`, `i.e.`, `v.`, `Inc.`,
 * `U.S.`, a single letter); a version (`1.2.3.`) ends a sentence. A paragraph break ends one unless
 * the next paragraph starts in lower case (a break inside a sentence). Apache's template writes
 * `…Apache OFBiz.This issue affects…` without a space: a period glued to a common sentence opener
 * ends a sentence too. The Linux kernel CNA's lead-in ("In the Linux kernel, the following
 * vulnerability has been resolved:") is skipped: the commit subject after it is the title.
 */

/** Longest derived title, in UTF-16 code units (a CNA's own title is never cut). */
export const TITLE_MAX = 120;

/** Longest snippet, in UTF-16 code units. */
export const SNIPPET_MAX = 200;

/** What a list shows for one CVE. */
export interface ListText {
  /** The CNA's title, else the description's first sentence (without its final period); null without either. */
  title: string | null;
  /** Description text the title does not already show (null when nothing is left). */
  snippet: string | null;
}

/** Words that end with a period without ending a sentence (lower case, without the period). */
const ABBREVIATIONS = new Set([
  'e.g', 'i.e', 'a.k.a', 'cf', 'vs', 'v', 'ver', 'rev', 'no', 'nos', 'nr', 'vol', 'fig', 'approx', 'incl',
  'auth', 'unauth', 'inc', 'corp', 'ltd', 'co', 'llc', 'dept', 'univ', 'mr', 'mrs', 'ms', 'dr', 'st', 'jr', 'sr', 'al', 'resp', 'esp',
]);

/** Lead-ins that introduce the real subject in the next paragraph. */
const LEAD_INS = [/^In the Linux kernel, the following vulnerability has been resolved:$/i];

/** Sentence openers recognised right after a period without a space (`…OFBiz.This issue affects…`). */
const GLUED_OPENER = /(?:This|These|The|Users|Affected|An?|It|Note|Upgrade)\s/y;

/** Formatting tags some CNAs leave in descriptions (`<p>…</p>`); other `<tags>` are text (payloads). */
const FORMAT_TAG = /<\/?(?:p|br|div|span|b|i|u|em|strong|code|pre|ul|ol|li|a|tt|sup|sub)(?:\s[^<>]*)?\/?>/gi;

/**
 * Collapses whitespace and formatting tags; paragraph breaks are kept as `\n\n`.
 * @example normalize('<p>A  flaw\r\nin X.</p>') // 'A flaw in X.'
 */
export function normalize(text: string): string {
  return text
    .replace(FORMAT_TAG, ' ')
    .replace(/\r\n?/g, '\n')
    .replace(/[^\S\n]{2,}|[^\S \n]/g, ' ') // single spaces left alone: most text has only those
    .replace(/ ?\n(?: ?\n)+ ?/g, '\n\n')
    .replace(/ ?(?<!\n)\n(?!\n) ?/g, ' ')
    .trim();
}

/** Whether the word ending at `end` (exclusive, before a period) is an abbreviation. */
function isAbbreviation(text: string, end: number): boolean {
  const word = text.slice(Math.max(text.lastIndexOf(' ', end - 1), text.lastIndexOf('\n', end - 1)) + 1, end).replace(/^[("'“‘[]+/, '');
  if (/^\p{L}$/u.test(word)) return true;
  // Letters with inner periods (`U.S`, `a.k.a`); digits make it a version, which ends a sentence.
  if (/^(?:\p{L}{1,3}\.)+\p{L}{1,3}$/u.test(word)) return true;
  return ABBREVIATIONS.has(word.toLowerCase());
}

/**
 * Where the first sentence of normalized `text` ends.
 * @returns `end` (exclusive, after the final punctuation) and `next` (where the rest starts).
 */
function firstSentenceEnd(text: string): { end: number; next: number } {
  const boundary = /([.!?]+["'’”)\]]*)( +|\n\n)(?=(\S))|\n\n(?=(\S))|([a-z)])\.(?=\S)/gu;
  for (let m = boundary.exec(text); m; m = boundary.exec(text)) {
    if (m[5] !== undefined) {
      // A period glued to the next word: a sentence end only before a common opener.
      const at = m.index + 1;
      GLUED_OPENER.lastIndex = at + 1;
      if (GLUED_OPENER.test(text)) return { end: at + 1, next: at + 1 };
      boundary.lastIndex = at + 1;
      continue;
    }
    if (m[1] === undefined) {
      // A bare paragraph break: inside a sentence when the next paragraph starts in lower case
      // (unless a colon introduces it).
      if (text[m.index - 1] === ':' || !/\p{Ll}/u.test(m[4] as string)) return { end: m.index, next: m.index + 2 };
      continue;
    }
    const end = m.index + m[1].length;
    const gap = m[2] as string;
    const paragraph = gap === '\n\n';
    const nextChar = m[3] as string;
    // A digit after `!` or `?` is a name (`Joomla! 4.0.0`), not a new sentence.
    const opens = (m[1].startsWith('.') ? /[\p{Lu}\p{Lt}\p{N}"'“‘([*`]/u : /[\p{Lu}\p{Lt}"'“‘([*`]/u).test(nextChar);
    if (!paragraph && !opens) continue;
    if (!paragraph && /^\.["'’”)\]]*$/.test(m[1]) && isAbbreviation(text, m.index)) continue;
    return { end, next: end + gap.length };
  }
  return { end: text.length, next: text.length };
}

/**
 * Cuts `text` to at most `max` code units between words, ending with `…` when cut; trailing
 * commas, colons and opening brackets before the cut are dropped. A single word longer than
 * `max` is the one case cut inside a word.
 * @example clipWords('enables an unauthenticated attacker', 20) // 'enables an…'
 */
export function clipWords(text: string, max: number): string {
  return clip(text, max).shown;
}

/** {@link clipWords}, with where the text left out starts. */
function clip(text: string, max: number): { shown: string; resume: number } {
  if (text.length <= max) return { shown: text, resume: text.length };
  const space = text.slice(0, max).lastIndexOf(' '); // the ellipsis takes the place of that space
  if (space <= 0) {
    // One word longer than `max`: cut inside it, but never inside a surrogate pair.
    const cut = text.slice(0, max - 1).replace(/[\uD800-\uDBFF]$/, '');
    return { shown: `${cut}…`, resume: cut.length };
  }
  return { shown: `${text.slice(0, space).replace(/[\s,;:([{/–—-]+$/u, '')}…`, resume: space + 1 };
}

/** Splits normalized text into its first sentence and the rest, skipping a known lead-in. */
function splitFirst(text: string): { sentence: string; rest: string } {
  let { end, next } = firstSentenceEnd(text);
  let sentence = text.slice(0, end).trim();
  let rest = text.slice(next);
  if (rest && LEAD_INS.some((re) => re.test(sentence))) {
    // What a lead-in introduces is one paragraph (a commit subject), whatever case follows it.
    ({ end, next } = firstSentenceEnd(rest));
    const paragraph = rest.indexOf('\n\n');
    if (paragraph >= 0 && paragraph < end) ({ end, next } = { end: paragraph, next: paragraph + 2 });
    sentence = rest.slice(0, end).trim();
    rest = rest.slice(next);
  }
  return { sentence, rest: rest.trim() };
}

/** One line of plain text: paragraph breaks become spaces. */
const flat = (s: string) => s.replace(/\n\n/g, ' ');

/**
 * The title and snippet a list shows, from the merged record's title and English description.
 * @example
 * listText(undefined, 'A code injection vulnerability in the Ivanti EPM Cloud Services Appliance (CSA) allows an unauthenticated user to execute arbitrary code with limited permissions (nobody).')
 * // { title: 'A code injection vulnerability in the Ivanti EPM Cloud Services Appliance (CSA) allows an unauthenticated user to…',
 * //   snippet: '…execute arbitrary code with limited permissions (nobody).' }
 */
export function listText(title: string | null | undefined, description: string | null | undefined): ListText {
  const text = normalize(description ?? '');
  const own = title ? flat(normalize(title)) : '';
  if (own) return { title: own, snippet: text ? clipWords(flat(text), SNIPPET_MAX) : null };
  if (!text) return { title: null, snippet: null };
  const { sentence, rest } = splitFirst(text);
  const line = flat(sentence);
  const whole = line.replace(/(?<![.])[.]$/, '');
  const { shown, resume } = clip(whole, TITLE_MAX);
  // The part of the sentence the title cut off leads the snippet.
  const left = resume < whole.length ? `…${line.slice(resume)}` : '';
  const remainder = flat([left, rest].filter(Boolean).join(' '));
  return { title: shown, snippet: remainder ? clipWords(remainder, SNIPPET_MAX) : null };
}
