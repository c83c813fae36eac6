/**
 * NER benchmark (issue 14): full training of `ner-aptner`, `ner-dnrti`, `ner-cyner` on each set's
 * train split, strict entity-level P/R/F1 on its dev/valid split (never trained on), tagging speed
 * (sentences per wall second, and per CPU second of this process: the bench machine is shared),
 * model size, and the recognizer's speed on whole sentences of text.
 * Writes a markdown section to stdout (and to the file given with --out).
 * Usage: node --import tsx bench/nlp-ner.ts [--only aptner,dnrti,cyner] [--out FILE] [--save DIR] [--load DIR]
 * (`--load DIR`: no training, measure the models already saved in DIR by an earlier `--save DIR`).
 */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { gunzipSync } from 'node:zlib';
import { z } from 'zod';
import type { VigilConfig } from '../src/config.ts';
import { ModelRepository } from '../src/nlp/models.ts';
import { readConll } from '../src/nlp/ner/conll.ts';
import { loadEntityRecognizer, loadTagger, nerModels } from '../src/nlp/ner/index.ts';
import { FULL_EPOCHS, NER_DATASETS } from '../src/nlp/ner/models.ts';
import { evaluateEntities } from '../src/nlp/ner/seqeval.ts';
import { corpusDir } from '../src/testing/corpus.ts';

const { values } = parseArgs({ options: { only: { type: 'string' }, out: { type: 'string' }, save: { type: 'string' }, load: { type: 'string' } } });
const only = new Set((values.only ?? 'aptner,dnrti,cyner').split(','));
const dir = values.load ?? values.save ?? mkdtempSync(path.join(os.tmpdir(), 'vigil-bench-ner-'));
const repo = new ModelRepository(dir);
const lines: string[] = [
  `## NER (issue 14), ${new Date().toISOString().slice(0, 10)}, load average ${os.loadavg()[0]?.toFixed(1)} on ${os.cpus().length} cores`,
  '',
  `Averaged structured perceptron, ${FULL_EPOCHS} epochs, seed 42, ATT&CK gazetteer features; strict entity level (seqeval mode=strict) on the dev/valid split (not trained on). Speed: tagging the dev/valid split, one sentence at a time.`,
  '',
  '| model | train sent. | valid sent. | P | R | **F1** (target 0.80) | train s | sent./s wall | sent./s CPU (target 2,000) | model MB |',
  '|---|---|---|---|---|---|---|---|---|---|',
];
const perType: string[] = [];
for (const set of Object.values(NER_DATASETS)) {
  if (!only.has(set.scheme)) continue;
  const def = nerModels.find((m) => m.name === `ner-${set.scheme}`);
  if (!def) throw new Error(`ner-${set.scheme} not defined`);
  const t0 = performance.now();
  const trained = values.load
    ? repo.load(def.name)
    : await def.train({ dataDir: corpusDir, seed: 42, progress: (step, done, total) => process.stderr.write(`${step} ${done}/${total}\n`) });
  if (!trained) throw new Error(`${def.name} not saved in ${dir}`);
  const trainSeconds = values.load ? Number.NaN : (performance.now() - t0) / 1000;
  const file = values.load ? trained : repo.save(def.name, trained);
  const mb = JSON.stringify(file).length / 1e6;
  const { tagger } = loadTagger(repo, set.scheme);
  const valid = readConll(path.join(corpusDir, set.valid), set.tagScheme).sentences;
  for (const s of valid.slice(0, 200)) tagger.tag(s.tokens); // warm-up
  const cpu0 = process.cpuUsage();
  const w0 = performance.now();
  const predicted = valid.map((s) => tagger.tag(s.tokens));
  const wall = (performance.now() - w0) / 1000;
  const cpu = process.cpuUsage(cpu0);
  const cpuSeconds = (cpu.user + cpu.system) / 1e6;
  const r = evaluateEntities(
    valid.map((s) => s.tags),
    predicted,
    set.tagScheme,
  );
  const f = (x: number) => x.toFixed(3);
  lines.push(
    `| ${def.name} | ${trained.data.train} | ${valid.length} | ${f(r.overall.precision)} | ${f(r.overall.recall)} | **${f(r.overall.f1)}** | ${trainSeconds.toFixed(0)} | ${(valid.length / wall).toFixed(0)} | ${(valid.length / cpuSeconds).toFixed(0)} | ${mb.toFixed(1)} |`,
  );
  perType.push(
    `- ${def.name} per type (F1/gold): ${Object.entries(r.byType)
      .map(([t, v]) => `${t} ${f(v.f1)}/${v.support}`)
      .join(', ')}`,
  );
  process.stderr.write(`${lines.at(-1)}\n`);
}
lines.push('', ...perType);

// The analyzer's recognizer on raw text: gazetteer + main tagger (+ cyner products) + dates.
const config = { dataDir: corpusDir, nlp: { modelDir: dir } } as unknown as VigilConfig;
const { recognizer, models } = await loadEntityRecognizer({ config, models: repo });
const sample = readConll(path.join(corpusDir, NER_DATASETS.aptner.valid), 'BIOES').sentences.map((s) => s.tokens.join(' '));
const w0 = performance.now();
const cpu0 = process.cpuUsage();
let entities = 0;
for (const s of sample) entities += recognizer.recognize(s).length;
const wall = (performance.now() - w0) / 1000;
const cpu = process.cpuUsage(cpu0);
// 1 MB of real report text (CERT-EU advisories' markdown, first records), one recognize() call per advisory, cold caches.
const Advisory = z.object({ content_markdown: z.string().nullable() });
const reports: string[] = [];
let chars = 0;
for (const line of gunzipSync(readFileSync(path.join(corpusDir, 'cert-eu/certeu-security-advisories-2017-2026.DERIVED.jsonl.gz')))
  .toString('utf8')
  .split('\n')) {
  if (chars >= 1_000_000 || !line) continue;
  const text = Advisory.parse(JSON.parse(line)).content_markdown ?? '';
  if (!text) continue;
  reports.push(text);
  chars += text.length;
}
for (const cynerProducts of [false, true]) {
  const r = await loadEntityRecognizer({ config, models: repo }, { cynerProducts });
  const w0 = performance.now();
  const c0 = process.cpuUsage();
  let found = 0;
  for (const t of reports) found += r.recognizer.recognize(t).length;
  const mbWall = (performance.now() - w0) / 1000;
  const c = process.cpuUsage(c0);
  lines.push(
    '',
    `Recognizer (${r.models.map((m) => m.name).join(' + ')}) on ${(chars / 1e6).toFixed(2)} M characters of CERT-EU advisories (${reports.length} texts, target ≤ 1 s per MB on one core): ${mbWall.toFixed(2)} s wall, ${((c.user + c.system) / 1e6).toFixed(2)} CPU s, ${found} entities.`,
  );
}
lines.push(
  '',
  `Recognizer (gazetteer + ${models.map((m) => m.name).join(' + ') || 'no model'} + dates) on ${sample.length} APTNER dev sentences as text: ${(sample.length / wall).toFixed(0)} sentences/s wall, ${(sample.length / ((cpu.user + cpu.system) / 1e6)).toFixed(0)} per CPU second, ${entities} entities.`,
  '',
  'Command: `node --import tsx bench/nlp-ner.ts`',
);
const text = `${lines.join('\n')}\n`;
process.stdout.write(text);
if (values.out) writeFileSync(values.out, text);
if (!values.save && !values.load) rmSync(dir, { recursive: true, force: true });
