/**
 * `vigil nlp train [name…] [--data DIR] [--quick] [--seed N]` and `vigil nlp models [--json]`.
 *
 * `train` trains the named models (default: every registered model; `relevance` only when named
 * or when the store holds triage decisions), one progress bar per model on stderr (a terminal
 * only), and saves each as a new version under `nlp.modelDir`, printing `name@version` and its
 * held-out figures. A model whose data is missing (VIGIL_DATA_MISSING naming the file) or whose
 * training fails is reported and the others still train; the exit status is then 1. The stores
 * are opened only when a model that reads them is trained. Under the CLI's 320 MB heap cap
 * (bin/vigil.js) the command runs itself again in an uncapped child process: the NER and severity
 * trainings ran out of memory under it.
 */
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import path from 'node:path';
import { getHeapStatistics } from 'node:v8';
import cliProgress from 'cli-progress';
import { type Command, InvalidArgumentError } from 'commander';
import { cliConfig, openCliStores } from '../cli/context.ts';
import { table } from '../cli/format.ts';
import type { VigilConfig } from '../config.ts';
import { VigilError } from '../errors.ts';
import { backendOf, type Stores } from '../store/index.ts';
import { RELEVANCE_MODEL } from './classify/relevance.ts';
import { ModelRepository, stampLabel } from './models.ts';
import { modelDefinitions } from './registry.ts';
import type { ModelDefinition } from './types.ts';

/** Models whose training reads the store (TrainContext.stores). */
const STORE_MODELS = new Set([RELEVANCE_MODEL]);

/** Outcome of one model's training. */
export interface TrainOutcome {
  name: string;
  /** `name@version` when saved. */
  saved?: string;
  metrics?: Record<string, number>;
  notes?: string[];
  error?: string;
  seconds: number;
}

/** Options of {@link trainModels}. */
export interface TrainModelsOptions {
  config: VigilConfig;
  /** Model names; empty: the default set (see the module's doc). */
  names: string[];
  dataDir: string;
  quick?: boolean;
  seed?: number;
  /** Opens the stores (called at most once, only when a chosen model needs them). */
  openStores: () => Promise<Stores>;
  /** Progress sink per model (a bar in the CLI). */
  progress?: (model: string, step: string, done: number, total: number) => void;
  /** Called after each model. */
  onOutcome?: (outcome: TrainOutcome) => void;
}

/** Whether the store holds any triage decision (triaged, fixed or ignored alert). */
async function hasDecisions(stores: Stores): Promise<boolean> {
  for (const triage of ['triaged', 'fixed', 'ignored'] as const) if ((await stores.triage.listInbox({ triage, limit: 1 })).length) return true;
  return false;
}

/**
 * Trains and saves models; never throws for one model's failure (it is in its outcome).
 * @throws VigilError VIGIL_BAD_REQUEST for an unknown model name (before anything trains).
 */
export async function trainModels(options: TrainModelsOptions): Promise<TrainOutcome[]> {
  const all = modelDefinitions();
  for (const n of options.names) {
    if (!all.some((d) => d.name === n)) throw new VigilError('VIGIL_BAD_REQUEST', [`unknown model "${n}" (known: ${all.map((d) => d.name).join(', ')})`]);
  }
  let stores: Stores | undefined;
  const storesOnce = async (): Promise<Stores> => {
    stores ??= await options.openStores();
    return stores;
  };
  const outcomes: TrainOutcome[] = [];
  const report = (o: TrainOutcome): void => {
    outcomes.push(o);
    options.onOutcome?.(o);
  };
  try {
    let chosen: ModelDefinition[] = options.names.length ? all.filter((d) => options.names.includes(d.name)) : all.filter((d) => !STORE_MODELS.has(d.name));
    // A SQLite file that does not exist holds no decisions: do not create it to find out.
    const noDatabase = backendOf(options.config.database) === 'sqlite' && options.config.database !== ':memory:' && !existsSync(options.config.database);
    if (!options.names.length && !noDatabase) {
      try {
        if (await hasDecisions(await storesOnce())) chosen = all;
      } catch (err) {
        report({ name: RELEVANCE_MODEL, error: `skipped: the store cannot be read (${(err as Error).message})`, seconds: 0 });
      }
    }
    const repo = new ModelRepository(options.config.nlp.modelDir);
    for (const def of chosen) {
      const started = Date.now();
      try {
        const trained = await def.train({
          dataDir: options.dataDir,
          quick: options.quick ?? false,
          seed: options.seed ?? 42,
          progress: (step, done, total) => options.progress?.(def.name, step, done, total),
          ...(STORE_MODELS.has(def.name) ? { stores: await storesOnce() } : {}),
        });
        const file = repo.save(def.name, trained);
        report({ name: def.name, saved: stampLabel(file), metrics: file.metrics, notes: file.notes ?? [], seconds: (Date.now() - started) / 1000 });
      } catch (err) {
        report({ name: def.name, error: (err as Error).message, seconds: (Date.now() - started) / 1000 });
      }
    }
  } finally {
    await stores?.close();
  }
  return outcomes;
}

/** Headline figures: aggregate metrics first (per-label ones are in the file and `models --json`). */
export function headlineMetrics(metrics: Record<string, number>): string {
  return Object.entries(metrics)
    .filter(([k]) => !/\.f1\./.test(k))
    .map(([k, v]) => `${k}=${Number.isInteger(v) ? v : v.toFixed(3)}`)
    .join(' ');
}

