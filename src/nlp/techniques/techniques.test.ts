/**
 * The technique classifier on real TRAM data: a quick model (30 % of training, few iterations)
 * on held-out reports must clearly beat always answering the most frequent technique; the model
 * file round-trips through ModelRepository and `vigil nlp techniques`; a bad payload is refused.
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../../config.ts';
import { CLI } from '../../testing/cli.ts';
import { corpusDir, hasCorpus } from '../../testing/corpus.ts';
import { multiLabelReport } from '../ml/index.ts';
import { ModelRepository } from '../models.ts';
import type { TrainedModel } from '../types.ts';
import { loadTramExamples, reportSentences, techniqueNames, tramClasses } from './data.ts';
import { loadTechniqueClassifier } from './index.ts';
import { pickLabels, splitTechniqueExamples, type TechniquePayload, trainTechniques } from './train.ts';

describe('pickLabels and report sentences (hand data)', () => {
  it('keeps techniques at or above the threshold, best first, at most maxLabels', () => {
    const probs = Float64Array.from([0.2, 0.9, 0.5, 0.7]);
    expect(pickLabels(probs, ['A', 'B', 'C', 'D'], 0.5, 2)).toEqual([
      { id: 'B', score: 0.9 },
      { id: 'D', score: 0.7 },
    ]);
    expect(pickLabels(probs, ['A', 'B', 'C', 'D'], 0.95, 3)).toEqual([]);
  });

  it('labels the sentence an annotated span falls in, and only in-scope techniques', () => {
    const signal = 'The loader decodes its payload with XOR. It then sleeps. Attackers used spearphishing links.';
    const report = {
      file: 'x.mjson',
      mjson: {
        signal,
        asets: [
          { type: 'Deobfuscate/Decode Files or Information (T1140)', annots: [[11, 39]] },
          { type: 'Spearphishing Link (T1566.002)', annots: [[signal.indexOf('spearphishing'), signal.length - 1]] },
          { type: 'lex', annots: [[0, 3]] },
        ],
      },
    };
    const out = reportSentences(report, new Set(['T1140']));
    expect(out.map((s) => s.labels)).toEqual([['T1140'], [], []]);
    expect(out[2]?.outOfScope).toBe(true);
    expect(out[1]?.outOfScope).toBeUndefined();
  });
});

describe.runIf(hasCorpus())('technique classifier on TRAM (quick)', () => {
  const dir = mkdtempSync(path.join(tmpdir(), 'vigil-techniques-'));
  let trained: TrainedModel<TechniquePayload>;
  afterAll(() => rmSync(dir, { recursive: true, force: true }));
  beforeAll(async () => {
    trained = await trainTechniques({ dataDir: corpusDir, quick: true, progress: () => {} }, { maxIter: 30, maxFeatures: 5000 });
  }, 120_000);

  it('names the 50 classes from the ATT&CK TSV, sub-techniques with their parent', () => {
    expect(tramClasses(corpusDir)).toHaveLength(50);
    expect(techniqueNames(corpusDir).get('T1003.001')).toBe('OS Credential Dumping: LSASS Memory');
  });

  it('beats the majority baseline clearly on held-out reports, and keeps them out of training', () => {
    const classes = tramClasses(corpusDir);
    const split = splitTechniqueExamples(loadTramExamples(corpusDir, classes).examples, 42);
    const trainGroups = new Set(split.train.map((e) => e.group));
    const testReports = split.test.filter((e) => e.source === 'single');
    for (const e of testReports) expect(trainGroups.has(e.group)).toBe(false);
    const counts = new Map<string, number>();
    for (const e of split.train) for (const l of e.labels) counts.set(l, (counts.get(l) ?? 0) + 1);
    const majority = [...counts.entries()].sort((a, b) => b[1] - a[1])[0]?.[0] as string;
    const baseline = multiLabelReport(
      testReports.map((e) => e.labels),
      testReports.map(() => [majority]),
      classes,
    ).micro.f1;
    const f1 = trained.metrics['test.annotated.microF1'] as number;
    expect(testReports.length).toBeGreaterThan(300);
    expect(f1).toBeGreaterThan(baseline + 0.3);
    expect(f1).toBeGreaterThan(0.5);
    // Negatives mostly stay empty.
    expect(trained.metrics['test.negatives.flagged']).toBeLessThan(0.3);
  });

  it('round-trips through the model folder and `vigil nlp techniques`', async () => {
    const repo = new ModelRepository(dir);
    const file = repo.save('techniques', trained);
    const config = { ...loadConfig(undefined, { ...process.env, VIGIL_DATA_DIR: corpusDir }) };
    const classifier = await loadTechniqueClassifier({ config, models: repo });
    expect(classifier?.model.version).toBe(file.version);
    const input = 'The malware decodes the Base64-encoded payload and decrypts it with XOR before execution.\n\nThank you for reading our blog.\n';
    const r = spawnSync(process.execPath, [...CLI, 'nlp', 'techniques', '-'], {
      encoding: 'utf8',
      input,
      env: { ...process.env, VIGIL_MODEL_DIR: dir, VIGIL_DATA_DIR: corpusDir, VIGIL_LOG_LEVEL: 'silent' },
    });
    expect(r.stderr).toBe('');
    expect(r.status).toBe(0);
    const lines = r.stdout
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l) as { techniques: { id: string; score: number }[] });
    expect(lines).toHaveLength(3);
    expect(lines[0]?.techniques.map((t) => t.id)).toContain('T1140');
    expect(lines[1]?.techniques).toEqual([]);
    for (const t of lines.flatMap((l) => l.techniques)) expect(t.score).toBeGreaterThanOrEqual(trained.payload.threshold);
    expect(classifier?.classify([input.split('\n')[0] as string])).toEqual([lines[0]?.techniques]);
  });

  it('refuses a bad payload (VIGIL_MODEL_INVALID) and says when the model is missing (VIGIL_MODEL_MISSING)', async () => {
    const bad = mkdtempSync(path.join(tmpdir(), 'vigil-techniques-bad-'));
    try {
      const repo = new ModelRepository(bad);
      const missing = spawnSync(process.execPath, [...CLI, 'nlp', 'techniques', '-'], {
        encoding: 'utf8',
        input: 'x\n',
        env: { ...process.env, VIGIL_MODEL_DIR: bad, VIGIL_LOG_LEVEL: 'silent' },
      });
      expect(missing.status).toBe(1);
      expect(missing.stderr).toMatch(/not trained yet.*vigil nlp train techniques/);
      repo.save('techniques', { ...trained, payload: { ...trained.payload, threshold: 2 } });
      const config = loadConfig(undefined, process.env);
      await expect(loadTechniqueClassifier({ config, models: repo })).rejects.toMatchObject({ code: 'VIGIL_MODEL_INVALID' });
    } finally {
      rmSync(bad, { recursive: true, force: true });
    }
  });
});
