/**
 * Field-level differences between two versions of a merged record, kept as change history
 * (field, old, new, source, time). Tracked fields are those a person acts on; bookkeeping such as
 * lastModified or the reference list order is not history.
 */
import type { Change, Vulnerability } from '../model/record.ts';

/** The fields compared, each reduced to a comparable string (or null when absent). */
const TRACKED: Record<string, (v: Vulnerability) => string | null> = {
  state: (v) => v.state,
  vulnStatus: (v) => v.vulnStatus ?? null,
  title: (v) => v.title ?? null,
  description: (v) => v.description ?? null,
  published: (v) => v.published ?? null,
  severity: (v) => v.severity,
  primaryCvss: (v) => (v.primaryCvss ? `${v.primaryCvss.baseScore} ${v.primaryCvss.vector}` : null),
  cwes: (v) => (v.cwes.length ? v.cwes.map((c) => c.id).sort().join(', ') : null),
  products: (v) =>
    v.products.length
      ? v.products
          .map((p) => `${p.vendor}:${p.product}`)
          .sort()
          .join(', ')
      : null,
  cpeCount: (v) => (v.cpes.length ? String(v.cpes.length) : null),
  ssvc: (v) => (v.ssvc ? `${v.ssvc.exploitation}/${v.ssvc.automatable}/${v.ssvc.technicalImpact} → ${v.ssvc.decision}` : null),
};

/**
 * Lists the changes from `before` to `after`. A new record yields one `created` change.
 * CVSS assessments are compared one by one, keyed by version and scorer (`cvss:3.1:nvd@nist.gov`).
 * @param source the feed whose update produced `after`.
 * @param at when that feed says it changed (its lastModified), ISO 8601.
 */
export function diffVulnerabilities(before: Vulnerability | null, after: Vulnerability, source: string, at: string): Change[] {
  if (!before) return [{ cveId: after.id, field: 'created', old: null, new: after.state, source, at }];
  const changes: Change[] = [];
  const push = (field: string, old: string | null, now: string | null): void => {
    if (old !== now) changes.push({ cveId: after.id, field, old, new: now, source, at });
  };
  for (const [field, get] of Object.entries(TRACKED)) push(field, get(before), get(after));
  const cvssMap = (v: Vulnerability): Map<string, string> =>
    new Map(v.cvss.map((m) => [`cvss:${m.version}:${m.scorer}`, `${m.baseScore} ${m.vector}`]));
  const was = cvssMap(before);
  const now = cvssMap(after);
  for (const key of new Set([...was.keys(), ...now.keys()])) push(key, was.get(key) ?? null, now.get(key) ?? null);
  return changes;
}