/** One registered model as `vigil nlp models` shows it (nulls: not trained). */
export interface ModelRow {
  name: string;
  describe: string;
  version: number | null;
  trainedAt: string | null;
  metrics: Record<string, number> | null;
  data: { files: string[]; train: number; valid: number } | null;
  notes: string[];
}

/**
 * Every registered model with its current version in `repo`.
 * @throws VigilError VIGIL_MODEL_INVALID when a stored file is damaged.
 */
export function modelRows(repo: ModelRepository): ModelRow[] {
  return modelDefinitions().map((d) => {
    const file = repo.load(d.name);
    return file
      ? {
          name: d.name,
          describe: d.describe,
          version: file.version,
          trainedAt: file.trainedAt,
          metrics: file.metrics,
          data: file.data,
          notes: file.notes ?? [],
        }
      : { name: d.name, describe: d.describe, version: null, trainedAt: null, metrics: null, data: null, notes: [] };
  });
}

function seedOption(value: string): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n < 0 || n > 2 ** 31) throw new InvalidArgumentError('expected a whole number from 0 to 2^31');
  return n;
}

/** Heap below which `vigil nlp train` runs itself again without the CLI's cap (bytes; the NER and severity trainings need ~1 GB). */
const TRAIN_HEAP_BYTES = 1536 * 1024 * 1024;

/**
 * Runs this very command again in a child process without `--max-old-space-size` when this
 * process's heap is capped below {@link TRAIN_HEAP_BYTES} (bin/vigil.js caps every command at
 * 320 MB for imports; trainings ran out of memory under it). Returns the child's exit status, or
 * null when this process may train itself (heap large enough, or already the child).
 */
function trainWithoutHeapCap(): number | null {
  if (process.env.VIGIL_TRAIN_UNCAPPED === '1' || getHeapStatistics().heap_size_limit >= TRAIN_HEAP_BYTES) return null;
  const script = process.argv[1];
  if (!script) return null;
  const execArgv = process.execArgv.filter((a) => !a.startsWith('--max-old-space-size'));
  const mb = Math.round(getHeapStatistics().heap_size_limit / 1048576);
  process.stderr.write(`vigil nlp train: this process' heap is capped at ${mb} MB; training in a child process without the cap\n`);
  const child = spawnSync(process.execPath, [...execArgv, script, ...process.argv.slice(2)], {
    stdio: 'inherit',
    env: { ...process.env, VIGIL_TRAIN_UNCAPPED: '1' },
  });
  if (child.error) throw child.error;
  return child.status ?? 1;
}

/** Adds `vigil nlp train` and `vigil nlp models`. */
export function registerTrainCommands(nlp: Command): void {
  nlp
    .command('train')
    .description(
      `train models and save each as a new version (${modelDefinitions()
        .map((d) => d.name)
        .join(', ')}); default: all (relevance when the store has triage decisions)`,
    )
    .argument('[names...]', 'models to train')
    .option('--data <dir>', 'corpus folder (default: dataDir / VIGIL_DATA_DIR)')
    .option('--quick', 'small, fast training (tests); figures are not representative')
    .option('--seed <n>', 'seed of shuffles and splits', seedOption, 42)
    .action(async (names: string[], opts: { data?: string; quick?: boolean; seed: number }, cmd: Command) => {
      const { config } = cliConfig(cmd);
      const uncapped = trainWithoutHeapCap();
      if (uncapped !== null) {
        process.exitCode = uncapped;
        return;
      }
      const bars = process.stderr.isTTY
        ? new cliProgress.MultiBar(
            { stream: process.stderr, format: '{model} [{bar}] {value}/{total} {step}', hideCursor: true, clearOnComplete: false },
            cliProgress.Presets.shades_classic,
          )
        : null;
      const barOf = new Map<string, cliProgress.SingleBar>();
      let failed = false;
      await trainModels({
        config,
        names,
        dataDir: opts.data ? path.resolve(opts.data) : config.dataDir,
        quick: opts.quick ?? false,
        seed: opts.seed,
        openStores: () => openCliStores(config.database),
        progress: (model, step, done, total) => {
          if (!bars) return;
          let bar = barOf.get(model);
          if (!bar) {
            bar = bars.create(Math.max(total, 1), 0, { model: model.padEnd(14), step });
            barOf.set(model, bar);
          }
          bar.setTotal(Math.max(total, 1));
          bar.update(Math.min(done, Math.max(total, 1)), { step });
        },
        onOutcome: (o) => {
          if (o.error) {
            failed = true;
            console.error(`${o.name}: ${o.error}`);
          } else {
            console.log(`${o.saved}  ${headlineMetrics(o.metrics ?? {})}  (${o.seconds.toFixed(1)} s)`);
            for (const n of o.notes ?? []) console.log(`  ${n}`);
          }
        },
      });
      bars?.stop();
      if (failed) process.exitCode = 1;
    });

  nlp
    .command('models')
    .description('list each registered model: current version, when trained, held-out figures')
    .option('--json', 'one JSON array')
    .action((opts: { json?: boolean }, cmd: Command) => {
      const { config } = cliConfig(cmd);
      const repo = new ModelRepository(config.nlp.modelDir);
      const rows = modelRows(repo);
      if (opts.json) {
        console.log(JSON.stringify(rows, null, 2));
        return;
      }
      console.log(`models in ${repo.dir}`);
      console.log(
        table(
          ['model', 'version', 'trained at', 'figures'],
          rows.map((r) => [r.name, r.version === null ? 'not trained' : String(r.version), r.trainedAt ?? '', r.metrics ? headlineMetrics(r.metrics) : '']),
        ),
      );
    });
}
