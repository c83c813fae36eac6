/**
 * Models trained in the background on a first start (issue 14): `vigil serve` (so `npm start`)
 * trains, from the corpus folder, the models that are not trained yet, in a child process
 * (`vigil nlp train <names…>`) so the API keeps answering; the analyzer picks each model up when
 * it is written (nlp/analyze.ts `reloadingAnalyzer`). Until then analyses say which models are
 * missing. `vigil serve --no-train` skips it. The relevance model is never trained here: it
 * learns from analysts' triage decisions, on demand.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import type { Logger } from 'pino';
import type { VigilConfig } from '../config.ts';
import { ModelRepository } from './models.ts';
import { modelDefinitions } from './registry.ts';

/** Models trained from the corpus alone (every registered one but those trained on the store's own data). */
const STORE_TRAINED = new Set(['relevance']);

/** Names of the corpus-trained models with no version in `config.nlp.modelDir`. */
export function untrainedModels(config: VigilConfig): string[] {
  const repo = new ModelRepository(config.nlp.modelDir);
  return modelDefinitions()
    .map((d) => d.name)
    .filter((name) => !STORE_TRAINED.has(name) && repo.currentVersion(name) === null);
}

/**
 * Starts `vigil nlp train <names…>` as a child process of this one (same script, loader and
 * configuration; without this process's heap cap: training the NER models needs more), logging
 * its output line by line. Returns null when there is nothing to train or no corpus folder.
 */
export function startBackgroundTraining(config: VigilConfig, log: Logger, names: string[] = untrainedModels(config)): ChildProcess | null {
  if (!names.length || !existsSync(config.dataDir)) return null;
  const script = process.argv[1];
  if (!script) return null;
  const execArgv = process.execArgv.filter((a) => !a.startsWith('--max-old-space-size'));
  const args = [...execArgv, script, ...(config.file ? ['--config', config.file] : []), 'nlp', 'train', ...names];
  const child = spawn(process.execPath, args, {
    env: { ...process.env, VIGIL_MODEL_DIR: config.nlp.modelDir, VIGIL_DATA_DIR: config.dataDir },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  child.unref();
  log.info({ models: names, pid: child.pid }, 'training the analysis models in the background (vigil nlp train)');
  const relay = (chunk: Buffer) => {
    for (const line of chunk.toString('utf8').split('\n')) if (line.trim()) log.info({ pid: child.pid }, `nlp train: ${line.trim()}`);
  };
  child.stdout?.on('data', relay);
  child.stderr?.on('data', relay);
  child.on('exit', (code) => {
    if (code === 0) log.info('analysis models trained: analyses use them from now on');
    else log.warn({ code }, 'vigil nlp train stopped with an error: run it by hand to see why');
  });
  return child;
}
