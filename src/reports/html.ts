/**
 * The report as a self-contained HTML e-mail: inline CSS only (mail clients drop `<style>` blocks
 * and external sheets), layout tables, the charts as inline `<svg>` (charts.ts), and every text
 * from the data escaped. Gmail and Outlook for Windows do not display inline SVG, so each chart's
 * numbers are also in a table beside it and the charts travel as `.svg` attachments
 * (docs/reports.md: no PNG, which would need a rasteriser Vigil does not ship).
 */
import { escapeHtml as esc } from '../alerts/render.ts';
import { exposureChart, moversChart, newCvesChart, type ReportChart, SEVERITY_COLOURS } from './charts.ts';
import { cveLink, percent, periodLabel, reportFigures, reportText, reportTitle, signed } from './text.ts';
import { type ReportData, SEVERITY_BUCKETS } from './types.ts';

/** An e-mail's parts (nodemailer's `subject`, `text`, `html`, `attachments`). */
export interface ReportEmail {
  subject: string;
  text: string;
  html: string;
  attachments: { filename: string; content: string; contentType: 'image/svg+xml' }[];
}

const CELL = 'padding:4px 8px;border-bottom:1px solid #e5e5e5;text-align:left;vertical-align:top;font-size:13px';
const HEAD = `${CELL};background:#f4f6f8;font-weight:bold`;
const H2 = 'font-size:16px;margin:24px 0 8px 0;color:#1f4e79';

function table(head: string[], rows: string[][]): string {
  const th = head.map((h) => `<th style="${HEAD}">${esc(h)}</th>`).join('');
  const body = rows.map((r) => `<tr>${r.map((c) => `<td style="${CELL}">${c}</td>`).join('')}</tr>`).join('\n');
  return `<table role="presentation" cellspacing="0" cellpadding="0" style="border-collapse:collapse;width:100%;max-width:640px"><tr>${th}</tr>\n${body}</table>`;
}

function none(text = 'None in this period.'): string {
  return `<p style="font-size:13px;color:#666">${esc(text)}</p>`;
}

function link(href: string, text: string, nowrap = true): string {
  return `<a href="${esc(href)}" style="color:#1f4e79${nowrap ? ';white-space:nowrap' : ''}">${esc(text)}</a>`;
}

function chartBlock(chart: ReportChart): string {
  return `<div style="margin:8px 0">${chart.svg}</div>`;
}

/** The charts a report has (those with data). */
export function reportCharts(r: ReportData): ReportChart[] {
  const charts = [newCvesChart(r.days)];
  if (r.exposure && r.exposure.series.length > 1) charts.push(exposureChart(r.exposure, r));
  if (r.movers.length) charts.push(moversChart(r.movers));
  return charts;
}

/**
 * Renders the e-mail of a report: subject (the report title), text part (text.ts), HTML part and
 * the charts as SVG attachments.
 */
