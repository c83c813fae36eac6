/**
 * Sentences and word tokens with offsets, shared by the analysis parts (nlp/). Written for threat
 * reports: a full stop inside an indicator (`evil[.]com`, `10.0.0.1`, `v2.3`, `cmd.exe`) or after
 * a common abbreviation (`e.g.`, `Inc.`, `U.S.`) does not end a sentence; blank lines and list
 * bullets do. Linear time in the text length.
 */

/** A span of the text: `text === source.slice(start, end)`, UTF-16 offsets, `end` exclusive. */
export interface Span {
  text: string;
  start: number;
  end: number;
}

const ABBREVIATIONS = new Set([
  'e.g',
  'i.e',
  'etc',
  'vs',
  'inc',
  'ltd',
  'corp',
  'co',
  'mr',
  'ms',
  'dr',
  'no',
  'fig',
  'approx',
  'u.s',
  'u.k',
  'jan',
  'feb',
  'mar',
  'apr',
  'jun',
  'jul',
  'aug',
  'sep',
  'sept',
  'oct',
  'nov',
  'dec',
]);

/** Sentence ends: `.`/`!`/`?` (and closing quotes/brackets) followed by white space, or a blank line / line starting a bullet. */
const BOUNDARY = /([.!?]["'”’)\]]*)(?=\s+\S)|\n[ \t]*\n+|\n(?=[ \t]*(?:[-*•·]|\d+[.)])\s)/g;

/**
 * Splits text into sentences (trimmed, non-empty), with offsets.
 *
 * @example
 * sentences('APT28 used Mimikatz. It dumped LSASS.') // [{text: 'APT28 used Mimikatz.', start: 0, end: 20}, …]
 */
export function sentences(text: string): Span[] {
  const out: Span[] = [];
  let from = 0;
  const push = (end: number): void => {
    let s = from;
    let e = end;
    while (s < e && /\s/.test(text[s] ?? '')) s++;
    while (e > s && /\s/.test(text[e - 1] ?? '')) e--;
    if (e > s) out.push({ text: text.slice(s, e), start: s, end: e });
  };
  for (const m of text.matchAll(BOUNDARY)) {
    const at = m.index ?? 0;
    if (m[1] !== undefined) {
      if (m[1].startsWith('.')) {
        // The word before the full stop: an abbreviation or a single initial does not end a sentence.
        const before = /([A-Za-z][A-Za-z.]*)$/.exec(text.slice(Math.max(from, at - 12), at))?.[1]?.toLowerCase();
        if (before && (ABBREVIATIONS.has(before) || before.length === 1)) continue;
        // Next visible character lowercase: most likely not a new sentence ("… 3.5 p.m. the …").
        const next = /\S/.exec(text.slice(at + m[1].length, at + m[1].length + 8))?.[0];
        if (next && next >= 'a' && next <= 'z') continue;
      }
      push(at + m[1].length);
      from = at + m[1].length;
    } else {
      push(at);
      from = at + m[0].length;
    }
  }
  push(text.length);
  return out;
}

/**
 * Word tokens with offsets: runs of letters/digits joined by inner runs of `.`, `-`, `_`, `'`, `/`, `\`,
 * `:`, `@` (so `cmd.exe`, `T1059.001`, `CVE-2024-3400`, `C:\Windows`, `user@host` stay one
 * token), and each other non-space character alone.
 */
export function tokens(text: string): Span[] {
  const out: Span[] = [];
  for (const m of text.matchAll(/[\p{L}\p{N}]+(?:[.\-_'’/\\:@]+[\p{L}\p{N}]+)*|\S/gu)) {
    const start = m.index ?? 0;
    out.push({ text: m[0], start, end: start + m[0].length });
  }
  return out;
}
