/** `vigil status`: per source, last success, cursor, counts and last error; store sizes. */
import type { Command } from 'commander';
import { registry } from '../sources/registry.ts';
import { withContext } from './context.ts';
import { table } from './format.ts';

export function registerStatus(program: Command): void {
  program
    .command('status')
    .description('per source: last success, cursor, records stored by the last run, last error; and store counts')
    .option('--json', 'print JSON')
    .action(async (opts: { json?: boolean }, cmd: Command) => {
      await withContext(cmd, async ({ store, config }) => {
        const states = new Map((await store.listSourceStates()).map((s) => [s.source, s]));
        const sources = registry.map(({ source }) => ({
          source: source.id,
          title: source.title,
          enabled: config.sources[source.id]?.enabled ?? false,
          ...(states.get(source.id) ?? { cursor: null, lastSuccess: null, lastAttempt: null, lastError: null, lastCount: null }),
        }));
        const stats = await store.stats();
        if (opts.json) {
          console.log(JSON.stringify({ database: config.database, sources, store: stats }, null, 2));
          return;
        }
        console.log(
          table(
            ['SOURCE', 'ENABLED', 'LAST SUCCESS', 'CURSOR', 'LAST COUNT', 'LAST ERROR'],
            sources.map((s) => [s.source, s.enabled ? 'yes' : 'no', s.lastSuccess ?? 'never', s.cursor ?? '', s.lastCount === null ? '' : String(s.lastCount), s.lastError ?? '']),
          ),
        );
        console.log(
          `\n${config.database}: ${stats.vulnerabilities} CVEs, ${stats.observations} observations, ${stats.epssScores} EPSS scores (days: ${stats.epssDays.join(', ') || 'none'}), ` +
            `${stats.kevEntries} KEV entries (catalog ${stats.kevCatalogVersion ?? 'none'}), ${stats.changes} changes, ${stats.bytes === null ? '?' : `${(stats.bytes / 1e6).toFixed(1)} MB`}`,
        );
      });
    });
}
