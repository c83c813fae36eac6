/**
 * Training and evaluation of the ATT&CK technique classifier (issue 14): TF-IDF word uni+bigrams
 * and one-vs-rest logistic regression over TRAM's 50 techniques (data.ts). Whole reports are held
 * out: report groups are split 70/15/15 (seeded), TRAM's negatives 70/15/15 at random, the
 * bootstrap sentences (ATT&CK procedure examples, no report) train only, and any training sentence
 * whose text also occurs in validation or test is dropped. The decision threshold (one for all
 * techniques, on the 0–1 sigmoid probability) maximises micro-F1 on the validation part.
 */
import { z } from 'zod';
import {
  type LogisticModel,
  LogisticStateSchema,
  multiLabelReport,
  type SparseVector,
  shuffled,
  splitByGroup,
  splitRandom,
  TfidfStateSchema,
  TfidfVectorizer,
  trainOneVsRest,
} from '../ml/index.ts';
import type { TrainContext, TrainedModel } from '../types.ts';
import { loadTramExamples, type TechniqueExample, techniqueNames, tramClasses } from './data.ts';

/** The stored model: vocabulary, weights, threshold (0–1) and the names of the classes. */
export const TechniquePayload = z.object({
  kind: z.literal('techniques'),
  classes: z.array(z.string().regex(/^T\d{4}(\.\d{3})?$/)).min(1),
  names: z.record(z.string(), z.string()),
  threshold: z.number().min(0).max(1),
  maxLabels: z.number().int().positive(),
  vectorizer: TfidfStateSchema,
  model: LogisticStateSchema,
});
export type TechniquePayload = z.infer<typeof TechniquePayload>;

/** Techniques of one sentence reaching the threshold, best first, at most `maxLabels`. */
export function pickLabels(probs: Float64Array, classes: readonly string[], threshold: number, maxLabels: number): { id: string; score: number }[] {
  const out: { id: string; score: number }[] = [];
  probs.forEach((p, k) => {
    if (p >= threshold) out.push({ id: classes[k] as string, score: Math.round(p * 1e4) / 1e4 });
  });
  return out.sort((a, b) => b.score - a.score || (a.id < b.id ? -1 : 1)).slice(0, maxLabels);
}

function textKey(text: string): string {
  return text
    .toLowerCase()
    .replace(/[^\p{L}\p{N}]+/gu, ' ')
    .trim();
}

/** The seeded split: whole reports held out, negatives at random, bootstrap in training only, duplicates of held-out text dropped from training. */
export function splitTechniqueExamples(
  examples: readonly TechniqueExample[],
  seed: number,
): { train: TechniqueExample[]; valid: TechniqueExample[]; test: TechniqueExample[] } {
  const reports = examples.filter((e) => e.source === 'single' || e.source === 'report');
  const negatives = examples.filter((e) => e.source === 'negative');
  const r = splitByGroup(reports, (e) => e.group, { train: 0.7, valid: 0.15 }, seed);
  const n = splitRandom(negatives, { train: 0.7, valid: 0.15 }, seed + 1);
  const valid = [...r.valid, ...n.valid];
  const test = [...r.test, ...n.test];
  const held = new Set([...valid, ...test].map((e) => textKey(e.text)));
  const train = [...r.train, ...n.train, ...examples.filter((e) => e.source === 'bootstrap')].filter((e) => !e.outOfScope && !held.has(textKey(e.text)));
  return { train, valid, test };
}

/** Probabilities of many texts (rows aligned with `classes`). */
export function scoreAll(vectorizer: TfidfVectorizer, model: LogisticModel, texts: readonly string[]): Float64Array[] {
  return texts.map((t) => model.probabilities(vectorizer.transform(t)));
}

/** The threshold (0.05–0.95 by 0.025) with the best micro-F1 of `probs` against `truth`. */
export function chooseThreshold(
  probs: readonly Float64Array[],
  truth: readonly (readonly string[])[],
  classes: readonly string[],
  maxLabels: number,
): { threshold: number; f1: number } {
  let best = { threshold: 0.5, f1: -1 };
  for (let t = 0.05; t <= 0.951; t += 0.025) {
    const pred = probs.map((p) => pickLabels(p, classes, t, maxLabels).map((h) => h.id));
    const f1 = multiLabelReport(truth, pred, classes).micro.f1;
    if (f1 > best.f1) best = { threshold: Math.round(t * 1000) / 1000, f1 };
  }
  return best;
}

/** Figures of predictions at `threshold` on a set of examples (micro/macro F1, precision, recall; `flagged`: share of examples given any technique; 0–1). */
export function evaluateSet(
  probs: readonly Float64Array[],
  examples: readonly TechniqueExample[],
  classes: readonly string[],
  threshold: number,
  maxLabels: number,
): Record<string, number> {
  const pred = probs.map((p) => pickLabels(p, classes, threshold, maxLabels).map((h) => h.id));
  const r = multiLabelReport(
    examples.map((e) => e.labels),
    pred,
    classes,
  );
  const flagged = pred.filter((p) => p.length > 0).length / Math.max(pred.length, 1);
  return { microF1: r.micro.f1, precision: r.micro.precision, recall: r.micro.recall, macroF1: r.macro.f1, flagged, n: examples.length };
}

/**
 * Per-document figures (the protocol of Büchel et al. 2025, "SoK: A Survey of Approaches for
 * ATT&CK Classifier Construction"): a report's techniques are the union over its sentences, of
 * the gold labels and of the predictions. `meanF1`: F1 averaged over documents; `microF1`: pooled.
 */
