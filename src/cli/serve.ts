/**
 * `vigil serve`: one process with the REST API, the dashboard (`/ui/`) and the monitoring daemon
 * (`--no-daemon` to serve only). On an empty store it first imports the real-data corpus
 * (`dataDir`) when one is there, so a fresh machine has data to look at. With no administrator
 * yet, it prints a one-time setup token for the dashboard's first-run form (or use
 * `vigil users add NAME --admin`). SIGTERM stops it cleanly.
 *
 * The corpus import is a resumable job (corpus-job.ts): a start after an interrupted one finishes
 * it before serving. A full disk, a busy port or a store others can read are reported in one line
 * (the first two exit with code 1).
 */

import type { ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import path from 'node:path';
import type { Command } from 'commander';
import PQueue from 'p-queue';
import { buildApp } from '../api/app.ts';
import { newApiToken, tokenHash } from '../api/auth/credentials.ts';
import { jwtKeyFromEnv } from '../api/auth/jwt-key.ts';
import { SETUP_TOKEN_SETTING } from '../api/routes/auth.ts';
import type { VigilConfig } from '../config.ts';
import { loadCorpusJob } from '../corpus-job.ts';
import { Daemon } from '../daemon.ts';
import { startBackgroundTraining, untrainedModels } from '../nlp/auto-train.ts';
import { CATALOG_MIN_CVES } from '../nlp/context.ts';
import { type RunSummary, syncSource } from '../pipeline.ts';
import { HttpClient, messageWithCauses } from '../sources/http.ts';
import { readOwaspTop10 } from '../sources/owasp/index.ts';
import { findSource } from '../sources/registry.ts';
import { isPostgresUrl } from '../store/postgres/pool.ts';
import type { StatsStore } from '../store/server.ts';
import { cliConfig, databaseLabel, numberIn, openMonitor, untilSignal } from './context.ts';
import { corpusImportDue, runCorpusJob } from './corpus-job.ts';
import { assertStoreIntact, storeFileProblems } from './doctor.ts';
import { startupChecks } from './run.ts';

interface ServeOptions {
  host?: string;
  port?: number;
  daemon: boolean;
  import: boolean;
  train: boolean;
  webDir?: string;
}

/** Loads the OWASP Top 10 CWE mapping from the corpus when present (idempotent). */
export async function loadOwasp(config: VigilConfig, stats: StatsStore): Promise<number> {
  const dir = path.join(config.dataDir, 'owasp-top10');
  if (!existsSync(dir)) return 0;
  const categories = await readOwaspTop10(dir);
  for (const edition of new Set(categories.map((c) => c.edition))) {
    await stats.saveOwaspMapping(
      edition,
      categories.filter((c) => c.edition === edition).flatMap((c) => c.cwes.map((cwe) => ({ category: c.id, title: c.title, cwe }))),
    );
  }
  return categories.length;
}

/**
 * Whether `err` is a full disk: SQLite's "database or disk is full" (SQLITE_FULL, also when it
 * crossed the store's worker thread) or PostgreSQL's `disk_full` (SQLSTATE 53100).
 */
export function isDiskFull(err: unknown): boolean {
  for (let e: unknown = err, depth = 0; e instanceof Error && depth < 5; e = e.cause, depth++) {
    const code = (e as { code?: string }).code;
    if (code === 'SQLITE_FULL' || code === '53100' || /database or disk is full/.test(e.message)) return true;
  }
  return false;
}

/** The one line `vigil serve` prints for a full disk, per back end. */
function diskFullMessage(database: string): string {
  const where = isPostgresUrl(database)
    ? `the PostgreSQL server of ${databaseLabel(database)} is out of disk space (SQLSTATE 53100 disk_full): free some space on the server`
    : `the disk holding ${database} is full (SQLite: database or disk is full): free some space`;
  return `vigil: ${where} and start again (an interrupted corpus import resumes where it stopped)`;
}

/** Longest wait for the stores to close after a fatal error, ms: a full disk can leave them hung. */
const CLOSE_TIMEOUT_MS = 10_000;

export function registerServe(program: Command): void {
  program
    .command('serve')
    .description('start Vigil: REST API (/docs), dashboard (/ui/) and monitoring daemon in one process')
    .option('--host <address>', 'listen address (config server.host, default 127.0.0.1)')
    .option('--port <n>', 'listen port (config server.port, default 8080; 0 = any free port)', numberIn(0, 65535))
    .option('--no-daemon', 'serve only: no scheduled syncs or alert delivery')
    .option('--no-import', 'do not import the corpus into an empty store')
    .option('--no-train', 'do not train the missing analysis models from the corpus in the background (also VIGIL_AUTO_TRAIN=0)')
    .option('--web-dir <dir>', 'built dashboard folder (default dist/web beside the program)')
    .action(async (o: ServeOptions, cmd: Command) => {
      const { config, log } = cliConfig(cmd);
      const jwtKey = jwtKeyFromEnv();
      assertStoreIntact(config.database);
      const { stores, reader, alerts, writer, channels, close: closeStores } = await openMonitor(config, { channels: o.daemon, readers: apiReaders() });
      const { auth } = stores;
      let daemon: Daemon | null = null;
      let training: ChildProcess | null = null;
      const close = async () => {
        training?.kill();
        await daemon?.stop();
        await closeStores();
      };
      // Closing may fail or hang on a full disk: bounded, then exit whatever is still open.
      const closeOrExit = async () => {
        const closed = await Promise.race([
          close().then(
            () => true,
            () => false,
          ),
          new Promise<boolean>((r) => setTimeout(r, CLOSE_TIMEOUT_MS, false).unref()),
        ]);
        if (!closed) process.exit(1);
      };
      const fatal = (err: unknown) => {
        console.error(isDiskFull(err) ? diskFullMessage(config.database) : `vigil: ${messageWithCauses(err)}`);
        log.debug({ err }, 'fatal');
        process.exitCode = 1;
      };
      for (const p of storeFileProblems(config.database)) console.error(`warning: ${p}`);
      try {
        const job = await loadCorpusJob(alerts);
        if (o.import && existsSync(config.dataDir) && corpusImportDue(job, (await reader.stats()).vulnerabilities)) {
          if (!job) console.error(`empty store: importing the corpus in ${config.dataDir} first (vigil demo does the same; --no-import skips it)`);
          await runCorpusJob(config, writer, alerts, log, { print: (line) => console.error(line) });
        } else if (job?.status === 'running') {
          console.error(`warning: the corpus import started ${job.startedAt} was interrupted: the store is partial (start without --no-import to finish it)`);
        }
        await loadOwasp(config, stores.stats);
        let sync: (id: string) => Promise<RunSummary>;
        if (o.daemon) {
          for (const p of await startupChecks(config, alerts, channels, log)) console.error(`warning: ${p}`);
          daemon = new Daemon({
            config,
            log,
            writer,
            reader,
            alerts,
            channels,
            http: new HttpClient(),
            intel: stores.intelWriter,
            iocs: stores.iocsWriter,
            exposure: stores.exposure,
            vendorProducts: () => stores.trends.vendorProducts({ minCves: CATALOG_MIN_CVES }),
            reports: stores,
            // The store cannot be written (or an alert pass failed): stop as SIGTERM would, exit 1.
            onFatal: (err) => {
              fatal(err);
              process.kill(process.pid, 'SIGTERM');
            },
          });
          sync = (id) => daemon!.sync(id);
        } else {
          const queue = new PQueue({ concurrency: 1 });
          const http = new HttpClient();
          sync = (id) =>
            queue.add(() =>
              syncSource(findSource(id).source, config.sources[id]?.config, { store: writer, log, http, merge: config.ssvc }),
            ) as Promise<RunSummary>;
        }
        const webDir = o.webDir ?? path.resolve(path.dirname(process.argv[1] ?? '.'), '..', 'dist', 'web');
        const app = await buildApp(
          {
            config,
            log,
            store: reader,
            alerts,
            auth,
            triage: stores.triage,
            stats: stores.stats,
            intel: stores.intel,
            iocs: stores.iocs,
            exposure: stores.exposure,
            cveExport: stores.cveExport,
            trends: stores.trends,
            sync,
            daemon: daemon !== null,
            now: () => new Date(),
            ...(jwtKey ? { jwtKey } : {}),
          },
          { webDir: existsSync(webDir) ? webDir : 'dist/web' },
        );
        const port = o.port ?? config.server.port;
        let address: string;
        try {
          address = await app.listen({ host: o.host ?? config.server.host, port });
        } catch (err) {
          if ((err as { code?: string }).code !== 'EADDRINUSE') throw err;
          console.error(`vigil: port ${port} is in use: is Vigil already running? use --port`);
          process.exitCode = 1;
          await app.close();
          await close();
          return;
        }
        // Signals are handled from here on: a SIGTERM right after the "serving" line (a supervisor,
        // a test) stopped the process by the default action before (exit status null). A signal
        // during the rest of the start-up waits for it, then stops.
        let stopping = false;
        let startup: Promise<void> = Promise.resolve();
        const stopped = untilSignal(log, async () => {
          stopping = true;
          await startup.catch(() => {});
          await app.close();
          await closeOrExit();
        });
        startup = (async () => {
          console.log(
            `Vigil is serving ${address}/ui/ (API docs ${address}/docs, store ${databaseLabel(config.database)}${daemon ? ', daemon on' : ', daemon off'})`,
          );
          if ((await auth.countAdmins()) === 0) {
            // A fresh token each start: only the latest printed one works, and only once.
            const setup = newApiToken().slice(4);
            await auth.setSetting(SETUP_TOKEN_SETTING, tokenHash(setup));
            console.log(`No administrator yet. Open ${address}/ui/ and use this one-time setup token: ${setup}`);
            console.log('(or run: vigil users add NAME --admin, which prints a password)');
          } else {
            console.log('Sign in with your account (vigil users add NAME --role analyst creates more).');
          }
          if (!stopping) daemon?.start();
          if (!stopping && o.train && process.env.VIGIL_AUTO_TRAIN !== '0') {
            const missing = untrainedModels(config);
            training = startBackgroundTraining(config, log, missing);
            if (training) {
              console.log(
                `Training the analysis models from ${config.dataDir} in the background (${missing.join(', ')}; about 10 minutes): \`vigil nlp models\` shows them, analyses use each as it is ready.`,
              );
            }
          }
        })();
        await startup;
        await stopped;
      } catch (err) {
        if (!isDiskFull(err)) {
          await close();
          throw err;
        }
        fatal(err);
        await closeOrExit();
      }
    });
}

/**
 * Read-only SQLite connections in worker threads serving the API's record and advisory reads
 * (store/sqlite/readers.ts), so that concurrent searches use both cores instead of queueing on
 * this thread: one per core, at most 4 (`VIGIL_READERS` overrides, 0 turns them off). PostgreSQL
 * ignores it (its pool serves concurrent reads).
 */
function apiReaders(): number {
  const env = process.env.VIGIL_READERS;
  if (env !== undefined && /^\d+$/.test(env)) return Math.min(Number(env), 16);
  return Math.min(availableParallelism(), 4);
}
