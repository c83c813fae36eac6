/**
 * `vigil doctor`: checks the store file with SQLite's full `PRAGMA integrity_check` (every page,
 * b-tree and index) and its permissions, printing one line per finding; exit code 1 when the
 * store is damaged. `vigil serve` and `vigil run` run the quick check ({@link assertStoreIntact})
 * before they open the store, so a file damaged mid-way is reported at start, not as 500s later.
 */
import { existsSync } from 'node:fs';
import type { Command } from 'commander';
import { VigilError } from '../errors.ts';
import { storePermissionProblems } from '../store/sqlite/index.ts';
import { checkIntegrity } from '../store/sqlite/integrity.ts';
import { cliConfig } from './context.ts';

/**
 * Runs `PRAGMA quick_check` on the store file `file` when it exists (a new store has nothing to check).
 * @throws {VigilError} VIGIL_STORE_DAMAGED naming the file and SQLite's first finding.
 */
export function assertStoreIntact(file: string): void {
  if (file === ':memory:' || !existsSync(file)) return;
  const report = checkIntegrity(file, 'quick', 5);
  if (report.problems.length) throw new VigilError('VIGIL_STORE_DAMAGED', [file, `quick_check: ${report.problems[0]}${report.problems.length > 1 ? ` (+${report.problems.length - 1} more)` : ''}`]);
}

export function registerDoctor(program: Command): void {
  program
    .command('doctor')
    .description("check the store: SQLite's full integrity check and the file's permissions (exit 1 when damaged)")
    .option('--quick', 'the quick check only (pages and b-trees, not indexes against tables), as at start')
    .action((o: { quick?: boolean }, cmd: Command) => {
      const { config } = cliConfig(cmd);
      const file = config.database;
      if (!existsSync(file)) throw new VigilError('VIGIL_NOT_FOUND', [`store ${file}`]);
      const report = checkIntegrity(file, o.quick ? 'quick' : 'full', 100);
      const check = report.mode === 'quick' ? 'quick_check' : 'integrity_check';
      for (const p of storePermissionProblems(file)) console.log(`warning: ${p}`);
      if (!report.problems.length) {
        console.log(`store ${file}: ok (${check}, ${(report.ms / 1000).toFixed(1)} s)`);
        return;
      }
      console.log(`store ${file}: DAMAGED (${check} found ${report.problems.length}${report.problems.length >= 100 ? '+' : ''} problems in ${(report.ms / 1000).toFixed(1)} s)`);
      for (const p of report.problems) console.log(`  ${p}`);
      console.log('Restore a backup, or move the file aside and start again (vigil serve re-imports the corpus).');
      process.exitCode = 1;
    });
}
