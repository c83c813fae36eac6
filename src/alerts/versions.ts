/**
 * Version comparison and version ranges for watchlist matching: one ordering for the many version
 * forms CVE data carries (semver, PAN-OS hotfixes `10.2.9-h1`, Citrix builds `13.1-49.15`, Juniper
 * `22.4R3-S3`, OpenSSL letters `1.0.2k`, Windows builds `10.0.19045.2251`, RPM epochs `0:5.14.0-…`),
 * and ranges as intervals built from watch entries (NVD CPE matches and CVE 5 `affected` versions
 * are read into ranges in ranges.ts).
 * CVE 5 versions: https://github.com/CVEProject/cve-schema (CVE Record Format 5.1, `versions`).
 * NVD CPE match bounds: https://nvd.nist.gov/developers/vulnerabilities (`cpeMatch`).
 */
import semver, { type SemVer } from 'semver';
import { VigilError } from '../errors.ts';

/** One end of a range. */
export interface VersionBound {
  v: string;
  inclusive: boolean;
}

/** A set of versions: one `exact` version, or the interval from `start` to `end` (absent = unbounded). `{}` is every version. */
export interface VersionRange {
  start?: VersionBound;
  end?: VersionBound;
  exact?: string;
}

type Token = { n: string } | { w: string; pre: boolean } | { max: true };

/** Words that mark a version before its release (`1.0.0-rc1` < `1.0.0`), by rank. */
const PRE_RANK: ReadonlyMap<string, number> = new Map([
  ['dev', 0], ['snapshot', 0], ['nightly', 0], ['canary', 0], ['alpha', 1], ['a', 1], ['beta', 2], ['b', 2],
  ['m', 3], ['milestone', 3], ['ea', 3], ['pre', 4], ['preview', 4], ['rc', 5], ['c', 5], ['cr', 5],
]);
/** Words that carry no ordering (`1.0.Final` = `1.0`). */
const IGNORED = new Set(['final', 'ga', 'release', 'stable']);
interface Parsed {
  epoch: number;
  tokens: Token[];
  /** The version as semver, when it is one with a semver-style pre-release tag (see {@link semverStyle}). */
  semver: SemVer | null;
}
const parsedMemo = new Map<string, Parsed>();

/** Splits a version into numbers, words and the `*` wildcard (sorting after everything). */
function tokenize(version: string): Parsed {
  const hit = parsedMemo.get(version);
  if (hit) return hit;
  let s = version.trim().toLowerCase();
  let epoch = 0;
  const e = /^(\d+):(?=\d)/.exec(s);
  if (e) {
    epoch = Number(e[1]);
    s = s.slice(e[0].length);
  }
  s = s.replace(/^v(?=\d)/, '');
  const tokens: Token[] = [];
  for (const m of s.matchAll(/(\d+)|([a-z]+)|(\*)/g)) {
    if (m[1] !== undefined) tokens.push({ n: m[1].replace(/^0+(?=\d)/, '') });
    else if (m[3] !== undefined) tokens.push({ max: true });
    else if (m[2] !== undefined && !IGNORED.has(m[2])) {
      const w = m[2];
      // `1.0a1` is a pre-release, OpenSSL's `1.0.2a` a later release: a single letter is a
      // pre-release marker only when a number follows it.
      const single = w.length === 1;
      const pre = PRE_RANK.has(w) && (!single || /\d/.test(s[(m.index ?? 0) + 1] ?? ''));
      tokens.push({ w, pre });
    }
  }
  const out = { epoch, tokens, semver: semverStyle(version) };
  if (parsedMemo.size >= 50_000) parsedMemo.clear();
  parsedMemo.set(version, out);
  return out;
}

