/**
 * Test access to the real-data corpus (`VIGIL_DATA_DIR`, default `../shared/data` beside the
 * repository). Tests call {@link corpusPath}; when the corpus is missing they skip loudly, except
 * under CI (`CI=true`), where a missing corpus is a failure.
 */
import { existsSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');

/** Absolute path of the corpus folder. */
export const corpusDir = path.resolve(repoRoot, process.env.VIGIL_DATA_DIR ?? '../shared/data');

/** Whether the corpus is present. Throws under CI when it is not: CI requires the real data. */
export function hasCorpus(): boolean {
  const present = existsSync(path.join(corpusDir, 'PROVENANCE.md'));
  if (!present) {
    if (process.env.CI === 'true') throw new Error(`real-data corpus not found at ${corpusDir} (VIGIL_DATA_DIR)`);
    console.warn(`\n*** real-data corpus not found at ${corpusDir}: tests that need it are SKIPPED ***\n`);
  }
  return present;
}

/** Absolute path of a file or folder inside the corpus. */
export function corpusPath(...parts: string[]): string {
  return path.join(corpusDir, ...parts);
}
