/** Prints the summary of an import or sync: read, stored, changed, rejected with reasons. */
import type { RunSummary } from '../pipeline.ts';

const SHOWN = 20;

/**
 * Renders a run summary as text lines.
 * @param options.issueExamples merge issues listed by example (default 5); 0 prints only their
 *   count and how to see each one (`vigil serve`'s first import has ~150).
 */
export function formatSummary(s: RunSummary, options: { issueExamples?: number } = {}): string {
  const issueExamples = options.issueExamples ?? 5;
  const lines = [
    `${s.source}: read ${s.read}, stored ${s.stored} (new ${s.created}, changed ${s.changed}), unchanged ${s.unchanged}, stale ${s.stale}, rejected ${s.rejected.length}`,
  ];
  for (const d of s.epss) lines.push(`  EPSS ${d.date}: ${d.rows} scores, ${d.alreadyStored ? 'already stored' : `${d.changed} changed`}`);
  for (const k of s.kev) {
    lines.push(
      `  KEV catalog ${k.catalogVersion}: ${k.entries} entries, ${k.alreadyStored ? 'already stored' : `${k.added.length} newly added${k.added.length ? ` (${k.added.join(', ')})` : ''}, ${k.updated.length} updated, ${k.removed.length} removed`}`,
    );
  }
  for (const r of s.rejected.slice(0, SHOWN)) {
    const where = [r.where.origin, r.where.record, r.where.field].filter(Boolean).join(' › ');
    lines.push(`  rejected: ${where}: ${r.reason}`);
  }
  if (s.rejected.length > SHOWN) lines.push(`  … and ${s.rejected.length - SHOWN} more rejected (see the log)`);
  if (s.issues.length && issueExamples === 0) {
    lines.push(`  ${s.issues.length} merge issue(s) (CVSS score mismatches, invalid vectors or CPEs): VIGIL_LOG_LEVEL=debug logs each one`);
  } else if (s.issues.length) {
    lines.push(`  ${s.issues.length} merge issue(s) (CVSS score mismatches, invalid vectors or CPEs), e.g.:`);
    for (const i of s.issues.slice(0, issueExamples)) lines.push(`    ${i.cveId} ${i.source} ${i.field}: ${i.message}`);
  }
  if (s.cursor) lines.push(`  cursor: ${s.cursor}`);
  if (s.error) lines.push(`  ERROR: ${s.error}`);
  return lines.join('\n');
}
