/**
 * `vigil doctor`: checks the store. SQLite: the file with SQLite's full `PRAGMA integrity_check`
 * (every page, b-tree and index) and its permissions, one line per finding; exit code 1 when the
 * store is damaged. `vigil serve` and `vigil run` run the quick check ({@link assertStoreIntact})
 * before they open the store, so a file damaged mid-way is reported at start, not as 500s later.
 * PostgreSQL: these checks are SQLite's (the server owns its files and checks its pages); doctor
 * connects, applies pending migrations and says which are applied, and names `pg_amcheck` for the rest.
 */
import { existsSync } from 'node:fs';
import type { Command } from 'commander';
import { VigilError } from '../errors.ts';
import { backendOf } from '../store/index.ts';
import { storePermissionProblems } from '../store/sqlite/index.ts';
import { checkIntegrity } from '../store/sqlite/integrity.ts';
import { cliConfig, databaseLabel, openCliStores } from './context.ts';

/**
 * Runs `PRAGMA quick_check` on the SQLite store file `database` when it exists (a new store has
 * nothing to check). A PostgreSQL store is not checked here (the server checks its own pages).
 * @throws {VigilError} VIGIL_STORE_DAMAGED naming the file and SQLite's first finding.
 */
export function assertStoreIntact(database: string): void {
  if (backendOf(database) !== 'sqlite' || database === ':memory:' || !existsSync(database)) return;
  const report = checkIntegrity(database, 'quick', 5);
  if (report.problems.length) throw new VigilError('VIGIL_STORE_DAMAGED', [database, `quick_check: ${report.problems[0]}${report.problems.length > 1 ? ` (+${report.problems.length - 1} more)` : ''}`]);
}

/**
 * Problems of the store's files that others could read (SQLite only: a PostgreSQL server's files
 * are the server's business, `[]`).
 */
export function storeFileProblems(database: string): string[] {
  return backendOf(database) === 'sqlite' ? storePermissionProblems(database) : [];
}

/** `vigil doctor` on PostgreSQL: reachable, migrated; the rest is the server's (pg_amcheck). */
async function doctorPostgres(database: string): Promise<void> {
  const stores = await openCliStores(database);
  try {
    const row = await stores.pg?.one<{ n: number; top: number }>('SELECT count(*)::int AS n, max(id) AS top FROM schema_migrations');
    console.log(`store ${databaseLabel(database)}: ok (PostgreSQL, reachable, ${row?.n ?? 0} migrations applied, newest ${row?.top ?? 'none'})`);
    console.log(
      'The integrity and file-permission checks are SQLite\'s; on PostgreSQL the server checks its own pages: run pg_amcheck (https://www.postgresql.org/docs/15/app-pgamcheck.html) for indexes and tables.',
    );
  } finally {
    await stores.close();
  }
}

export function registerDoctor(program: Command): void {
  program
    .command('doctor')
    .description("check the store: SQLite's full integrity check and the file's permissions (exit 1 when damaged); on PostgreSQL, that it is reachable and migrated")
    .option('--quick', 'the quick check only (pages and b-trees, not indexes against tables), as at start')
    .action(async (o: { quick?: boolean }, cmd: Command) => {
      const { config } = cliConfig(cmd);
      const file = config.database;
      if (backendOf(file) === 'postgres') {
        await doctorPostgres(file);
        return;
      }
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
