/** Text rendering helpers for the CLI. */
import { formatPriority } from '../analysis/priority-format.ts';
import { clipWords } from '../analysis/title.ts';
import type { AdvisorySummary } from '../model/advisory.ts';
import type { CveAdvisoryRef, CveExploitRef, RankedVulnerability } from '../model/record.ts';

/** Renders rows as an aligned text table. */
export function table(header: string[], rows: string[][]): string {
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? '').length)));
  const line = (cells: string[]) => cells.map((c, i) => c.padEnd(widths[i] ?? 0)).join('  ').trimEnd();
  return [line(header), line(widths.map((w) => '─'.repeat(w))), ...rows.map(line)].join('\n');
}

/** Widths of the ranked list's text columns, and of a search result's snippet line. */
const VENDOR_WIDTH = 24;
const TITLE_WIDTH = 60;
const SNIPPET_WIDTH = 110;

/**
 * Renders a ranked list (`top`, `search`). Titles (the CNA's, else the description's first
 * sentence: analysis/title.ts) and vendors are cut between words.
 * @param options.snippets under each row, an indented line with its description snippet (search results).
 */
export function rankedTable(rows: RankedVulnerability[], options: { snippets?: boolean } = {}): string {
  if (!rows.length) return 'no matching CVE';
  const text = table(
    ['#', 'CVE', 'PRIO', 'KEV', 'EPSS', 'CVSS', 'SEVERITY', 'PUBLISHED', 'VENDOR', 'TITLE'],
    rows.map((r, i) => [
      String(i + 1),
      r.id,
      formatPriority(r.priority),
      r.kev ? (r.ransomware ? 'yes+R' : 'yes') : '',
      r.epss === null ? '' : `${(r.epss * 100).toFixed(1)}%`,
      r.cvssScore === null ? '' : `${r.cvssScore.toFixed(1)} v${r.cvssVersion}`,
      r.severity ?? '',
      r.published?.slice(0, 10) ?? '',
      clipWords(r.vendors.join(', '), VENDOR_WIDTH),
      clipWords(r.title ?? '', TITLE_WIDTH),
    ]),
  );
  if (!options.snippets) return text;
  const lines = text.split('\n');
  return [
    ...lines.slice(0, 2),
    ...rows.flatMap((r, i) => [lines[i + 2] as string, ...(r.snippet ? [`    ${clipWords(r.snippet, SNIPPET_WIDTH)}`] : [])]),
  ].join('\n');
}

/** Width of an advisory title in tables. */
const ADVISORY_TITLE_WIDTH = 70;

/** Rows of a CVE's advisories (`vigil show`): id, source, kind, published day, title. */
export function advisoryRows(rows: readonly CveAdvisoryRef[]): string[][] {
  return rows.map((a) => [a.id, a.source, a.kind, a.published?.slice(0, 10) ?? '', clipWords(a.title, ADVISORY_TITLE_WIDTH)]);
}

/** Rows of a CVE's exploits (`vigil show`): id, verified, type, platform, published day, URL. */
export function exploitRows(rows: readonly CveExploitRef[]): string[][] {
  return rows.map((e) => [e.id, e.verified ? 'yes' : 'no', e.type, e.platform, e.published?.slice(0, 10) ?? '', e.url ?? '']);
}

/** Renders an advisory list (`vigil advisories list`): id, source, kind, published (else modified) day, severity, CVE count, title. */
export function advisoryTable(rows: readonly AdvisorySummary[]): string {
  if (!rows.length) return 'no matching advisory';
  return table(
    ['ID', 'SOURCE', 'KIND', 'PUBLISHED', 'SEVERITY', 'CVES', 'TITLE'],
    rows.map((a) => [a.id, a.source, a.kind, (a.published ?? a.modified).slice(0, 10), a.severity ?? '', String(a.cves.length), clipWords(a.title, ADVISORY_TITLE_WIDTH)]),
  );
}
