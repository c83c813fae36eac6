/**
 * `vigil report`: previews the subscribers' report (docs/reports.md) of a scope over a day or a
 * week, as text (default), JSON (`--json`: the report data), the chat version (`--text`) or the
 * HTML e-mail written to a file (`--html FILE`, charts inline as SVG).
 */
import { writeFile } from 'node:fs/promises';
import { type Command, InvalidArgumentError, Option } from 'commander';
import { parseScope } from '../exposure/scope.ts';
import { addDays, buildReport } from '../reports/build.ts';
import { reportText } from '../reports/text.ts';
import { REPORT_PERIODS, type ReportPeriod } from '../reports/types.ts';
import { withContext } from './context.ts';

interface ReportOptions {
  scope?: string;
  period: ReportPeriod;
  date?: string;
  html?: string;
  text?: boolean;
  json?: boolean;
}

function day(value: string): string {
  if (!/^\d{4}-\d{2}-\d{2}$/.test(value) || Number.isNaN(Date.parse(`${value}T00:00:00Z`))) throw new InvalidArgumentError('expected YYYY-MM-DD');
  return value;
}

/** Registers `vigil report`. */
export function registerReport(program: Command): void {
  program
    .command('report')
    .description("preview the subscribers' report: new critical CVEs, KEV additions, EPSS movers, top intel, exposure change (docs/reports.md)")
    .option('--scope <SCOPE>', 'all, watchlist:NAME or team:NAME', 'all')
    .addOption(new Option('--period <P>', 'day or week (the seven days ending on --date)').choices(REPORT_PERIODS).default('day'))
    .option('--date <DATE>', 'last UTC day of the period, YYYY-MM-DD (default: yesterday)', day)
    .option('--html <FILE>', 'write the HTML e-mail (inline SVG charts) to FILE')
    .option('--text', 'print the chat version (Markdown-style bold headings)')
    .option('--json', 'print the report data as JSON')
    .addHelpText('after', '\nExample:\n  vigil report --scope watchlist:edge --period week --date 2025-05-17 --html report.html')
    .action(async (opts: ReportOptions, cmd: Command) => {
      await withContext(cmd, async ({ config, stores }) => {
        const date = opts.date ?? addDays(new Date().toISOString().slice(0, 10), -1);
        const report = await buildReport(stores, {
          scope: parseScope(opts.scope),
          period: opts.period,
          date,
          merge: config.ssvc,
          ...(config.alerts.linkBase ? { linkBase: config.alerts.linkBase } : {}),
        });
        if (opts.html) {
          const { reportEmail } = await import('../reports/html.ts');
          const email = reportEmail(report);
          await writeFile(opts.html, email.html);
          console.error(`wrote ${opts.html} (${email.html.length} characters, ${email.attachments.length} charts)`);
        }
        if (opts.json) console.log(JSON.stringify(report, null, 2));
        else if (opts.text) console.log(reportText(report, { bold: '*' }));
        else if (!opts.html) console.log(reportText(report));
        for (const g of report.gaps) console.error(`warning: ${g.section} not available: ${g.error}`);
      });
    });
}
