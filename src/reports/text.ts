/**
 * The report as text: the title, the key figures and one line per listed item, for chat channels
 * (Slack, Telegram, Discord, Teams: through alerts/render.ts) and the e-mail's text part. Plain
 * text; channels escape it for their markup. Units as every alert shows them: EPSS as percentages,
 * CVSS 0–10 with one decimal, priority 0–100, dates `YYYY-MM-DD` (UTC).
 */
import type { ReportData, ReportGap } from './types.ts';

/** `YYYY-MM-DD` of the period's last day. */
function lastDay(r: Pick<ReportData, 'end'>): string {
  return new Date(Date.parse(`${r.end}T00:00:00Z`) - 86_400_000).toISOString().slice(0, 10);
}

/** A probability (0–1) as a percentage: two decimals above 1%, two significant digits below. */
export function percent(p: number): string {
  const v = p * 100;
  const s = v >= 1 ? (Math.floor(v * 100) / 100).toFixed(2) : v.toPrecision(2);
  return `${s.includes('.') ? s.replace(/\.?0+$/, '') : s}%`;
}

/** `+4.2`, `−0.3`, `0`: a signed change with one decimal. */
export function signed(x: number): string {
  const v = Math.round(x * 10) / 10;
  return v > 0 ? `+${v.toFixed(1)}` : v < 0 ? `−${(-v).toFixed(1)}` : '0';
}

/** The period for people: `2025-05-13` or `2025-05-11 → 2025-05-17`. */
export function periodLabel(r: Pick<ReportData, 'start' | 'end' | 'period'>): string {
  return r.period === 'day' ? r.start : `${r.start} → ${lastDay(r)}`;
}

/** `Vigil weekly report (watchlist:edge): 2025-05-11 → 2025-05-17`. */
export function reportTitle(r: ReportData): string {
  return `Vigil ${r.period === 'day' ? 'daily' : 'weekly'} report (${r.scope}): ${periodLabel(r)}`;
}

/** Where a CVE's page is: the dashboard when configured, else NVD. */
export function cveLink(r: Pick<ReportData, 'linkBase'>, cveId: string): string {
  return r.linkBase ? `${r.linkBase.replace(/\/$/, '')}/cves/${encodeURIComponent(cveId)}` : `https://nvd.nist.gov/vuln/detail/${encodeURIComponent(cveId)}`;
}

/** The key figures, in display order. */
export function reportFigures(r: ReportData): { label: string; value: string }[] {
  const t = r.totals;
  const out = [
    { label: 'New CVEs', value: `${t.newCves} (${t.critical} critical, ${t.high} high)` },
    { label: 'KEV additions', value: String(t.kevAdded) },
    { label: 'Intel documents', value: String(t.intel) },
  ];
  if (r.exposure) out.push({ label: 'Exposure', value: `${r.exposure.after.toFixed(1)} (${signed(r.exposure.change)} over the period)` });
  return out;
}

/** One line: `12 new CVEs (2 critical, 5 high) · 3 KEV additions · exposure 41.2 (+4.2)`. */
export function reportSummary(r: ReportData): string {
  const t = r.totals;
  const parts = [`${t.newCves} new CVE${t.newCves === 1 ? '' : 's'} (${t.critical} critical)`, `${t.kevAdded} KEV addition${t.kevAdded === 1 ? '' : 's'}`];
  if (r.exposure) parts.push(`exposure ${r.exposure.after.toFixed(1)} (${signed(r.exposure.change)})`);
  return parts.join(' · ');
}

function clip(text: string | null, max: number): string {
  const t = (text ?? '').replace(/\s+/g, ' ').trim();
  return t.length > max ? `${t.slice(0, max - 1).trimEnd()}…` : t;
}

function gapLine(g: ReportGap): string {
  return `Not available: ${g.section} (${clip(g.error, 160)})`;
}

/**
 * The report's sections as lines (headings end with `:`; items start with `- `), for channels
 * that lay out their own message around them.
 */
export function reportLines(r: ReportData): string[] {
  const lines: string[] = [];
  const section = (title: string, items: string[], none: string) => {
    lines.push(`${title}:`);
    lines.push(...(items.length ? items.map((i) => `- ${i}`) : [`- ${none}`]));
  };
  const more = (shown: number, total: number) => (total > shown ? [`…and ${total - shown} more`] : []);
  section(
    `New critical CVEs (${r.totals.critical})`,
    [
      ...r.critical.map(
        (c) =>
          `${c.cveId} CVSS ${c.cvss?.toFixed(1) ?? 'n/a'}${c.epss !== null ? ` · EPSS ${percent(c.epss)}` : ''}${c.kev ? ' · KEV' : ''} · priority ${Math.round(c.priority)}: ${clip(c.title, 120)}`,
      ),
      ...more(r.critical.length, r.totals.critical),
    ],
    'none',
  );
  section(
    `KEV additions (${r.totals.kevAdded})`,
    [...r.kev.map((k) => `${k.cveId} added ${k.dateAdded} (${k.vendor}): ${clip(k.title, 120)}`), ...more(r.kev.length, r.totals.kevAdded)],
    'none',
  );
  section(
    'EPSS movers',
    r.movers.map(
      (m) => `${m.cveId} ${m.before === null ? 'unscored' : percent(m.before)} → ${percent(m.after)}${m.kev ? ' · KEV' : ''}: ${clip(m.title, 100)}`,
    ),
    'none',
  );
  section(
    `Top intel (${r.totals.intel} documents)`,
    r.intel.map(
      (d) =>
        `${clip(d.title, 140)} (${d.source}, ${d.date.slice(0, 10)}${d.clusterSize > 1 ? `, ${d.clusterSize} documents` : ''}${d.cves.length ? `, ${d.cves.slice(0, 3).join(' ')}` : ''}) ${d.url}`,
    ),
    'none',
  );
  if (r.buzz.length)
    section(
      'Most mentioned CVEs',
      r.buzz.map((b) => `${b.cveId}: ${b.mentions} mentions in ${b.sources} sources`),
      'none',
    );
  for (const g of r.gaps) lines.push(gapLine(g));
  return lines;
}

/**
 * The whole report as text. `markdown`: headings bold (`*…*` for Slack mrkdwn and Telegram-style
 * chats, `**…**` for Discord/Teams Markdown).
 */
export function reportText(r: ReportData, options: { bold?: '*' | '**' } = {}): string {
  const b = (s: string) => (options.bold ? `${options.bold}${s}${options.bold}` : s);
  const figures = reportFigures(r).map((f) => `${f.label}: ${f.value}`);
  const body = reportLines(r).map((l) => (l.endsWith(':') && !l.startsWith('- ') ? `\n${b(l)}` : l));
  return [b(reportTitle(r)), '', ...figures, ...body, '', `Generated ${r.generatedAt.slice(0, 16).replace('T', ' ')} UTC by Vigil`].join('\n');
}
