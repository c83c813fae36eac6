/**
 * What the benchmarks share: timing an import step, percentiles, and the 300k-record store (real
 * corpus, then real records replicated under new CVE ids by bench/replicate.ts), built by
 * bench/run.ts (part 2, which measures the build) and bench/api.ts (part 4, which serves it).
 */
import { spawnSync } from 'node:child_process';
import path from 'node:path';
import { corpusPlan } from '../src/cli/demo.ts';
import { createLogger } from '../src/log.ts';
import { importFiles, type RunSummary } from '../src/pipeline.ts';
import { findSource } from '../src/sources/registry.ts';
import { ThreadedSqliteStore } from '../src/store/sqlite/threaded.ts';
import type { Store, StoreStats } from '../src/store/types.ts';
import { corpusDir } from '../src/testing/corpus.ts';

const log = createLogger('silent');

/** The `p`-th percentile (0–100, nearest rank) of `values`, NaN when empty. */
export function pct(values: number[], p: number): number {
  const s = [...values].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.floor((p / 100) * s.length))] ?? Number.NaN;
}

/** Runs `fn`, returning its value and duration in seconds. */
export async function timed<T>(fn: () => Promise<T>): Promise<{ value: T; seconds: number }> {
  const t0 = performance.now();
  const value = await fn();
  return { value, seconds: (performance.now() - t0) / 1000 };
}

/** Imports `paths` with source `source` into `store`, timed. */
export async function importStep(store: Store, source: string, paths: string[]): Promise<{ summary: RunSummary; seconds: number }> {
  const { value, seconds } = await timed(() => importFiles(findSource(source).source, paths, { store, log }));
  return { summary: value, seconds };
}

/** One import step of the 300k-record store. */
export interface ScaleStep {
  /** Row label: `real cve5`, `cve5 JSONL × 6, replicated`, … */
  label: string;
  source: string;
  summary: RunSummary;
  seconds: number;
}

/**
 * Writes the replicated input into `dir` (bench/replicate.ts, in its own process so that its
 * memory does not count in the import's peak RSS): `copies` of the CVE 5 JSONL and of the NVD 2018
 * and 2025 feeds (default 6, 4, 4: the 300k-record store).
 * @throws {Error} when the replication fails.
 */
export function replicateInput(dir: string, copies: [cve5: number, nvd2018: number, nvd2025: number] = [6, 4, 4]): void {
  const rep = spawnSync(process.execPath, ['--import', 'tsx', 'bench/replicate.ts', dir, ...copies.map(String)], { stdio: 'inherit' });
  if (rep.status !== 0) throw new Error('bench/replicate.ts failed');
}

/**
 * Builds the 300k-record store in `file` from the real corpus and the replicated input in `dir`
 * (see {@link replicateInput}), writing through the store worker as `vigil import` does.
 * @param onStep called after each import step (for tables of throughput and memory).
 * @returns the store's counts once built.
 */
export async function importScaleStore(dir: string, file: string, onStep: (step: ScaleStep) => void = () => {}): Promise<StoreStats> {
  const store = new ThreadedSqliteStore(file);
  try {
    for (const step of corpusPlan(corpusDir))
      onStep({ label: `real ${step.source}`, source: step.source, ...(await importStep(store, step.source, step.paths)) });
    for (const [label, source, input] of [
      ['cve5 JSONL × 6, replicated', 'cve5', 'cve5-replicated.jsonl.gz'],
      ['nvd 2018 feed × 4, replicated', 'nvd', 'replicated-nvdcve-1.1-2018.json.gz'],
      ['nvd 2025 feed × 4, replicated', 'nvd', 'replicated-nvdcve-1.1-2025.json.gz'],
    ] as const)
      onStep({ label, source, ...(await importStep(store, source, [path.join(dir, input)])) });
    return await store.stats();
  } finally {
    await store.close();
  }
}
