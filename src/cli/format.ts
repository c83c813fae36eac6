/** Text rendering helpers for the CLI. */
import type { RankedVulnerability } from '../model/record.ts';

/** Renders rows as an aligned text table. */
export function table(header: string[], rows: string[][]): string {
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? '').length)));
  const line = (cells: string[]) => cells.map((c, i) => c.padEnd(widths[i] ?? 0)).join('  ').trimEnd();
  return [line(header), line(widths.map((w) => '─'.repeat(w))), ...rows.map(line)].join('\n');
}

const clip = (s: string, n: number) => (s.length > n ? `${s.slice(0, n - 1)}…` : s);

/** Renders a ranked list (`top`, `search`). */
export function rankedTable(rows: RankedVulnerability[]): string {
  if (!rows.length) return 'no matching CVE';
  return table(
    ['#', 'CVE', 'PRIO', 'KEV', 'EPSS', 'CVSS', 'SEVERITY', 'PUBLISHED', 'VENDOR', 'TITLE'],
    rows.map((r, i) => [
      String(i + 1),
      r.id,
      r.priority.toFixed(1),
      r.kev ? (r.ransomware ? 'yes+R' : 'yes') : '',
      r.epss === null ? '' : `${(r.epss * 100).toFixed(1)}%`,
      r.cvssScore === null ? '' : `${r.cvssScore.toFixed(1)} v${r.cvssVersion}`,
      r.severity ?? '',
      r.published?.slice(0, 10) ?? '',
      clip(r.vendors.join(', '), 24),
      clip(r.title ?? '', 60),
    ]),
  );
}
