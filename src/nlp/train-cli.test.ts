/**
 * `vigil nlp train` and `vigil nlp models`: a model whose data file is missing is named and the
 * others still train, each saved model carries its figures, `models` lists versions or "not
 * trained"; the CLI (one child process) exits 1 naming the missing file. Quick training on the
 * real CASIE file; the data folder is a temporary one linking only that file.
 */
// vigil-test: the back end cannot matter (training writes model files; the store is opened only for the relevance model, tested in classify/relevance.test.ts).
import { spawn } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, symlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../config.ts';
import { CLI, runCli } from '../testing/cli.ts';
import { corpusPath, hasCorpus } from '../testing/corpus.ts';
import { DATA_FILES } from './classify/data.ts';
import { ModelRepository } from './models.ts';
import { modelDefinitions } from './registry.ts';
import { headlineMetrics, modelRows, trainModels } from './train-cli.ts';

describe.skipIf(!hasCorpus())('vigil nlp train / models', () => {
  const dir = mkdtempSync(path.join(tmpdir(), 'vigil-train-cli-'));
  const data = path.join(dir, 'data');
  mkdirSync(path.dirname(path.join(data, DATA_FILES.casie)), { recursive: true });
  symlinkSync(corpusPath(DATA_FILES.casie), path.join(data, DATA_FILES.casie));
  const modelDir = path.join(dir, 'models');
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('trains what it has data for, names the missing file, saves versions that models lists', async () => {
    const config = loadConfig(undefined);
    config.nlp.modelDir = modelDir;
    const repo = new ModelRepository(modelDir);
    expect(modelRows(repo).map((r) => [r.name, r.version])).toEqual(modelDefinitions().map((d) => [d.name, null]));
    const steps: string[] = [];
    const outcomes = await trainModels({
      config,
      names: ['impact-certfr', 'events-casie'],
      dataDir: data,
      quick: true,
      openStores: () => Promise.reject(new Error('named text models must not open the store')),
      progress: (model, step) => steps.push(`${model}:${step}`),
    });
    expect(outcomes.map((o) => [o.name, o.saved ?? o.error])).toEqual([
      ['impact-certfr', `Training data missing: ${path.join(data, DATA_FILES.certfr)} (set dataDir / VIGIL_DATA_DIR or pass --data)`],
      ['events-casie', 'events-casie@1'],
    ]);
    expect(steps).toContain('events-casie:training');
    const rows = modelRows(repo);
    const events = rows.find((r) => r.name === 'events-casie');
    expect(events).toMatchObject({ version: 1, data: { files: [DATA_FILES.casie] } });
    expect(events?.metrics?.['test.macroF1']).toBeGreaterThan(0.5);
    expect(headlineMetrics(events?.metrics ?? {})).toMatch(/^valid\.microF1=0\.\d{3} valid\.macroF1=0\.\d{3} test\.microF1=0\.\d{3} test\.macroF1=0\.\d{3}$/);
    expect(rows.find((r) => r.name === 'impact-certfr')?.version).toBeNull();

    await expect(trainModels({ config, names: ['no-such-model'], dataDir: data, openStores: () => Promise.reject(new Error('no')) })).rejects.toThrow(
      'unknown model "no-such-model"',
    );
  }, 60_000);

  it('the CLI exits 1 naming the missing file', async () => {
    const run = await runCli(['nlp', 'train', 'impact-certfr', '--data', data], { VIGIL_MODEL_DIR: modelDir, VIGIL_DB: path.join(dir, 'vigil.db') });
    expect(run.stderr).toContain(`impact-certfr: Training data missing: ${path.join(data, DATA_FILES.certfr)}`);
    expect(run.status).toBe(1);
    expect(run.stdout).toBe('');
  }, 30_000);

  it('under the CLI heap cap (bin/vigil.js: 320 MB) trains in an uncapped child process and passes on its outcome', async () => {
    const child = spawn(process.execPath, ['--max-old-space-size=320', ...CLI, 'nlp', 'train', 'impact-certfr', '--data', data], {
      env: { ...process.env, VIGIL_LOG_LEVEL: 'silent', VIGIL_MODEL_DIR: modelDir, VIGIL_DB: path.join(dir, 'vigil.db') },
    });
    let stderr = '';
    child.stderr.on('data', (d) => (stderr += d));
    const status = await new Promise<number | null>((resolve) => child.on('close', resolve));
    expect(stderr).toMatch(/heap is capped at \d+ MB; training in a child process without the cap/);
    expect(stderr).toContain(`impact-certfr: Training data missing: ${path.join(data, DATA_FILES.certfr)}`);
    expect(status).toBe(1);
  }, 30_000);
});
