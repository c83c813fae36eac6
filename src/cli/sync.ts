/** `vigil sync [source...]`: live incremental sync from the upstreams (or configured mirrors). */
import type { Command } from 'commander';
import { syncSource } from '../pipeline.ts';
import { HttpClient } from '../sources/http.ts';
import { findSource, registry } from '../sources/registry.ts';
import { withContext } from './context.ts';
import { progressBar } from './progress.ts';
import { formatSummary } from './summary.ts';

export function registerSync(program: Command): void {
  program
    .command('sync')
    .description('sync the given (or all enabled) sources incrementally from their saved cursors')
    .argument('[source...]', 'source ids (default: every enabled source)')
    .option('--json', 'print the summaries as JSON')
    .action(async (ids: string[], opts: { json?: boolean }, cmd: Command) => {
      await withContext(cmd, async ({ store, log, config }) => {
        const chosen = ids.length ? ids.map(findSource) : registry.filter((r) => config.sources[r.source.id]?.enabled);
        const http = new HttpClient();
        const summaries = [];
        for (const { source } of chosen) {
          const bar = progressBar(source.id);
          const summary = await syncSource(source, config.sources[source.id]?.config, { store, log, http, merge: config.ssvc }, bar);
          bar.stop();
          summaries.push(summary);
          if (!opts.json) console.log(formatSummary(summary));
        }
        if (opts.json) console.log(JSON.stringify(summaries, null, 2));
        if (summaries.some((s) => s.error)) process.exitCode = 1;
      }, { writer: true });
    });
}
