/**
 * The trainable NER models, one per CTI NER set of the corpus: `ner-aptner` (APTNER, BIOES,
 * 21 types), `ner-dnrti` (DNRTI, BIO, 13 types), `ner-cyner` (CyNER/MITRE, BIO, 5 types).
 * Each trains on the set's train split and reports strict entity-level P/R/F1 on its dev/valid
 * split (the test splits are held out of the corpus).
 */
import path from 'node:path';
import type { ModelDefinition, TrainContext, TrainedModel } from '../types.ts';
import { readConll, type TaggedSentence, type TagScheme } from './conll.ts';
import { loadAttackGazetteer } from './gazetteer.ts';
import { evaluateEntities } from './seqeval.ts';
import { createTagger, type TaggerPayload, trainTagger } from './tagger.ts';

/** A NER data set of the corpus (paths relative to the data folder). */
export interface NerDataset {
  scheme: 'aptner' | 'dnrti' | 'cyner';
  tagScheme: TagScheme;
  train: string;
  valid: string;
  describe: string;
}

/** The three sets. */
export const NER_DATASETS: Record<NerDataset['scheme'], NerDataset> = {
  aptner: {
    scheme: 'aptner',
    tagScheme: 'BIOES',
    train: 'ner/aptner/APTNERtrain.txt.gz',
    valid: 'ner/aptner/APTNERdev.txt',
    describe: 'APTNER entities (21 types, BIOES): APT, MAL, TOOL, VULID, LOC, TIME, …',
  },
  dnrti: {
    scheme: 'dnrti',
    tagScheme: 'BIO',
    train: 'ner/dnrti/train.txt.gz',
    valid: 'ner/dnrti/valid.txt',
    describe: 'DNRTI entities (13 types, BIO): HackOrg, Tool, SamFile, Area, Time, …',
  },
  cyner: {
    scheme: 'cyner',
    tagScheme: 'BIO',
    train: 'ner/cyner-mitre/train.txt',
    valid: 'ner/cyner-mitre/valid.txt',
    describe: 'CyNER/MITRE entities (5 types, BIO): Malware, Indicator, System, Organization, Vulnerability',
  },
};

/** Epochs of a full training, and of a `quick` one (on the first {@link QUICK_SENTENCES} sentences). */
export const FULL_EPOCHS = 10;
const QUICK_EPOCHS = 3;
const QUICK_SENTENCES = 600;

/** Trains one set's tagger and measures it on the valid/dev split. */
export async function trainNer(set: NerDataset, ctx: TrainContext): Promise<TrainedModel<TaggerPayload>> {
  const train = readConll(path.join(ctx.dataDir, set.train), set.tagScheme);
  const valid = readConll(path.join(ctx.dataDir, set.valid), set.tagScheme);
  const gazetteer = loadAttackGazetteer(ctx.dataDir);
  const sentences: TaggedSentence[] = ctx.quick ? train.sentences.slice(0, QUICK_SENTENCES) : train.sentences;
  const epochs = ctx.quick ? QUICK_EPOCHS : FULL_EPOCHS;
  const payload = trainTagger(sentences, set.tagScheme, gazetteer, {
    epochs,
    seed: ctx.seed ?? 42,
    progress: (e, n) => ctx.progress(`ner-${set.scheme} epochs`, e, n),
  });
  const tagger = createTagger(payload);
  const start = performance.now();
  const predicted = valid.sentences.map((s) => tagger.tag(s.tokens));
  const seconds = (performance.now() - start) / 1000;
  const report = evaluateEntities(
    valid.sentences.map((s) => s.tags),
    predicted,
    set.tagScheme,
  );
  const metrics: Record<string, number> = {
    'valid.precision': report.overall.precision,
    'valid.recall': report.overall.recall,
    'valid.f1': report.overall.f1,
    'valid.sentencesPerSecond': valid.sentences.length / Math.max(seconds, 1e-9),
    features: Object.keys(payload.features).length,
  };
  for (const [type, v] of Object.entries(report.byType)) metrics[`valid.f1.${type}`] = v.f1;
  const notes = [
    `averaged structured perceptron, ${epochs} epochs, seed ${ctx.seed ?? 42}${ctx.quick ? ` (quick: first ${sentences.length} sentences)` : ''}`,
    `strict entity-level (seqeval mode=strict, ${set.tagScheme}) on ${set.valid}`,
    `reader: train ${train.stats.skipped} lines skipped, ${train.stats.repaired} repaired; valid ${valid.stats.skipped} skipped, ${valid.stats.repaired} repaired`,
  ];
  return {
    payload,
    metrics,
    data: {
      files: [set.train, set.valid, 'attack/enterprise-attack-v18.1-mitre-cti.DERIVED-bundle.json.gz'],
      train: sentences.length,
      valid: valid.sentences.length,
    },
    notes,
  };
}

/** `ner-aptner`, `ner-dnrti`, `ner-cyner`. */
export const nerModelDefinitions: ModelDefinition<TaggerPayload>[] = Object.values(NER_DATASETS).map((set) => ({
  name: `ner-${set.scheme}`,
  describe: set.describe,
  train: (ctx: TrainContext) => trainNer(set, ctx),
}));