function compareTokens(x: Token, y: Token): number {
  if ('max' in x || 'max' in y) return ('max' in x ? 1 : 0) - ('max' in y ? 1 : 0);
  if ('n' in x && 'n' in y) return x.n.length !== y.n.length ? x.n.length - y.n.length : x.n < y.n ? -1 : x.n > y.n ? 1 : 0;
  if ('n' in x) return 1; // a number sorts after any word at the same place
  if ('n' in y) return -1;
  if (x.pre !== y.pre) return x.pre ? -1 : 1;
  if (x.pre) {
    const r = (PRE_RANK.get(x.w) ?? 0) - (PRE_RANK.get(y.w) ?? 0);
    if (r !== 0) return r;
  }
  return x.w < y.w ? -1 : x.w > y.w ? 1 : 0;
}

/** How a version that continues past the other compares with it: zeros add nothing, a pre-release word makes it older, anything else newer. */
function compareTail(rest: Token[]): number {
  for (const t of rest) {
    if ('n' in t && t.n === '0') continue;
    return 'w' in t && t.pre ? -1 : 1;
  }
  return 0;
}

/** Whether semver's own ordering applies: a pre-release tag in semver style (`rc.1`, `beta`, `0`), not a vendor suffix (`h1`, `15266`). */
function semverStyle(v: string): SemVer | null {
  const p = semver.parse(v);
  if (!p || p.prerelease.length === 0) return p;
  const first = p.prerelease[0];
  const style = (first === 0 || (typeof first === 'string' && PRE_RANK.has(first) && first.length > 1)) && p.prerelease.every((id) => typeof id === 'number' || !/\d/.test(id));
  return style ? p : null;
}

/**
 * Compares two versions: negative when `a` is older, 0 when equal, positive when newer. Leading
 * `v` and RPM epochs (`1:2.3`) are understood; numbers compare numerically, words lexically;
 * pre-release words (`alpha`, `beta`, `rc`, `dev`, `M1`…) sort before the release and any other
 * suffix (hotfix `-h1`, patch `-p9`, build `-49.15`, `R3-S3`) after it; `10.2` equals `10.2.0`; a
 * `*` segment sorts after everything (`6.6.*` ends the 6.6 series). Where both are semver with a
 * semver-style pre-release tag, the `semver` package decides (`1.22.0-0` < `1.22.0`).
 * @example compareVersions('10.2.9-h1', '10.2.9') // > 0
 * @example compareVersions('13.1-49.15', '13.1-51.15') // < 0
 */
export function compareVersions(a: string, b: string): number {
  if (a === b) return 0;
  const x = tokenize(a);
  const y = tokenize(b);
  if (x.semver && y.semver) return x.semver.compare(y.semver);
  if (x.epoch !== y.epoch) return x.epoch - y.epoch;
  const n = Math.min(x.tokens.length, y.tokens.length);
  for (let i = 0; i < n; i++) {
    const c = compareTokens(x.tokens[i] as Token, y.tokens[i] as Token);
    if (c !== 0) return c;
  }
  if (x.tokens.length > n) return compareTail(x.tokens.slice(n));
  if (y.tokens.length > n) return -compareTail(y.tokens.slice(n)) || 0; // `|| 0`: no -0
  return 0;
}

/** Whether a string reads as a version (has a digit; letters, digits and `. - _ + ~ : ( )` only). */
export function isVersion(s: string): boolean {
  return /\d/.test(s) && /^[0-9A-Za-z][0-9A-Za-z._+~:()-]*$/.test(s);
}

function invalidSpec(spec: string, reason: string): VigilError {
  return new VigilError('VIGIL_WATCH_ENTRY_INVALID', [`version "${spec}"`, reason]);
}

/** Whether `start`..`end` holds at least one version. */
export function nonEmpty(start: VersionBound | undefined, end: VersionBound | undefined): boolean {
  if (!start || !end) return true;
  const c = compareVersions(start.v, end.v);
  return c < 0 || (c === 0 && start.inclusive && end.inclusive);
}

