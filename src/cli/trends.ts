/**
 * `vigil trends` (issue 15, docs/trends.md): counts per day, week or month along one dimension,
 * one row per series with a sparkline and its breakouts; `vigil trends movers` (EPSS movers over
 * a window) and `vigil trends buzz` (CVEs most named by intel documents). Tables by default,
 * `--json` for the store's answer as is.
 */
import { type Command, InvalidArgumentError } from 'commander';
import { parseScope, resolveScope } from '../exposure/scope.ts';
import { TREND_DIMENSIONS, TREND_INTERVALS, type TrendDimension, type TrendInterval, type TrendResult } from '../trends/types.ts';
import { type CliContext, numberIn, withContext } from './context.ts';
import { table } from './format.ts';

/** A `YYYY-MM-DD` argument. */
function day(value: string): string {
  if (!/^\d{4}-\d{2}-\d{2}$/.test(value) || Number.isNaN(Date.parse(`${value}T00:00:00Z`))) throw new InvalidArgumentError('expected YYYY-MM-DD');
  return value;
}

/** One of `allowed`. */
function oneOf<T extends string>(allowed: readonly T[]): (value: string) => T {
  return (value) => {
    if (!allowed.includes(value as T)) throw new InvalidArgumentError(`expected one of ${allowed.join(', ')}`);
    return value as T;
  };
}

const BARS = '▁▂▃▄▅▆▇█';

/**
 * A unicode sparkline of `counts` (one character per bucket, scaled to the largest; 0 is a space),
 * breakout buckets (indexes in `marked`) shown as `▲`. Longer than `width` buckets: summed into
 * `width` columns (a column with a breakout keeps the mark).
 */
export function sparkline(counts: readonly number[], marked: ReadonlySet<number> = new Set(), width = 60): string {
  const per = Math.max(1, Math.ceil(counts.length / width));
  const cols: { n: number; mark: boolean }[] = [];
  for (let i = 0; i < counts.length; i += per) {
    let n = 0;
    let mark = false;
    for (let j = i; j < Math.min(counts.length, i + per); j++) {
      n += counts[j] as number;
      mark ||= marked.has(j);
    }
    cols.push({ n, mark });
  }
  const max = Math.max(0, ...cols.map((c) => c.n));
  return cols.map((c) => (c.mark ? '▲' : c.n === 0 ? ' ' : (BARS[Math.min(7, Math.floor((c.n / max) * 7.999))] as string))).join('');
}

/** The trend as a table: label, total, sparkline, breakouts. */
export function trendTable(r: TrendResult): string {
  const rows = r.series.map((s) => {
    const at = new Map(r.buckets.map((b, i) => [b, i]));
    const marks = new Set(s.breakouts.map((b) => at.get(b.bucket)).filter((i): i is number => i !== undefined));
    const breakouts = s.breakouts
      .slice(-3)
      .map((b) => `${b.bucket} ${b.count} (base ${b.baseline.toFixed(1)})`)
      .join(', ');
    return [s.label, String(s.total), sparkline(s.counts, marks), s.breakouts.length > 3 ? `${s.breakouts.length}: … ${breakouts}` : breakouts];
  });
  const other = r.other.reduce((a, b) => a + b, 0);
  if (other > 0) rows.push(['(other)', String(other), sparkline(r.other), '']);
  const head = `${r.by} per ${r.interval}, ${r.since} – ${r.until} (${r.buckets.length} buckets; ▲ breakout, docs/trends.md)`;
  return r.series.length ? `${head}\n${table([r.by, 'total', 'counts', 'breakouts'], rows)}` : `${head}\nnothing counted in this window`;
}

/** The CVEs of `--scope` (null: everything). */
async function scopeCves(ctx: CliContext, scope: string | undefined): Promise<string[] | null> {
  const resolved = await resolveScope(ctx.stores, parseScope(scope), ctx.config.ssvc);
  return resolved.cves;
}

interface TrendOptions {
  by: TrendDimension;
  interval: TrendInterval;
  since?: string;
  until?: string;
  top?: number;
  scope?: string;
  json?: boolean;
}