export function reportEmail(r: ReportData): ReportEmail {
  const subject = reportTitle(r);
  const charts = reportCharts(r);
  const byFile = new Map(charts.map((c) => [c.file, c]));
  const parts: string[] = [];
  parts.push(`<h1 style="font-size:20px;margin:0 0 4px 0">${esc(subject)}</h1>`);
  parts.push(`<p style="font-size:13px;color:#666;margin:0 0 12px 0">Scope ${esc(r.scope)} · ${esc(periodLabel(r))} (UTC days)</p>`);
  const figures = reportFigures(r).map((f) => `<tr><td style="${CELL}"><strong>${esc(f.label)}</strong></td><td style="${CELL}">${esc(f.value)}</td></tr>`);
  parts.push(`<table role="presentation" cellspacing="0" cellpadding="0" style="border-collapse:collapse">${figures.join('')}</table>`);

  parts.push(`<h2 style="${H2}">New CVEs per day</h2>`);
  const chart = byFile.get('new-cves.svg');
  if (chart) parts.push(chartBlock(chart));
  const present = SEVERITY_BUCKETS.filter((s) => r.days.some((d) => d.counts[s] > 0));
  parts.push(
    table(
      ['Day', ...present.map((s) => s.toLowerCase()), 'total'],
      r.days.map((d) => [
        esc(d.date),
        ...present.map((s) => `<span style="color:${SEVERITY_COLOURS[s] === '#dddddd' ? '#666' : SEVERITY_COLOURS[s]}">${d.counts[s]}</span>`),
        String(SEVERITY_BUCKETS.reduce((n, s) => n + d.counts[s], 0)),
      ]),
    ),
  );

  parts.push(`<h2 style="${H2}">New critical CVEs (${r.totals.critical})</h2>`);
  parts.push(
    r.critical.length
      ? table(
          ['CVE', 'CVSS', 'EPSS', 'KEV', 'Priority', 'Title'],
          r.critical.map((c) => [
            link(cveLink(r, c.cveId), c.cveId),
            c.cvss === null ? 'n/a' : c.cvss.toFixed(1),
            c.epss === null ? '—' : esc(percent(c.epss)),
            c.kev ? '<strong>yes</strong>' : '',
            String(Math.round(c.priority)),
            esc(c.title ?? ''),
          ]),
        ) + (r.totals.critical > r.critical.length ? none(`…and ${r.totals.critical - r.critical.length} more.`) : '')
      : none(),
  );

  parts.push(`<h2 style="${H2}">KEV additions (${r.totals.kevAdded})</h2>`);
  parts.push(
    r.kev.length
      ? table(
          ['CVE', 'Added', 'Vendor', 'Title'],
          r.kev.map((k) => [
            link(cveLink(r, k.cveId), k.cveId),
            `<span style="white-space:nowrap">${esc(k.dateAdded)}</span>`,
            esc(k.vendor),
            esc(k.title ?? ''),
          ]),
        )
      : none(),
  );

  parts.push(`<h2 style="${H2}">EPSS movers</h2>`);
  const movers = byFile.get('epss-movers.svg');
  if (movers) parts.push(chartBlock(movers));
  parts.push(
    r.movers.length
      ? table(
          ['CVE', 'Before', 'After', 'Change', 'Title'],
          r.movers.map((m) => [
            link(cveLink(r, m.cveId), m.cveId),
            m.before === null ? 'unscored' : esc(percent(m.before)),
            esc(percent(m.after)),
            esc(`${m.delta >= 0 ? '+' : '−'}${(Math.abs(m.delta) * 100).toFixed(2)} pts`),
            esc(m.title ?? ''),
          ]),
        )
      : none(),
  );

  parts.push(`<h2 style="${H2}">Top intel (${r.totals.intel} documents)</h2>`);
  parts.push(
    r.intel.length
      ? table(
          ['Document', 'Source', 'Date', 'CVEs'],
          r.intel.map((d) => [
            link(d.url, d.title, false) + (d.clusterSize > 1 ? ` <span style="color:#666">(${d.clusterSize} documents)</span>` : ''),
            esc(d.source),
            esc(d.date.slice(0, 10)),
            esc(d.cves.slice(0, 5).join(' ')),
          ]),
        )
      : none(),
  );
  if (r.buzz.length)
    parts.push(
      `<h2 style="${H2}">Most mentioned CVEs</h2>`,
      table(
        ['CVE', 'Mentions', 'Sources', 'Title'],
        r.buzz.map((b) => [link(cveLink(r, b.cveId), b.cveId), String(b.mentions), String(b.sources), esc(b.title ?? '')]),
      ),
    );

  parts.push(`<h2 style="${H2}">Exposure</h2>`);
  const exposure = byFile.get('exposure.svg');
  if (r.exposure) {
    if (exposure) parts.push(chartBlock(exposure));
    parts.push(
      table(
        ['Before the period', 'End of the period', 'Change'],
        [[r.exposure.before.toFixed(1), r.exposure.after.toFixed(1), esc(signed(r.exposure.change))]],
      ),
    );
  } else parts.push(none('Not available for this report.'));

  if (r.gaps.length)
    parts.push(
      `<p style="font-size:12px;color:#a94442">Not available in this report: ${r.gaps.map((g) => `${esc(g.section)} (${esc(g.error)})`).join('; ')}</p>`,
    );
  parts.push(
    `<p style="font-size:12px;color:#666;margin-top:24px">Generated ${esc(r.generatedAt.slice(0, 16).replace('T', ' '))} UTC by Vigil. Charts are also attached as SVG files for mail clients that do not show them.</p>`,
  );
  const html = `<!doctype html>\n<html><head><meta charset="utf-8"><meta name="viewport" content="width=device-width"><title>${esc(subject)}</title></head>\n<body style="margin:0;padding:16px;font-family:Helvetica,Arial,sans-serif;color:#222;background:#ffffff">\n<div style="max-width:660px">\n${parts.join('\n')}\n</div>\n</body></html>\n`;
  return {
    subject,
    text: reportText(r),
    html,
    attachments: charts.map((c) => ({ filename: c.file, content: c.svg, contentType: 'image/svg+xml' as const })),
  };
}
