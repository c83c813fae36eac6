/**
 * Cheap syntactic checks of CVSS vector strings, for schemas at the source boundary: the
 * mandatory base metrics in their specified order, then any further `Metric:Value` pairs.
 * Full validation and scoring happen in `cvss.ts`.
 * Specs: v2.0 https://www.first.org/cvss/v2/guide §2.4; v3.1 https://www.first.org/cvss/v3.1/specification-document §6;
 * v4.0 https://www.first.org/cvss/v4.0/specification-document §7.
 */
import type { CvssVersion } from '../model/vulnerability.ts';

const extra = '(?:/[A-Za-z]+:[A-Za-z]+)*';
const patterns: Record<CvssVersion, RegExp> = {
  '2.0': new RegExp(`^(?:\\()?AV:[LAN]/AC:[HML]/Au:[MSN]/C:[NPC]/I:[NPC]/A:[NPC]${extra}(?:\\))?$`),
  '3.0': new RegExp(`^CVSS:3\\.0/AV:[NALP]/AC:[LH]/PR:[NLH]/UI:[NR]/S:[UC]/C:[HLN]/I:[HLN]/A:[HLN]${extra}$`),
  '3.1': new RegExp(`^CVSS:3\\.1/AV:[NALP]/AC:[LH]/PR:[NLH]/UI:[NR]/S:[UC]/C:[HLN]/I:[HLN]/A:[HLN]${extra}$`),
  '4.0': new RegExp(`^CVSS:4\\.0/AV:[NALP]/AC:[LH]/AT:[NP]/PR:[NLH]/UI:[NPA]/VC:[HLN]/VI:[HLN]/VA:[HLN]/SC:[HLN]/SI:[HLN]/SA:[HLN]${extra}$`),
};

/**
 * Which CVSS version a vector is written in, from its prefix (`CVSS:3.1/…`; none means v2.0).
 * @returns the version, or `null` for an unknown prefix.
 */
export function cvssVersionOf(vector: string): CvssVersion | null {
  const m = /^CVSS:(\d\.\d)\//.exec(vector);
  if (!m) return vector.startsWith('AV:') || vector.startsWith('(AV:') ? '2.0' : null;
  const v = m[1];
  return v === '3.0' || v === '3.1' || v === '4.0' ? v : null;
}

const V3_BASE = ['AV', 'AC', 'PR', 'UI', 'S', 'C', 'I', 'A'];

/**
 * v3.x vectors with the base metrics moved to their specified order. The v3.0/v3.1 specifications
 * (§6) require readers to accept metrics in any order; v2.0 and v4.0 vectors are kept as given.
 */
function inBaseOrder(vector: string): string {
  const [prefix, ...pairs] = vector.split('/');
  const rank = (pair: string): number => {
    const i = V3_BASE.indexOf(pair.slice(0, pair.indexOf(':')));
    return i < 0 ? V3_BASE.length : i;
  };
  return [prefix, ...pairs.map((p, i) => ({ p, i })).sort((a, b) => rank(a.p) - rank(b.p) || a.i - b.i).map((x) => x.p)].join('/');
}

/**
 * Checks a vector's syntax against its version (or the version its prefix names). v3.x base
 * metrics may come in any order (v3.1 specification §6).
 * @returns `null` when well formed, otherwise a one-line reason.
 * @example cvssSyntaxProblem('CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H') // null
 */
export function cvssSyntaxProblem(vector: string, version?: CvssVersion): string | null {
  const detected = cvssVersionOf(vector);
  if (!detected) return 'unknown CVSS version prefix';
  if (version && detected !== version) return `vector is CVSS ${detected}, stated version is ${version}`;
  const ordered = detected === '3.0' || detected === '3.1' ? inBaseOrder(vector) : vector;
  return patterns[detected].test(ordered) ? null : `malformed CVSS ${detected} vector (base metrics missing, out of order or with invalid values)`;
}