/** Registers `vigil trends`, `vigil trends movers` and `vigil trends buzz`. */
export function registerTrends(program: Command): void {
  const trends = program
    .command('trends')
    .description(
      'counts per day, week or month by vendor, product, CWE, OWASP, severity, CNA, source, intel event, KEV or buzz, with breakouts (docs/trends.md)',
    )
    .option('--by <dimension>', TREND_DIMENSIONS.join('|'), oneOf(TREND_DIMENSIONS), 'vendor')
    .option('--interval <interval>', TREND_INTERVALS.join('|'), oneOf(TREND_INTERVALS), 'day')
    .option('--since <DATE>', 'first day counted (default: 90 days, 26 weeks or 24 months before --until)', day)
    .option('--until <DATE>', 'last day counted (default: the newest day with data)', day)
    .option('--top <N>', 'series shown (default 10, at most 50; the rest sum into (other))', numberIn(1, 50))
    .option('--scope <SCOPE>', 'all, watchlist:NAME or team:NAME (CVE dimensions, kev and buzz)')
    .option('--json', 'print JSON')
    .action(async (o: TrendOptions, cmd: Command) => {
      await withContext(cmd, async (ctx) => {
        const cves = await scopeCves(ctx, o.scope);
        const r = await ctx.stores.trends.trend({
          by: o.by,
          interval: o.interval,
          ...(o.since ? { since: o.since } : {}),
          ...(o.until ? { until: o.until } : {}),
          ...(o.top ? { top: o.top } : {}),
          ...(cves ? { cves } : {}),
        });
        console.log(o.json ? JSON.stringify(r, null, 2) : trendTable(r));
      });
    });

  trends
    .command('movers')
    .description('CVEs whose EPSS probability moved most between two days')
    .requiredOption('--from <DATE>', 'the score on the last EPSS day on or before DATE', day)
    .requiredOption('--to <DATE>', 'against the score on the last EPSS day on or before DATE', day)
    .option('--limit <N>', 'rows (default 20)', numberIn(1, 1000))
    .option('--down', 'largest falls instead of rises')
    .option('--scope <SCOPE>', 'all, watchlist:NAME or team:NAME')
    .option('--json', 'print JSON')
    .action(async (o: { from: string; to: string; limit?: number; down?: boolean; scope?: string; json?: boolean }, cmd: Command) => {
      await withContext(cmd, async (ctx) => {
        const cves = await scopeCves(ctx, o.scope);
        const rows = await ctx.stores.trends.epssMovers({
          from: o.from,
          to: o.to,
          limit: o.limit ?? 20,
          direction: o.down ? 'down' : 'up',
          ...(cves ? { cves } : {}),
        });
        if (o.json) return console.log(JSON.stringify(rows, null, 2));
        const pct = (x: number | null) => (x === null ? '—' : `${(x * 100).toFixed(2)}%`);
        console.log(
          rows.length
            ? table(
                ['CVE', 'before', 'after', 'delta', 'percentile', 'KEV', 'title'],
                rows.map((m) => [
                  m.cveId,
                  pct(m.before),
                  pct(m.after),
                  `${m.delta >= 0 ? '+' : ''}${(m.delta * 100).toFixed(2)}`,
                  pct(m.percentile),
                  m.kev ? 'yes' : '',
                  (m.title ?? '').slice(0, 60),
                ]),
              )
            : `no EPSS move between ${o.from} and ${o.to}`,
        );
      });
    });

  trends
    .command('buzz')
    .description('CVEs most named by intel documents published in a window')
    .requiredOption('--since <DATE>', 'first day', day)
    .option('--until <DATE>', 'last day (default today)', day)
    .option('--limit <N>', 'rows (default 20)', numberIn(1, 1000))
    .option('--scope <SCOPE>', 'all, watchlist:NAME or team:NAME')
    .option('--json', 'print JSON')
    .action(async (o: { since: string; until?: string; limit?: number; scope?: string; json?: boolean }, cmd: Command) => {
      await withContext(cmd, async (ctx) => {
        const cves = await scopeCves(ctx, o.scope);
        const rows = await ctx.stores.trends.buzz({
          since: o.since,
          until: o.until ?? new Date().toISOString().slice(0, 10),
          limit: o.limit ?? 20,
          ...(cves ? { cves } : {}),
        });
        if (o.json) return console.log(JSON.stringify(rows, null, 2));
        console.log(
          rows.length
            ? table(
                ['CVE', 'mentions', 'sources', 'last', 'title'],
                rows.map((b) => [b.cveId, String(b.mentions), String(b.sources), b.last.slice(0, 10), (b.title ?? '').slice(0, 60)]),
              )
            : 'no intel document names a CVE in this window',
        );
      });
    });
}
