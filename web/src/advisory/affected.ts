/** Wording of an advisory's affected entries: OSV ranges as version intervals, CSAF product status. */
import type { AdvisoryAffected, AdvisoryRange } from '../types-advisories.ts';

/** Labels of the product statuses (CSAF 2.0 §3.2.3.9 as mapped in src/model/advisory.ts). */
export const STATUS_LABELS: Record<AdvisoryAffected['status'], string> = {
  affected: 'affected',
  fixed: 'fixed',
  not_affected: 'not affected',
  under_investigation: 'under investigation',
};

/** A commit hash shortened as git does; versions pass unchanged. */
function shortVersion(v: string, git: boolean): string {
  return git && /^[0-9a-f]{40}$/i.test(v) ? v.slice(0, 12) : v;
}

/**
 * The affected intervals of one OSV range (https://ossf.github.io/osv-schema/#evaluation), in order:
 * `introduced` opens an interval, `fixed` closes it (excluded), `last_affected` closes it (included),
 * `limit` bounds the search; `introduced: "0"` means from the first version.
 * @example rangeIntervals({ type: 'ECOSYSTEM', events: [{ introduced: '5.3.0' }, { fixed: '5.3.18' }] }) // ['≥ 5.3.0, < 5.3.18']
 */
export function rangeIntervals(range: AdvisoryRange): string[] {
  const git = range.type === 'GIT';
  const out: string[] = [];
  let from: string | null = null;
  let open = false;
  const lower = () => (from === null || from === '0' ? null : `≥ ${shortVersion(from, git)}`);
  for (const e of range.events) {
    if (e.introduced !== undefined) {
      if (open) out.push(lower() ?? 'all versions');
      from = e.introduced;
      open = true;
    } else if (e.fixed !== undefined || e.last_affected !== undefined) {
      const upper = e.fixed !== undefined ? `< ${shortVersion(e.fixed, git)}` : `≤ ${shortVersion(e.last_affected!, git)}`;
      out.push([lower(), upper].filter(Boolean).join(', '));
      open = false;
    } else if (e.limit !== undefined && e.limit !== '*') {
      if (open) out.push([lower(), `< ${shortVersion(e.limit, git)} (limit)`].filter(Boolean).join(', '));
      open = false;
    }
  }
  if (open) out.push(lower() ?? 'all versions');
  return out;
}

/** The name of an affected entry: vendor and product, or ecosystem and package. */
export function affectedName(a: AdvisoryAffected): { name: string; scope: string | null } {
  if (a.packageName) return { name: a.packageName, scope: a.ecosystem ?? null };
  const name = [a.vendor, a.product].filter(Boolean).join(' ');
  return { name: name || a.purl || a.cpes?.[0] || 'unnamed product', scope: null };
}
