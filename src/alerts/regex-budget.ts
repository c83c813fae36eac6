/**
 * What a regex entry may cost. RE2 (re2js) bounds backtracking, not the automaton: a counted
 * repetition is expanded into copies of its body, so `[\s\S]{0,1000}x[\s\S]{0,1000}y` compiles to
 * ~4,000 instructions and simulating it costs ~25 ms per CVE description (86 s for one preview
 * over 5,000 CVEs). These limits refuse such patterns up front, with a reason a user can act on;
 * matching also runs off the event loop with a time budget (match-thread.ts).
 * Measured on 2,000 corpus descriptions (avg 400 chars), one pattern alone: `log4j` (7
 * instructions) 90 ms, `.{0,20}x.{0,20}y` (84) 1.2 s, `.{0,50}x.{0,50}y` (204) 1.8 s,
 * `.{0,100}x.{0,100}y` (404) 3.9 s, the reported pattern (4,004) minutes.
 * RE2 syntax: https://github.com/google/re2/wiki/Syntax
 */

/** Longest pattern accepted, in UTF-16 code units. */
export const MAX_REGEX_LENGTH = 256;
/** Largest count in a counted repetition (`{n}`, `{n,}`, `{n,m}`), and of nested counts multiplied. */
export const MAX_REGEX_REPEAT = 100;
/** Largest compiled program accepted, in RE2 instructions (re2js `programSize()`). */
export const MAX_REGEX_PROGRAM = 200;

/** Escapes followed by a braced argument that is not a repetition (`\p{Greek}`, `\x{41}`). */
const BRACED_ESCAPES = new Set(['p', 'P', 'x']);
const COUNTED = /^\{(\d+)(?:(,)(\d*))?\}/;

/**
 * The largest counted repetition of a pattern, nested counts multiplied (`(a{0,10}){0,10}` → 100).
 * `*`, `+` and `?` are not counted: RE2 runs them as loops, at no cost in program size.
 * Escapes (`\{`, `\Q…\E`, `\p{…}`) and character classes (`[{]`) are skipped. The pattern is
 * assumed to be valid RE2 (compile it first).
 */
export function largestRepeat(pattern: string): number {
  // One frame per open group: the largest product of counts inside it so far.
  const frames: number[] = [0];
  const raise = (n: number) => {
    frames[frames.length - 1] = Math.max(frames.at(-1) ?? 0, n);
  };
  /** The count of a `{…}` quantifier at `i`, with its length; null when `{` is a literal there. */
  const countAt = (i: number): { n: number; length: number } | null => {
    const m = COUNTED.exec(pattern.slice(i, i + 24));
    if (!m) return null;
    return { n: Number(m[2] && m[3] ? m[3] : m[1]), length: m[0].length };
  };
  let i = 0;
  while (i < pattern.length) {
    const ch = pattern[i];
    let atom = 1; // the count an atom ending here carries into a quantifier after it
    if (ch === '\\') {
      const next = pattern[i + 1] ?? '';
      if (next === 'Q') {
        const end = pattern.indexOf('\\E', i + 2);
        i = end === -1 ? pattern.length : end + 2;
      } else if (BRACED_ESCAPES.has(next) && pattern[i + 2] === '{') {
        const end = pattern.indexOf('}', i + 3);
        i = end === -1 ? pattern.length : end + 1;
      } else i += 2;
    } else if (ch === '[') {
      // A class ends at the first `]` that is not its first member or escaped; `[:alpha:]` inside is skipped whole.
      let j = i + 1;
      if (pattern[j] === '^') j++;
      if (pattern[j] === ']') j++;
      while (j < pattern.length && pattern[j] !== ']') {
        if (pattern[j] === '\\') j += 2;
        else if (pattern.startsWith('[:', j)) j = Math.max(j + 2, pattern.indexOf(':]', j + 2) + 2);
        else j++;
      }
      i = j + 1;
    } else if (ch === '(') {
      frames.push(0);
      i++;
      continue;
    } else if (ch === ')') {
      atom = Math.max(1, frames.pop() ?? 0);
      if (frames.length === 0) frames.push(0);
      i++;
    } else if (ch === '{') {
      // A count directly after a count (`a{2}{3}`) multiplies nothing RE2 accepts; a literal `{` is an atom.
      i += countAt(i)?.length ?? 1;
    } else i++;
    const q = countAt(i);
    if (q) {
      raise(atom * Math.max(q.n, 1));
      i += q.length;
    } else if (atom > 1) raise(atom);
  }
  return Math.max(0, ...frames);
}

/**
 * Why a valid RE2 pattern is too costly to run on every CVE, or null when it is within the limits
 * ({@link MAX_REGEX_LENGTH}, {@link MAX_REGEX_REPEAT}, {@link MAX_REGEX_PROGRAM}).
 * @param programSize the compiled program's size (re2js `RE2JS.programSize()`), in instructions.
 * @example regexCostProblem('[\\s\\S]{0,1000}x', 2003) // 'a counted repetition of 1000 … (limit 100) …'
 */
export function regexCostProblem(pattern: string, programSize: number): string | null {
  if (pattern.length > MAX_REGEX_LENGTH) return `the pattern is ${pattern.length} characters long (limit ${MAX_REGEX_LENGTH})`;
  const repeat = largestRepeat(pattern);
  if (repeat > MAX_REGEX_REPEAT) return `a counted repetition of ${repeat} (nested counts multiplied) is too costly to run on every CVE (limit ${MAX_REGEX_REPEAT}): use a smaller count, or * or +`;
  if (programSize > MAX_REGEX_PROGRAM)
    return `it compiles to ${programSize} RE2 instructions, too costly to run on every CVE (limit ${MAX_REGEX_PROGRAM}): use smaller repetition counts or split it into several entries`;
  return null;
}
