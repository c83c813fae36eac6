/**
 * `vigil warninglists update [--url U]` and `vigil warninglists list`.
 *
 * `update` downloads the MISP warninglists (default: the official repository's main branch zip,
 * {@link DEFAULT_WARNINGLISTS_URL}; `--url` points at a mirror or a pinned commit's zip) into
 * `<nlp.modelDir>/misp-warninglists`; `list` prints the lists of the folder in use.
 */
import cliProgress from 'cli-progress';
import type { Command } from 'commander';
import { cliConfig } from '../../cli/context.ts';
import { forgetAnalyzers } from '../analyze.ts';
import { loadWarninglists, warninglistsDir } from './index.ts';
import { DEFAULT_WARNINGLISTS_URL, updateWarninglists } from './update.ts';

/** A download progress reporter: a bar on a terminal, nothing otherwise. */
function downloadProgress(): { onProgress: (done: number, total: number | undefined) => void; stop: () => void } {
  if (!process.stderr.isTTY) return { onProgress: () => {}, stop: () => {} };
  const bar = new cliProgress.SingleBar(
    { stream: process.stderr, format: 'download [{bar}] {percentage}% | {mb} MB', hideCursor: true },
    cliProgress.Presets.shades_classic,
  );
  let started = false;
  return {
    onProgress: (done, total) => {
      const mb = (done / 1e6).toFixed(1);
      if (!started) {
        bar.start(total ?? 0, done, { mb });
        started = true;
      }
      // Without Content-Length (codeload streams) the bar shows only the megabytes received.
      bar.update(done, { mb });
    },
    stop: () => {
      if (started) bar.stop();
    },
  };
}

export function registerWarninglists(program: Command): void {
  const wl = program.command('warninglists').description('MISP warninglists used to flag well-known IOCs (false positives)');
  wl.command('update')
    .description('download the MISP warninglists, validate them and install them into <nlp.modelDir>/misp-warninglists (the old lists stay if anything fails)')
    .option('--url <url>', `zip of the misp-warninglists repository (default ${DEFAULT_WARNINGLISTS_URL})`)
    .action(async (opts: { url?: string }, cmd: Command) => {
      const { config } = cliConfig(cmd);
      const progress = downloadProgress();
      try {
        const r = await updateWarninglists(config.nlp.modelDir, {
          url: opts.url,
          onProgress: progress.onProgress,
          onWarning: (m) => console.error(m),
        });
        progress.stop();
        forgetAnalyzers();
        console.log(`installed ${r.lists} warninglists into ${r.dir} (${(r.bytes / 1e6).toFixed(1)} MB downloaded, ${r.skipped} skipped)`);
        if (config.nlp.warninglistsDir && config.nlp.warninglistsDir !== r.dir) {
          console.log(`note: nlp.warninglistsDir is set to ${config.nlp.warninglistsDir}, which is the folder in use`);
        }
      } catch (err) {
        progress.stop();
        // An expected failure (network, HTTP status, bad zip): one line, the old lists stay.
        console.error(`vigil: ${(err as Error).message}; the installed warninglists are unchanged`);
        process.exitCode = 1;
      }
    });
  wl.command('list')
    .description('print the warninglists of the folder in use (name, type, entries)')
    .option('--json', 'one JSON array')
    .action(async (opts: { json?: boolean }, cmd: Command) => {
      const { config } = cliConfig(cmd);
      const dir = warninglistsDir(config);
      if (!dir) {
        console.log('no warninglists folder: run `vigil warninglists update`');
        process.exitCode = 1;
        return;
      }
      const lists = await loadWarninglists(dir, { onWarning: (m) => console.error(m) });
      if (opts.json) {
        console.log(JSON.stringify(lists.lists, null, 2));
        return;
      }
      console.log(`${lists.lists.length} lists in ${dir}`);
      for (const l of lists.lists) console.log(`${l.list.padEnd(44)} ${l.type.padEnd(9)} ${String(l.entries).padStart(8)}  ${l.name}`);
    });
}
