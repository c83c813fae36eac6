/**
 * Version ranges as NVD and CVE 5 state them: an NVD CPE match (`versionStart*`/`versionEnd*` or
 * the CPE's own version) and a CVE 5 `affected` entry (`versions[]` with `lessThan`,
 * `lessThanOrEqual`, `defaultStatus`; CVE Record Format 5.1), read into {@link VersionRange}s.
 */
import type { Cpe23 } from '../enrich/cpe.ts';
import type { CpeApplicability } from '../model/record.ts';
import type { AffectedProduct, AffectedVersion } from '../model/vulnerability.ts';
import { bounds, compareVersions, isVersion, nonEmpty, parseVersionSpec, type VersionBound, type VersionRange } from './versions.ts';

/** Ranges read from one CVE 5 `affected` entry, with why items were left out. */
export interface AffectedRanges {
  ranges: VersionRange[];
  /** One line per `versions[]` item that could not be evaluated (`versions[2]: versionType git …`). */
  skipped: string[];
}

/** An exact CPE version as one string: the update joins it (`10.2.4` + `h1` = `10.2.4-h1`); `*` (any) gives `{}`, `-` (not applicable) `null`. */
export function rangeFromCpe(cpe: Pick<Cpe23, 'version' | 'update'>): VersionRange | null {
  const v = cpe.version;
  if (v === '-') return null;
  if (v === '*' || v === '') return {};
  if (/^[^*?]+\.\*$/.test(v)) return parseVersionSpec(v);
  if (/[*?]/.test(v)) return {};
  const u = cpe.update;
  return { exact: u && u !== '*' && u !== '-' ? `${v}-${u}` : v };
}

/**
 * The versions one NVD CPE match covers: its `versionStart*`/`versionEnd*` bounds when it has
 * any, else the exact version of its CPE name (update included, see {@link rangeFromCpe}).
 * @returns `{}` for any version (`*` without bounds), `null` when the CPE says version `-` (NA).
 */
export function rangeFromCpeMatch(m: Pick<CpeApplicability, 'version' | 'versionStartIncluding' | 'versionStartExcluding' | 'versionEndIncluding' | 'versionEndExcluding'> & { update?: string }): VersionRange | null {
  const startV = m.versionStartIncluding ?? m.versionStartExcluding;
  const endV = m.versionEndIncluding ?? m.versionEndExcluding;
  if (startV === undefined && endV === undefined) return rangeFromCpe({ version: m.version, update: m.update ?? '*' });
  const r: VersionRange = {};
  if (startV !== undefined) r.start = { v: startV, inclusive: m.versionStartIncluding !== undefined };
  if (endV !== undefined) r.end = { v: endV, inclusive: m.versionEndIncluding !== undefined };
  return r;
}

/** A git commit id (VulDB writes them as versions without `versionType: git`). */
const COMMIT = /^(?:commit_)?(?=[0-9a-f]*[a-f])(?=[0-9a-f]*\d)[0-9a-f]{12,40}$/i;
/** Lower-bound values CNAs use for "from the first version". */
const FROM_ANY = new Set(['0', '*', 'n/a', '', 'unspecified', 'all']);

/** Drops a comparison operator some CNAs write into the value (`>= 2.6.0`, `<0.19.2`). */
function bare(s: string): { v: string; op: string } {
  const m = /^(>=|<=|>|<|=)?\s*(.*)$/.exec(s.trim());
  return { op: m?.[1] ?? '', v: (m?.[2] ?? '').trim() };
}

/** One `affected` item as a range; a string says why it cannot be used. */
function rangeOfItem(item: AffectedVersion): VersionRange | string {
  if (item.versionType?.toLowerCase() === 'git') return 'versionType git: commit ids have no order';
  if (COMMIT.test(item.version) || COMMIT.test(item.lessThan ?? item.lessThanOrEqual ?? '')) return `"${item.version}" looks like a commit id (no order)`;
  const upper = item.lessThan ?? item.lessThanOrEqual;
  const lower = bare(item.version);
  if (upper === undefined) {
    // GitHub's CNA writes ranges into `version`: `< 2.23.6`, `>= 2.24.0, < 2.24.4`.
    if (/^[<>=]/.test(item.version.trim())) {
      try {
        return parseVersionSpec(item.version);
      } catch {
        return `"${item.version}" is not a version range`;
      }
    }
    // `0` or `*` alone: CNAs mean every version (a version "0" is never shipped).
    if (FROM_ANY.has(lower.v.toLowerCase()) && lower.v !== '') return {};
    return isVersion(lower.v) ? { exact: lower.v } : `"${item.version}" is not a version`;
  }
  const r: VersionRange = {};
  const end = bare(upper);
  if (end.v !== '*') {
    if (!isVersion(end.v) && !/^[^*]+\.\*$/.test(end.v)) return `upper bound "${upper}" is not a version`;
    r.end = { v: end.v, inclusive: item.lessThanOrEqual !== undefined && item.lessThan === undefined };
  }
  if (!FROM_ANY.has(lower.v.toLowerCase())) {
    if (!isVersion(lower.v)) return `lower bound "${item.version}" is not a version`;
    r.start = { v: lower.v, inclusive: lower.op !== '>' };
  }
  return r;
}

/**
 * The versions a CVE 5 `affected` entry states as affected: each `versions[]` item with status
 * `affected` (`{version, lessThan}` = `[version, lessThan)`, `lessThanOrEqual` = `[version, x]`,
 * `version` alone = that version, `0`/`*`/`n/a` as lower bound = unbounded, `*` as upper bound =
 * unbounded, GitHub's `>= 2.24.0, < 2.24.4` in `version`); with none, `defaultStatus: affected`
 * means every version except the `unaffected` items. `versionType: git` items are skipped (commit
 * ids have no order), as are values that are no versions; `skipped` says why.
 */
export function rangesFromAffected(a: Pick<AffectedProduct, 'versions' | 'defaultStatus'>): AffectedRanges {
  const out: AffectedRanges = { ranges: [], skipped: [] };
  const read = (status: AffectedVersion['status']): VersionRange[] => {
    const ranges: VersionRange[] = [];
    a.versions.forEach((item, i) => {
      if (item.status !== status) return;
      const r = rangeOfItem(item);
      if (typeof r === 'string') out.skipped.push(`versions[${i}]: ${r}`);
      else ranges.push(r);
    });
    return ranges;
  };
  const affected = read('affected');
  if (affected.length > 0 || a.versions.some((v) => v.status === 'affected') || a.defaultStatus !== 'affected') {
    out.ranges = affected;
    return out;
  }
  out.ranges = complement(read('unaffected'));
  return out;
}

/** Every version outside the given ranges, as ranges. */
function complement(ranges: VersionRange[]): VersionRange[] {
  const sorted = ranges.map(bounds).sort(([x], [y]) => (!x ? -1 : !y ? 1 : compareVersions(x.v, y.v)));
  const out: VersionRange[] = [];
  let from: VersionBound | undefined; // start of the current gap; undefined = from the first version
  for (const [s, e] of sorted) {
    if (s) {
      const gapEnd = { v: s.v, inclusive: !s.inclusive };
      if (nonEmpty(from, gapEnd)) out.push(from ? { start: from, end: gapEnd } : { end: gapEnd });
    }
    if (!e) return out;
    if (!from || compareVersions(e.v, from.v) >= 0) from = { v: e.v, inclusive: !e.inclusive };
  }
  out.push(from ? { start: from } : {});
  return out;
}
