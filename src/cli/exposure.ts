/**
 * `vigil exposure`: the cumulative threat-exposure index of a scope (docs/exposure.md). By default
 * a sparkline of E_t over the window, its change, and a table of the last days; `--json` prints
 * `[{date, score, exposure, openScore, openExposure}]`, every day of the window.
 */
import type { Command } from 'commander';
import { type ExposureSeries, exposureSeries } from '../exposure/series.ts';
import type { ExposurePoint } from '../exposure/types.ts';
import { numberIn, withContext } from './context.ts';

interface ExposureOptions {
  scope?: string;
  since?: string;
  until?: string;
  halfLife?: number;
  days?: number;
  json?: boolean;
}

const BARS = '▁▂▃▄▅▆▇█';

/**
 * A one-line plot of `values`, `width` characters at most (each character the largest value of its
 * stretch of days), scaled from the smallest to the largest value.
 */
export function sparkline(values: readonly number[], width = 72): string {
  if (values.length === 0) return '';
  const n = Math.min(width, values.length);
  const cols: number[] = [];
  for (let i = 0; i < n; i++) {
    const from = Math.floor((i * values.length) / n);
    const to = Math.max(from + 1, Math.floor(((i + 1) * values.length) / n));
    cols.push(Math.max(...values.slice(from, to)));
  }
  const lo = Math.min(...cols);
  const hi = Math.max(...cols);
  return cols.map((v) => BARS[hi === lo ? 0 : Math.round(((v - lo) / (hi - lo)) * (BARS.length - 1))]).join('');
}

const fmt = (x: number) => x.toFixed(2);

/** The default output: plot, change over the window, table of the last `days` days. */
export function exposureText(s: ExposureSeries, days = 10): string {
  const pts = s.points;
  const first = pts[0] as ExposurePoint | undefined;
  const last = pts.at(-1);
  if (!first || !last) return `exposure of ${s.scope}: no days in the window`;
  const lines: string[] = [];
  const scopeSize = s.cves === null ? 'every CVE' : `${s.cves} CVEs`;
  lines.push(`exposure of ${s.scope} (${scopeSize}), half-life ${s.halfLifeDays} days, ${first.date} → ${last.date} (${pts.length} days)`);
  const ex = pts.map((p) => p.exposure);
  lines.push('');
  lines.push(`  E_t    ${sparkline(ex)}  min ${fmt(Math.min(...ex))}  max ${fmt(Math.max(...ex))}`);
  lines.push(`  open   ${sparkline(pts.map((p) => p.openExposure))}`);
  const change = last.exposure - first.exposure;
  const pct = first.exposure > 0 ? ` (${change >= 0 ? '+' : ''}${((change / first.exposure) * 100).toFixed(1)}%)` : '';
  lines.push('');
  lines.push(
    `  change over the window: ${fmt(first.exposure)} → ${fmt(last.exposure)}, ${change >= 0 ? '+' : ''}${fmt(change)}${pct}; open ${fmt(first.openExposure)} → ${fmt(last.openExposure)}`,
  );
  lines.push('');
  const header = ['date', 'W_t', 'E_t', 'open W_t', 'open E_t'];
  const rows = pts.slice(-days).map((p) => [p.date, fmt(p.score), fmt(p.exposure), fmt(p.openScore), fmt(p.openExposure)]);
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] as string).length)));
  const line = (r: string[]) => `  ${r.map((c, i) => (i === 0 ? c.padEnd(widths[i] as number) : c.padStart(widths[i] as number))).join('  ')}`;
  lines.push(line(header));
  for (const r of rows) lines.push(line(r));
  lines.push('');
  lines.push('  W_t: Σ priority/100 of the CVEs published that day; E_t = W_t + 2^(−1/H)·E_{t−1} (docs/exposure.md)');
  return lines.join('\n');
}

/** Registers `vigil exposure`. */
export function registerExposure(program: Command): void {
  program
    .command('exposure')
    .description('the cumulative threat-exposure index of a scope, day by day (docs/exposure.md)')
    .option('--scope <SCOPE>', 'all (default), watchlist:NAME or team:NAME')
    .option('--since <DATE>', 'first day shown, YYYY-MM-DD (default: 365 days before --until; the index still carries everything before)')
    .option('--until <DATE>', 'last day shown, YYYY-MM-DD (default: today, UTC)')
    .option('--half-life <DAYS>', 'half-life H in days (default: config exposure.halfLifeDays, 30)', numberIn(0.001, 36_500))
    .option('--days <N>', 'days in the table (default 10)', numberIn(1, 1000))
    .option('--json', 'print [{date, score, exposure, openScore, openExposure}], every day of the window')
    .action(async (opts: ExposureOptions, cmd: Command) => {
      await withContext(cmd, async ({ stores, config }) => {
        const series = await exposureSeries(
          stores,
          {
            ...(opts.scope !== undefined ? { scope: opts.scope } : {}),
            ...(opts.since !== undefined ? { since: opts.since } : {}),
            ...(opts.until !== undefined ? { until: opts.until } : {}),
            ...(opts.halfLife !== undefined ? { halfLifeDays: opts.halfLife } : {}),
          },
          { halfLifeDays: config.exposure.halfLifeDays, merge: config.ssvc },
        );
        console.log(opts.json ? JSON.stringify(series.points) : exposureText(series, opts.days));
      });
    });
}