/**
 * Parses the version of a watch entry: `10.2.5` (that version), `=1.2.3`, `>=10.2.0 <10.2.9`,
 * `>1.0`, `<=2` (operators may be separated by spaces or commas: `>= 2.24.0, < 2.24.4`), `10.2.*`
 * or `10.2.x` (the 10.2 series), `*` (any version).
 * @throws VigilError `VIGIL_WATCH_ENTRY_INVALID` naming the spec: empty, not a version, two lower
 *   or two upper bounds, `=` combined with a bound, or a range holding no version.
 * @example parseVersionSpec('>=10.2.0 <10.2.9') // { start: { v: '10.2.0', inclusive: true }, end: { v: '10.2.9', inclusive: false } }
 */
export function parseVersionSpec(spec: string): VersionRange {
  const s = spec.trim();
  if (s === '') throw invalidSpec(spec, 'empty');
  if (s === '*' || s.toLowerCase() === 'x') return {};
  const prefix = /^(.+)\.[*xX]$/.exec(s)?.[1];
  if (prefix !== undefined) {
    if (!isVersion(prefix)) throw invalidSpec(spec, `"${prefix}" is not a version`);
    return { start: { v: prefix, inclusive: true }, end: { v: `${prefix}.*`, inclusive: true } };
  }
  const parts = s.replace(/(>=|<=|==|=|>|<)\s+/g, '$1').split(/[\s,]+/).filter(Boolean);
  const range: VersionRange = {};
  for (const part of parts) {
    const m = /^(>=|<=|==|=|>|<)?(.*)$/.exec(part);
    const op = m?.[1] ?? '';
    const v = m?.[2] ?? '';
    if (!isVersion(v)) throw invalidSpec(spec, `"${v || part}" is not a version (expected e.g. 10.2.5, >=10.2.0 <10.2.9, 10.2.*)`);
    if (op === '' || op === '=' || op === '==') {
      if (parts.length > 1) throw invalidSpec(spec, 'an exact version cannot be combined with other bounds');
      return { exact: v };
    }
    const side = op.startsWith('>') ? 'start' : 'end';
    if (range[side]) throw invalidSpec(spec, `two ${side === 'start' ? 'lower' : 'upper'} bounds`);
    range[side] = { v, inclusive: op.endsWith('=') };
  }
  if (!nonEmpty(range.start, range.end)) throw invalidSpec(spec, 'the range holds no version (lower bound above upper bound)');
  return range;
}

/** Bounds of a range as an interval (an exact version is `[v, v]`). */
export function bounds(r: VersionRange): [VersionBound | undefined, VersionBound | undefined] {
  if (r.exact !== undefined) return [{ v: r.exact, inclusive: true }, { v: r.exact, inclusive: true }];
  return [r.start, r.end];
}

/** Whether two ranges share at least one version. */
export function intersects(a: VersionRange, b: VersionRange): boolean {
  const [as, ae] = bounds(a);
  const [bs, be] = bounds(b);
  let lo = as ?? bs;
  if (as && bs) {
    const c = compareVersions(as.v, bs.v);
    lo = c > 0 ? as : c < 0 ? bs : { v: as.v, inclusive: as.inclusive && bs.inclusive };
  }
  let hi = ae ?? be;
  if (ae && be) {
    const c = compareVersions(ae.v, be.v);
    hi = c < 0 ? ae : c > 0 ? be : { v: ae.v, inclusive: ae.inclusive && be.inclusive };
  }
  return nonEmpty(lo, hi);
}

/**
 * A range for people: `10.2.5`, `[10.2.0, 10.2.9)`, `(-∞, 2.23.6)`, `[11.0.0, ∞)`, `*` (any).
 * @example describe({ start: { v: '10.2.0', inclusive: true }, end: { v: '10.2.9', inclusive: false } }) // '[10.2.0, 10.2.9)'
 */
export function describe(r: VersionRange): string {
  if (r.exact !== undefined) return r.exact;
  if (!r.start && !r.end) return '*';
  const lo = r.start ? `${r.start.inclusive ? '[' : '('}${r.start.v}` : '(-∞';
  const hi = r.end ? `${r.end.v}${r.end.inclusive ? ']' : ')'}` : '∞)';
  return `${lo}, ${hi}`;
}
