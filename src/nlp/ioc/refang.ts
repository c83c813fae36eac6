/**
 * Refanging with an offset map. ioc-extractor's `refang()` returns only the cleaned string, so
 * positions found in it cannot be mapped back to the text; this one rewrites the same defanged
 * forms (and a few more) and remembers, for every character of the refanged copy, the span of the
 * text it came from. Offsets are UTF-16 code units, `end` exclusive.
 */

/** The refanged copy of a text and the map back to it. */
export interface Refanged {
  /** The text with every defanged token rewritten (`hxxp` → `http`, `[.]` → `.`, `[at]` → `@` …). */
  text: string;
  /** For refanged character i, the start (inclusive) of the text span it came from. */
  from: Uint32Array;
  /** For refanged character i, the end (exclusive) of the text span it came from. */
  to: Uint32Array;
  /** Whether any token was rewritten (when not, `text` is the input and the map is the identity). */
  changed: boolean;
}

/**
 * Defanged tokens, one alternation so the text is scanned once. Bracketed forms accept inner
 * spaces (`[ . ]`) and one space either side (`evil [.] com`); scheme forms accept any case of the
 * x's (`hXXp`, `hxxps`, `fxp`). `\.` and a spaced ` . ` only count between name characters
 * (`evil\.com`, `2.2.2 . 2`). The leading lookahead names every token's possible first character:
 * it changes no match, but lets the engine skip other positions cheaply (2.5× faster on the ESET reports).
 */
const DEFANG =
  /(?=[hf[({ \\])(?:\bh(?:xx|XX|xX|Xx|\*\*|__)p(s?)(?=\[?:|\[:\/\/\]|:\/\/)|\bfxp(?=\[?:|\[:\/\/\])|\[:\/\/\]|\[:\]|\[\/\]|\(:\)| ?[[({] ?(?:\.|dot|DOT|Dot) ?[\])}] ?| ?[[({] ?(?:@|at|AT|At) ?[\])}] ?|(?<=[A-Za-z0-9-])\\\.(?=[A-Za-z0-9])|(?<=[A-Za-z0-9]) \. (?=[A-Za-z0-9]))/g;

/** What a matched token stands for. */
function replacement(token: string, https: string | undefined): string {
  const t = token.trim();
  if (t.startsWith('h') || t.startsWith('H')) return `http${https ?? ''}`;
  if (t === 'fxp') return 'ftp';
  if (t === '[://]') return '://';
  if (t === '[:]' || t === '(:)') return ':';
  if (t === '[/]') return '/';
  if (t === '\\.') return '.';
  const inner = t.slice(1, -1).trim().toLowerCase();
  return inner === '@' || inner === 'at' ? '@' : '.';
}

/**
 * Rewrites defanged tokens and returns the copy with its offset map. Linear in the text length.
 *
 * @example refangWithMap('evil[.]com').text === 'evil.com'
 */
export function refangWithMap(text: string): Refanged {
  DEFANG.lastIndex = 0;
  if (!DEFANG.test(text)) {
    return { text, from: new Uint32Array(0), to: new Uint32Array(0), changed: false };
  }
  DEFANG.lastIndex = 0;
  const parts: string[] = [];
  // Every token is at least as long as what it stands for, so the copy is never longer than the text.
  const from = new Uint32Array(text.length);
  const to = new Uint32Array(text.length);
  let n = 0;
  let last = 0;
  for (let m = DEFANG.exec(text); m !== null; m = DEFANG.exec(text)) {
    for (let i = last; i < m.index; i++, n++) {
      from[n] = i;
      to[n] = i + 1;
    }
    parts.push(text.slice(last, m.index));
    const rep = replacement(m[0], m[1]);
    const end = m.index + m[0].length;
    for (let i = 0; i < rep.length; i++, n++) {
      from[n] = m.index;
      to[n] = end;
    }
    parts.push(rep);
    last = end;
  }
  for (let i = last; i < text.length; i++, n++) {
    from[n] = i;
    to[n] = i + 1;
  }
  parts.push(text.slice(last));
  return { text: parts.join(''), from: from.subarray(0, n), to: to.subarray(0, n), changed: true };
}

/** Maps a refanged span [start, end) back to the text's span. */
export function originalSpan(r: Refanged, start: number, end: number): { start: number; end: number } {
  if (!r.changed) return { start, end };
  return { start: r.from[start] ?? start, end: r.to[end - 1] ?? end };
}
