/** `vigil import <source> <path...>`: offline import of upstream files (air-gapped sites). */
import type { Command } from 'commander';
import { importFiles } from '../pipeline.ts';
import { findSource, importHelpText, registry } from '../sources/registry.ts';
import { withContext } from './context.ts';
import { progressBar } from './progress.ts';
import { formatSummary } from './summary.ts';

export function registerImport(program: Command): void {
  program
    .command('import')
    .description('import files in a source\'s own upstream format (offline); prints read/stored/changed/rejected')
    .argument('<source>', registry.map((r) => r.source.id).join(' | '))
    .argument('<path...>', 'files or folders (gzip and zip are detected)')
    .option('--date <YYYY-MM-DD>', 'EPSS score date for files that carry none (EMBA layout)')
    .option('--json', 'print the summary as JSON')
    .addHelpText(
      'after',
      `
Formats:
${importHelpText()}

Re-running an import changes nothing. Exit code 1 when a file named is not in the source's format
(checked before anything is imported) or when every record was rejected.`,
    )
    .action(async (sourceId: string, paths: string[], opts: { date?: string; json?: boolean }, cmd: Command) => {
      const { source } = findSource(sourceId);
      await withContext(cmd, async ({ store, log, config }) => {
        const bar = progressBar(sourceId);
        try {
          const summary = await importFiles(source, paths, { store, log, merge: config.ssvc }, opts.date ? { date: opts.date } : {}, bar);
          bar.stop();
          console.log(opts.json ? JSON.stringify(summary, null, 2) : formatSummary(summary));
          // Nothing usable in the input is a failed import, even though each rejection was reported.
          if (summary.read === 0 && summary.rejected.length > 0) {
            const n = summary.rejected.length;
            console.error(`vigil: nothing imported: ${n === 1 ? 'the only record was' : `all ${n} records were`} rejected (reasons above)`);
            process.exitCode = 1;
          }
        } finally {
          bar.stop();
        }
      }, { writer: true });
    });
}
