/**
 * `vigil nlp classify [FILE|-] [--scheme impact|event] [--lang L] [--lines]` and
 * `vigil nlp relevance --report | --score CVE… [--watchlist NAME…] [--json]`.
 *
 * `classify` prints the labels of the trained impact/event models (scheme, label, probability
 * and the model version that gave it), for the whole text, or per line with `--lines` (one JSON
 * line each). `relevance --report` cross-validates the relevance model on the store's triage
 * decisions now (5 folds) and prints its accuracy beside the majority baseline and the counts per
 * class, saying so when there are too few; `--score` prints P(relevant), the keyword rules hit
 * and the verdict per CVE.
 */
import { readFileSync } from 'node:fs';
import { type Command, InvalidArgumentError, Option } from 'commander';
import { cliConfig, withContext } from '../../cli/context.ts';
import { table } from '../../cli/format.ts';
import { VigilError } from '../../errors.ts';
import { ModelRepository, stampLabel } from '../models.ts';
import { loadTextClassifiers } from './index.ts';
import { combineRelevance, crossValidate, FEW_DECISIONS, RELEVANCE_MODEL, RelevanceModel } from './relevance.ts';
import { cveText, loadDecisions, loadRules } from './relevance-data.ts';

function readInput(file: string | undefined): string {
  try {
    return readFileSync(file && file !== '-' ? file : 0, 'utf8');
  } catch (err) {
    throw new VigilError('VIGIL_INPUT_UNREADABLE', [file ?? 'standard input', (err as Error).message], { cause: err });
  }
}

function cveId(value: string, previous: string[] = []): string[] {
  const id = value.trim().toUpperCase();
  if (!/^CVE-\d{4}-\d{4,}$/.test(id)) throw new InvalidArgumentError('expected a CVE id such as CVE-2024-3400');
  return [...previous, id];
}

function collect(value: string, previous: string[] = []): string[] {
  return [...previous, value];
}

/** Adds `vigil nlp classify` and `vigil nlp relevance`. */
export function registerClassifyCommands(nlp: Command): void {
  nlp
    .command('classify')
    .description('impact types (French bulletins, CERT-FR model) and news event types (CASIE model) of a text')
    .argument('[file]', 'text file, or - for standard input', '-')
    .addOption(new Option('--scheme <scheme>', 'only this scheme').choices(['impact', 'event']))
    .option('--lang <code>', 'ISO 639-1 language of the text (else detected); the impact model reads French only')
    .option('--lines', 'classify each line on its own, one JSON line each')
    .action(async (file: string, opts: { scheme?: 'impact' | 'event'; lang?: string; lines?: boolean }, cmd: Command) => {
      const { config } = cliConfig(cmd);
      const { classifiers, missing } = await loadTextClassifiers({ config, models: new ModelRepository(config.nlp.modelDir) });
      const chosen = classifiers.filter((c) => !opts.scheme || c.scheme === opts.scheme);
      if (chosen.length === 0) throw new VigilError('VIGIL_MODEL_MISSING', [missing.join(', '), missing.join(' ')]);
      const text = readInput(file);
      const run = (t: string) => chosen.flatMap((c) => c.predict(t, opts.lang).map((l) => ({ scheme: c.scheme, ...l, model: stampLabel(c.model) })));
      if (opts.lines) {
        for (const line of text.split('\n')) if (line.trim()) console.log(JSON.stringify({ labels: run(line) }));
        return;
      }
      const labels = run(text);
      if (labels.length === 0) console.log('no label reaches its threshold');
      else
        console.log(
          table(
            ['scheme', 'label', 'probability', 'model'],
            labels.map((l) => [l.scheme, l.label, l.probability.toFixed(3), l.model]),
          ),
        );
      if (missing.length) console.error(`not trained: ${missing.join(', ')} (vigil nlp train ${missing.join(' ')})`);
    });

  nlp
    .command('relevance')
    .description("relevance model (analysts' triage decisions + watchlist keyword rules): --report its cross-validated accuracy, --score CVEs")
    .option('--report', 'cross-validate on the triage decisions in the store and print the accuracy and counts')
    .option('--score <cve>', 'P(relevant) of a stored CVE (repeatable)', cveId)
    .option('--watchlist <name>', 'keyword rules of this watchlist only (repeatable; default: every watchlist)', collect)
    .option('--seed <n>', 'seed of the folds', (v) => Number.parseInt(v, 10), 42)
    .option('--json', 'JSON output')
    .action(async (opts: { report?: boolean; score?: string[]; watchlist?: string[]; seed: number; json?: boolean }, cmd: Command) => {
      if (!opts.report && !opts.score?.length) throw new InvalidArgumentError('give --report or --score CVE…');
      await withContext(cmd, async (ctx) => {
        if (opts.report) {
          const report = crossValidate(await loadDecisions(ctx.stores), opts.seed);
          const stored = new ModelRepository(ctx.config.nlp.modelDir).load(RELEVANCE_MODEL);
          if (opts.json) console.log(JSON.stringify({ ...report, model: stored ? `${stored.name}@${stored.version}` : null }));
          else {
            console.log(`decisions: ${report.relevant} relevant (triaged/fixed), ${report.notRelevant} not relevant (ignored)`);
            if (report.cvAccuracy === null) console.log('cross-validated accuracy: not computed (fewer than 2 decisions in a class)');
            else
              console.log(
                `cross-validated accuracy: ${report.cvAccuracy.toFixed(3)} over ${report.folds} folds (always answering the majority class: ${report.baseline.toFixed(3)})`,
              );
            if (report.tooFew) console.log(`too few decisions: fewer than ${FEW_DECISIONS} in a class, the accuracy means little`);
            console.log(
              stored ? `stored model: ${stored.name}@${stored.version}, trained ${stored.trainedAt}` : 'stored model: not trained (vigil nlp train relevance)',
            );
          }
        }
        if (opts.score?.length) {
          const file = new ModelRepository(ctx.config.nlp.modelDir).load(RELEVANCE_MODEL);
          const model = file ? RelevanceModel.fromPayload(file.payload, `${ctx.config.nlp.modelDir}/${RELEVANCE_MODEL}/${file.version}.json`) : null;
          const rules = await loadRules(ctx.stores, opts.watchlist ?? []);
          const rows = [];
          for (const id of opts.score) {
            const text = await cveText(ctx.stores, id);
            if (text === null) throw new VigilError('VIGIL_NOT_FOUND', [id]);
            rows.push({ cveId: id, ...combineRelevance(text, rules, model) });
          }
          if (opts.json) for (const r of rows) console.log(JSON.stringify({ ...r, model: file ? `${file.name}@${file.version}` : null }));
          else {
            console.log(
              table(
                ['cve', 'P(relevant)', 'relevant', 'rules hit'],
                rows.map((r) => [r.cveId, r.probability === null ? 'no model' : r.probability.toFixed(3), r.relevant ? 'yes' : 'no', r.rules.join(', ')]),
              ),
            );
            if (!file) console.error('relevance model not trained (vigil nlp train relevance): verdicts from keyword rules only');
          }
        }
      });
    });
}