export function documentFigures(
  probs: readonly Float64Array[],
  examples: readonly TechniqueExample[],
  classes: readonly string[],
  threshold: number,
  maxLabels: number,
): Record<string, number> {
  const gold = new Map<string, Set<string>>();
  const pred = new Map<string, Set<string>>();
  examples.forEach((e, i) => {
    const g = gold.get(e.group) ?? new Set<string>();
    for (const l of e.labels) g.add(l);
    gold.set(e.group, g);
    const p = pred.get(e.group) ?? new Set<string>();
    for (const h of pickLabels(probs[i] as Float64Array, classes, threshold, maxLabels)) p.add(h.id);
    pred.set(e.group, p);
  });
  const docs = [...gold.keys()].filter((d) => (gold.get(d)?.size ?? 0) > 0);
  const perDoc = docs.map((d) => multiLabelReport([[...(gold.get(d) ?? [])]], [[...(pred.get(d) ?? [])]]).micro.f1);
  const pooled = multiLabelReport(
    docs.map((d) => [...(gold.get(d) ?? [])]),
    docs.map((d) => [...(pred.get(d) ?? [])]),
    classes,
  );
  return { meanF1: perDoc.reduce((a, b) => a + b, 0) / Math.max(perDoc.length, 1), microF1: pooled.micro.f1, n: docs.length };
}

/** Options of {@link trainTechniques} beyond the context (the bench varies them). */
export interface TechniqueTrainOptions {
  maxFeatures: number;
  l2: number;
  maxIter: number;
  maxLabels: number;
}

/**
 * Trains the classifier on TRAM and measures it on held-out reports.
 * @throws VigilError VIGIL_DATA_MISSING naming the TRAM file that is not there.
 */
export async function trainTechniques(ctx: TrainContext, options: Partial<TechniqueTrainOptions> = {}): Promise<TrainedModel<TechniquePayload>> {
  const seed = ctx.seed ?? 42;
  const quick = ctx.quick === true;
  const opts: TechniqueTrainOptions = { maxFeatures: quick ? 6000 : 20_000, l2: 1e-5, maxIter: quick ? 50 : 120, maxLabels: 3, ...options };
  const classes = tramClasses(ctx.dataDir);
  const { examples, files } = loadTramExamples(ctx.dataDir, classes);
  const split = splitTechniqueExamples(examples, seed);
  const train = quick ? shuffled(split.train, seed).slice(0, Math.round(split.train.length * 0.3)) : split.train;
  ctx.progress('vectorize', 0, 1);
  const vectorizer = TfidfVectorizer.fit(
    train.map((e) => e.text),
    { minDf: 2, maxDf: 0.5, maxFeatures: opts.maxFeatures, ngram: [1, 2] },
  );
  const X: SparseVector[] = vectorizer.transformAll(train.map((e) => e.text));
  const Y = train.map((e) => e.labels.map((l) => classes.indexOf(l)));
  ctx.progress('vectorize', 1, 1);
  const model = trainOneVsRest(X, Y, classes, vectorizer.dim, {
    l2: opts.l2,
    maxIter: opts.maxIter,
    onIteration: (i) => ctx.progress('L-BFGS', i, opts.maxIter),
  });
  const validProbs = scoreAll(
    vectorizer,
    model,
    split.valid.map((e) => e.text),
  );
  const { threshold, f1: validF1 } = chooseThreshold(
    validProbs,
    split.valid.map((e) => e.labels),
    classes,
    opts.maxLabels,
  );
  const metrics: Record<string, number> = { 'valid.microF1': validF1, threshold };
  const parts = {
    annotated: split.test.filter((e) => e.source === 'single'),
    reports: split.test.filter((e) => e.source === 'report'),
    negatives: split.test.filter((e) => e.source === 'negative'),
  };
  for (const [name, set] of Object.entries({ ...parts, 'annotated+negatives': [...parts.annotated, ...parts.negatives], all: split.test })) {
    const probs = scoreAll(
      vectorizer,
      model,
      set.map((e) => e.text),
    );
    for (const [k, v] of Object.entries(evaluateSet(probs, set, classes, threshold, opts.maxLabels))) metrics[`test.${name}.${k}`] = v;
  }
  const docProbs = scoreAll(
    vectorizer,
    model,
    parts.reports.map((e) => e.text),
  );
  for (const [k, v] of Object.entries(documentFigures(docProbs, parts.reports, classes, threshold, opts.maxLabels))) metrics[`test.documents.${k}`] = v;
  const allNames = techniqueNames(ctx.dataDir);
  const names = Object.fromEntries(classes.map((c) => [c, allNames.get(c) ?? c]));
  const testGroups = new Set(split.test.filter((e) => e.source !== 'negative').map((e) => e.group)).size;
  return {
    payload: { kind: 'techniques', classes, names, threshold, maxLabels: opts.maxLabels, vectorizer: vectorizer.toJSON(), model: model.toJSON() },
    metrics,
    data: { files, train: train.length, valid: split.valid.length },
    notes: [
      `one-vs-rest logistic regression over TF-IDF word uni+bigrams (${vectorizer.dim} terms), L2 ${opts.l2}, seed ${seed}${quick ? ', QUICK (30 % of training, figures not representative)' : ''}`,
      `threshold ${threshold} (best validation micro-F1), at most ${opts.maxLabels} techniques per sentence`,
      `test: ${testGroups} held-out reports (${parts.annotated.length} annotated sentences, ${parts.reports.length} report sentences) + ${parts.negatives.length} TRAM negatives`,
    ],
  };
}
