/**
 * Whole-analysis speed (issue 14 target: 1 MB of report text analysed in <= 1 s on one core):
 * `Analyzer.analyze` (IOCs + warninglists, entities, techniques, labels, severity) on 1 MB of
 * real report text, with the parts timed alone beside it.
 *
 *   VIGIL_MODEL_DIR=vigil-models node --import tsx bench/nlp-analyze.ts [--mb 1]
 *
 * Texts: (a) threat reports as prose: the TRAM annotated reports' text (tram2-mat-annotated-
 * reports), concatenated until 1 MB; (b) IOC-heavy reports: ESET malware-ioc READMEs concatenated
 * until 1 MB. One warm-up run each on the first 200 kB (the warninglists' matchers are built on first
 * use), then the CPU time (user + system) and the wall time of one `analyze()` call on the whole text,
 * and the least CPU time of two more calls (warm: every word's tagger rows cached; on a shared machine
 * the least of several is also the least disturbed). The parts alone are timed once each, with
 * their own freshly loaded models (the entity taggers' caches cold, the process-wide word features
 * of ner/lexicon.ts warm).
 */
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { loadConfig } from '../src/config.ts';
import { createAnalyzer } from '../src/nlp/analyze.ts';
import { loadTextClassifiers } from '../src/nlp/classify/index.ts';
import type { AnalyzerContext } from '../src/nlp/context.ts';
import { createIocExtractor, loadWarninglists, warninglistsDir } from '../src/nlp/ioc/index.ts';
import { ModelRepository } from '../src/nlp/models.ts';
import { loadEntityRecognizer } from '../src/nlp/ner/index.ts';
import { loadSeverityModel } from '../src/nlp/severity/index.ts';
import { readReports } from '../src/nlp/techniques/data.ts';
import { loadTechniqueClassifier } from '../src/nlp/techniques/index.ts';
import { sentences } from '../src/nlp/text.ts';
import { corpusPath } from '../src/testing/corpus.ts';

const mbArg = process.argv.indexOf('--mb');
const BYTES = Math.round((mbArg > 0 ? Number(process.argv[mbArg + 1]) : 1) * 1024 * 1024);

function upTo(parts: Iterable<string>, bytes: number): string {
  let out = '';
  for (;;) {
    let added = false;
    for (const p of parts) {
      out += `${p}\n\n`;
      added = true;
      if (Buffer.byteLength(out) >= bytes) return out;
    }
    if (!added) return out;
  }
}

function tramReports(): string[] {
  return readReports(corpusPath()).map((r) => r.mjson.signal);
}

function esetReadmes(): string[] {
  const root = corpusPath('iocs/eset-malware-ioc');
  return readdirSync(root, { withFileTypes: true })
    .filter((d) => d.isDirectory())
    .flatMap((d) =>
      readdirSync(path.join(root, d.name))
        .filter((f) => /^README/i.test(f))
        .map((f) => readFileSync(path.join(root, d.name, f), 'utf8')),
    );
}

/** CPU seconds (user + system) and wall seconds of `fn`. */
function measure<T>(fn: () => T): { cpu: number; wall: number; value: T } {
  const c0 = process.cpuUsage();
  const t0 = performance.now();
  const value = fn();
  const c = process.cpuUsage(c0);
  return { cpu: (c.user + c.system) / 1e6, wall: (performance.now() - t0) / 1000, value };
}

const config = loadConfig();
const ctx: AnalyzerContext = { config, models: new ModelRepository(config.nlp.modelDir) };
const analyzer = await createAnalyzer(ctx);
const wl = warninglistsDir(config);
const iocs = createIocExtractor(wl ? await loadWarninglists(wl) : null);
const entities = await loadEntityRecognizer(ctx);
const techniques = await loadTechniqueClassifier(ctx);
const severity = await loadSeverityModel(ctx);
const classify = await loadTextClassifiers(ctx);

const texts = { 'TRAM reports (prose)': upTo(tramReports(), BYTES), 'ESET READMEs (IOC lists)': upTo(esetReadmes(), BYTES) };
console.log(`## Whole analysis of ${(BYTES / 1048576).toFixed(1)} MB (models in ${config.nlp.modelDir})\n`);
const first = analyzer.analyze('warm-up');
console.log(
  `models used: ${first.models.used.map((m) => `${m.name}@${m.version}`).join(', ') || 'none'}; missing: ${first.models.missing.join(', ') || 'none'}\n`,
);
console.log('| text | sentences | analyze() CPU s | wall s | warm CPU s (least of 2) | IOCs | entities | techniques | target |');
console.log('|---|---|---|---|---|---|---|---|---|');
const parts: string[] = [];
for (const [name, text] of Object.entries(texts)) {
  analyzer.analyze(text.slice(0, 200_000));
  const n = sentences(text).length;
  const all = measure(() => analyzer.analyze(text));
  const r = all.value;
  const warm = Math.min(measure(() => analyzer.analyze(text)).cpu, measure(() => analyzer.analyze(text)).cpu);
  console.log(
    `| ${name} | ${n} | ${all.cpu.toFixed(2)} | ${all.wall.toFixed(2)} | ${warm.toFixed(2)} | ${r.iocs.length} | ${r.entities.length} | ${r.techniques.length} | <= 1 s per MB |`,
  );
  const sents = sentences(text).map((s) => s.text);
  const row = [
    `IOC extraction ${measure(() => iocs.extract(text)).cpu.toFixed(2)}`,
    `entities ${measure(() => entities.recognizer.recognize(text)).cpu.toFixed(2)}`,
    techniques ? `techniques ${measure(() => techniques.classify(sents)).cpu.toFixed(2)}` : 'techniques (no model)',
    severity ? `severity ${measure(() => severity.predict(text)).cpu.toFixed(2)}` : 'severity (no model)',
    `labels ${measure(() => classify.classifiers.map((c) => c.predict(text))).cpu.toFixed(2)}`,
  ];
  parts.push(`- ${name}, CPU s per part alone: ${row.join(', ')}`);
}
console.log(`\n${parts.join('\n')}`);
