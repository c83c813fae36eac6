/**
 * `vigil migrate --from <db> --to <db>`: copies a whole store from one database to another, e.g.
 * from the SQLite file to PostgreSQL when a team outgrows one machine, or back (store/copy/).
 * One progress bar per table on stderr (a terminal only), then the row counts of every table on
 * both sides; exit code 1 when any differs. Stop the daemons and servers writing to the source
 * first: the copy is one snapshot of it.
 */
import cliProgress from 'cli-progress';
import type { Command } from 'commander';
import { type CopyProgress, type CopyReport, copyStore } from '../store/copy/index.ts';
import { redactUrl } from '../store/postgres/pool.ts';
import { numberIn } from './context.ts';
import { table } from './format.ts';

/** One bar per table and phase, each finished before the next starts. Silent when stderr is not a terminal. */
function tableBars(): { onProgress: (ev: CopyProgress) => void; stop: () => void } {
  if (!process.stderr.isTTY) return { onProgress: () => {}, stop: () => {} };
  let current: { key: string; bar: cliProgress.SingleBar } | null = null;
  const stop = () => {
    current?.bar.stop();
    current = null;
  };
  return {
    onProgress: (ev) => {
      const key = `${ev.phase} ${ev.table}`;
      if (current?.key !== key) {
        stop();
        const label = ev.phase === 'rows' ? ev.table : `${ev.table} (full text)`;
        const bar = new cliProgress.SingleBar(
          { stream: process.stderr, format: `${label.padEnd(24)} [{bar}] {percentage}% | {value}/{total} rows`, hideCursor: true },
          cliProgress.Presets.shades_classic,
        );
        bar.start(ev.total, ev.done);
        current = { key, bar };
      }
      current?.bar.setTotal(Math.max(ev.total, ev.done));
      current?.bar.update(ev.done);
    },
    stop,
  };
}

/** The verification table: rows per table on both sides. */
export function formatCounts(report: CopyReport): string {
  const rows = report.counts.map((c) => [c.table, c.source.toLocaleString('en-US'), c.target.toLocaleString('en-US'), c.source === c.target ? 'ok' : 'MISMATCH']);
  return table(['TABLE', `SOURCE (${report.from})`, `TARGET (${report.to})`, ''], rows);
}

export function registerMigrate(program: Command): void {
  program
    .command('migrate')
    .description('copy a whole store to another database (SQLite file <-> postgres:// URL), then verify the row counts of every table')
    .requiredOption('--from <db>', 'the store to copy: a SQLite file or postgres://[user@]host[:port]/database[?schema=NAME]')
    .requiredOption('--to <db>', 'where to copy it (created and migrated if needed)')
    .option('--force', 'replace what the target already holds (default: refuse a target holding data)')
    .option('--batch-size <n>', 'rows per batch (default 1000)', numberIn(1, 100_000))
    .addHelpText(
      'after',
      `
The copy is all or nothing: the target is written in one transaction (a crash or kill leaves it
as it was; run the command again). The full-text index and priorities are rebuilt on the target.
Stop what writes to the source first (vigil serve, vigil run).

Example:
  vigil migrate --from vigil.db --to postgres://vigil@db.internal/vigil`,
    )
    .action(async (o: { from: string; to: string; force?: boolean; batchSize?: number }) => {
      const bars = tableBars();
      let report: CopyReport;
      try {
        report = await copyStore(o.from, o.to, { force: o.force, batchSize: o.batchSize, onProgress: bars.onProgress });
      } finally {
        bars.stop();
      }
      console.log(formatCounts(report));
      const rows = report.counts.filter((c) => !c.table.endsWith('(full text)')).reduce((n, c) => n + c.target, 0);
      if (!report.ok) {
        console.log(`\nvigil migrate: the counts differ (MISMATCH above): ${redactUrl(o.to)} is not a faithful copy`);
        process.exitCode = 1;
        return;
      }
      console.log(`\ncopied ${rows.toLocaleString('en-US')} rows from ${redactUrl(o.from)} to ${redactUrl(o.to)} in ${(report.ms / 1000).toFixed(1)} s`);
    });
}
