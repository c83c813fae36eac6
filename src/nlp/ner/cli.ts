/**
 * `vigil nlp tag --scheme aptner|dnrti|cyner [FILE|-]`: CoNLL tokens in (one per line, the token
 * is the first column, a blank line between sentences), `token<TAB>tag` lines out in the scheme's
 * tags (a blank line between sentences), tagged by the trained model `ner-<scheme>`.
 *
 * `vigil nlp eval ner --scheme S FILE [--json]`: tags a gold CoNLL file and prints strict
 * entity-level precision/recall/F1 (seqeval mode=strict) overall and per type.
 *
 * @example vigil nlp tag --scheme dnrti tokens.txt
 * @example vigil nlp eval ner --scheme aptner ../shared/data/ner/aptner/APTNERdev.txt
 * @throws VigilError VIGIL_MODEL_MISSING when `vigil nlp train ner-<scheme>` has not run.
 */
import { type Command, InvalidArgumentError, Option } from 'commander';
import { readAnalyzeInput } from '../../cli/analyze.ts';
import { cliConfig } from '../../cli/context.ts';
import { table } from '../../cli/format.ts';
import { ModelRepository, stampLabel } from '../models.ts';
import { parseConll, parseTokens } from './conll.ts';
import { loadTagger } from './index.ts';
import { NER_DATASETS, type NerDataset } from './models.ts';
import { type EntityReport, evaluateEntities } from './seqeval.ts';
import type { Tagger } from './tagger.ts';

/** Largest CoNLL input read (bytes). */
const MAX_CONLL_BYTES = 64 * 1024 * 1024;

function scheme(value: string): NerDataset['scheme'] {
  if (!(value in NER_DATASETS)) throw new InvalidArgumentError(`expected one of ${Object.keys(NER_DATASETS).join(', ')}`);
  return value as NerDataset['scheme'];
}

const schemeOption = () => new Option('--scheme <scheme>', 'tag set: aptner (BIOES), dnrti or cyner (BIO)').argParser(scheme).makeOptionMandatory();

/** Tags CoNLL token text: `token<TAB>tag` lines, a blank line after each sentence. */
export function tagConll(text: string, tagger: Tagger): string {
  return parseTokens(text)
    .map((words) => {
      const tags = tagger.tag(words);
      return `${words.map((w, i) => `${w}\t${tags[i]}`).join('\n')}\n`;
    })
    .join('\n');
}

/** Evaluates a tagger on gold CoNLL text (`name` for messages). */
export function evaluateConll(text: string, name: string, tagger: Tagger): EntityReport & { sentences: number; skipped: number } {
  const gold = parseConll(text, name, tagger.scheme);
  const predicted = gold.sentences.map((s) => tagger.tag(s.tokens));
  const report = evaluateEntities(
    gold.sentences.map((s) => s.tags),
    predicted,
    tagger.scheme,
  );
  return { ...report, sentences: gold.sentences.length, skipped: gold.stats.skipped };
}

/** The report as a text table (P/R/F1 as percentages). */
export function formatReport(report: EntityReport): string {
  const pct = (x: number) => (100 * x).toFixed(1);
  const row = (name: string, v: EntityReport['overall']) => [name, pct(v.precision), pct(v.recall), pct(v.f1), String(v.support), String(v.predicted)];
  return table(
    ['type', 'P %', 'R %', 'F1 %', 'gold', 'predicted'],
    [...Object.entries(report.byType).map(([t, v]) => row(t, v)), row('overall', report.overall)],
  );
}

/** Adds `vigil nlp tag` and `vigil nlp eval ner`. */
export function registerNerCommands(nlp: Command): void {
  nlp
    .command('tag')
    .description('tag CoNLL tokens (one per line, blank line between sentences) with a trained NER model: token<TAB>tag lines')
    .addOption(schemeOption())
    .argument('[file]', 'CoNLL file, or - for standard input', '-')
    .action(async (source: string, opts: { scheme: NerDataset['scheme'] }, cmd: Command) => {
      const { config } = cliConfig(cmd);
      const { tagger } = loadTagger(new ModelRepository(config.nlp.modelDir), opts.scheme);
      process.stdout.write(tagConll(await readAnalyzeInput(source, MAX_CONLL_BYTES), tagger));
    });
  const evaluate = nlp.commands.find((c) => c.name() === 'eval') ?? nlp.command('eval').description('evaluate a trained model on labelled data');
  evaluate
    .command('ner')
    .description('strict entity-level precision/recall/F1 of a NER model on a gold CoNLL file')
    .addOption(schemeOption())
    .option('--json', 'print the figures as JSON')
    .argument('<file>', 'gold CoNLL file (token tag per line)')
    .action(async (file: string, opts: { scheme: NerDataset['scheme']; json?: boolean }, cmd: Command) => {
      const { config } = cliConfig(cmd);
      const { tagger, stamp } = loadTagger(new ModelRepository(config.nlp.modelDir), opts.scheme);
      const report = evaluateConll(await readAnalyzeInput(file, MAX_CONLL_BYTES), file, tagger);
      if (opts.json) process.stdout.write(`${JSON.stringify({ model: stamp, file, ...report })}\n`);
      else process.stdout.write(`${stampLabel(stamp)} on ${file} (${report.sentences} sentences, strict entity level)\n${formatReport(report)}\n`);
    });
}
