/**
 * Maven's version order, as `org.apache.maven.artifact.versioning.ComparableVersion` (Maven 3)
 * defines it: https://maven.apache.org/pom.html#version-order-specification. Own code: no npm
 * package implements it (STACK.md).
 *
 * A version is split on `.`, `-` and every switch between digits and letters (`1.0alpha1` =
 * `1.0-alpha-1`); `-` (and a digit/letter switch) opens a sub-list. Numbers compare numerically
 * and sort after qualifiers; qualifiers order `alpha` (`a1`) < `beta` (`b1`) < `milestone`
 * (`m1`) < `rc` = `cr` < `snapshot` < `""` = `ga` = `final` = `release` < `sp`, then any other
 * word, lexically. Trailing zeros and release qualifiers carry nothing: `1.0.0` = `1` and
 * `5.2.20.RELEASE` = `5.2.20`.
 */

/** One parsed item: a number (decimal digits, no leading zeros), a qualifier, or a sub-list. */
type Item = { n: string } | { q: string } | Item[];

/** Qualifier ranks; `''` is the release itself. */
const QUALIFIERS = ['alpha', 'beta', 'milestone', 'rc', 'snapshot', '', 'sp'];
const ALIASES: Readonly<Record<string, string>> = { ga: '', final: '', release: '', cr: 'rc' };
const RELEASE_RANK = QUALIFIERS.indexOf('');

function qualifier(word: string, followedByDigit: boolean): Item {
  let q = word;
  if (followedByDigit && q.length === 1) q = q === 'a' ? 'alpha' : q === 'b' ? 'beta' : q === 'm' ? 'milestone' : q;
  return { q: ALIASES[q] ?? q };
}

/** `7-xyz` for an unknown word sorts after every known qualifier (Maven's `comparableQualifier`). */
function rankOf(q: string): string {
  const i = QUALIFIERS.indexOf(q);
  return i === -1 ? `${QUALIFIERS.length}-${q}` : String(i);
}

function isNull(item: Item): boolean {
  if (Array.isArray(item)) return item.length === 0;
  return 'n' in item ? item.n === '0' : item.q === '';
}

/** Drops trailing null items (`0`, release qualifiers, empty lists) of a list, as Maven does. */
function normalize(list: Item[]): void {
  for (let i = list.length - 1; i >= 0; i--) {
    const item = list[i] as Item;
    if (isNull(item)) list.splice(i, 1);
    else if (!Array.isArray(item)) break;
  }
}

function numberItem(digits: string): Item {
  return { n: digits.replace(/^0+(?=\d)/, '') };
}

/** Parses a version into Maven's item tree. */
export function parseMavenVersion(version: string): Item[] {
  const v = version.trim().toLowerCase();
  const root: Item[] = [];
  const lists: Item[][] = [root];
  let list = root;
  const open = (): void => {
    const sub: Item[] = [];
    list.push(sub);
    list = sub;
    lists.push(sub);
  };
  let isDigit = false;
  let start = 0;
  const token = (end: number, followedByDigit = false): Item => (isDigit ? numberItem(v.slice(start, end)) : qualifier(v.slice(start, end), followedByDigit));
  for (let i = 0; i < v.length; i++) {
    const c = v[i] as string;
    if (c === '.' || c === '-') {
      list.push(i === start ? { n: '0' } : token(i));
      start = i + 1;
      if (c === '-') open();
    } else if (c >= '0' && c <= '9') {
      if (!isDigit && i > start) {
        list.push(token(i, true));
        start = i;
        open();
      }
      isDigit = true;
    } else {
      if (isDigit && i > start) {
        list.push(token(i));
        start = i;
        open();
      }
      isDigit = false;
    }
  }
  if (v.length > start) list.push(token(v.length));
  for (const l of lists.reverse()) normalize(l);
  return root;
}

/** Compares one item with another, or with "nothing" (`undefined`: the shorter version's padding). */
function compareItem(a: Item, b: Item | undefined): number {
  if (Array.isArray(a)) {
    if (b === undefined) return a.length === 0 ? 0 : compareItem(a[0] as Item, undefined);
    if (!Array.isArray(b)) return 'n' in b ? -1 : 1;
    return compareLists(a, b);
  }
  if ('n' in a) {
    if (b === undefined) return a.n === '0' ? 0 : 1;
    if (Array.isArray(b) || 'q' in b) return 1;
    return a.n.length !== b.n.length ? a.n.length - b.n.length : a.n < b.n ? -1 : a.n > b.n ? 1 : 0;
  }
  if (b === undefined) {
    const r = rankOf(a.q);
    const release = String(RELEASE_RANK);
    return r < release ? -1 : r > release ? 1 : 0;
  }
  if (Array.isArray(b) || 'n' in b) return -1;
  const x = rankOf(a.q);
  const y = rankOf(b.q);
  return x < y ? -1 : x > y ? 1 : 0;
}

function compareLists(a: Item[], b: Item[]): number {
  const n = Math.max(a.length, b.length);
  for (let i = 0; i < n; i++) {
    const l = a[i];
    const r = b[i];
    const c = l === undefined ? (r === undefined ? 0 : -compareItem(r, undefined)) : compareItem(l, r);
    if (c !== 0) return c;
  }
  return 0;
}

/**
 * Compares two Maven versions: negative when `a` is older, 0 when Maven holds them equal,
 * positive when newer. Never throws: any string is a Maven version.
 * @example compareMavenVersions('5.2.20.RELEASE', '5.3.0') // < 0
 * @example compareMavenVersions('1.0-rc1', '1.0-SNAPSHOT') // < 0
 */
export function compareMavenVersions(a: string, b: string): number {
  if (a === b) return 0;
  return Math.sign(compareLists(parseMavenVersion(a), parseMavenVersion(b)));
}
