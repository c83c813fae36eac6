/**
 * `vigil demo` (`npm start`): imports the real-data corpus (`dataDir`, default ../shared/data)
 * into the store, then prints the top of the ranked list. Re-running it changes nothing.
 */
import { existsSync } from 'node:fs';
import type { Command } from 'commander';
import type { VigilConfig } from '../config.ts';
import type { Logger } from '../log.ts';
import { importFiles } from '../pipeline.ts';
import { corpusPlan as registryCorpusPlan, findSource } from '../sources/registry.ts';
import type { ImportOptions } from '../sources/types.ts';
import type { Store } from '../store/types.ts';
import { databaseLabel, withContext } from './context.ts';
import { rankedTable } from './format.ts';
import { progressBar } from './progress.ts';
import { formatSummary } from './summary.ts';

/** One step of the corpus import. */
export interface CorpusStep {
  source: string;
  paths: string[];
  options?: ImportOptions;
}

/**
 * The corpus import plan, in registry order (sources/registry.ts `corpus`): CVE 5, NVD, KEV (older
 * catalog first, so the newer one reports what CISA added), EPSS (oldest day first), then advisories.
 */
export function corpusPlan(dataDir: string): CorpusStep[] {
  return registryCorpusPlan(dataDir);
}

/**
 * Imports the corpus plan into `store`, one progress bar and summary per step.
 * @param options.print where summaries go (stdout for `vigil demo`, stderr for `vigil serve`).
 * @param options.skipMissing leave out files the corpus folder lacks (a partial mirror) instead
 *   of reporting each as unreadable.
 */
export async function importCorpus(
  config: VigilConfig,
  store: Store,
  log: Logger,
  options: { print: (line: string) => void; skipMissing?: boolean },
): Promise<void> {
  for (const step of corpusPlan(config.dataDir)) {
    const bar = progressBar(step.source);
    const paths = options.skipMissing ? step.paths.filter((p) => existsSync(p)) : step.paths;
    if (!paths.length) continue; // a partial mirror without this source's files
    const summary = await importFiles(findSource(step.source).source, paths, { store, log, merge: config.ssvc }, step.options, bar);
    bar.stop();
    options.print(formatSummary(summary));
  }
}

export function registerDemo(program: Command): void {
  program
    .command('demo')
    .description('import the real-data corpus (config dataDir / $VIGIL_DATA_DIR, default ../shared/data), then show the top 20')
    .action(async (_opts: unknown, cmd: Command) => {
      await withContext(cmd, async ({ store, log, config }) => {
        if (!existsSync(config.dataDir)) throw new Error(`corpus folder ${config.dataDir} not found: set VIGIL_DATA_DIR`);
        await importCorpus(config, store, log, { print: (line) => console.log(line) });
        console.log(`\nTop 20 (vigil top --limit 20), store ${databaseLabel(config.database)}:\n`);
        console.log(rankedTable(await store.rank({ limit: 20 })));
        console.log('\nNext: vigil top --kev, vigil show CVE-2024-3400, vigil search "remote code execution", vigil --help');
        console.log('Watch: vigil users add me --email me@example.org && vigil watch add edge --owner me --product paloaltonetworks:pan-os && vigil watch test edge (docs/alerts.md)');
      }, { writer: true });
    });
}
