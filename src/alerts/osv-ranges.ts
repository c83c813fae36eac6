/**
 * Whether a package version is affected by an advisory's OSV data, as the OSV schema's evaluation
 * defines it (https://ossf.github.io/osv-schema/#evaluation): a version is affected when it is
 * listed in `versions`, or lies in any range: its events sorted by the range's order (`SEMVER`:
 * SemVer 2.0; `ECOSYSTEM`: the ecosystem's own, ecosystem-versions.ts), `introduced` opening,
 * `fixed` (at it) and `last_affected` (after it) closing, and below one of its `limit`s if it has
 * any. `introduced: "0"` sorts before every version and a `limit` holding `*` after every one.
 * `GIT` ranges hold commit ids, which have no order without the repository: they never match a
 * version string.
 */
import type { AdvisoryAffected, AdvisoryRange } from '../model/advisory.ts';
import { ecosystemOrder, SEMVER_ORDER, type VersionOrder } from './ecosystem-versions.ts';
import type { VersionBound, VersionRange } from './versions.ts';

type OsvEvent = AdvisoryRange['events'][number];

/** The order a range's versions follow, or `null` for `GIT` (no order without the repository). */
export function orderOfRange(range: Pick<AdvisoryRange, 'type'>, ecosystem: string | undefined): VersionOrder | null {
  if (range.type === 'GIT') return null;
  return range.type === 'SEMVER' ? SEMVER_ORDER : ecosystemOrder(ecosystem);
}

/** The version of an event, whichever kind it is. */
function versionOf(e: OsvEvent): string {
  return e.introduced ?? e.fixed ?? e.last_affected ?? e.limit ?? '';
}

/** `introduced: "0"`: before every version. */
function isZero(e: OsvEvent): boolean {
  return e.introduced === '0';
}

function isInfinite(v: string): boolean {
  return v.includes('*');
}

/** Events in the range's order (stable for equal versions; `"0"` first, `*` last). */
function sorted(events: readonly OsvEvent[], order: VersionOrder): OsvEvent[] {
  return [...events].sort((a, b) => {
    if (isZero(a) || isZero(b)) return (isZero(a) ? 0 : 1) - (isZero(b) ? 0 : 1);
    const x = versionOf(a);
    const y = versionOf(b);
    if (isInfinite(x) || isInfinite(y)) return (isInfinite(x) ? 1 : 0) - (isInfinite(y) ? 1 : 0);
    return order.compare(x, y);
  });
}

/** The interval an evaluation found the version in, for people: `[5.3.0, 5.3.18)`, `(-∞, 1.8.2)`, `[2.0.0, ∞)`. */
function interval(from: OsvEvent | null, to: OsvEvent | null): string {
  const lo = !from || isZero(from) ? '(-∞' : `[${from.introduced}`;
  if (!to) return `${lo}, ∞)`;
  return to.last_affected !== undefined ? `${lo}, ${to.last_affected}]` : `${lo}, ${to.fixed})`;
}

/**
 * Evaluates one range for one version.
 * @returns how the version is affected (`5.3.17 in [5.3.0, 5.3.18) (Maven order)`), or `null`.
 */
export function inOsvRange(version: string, range: AdvisoryRange, ecosystem: string | undefined): string | null {
  const order = orderOfRange(range, ecosystem);
  if (!order) return null;
  const limits = range.events.filter((e) => e.limit !== undefined);
  if (limits.length > 0 && !limits.some((e) => isInfinite(e.limit as string) || order.compare(version, e.limit as string) < 0)) return null;
  const events = sorted(range.events, order);
  let opened: OsvEvent | null = null;
  for (const e of events) {
    if (e.introduced !== undefined && (isZero(e) || order.compare(version, e.introduced) >= 0)) opened = e;
    else if (e.fixed !== undefined && order.compare(version, e.fixed) >= 0) opened = null;
    else if (e.last_affected !== undefined && order.compare(version, e.last_affected) > 0) opened = null;
  }
  if (!opened) return null;
  // The event that closes the interval the version is in: the first fixed/last_affected after its introduced.
  const after = events.slice(events.indexOf(opened) + 1).find((e) => e.fixed !== undefined || e.last_affected !== undefined) ?? null;
  return `${version} in ${interval(opened, after)} (${order.name} order)`;
}

/**
 * Evaluates one version against an affected package's `versions` and `ranges`.
 * @returns how it is affected (`5.3.17 in [5.3.0, 5.3.18) (Maven order)`, `1.2.3 listed in
 *   versions`), or `null` when it is not.
 * @example affectedBy('5.3.17', { status: 'affected', ecosystem: 'Maven', ranges: [{ type: 'ECOSYSTEM', events: [{ introduced: '5.3.0' }, { fixed: '5.3.18' }] }] })
 */
export function affectedBy(version: string, a: Pick<AdvisoryAffected, 'ecosystem' | 'ranges' | 'versions'>): string | null {
  const order = ecosystemOrder(a.ecosystem);
  const listed = a.versions?.find((v) => v === version || order.compare(v, version) === 0);
  if (listed !== undefined) return `${version} listed in versions${listed === version ? '' : ` (as ${listed})`}`;
  for (const r of a.ranges ?? []) {
    const how = inOsvRange(version, r, a.ecosystem);
    if (how) return how;
  }
  return null;
}

/** Whether an affected entry states versions Vigil can evaluate (a listed version, or a range that is not `GIT`). */
export function hasEvaluableVersions(a: Pick<AdvisoryAffected, 'ranges' | 'versions'>): boolean {
  return (a.versions?.length ?? 0) > 0 || (a.ranges ?? []).some((r) => r.type !== 'GIT');
}

/**
 * The affected intervals of an affected entry's non-`GIT` ranges, as {@link VersionRange}s (for
 * comparing with a watch entry's version range), with the listed versions as exact ones.
 */
export function osvIntervals(a: Pick<AdvisoryAffected, 'ecosystem' | 'ranges' | 'versions'>): VersionRange[] {
  const out: VersionRange[] = (a.versions ?? []).map((v) => ({ exact: v }));
  for (const r of a.ranges ?? []) {
    const order = orderOfRange(r, a.ecosystem);
    if (!order) continue;
    let start: VersionBound | undefined;
    let open = false;
    for (const e of sorted(r.events, order)) {
      if (e.introduced !== undefined && !open) {
        open = true;
        start = isZero(e) ? undefined : { v: e.introduced, inclusive: true };
      } else if (open && (e.fixed !== undefined || e.last_affected !== undefined)) {
        const end = e.fixed !== undefined ? { v: e.fixed, inclusive: false } : { v: e.last_affected as string, inclusive: true };
        out.push(start ? { start, end } : { end });
        open = false;
      }
    }
    if (open) {
      const limit = r.events.find((e) => e.limit !== undefined && !isInfinite(e.limit));
      const end = limit ? { v: limit.limit as string, inclusive: false } : undefined;
      out.push({ ...(start ? { start } : {}), ...(end ? { end } : {}) });
    }
  }
  return out;
}
