/**
 * Training and evaluation of severity-from-text (issue 14): TF-IDF word uni+bigrams and a
 * multinomial logistic regression over LOW/MEDIUM/HIGH/CRITICAL, temperature-scaled on the
 * validation split (Guo et al. 2017). The model abstains when its calibrated probability is under
 * a threshold: the lowest one whose validation accuracy (on the records it does not abstain on)
 * reaches the target (default 0.90). A second view, a ridge regression of the CVSS base score
 * bucketed to a label (score.ts), may veto: when validation coverage at the target is higher with
 * "abstain unless both views agree", the model stores that rule (the regression's L2 is also
 * chosen on validation). Split 80/10/10, seeded, identical descriptions kept in one part; the
 * test split is used for the figures only. Test figures: accuracy and coverage at the threshold, full-coverage accuracy, macro-F1,
 * ECE before and after calibration.
 */
import { z } from 'zod';
import {
  accuracy,
  classificationReport,
  fitTemperature,
  type LogisticModel,
  LogisticStateSchema,
  type ReliabilityBin,
  reliability,
  type SparseVector,
  shuffled,
  splitByGroup,
  type TfidfOptions,
  TfidfStateSchema,
  TfidfVectorizer,
  trainSoftmax,
} from '../ml/index.ts';
import type { TrainContext, TrainedModel } from '../types.ts';
import { descriptionKey, loadSeverityRecords, SEVERITY_FILES, SEVERITY_LABELS, type SeverityRecord } from './data.ts';
import { predictScore, ScoreRegressionSchema, scoreBucket, trainScoreRegression } from './score.ts';

/** The stored model: vocabulary, weights with their temperature, and the abstention threshold (0–1). */
export const SeverityPayload = z.object({
  kind: z.literal('severity'),
  classes: z.array(z.enum(SEVERITY_LABELS)).length(4),
  threshold: z.number().min(0).max(1),
  vectorizer: TfidfStateSchema,
  model: LogisticStateSchema,
  /** Base-score regression (second view); absent in version-1 files. */
  score: ScoreRegressionSchema.optional(),
  /** Abstain when the regression's bucket differs from the softmax label. */
  requireAgreement: z.boolean().default(false),
});
export type SeverityPayload = z.infer<typeof SeverityPayload>;

/** Options beyond the context (the bench and tests vary them). */
export interface SeverityTrainOptions {
  /** Accuracy (0–1) the abstention threshold must reach on validation. */
  targetAccuracy: number;
  maxFeatures: number;
  l2: number;
  maxIter: number;
  /** Corpus files (NVD 1.1 feeds) to read. */
  files: readonly string[];
  /** Feature options beyond the defaults (word uni+bigrams, df ≥ 2). */
  tfidf?: Partial<TfidfOptions>;
  /** L2 values of the score regression tried on validation. */
  scoreL2: readonly number[];
  /** Use at most this many records (seeded sample), for tests. */
  limit?: number;
}

/** The predicted label index and its probability for each probability row. */
export function argmaxAll(probs: readonly Float64Array[]): { k: number; p: number }[] {
  return probs.map((row) => {
    let k = 0;
    for (let j = 1; j < row.length; j++) if ((row[j] as number) > (row[k] as number)) k = j;
    return { k, p: row[k] as number };
  });
}

/**
 * The lowest confidence threshold at which the accuracy of the predictions kept (confidence ≥
 * threshold) reaches `target`; 1 when none does.
 */
export function abstentionThreshold(confidence: readonly number[], correct: readonly boolean[], target: number): number {
  const order = confidence.map((c, i) => ({ c, ok: correct[i] === true })).sort((a, b) => b.c - a.c);
  let right = 0;
  let best = 1;
  for (let i = 0; i < order.length; i++) {
    const cur = order[i] as { c: number; ok: boolean };
    right += cur.ok ? 1 : 0;
    // Only cut between distinct confidences: a threshold keeps every prediction at or above it.
    const next = order[i + 1];
    if (next && next.c === cur.c) continue;
    if (right / (i + 1) >= target) best = cur.c;
  }
  return best;
}

/** Figures of a scored set at `threshold` (0–1 each) and its reliability bins. */
export function severityFigures(
  model: LogisticModel,
  X: readonly SparseVector[],
  truth: readonly string[],
  threshold: number,
  agree?: readonly boolean[],
): { figures: Record<string, number>; bins: ReliabilityBin[] } {
  const classes = model.classes;
  const probs = X.map((x) => model.probabilities(x));
  const top = argmaxAll(probs);
  const pred = top.map((t) => classes[t.k] as string);
  const correct = pred.map((p, i) => p === truth[i]);
  const kept = top.map((t, i) => t.p >= threshold && (agree ? agree[i] === true : true));
  const keptN = kept.filter(Boolean).length;
  const keptRight = correct.filter((c, i) => c && kept[i]).length;
  const rel = reliability(
    top.map((t) => t.p),
    correct,
    10,
  );
  return {
    figures: {
      accuracyFull: accuracy(truth, pred),
      macroF1Full: classificationReport(truth, pred, classes).macro.f1,
      accuracyAtThreshold: keptN ? keptRight / keptN : 0,
      coverage: keptN / Math.max(truth.length, 1),
      ece: rel.ece,
      n: truth.length,
    },
    bins: rel.bins,
  };
}

/**
 * Trains the severity model on NVD's v3 severities and measures it on the held-out test split.
 * @throws VigilError VIGIL_DATA_MISSING naming a feed that is not there.
 */
export async function trainSeverity(
  ctx: TrainContext,
  options: Partial<SeverityTrainOptions> = {},
): Promise<TrainedModel<SeverityPayload> & { testBins: ReliabilityBin[] }> {
  const seed = ctx.seed ?? 42;
  const quick = ctx.quick === true;
  const opts: SeverityTrainOptions = {
    targetAccuracy: 0.9,
    maxFeatures: quick ? 8000 : 60_000,
    l2: 2e-5,
    maxIter: quick ? 40 : 150,
    scoreL2: quick ? [1e-4] : [3e-5, 1e-4, 3e-4],
    files: quick ? ['nvd/nvdcve-1.1-2025.json.gz'] : SEVERITY_FILES,
    ...(quick ? { limit: 4000 } : {}),
    ...options,
  };
  const loaded = loadSeverityRecords(ctx.dataDir, opts.files);
  const records: SeverityRecord[] = opts.limit ? shuffled(loaded.records, seed).slice(0, opts.limit) : loaded.records;
  const split = splitByGroup(records, (r) => descriptionKey(r.text), { train: 0.8, valid: 0.1 }, seed);
  const classes = [...SEVERITY_LABELS];
  ctx.progress('vectorize', 0, 1);
  const vectorizer = TfidfVectorizer.fit(
    split.train.map((r) => r.text),
    { minDf: 2, maxDf: 0.9, maxFeatures: opts.maxFeatures, ngram: [1, 2], ...opts.tfidf },
  );
  const Xtrain = vectorizer.transformAll(split.train.map((r) => r.text));
  ctx.progress('vectorize', 1, 1);
  const raw = trainSoftmax(
    Xtrain,
    split.train.map((r) => classes.indexOf(r.label)),
    classes,
    vectorizer.dim,
    { l2: opts.l2, maxIter: opts.maxIter, onIteration: (i) => ctx.progress('L-BFGS', i, opts.maxIter) },
  );
  const Xvalid = vectorizer.transformAll(split.valid.map((r) => r.text));
  const temperature = fitTemperature(
    Xvalid.map((x) => raw.logits(x)),
    split.valid.map((r) => classes.indexOf(r.label)),
  );
  const model = raw.withCalibration({ kind: 'temperature', temperature });
  const validTop = argmaxAll(Xvalid.map((x) => model.probabilities(x)));
  const validTruth = split.valid.map((r) => r.label);
  const validOk = validTop.map((t, i) => classes[t.k] === validTruth[i]);
  const coverageAt = (agree: readonly boolean[] | null): { threshold: number; coverage: number } => {
    const conf = validTop.map((t, i) => (agree && !agree[i] ? 0 : t.p));
    const threshold = abstentionThreshold(conf, validOk, opts.targetAccuracy);
    return { threshold, coverage: conf.filter((c) => c > 0 && c >= threshold).length / Math.max(conf.length, 1) };
  };
  const plain = coverageAt(null);
  let best = { ...plain, l2: 0, agree: null as boolean[] | null, reg: null as ReturnType<typeof trainScoreRegression> | null };
  const tried: string[] = [`probability only: valid coverage ${plain.coverage.toFixed(3)}`];
  for (const l2 of opts.scoreL2) {
    const reg = trainScoreRegression(
      Xtrain,
      split.train.map((r) => r.score),
      vectorizer.dim,
      { l2, maxIter: opts.maxIter, onIteration: (i) => ctx.progress(`score L2 ${l2}`, i, opts.maxIter) },
    );
    const agree = Xvalid.map((x, i) => scoreBucket(predictScore(reg, x)) === classes[(validTop[i] as { k: number }).k]);
    const r = coverageAt(agree);
    tried.push(`agreement with score regression L2 ${l2}: valid coverage ${r.coverage.toFixed(3)}`);
    if (r.coverage > best.coverage) best = { ...r, l2, agree, reg };
  }
  const threshold = best.threshold;
  const Xtest = vectorizer.transformAll(split.test.map((r) => r.text));
  const testTruth = split.test.map((r) => r.label);
  const testPred = argmaxAll(Xtest.map((x) => model.probabilities(x)));
  const testAgreement = best.reg
    ? Xtest.map((x, i) => scoreBucket(predictScore(best.reg as NonNullable<typeof best.reg>, x)) === classes[(testPred[i] as { k: number }).k])
    : undefined;
  const test = severityFigures(model, Xtest, testTruth, threshold, testAgreement);
  const uncalibrated = severityFigures(raw, Xtest, testTruth, threshold, testAgreement);
  const valid = severityFigures(model, Xvalid, validTruth, threshold, best.agree ?? undefined);
  const plainTest = severityFigures(model, Xtest, testTruth, plain.threshold);
  const metrics: Record<string, number> = {
    threshold,
    temperature,
    requireAgreement: best.reg ? 1 : 0,
    scoreL2: best.l2,
    'test.eceUncalibrated': uncalibrated.figures.ece ?? 0,
    'testProbabilityOnly.threshold': plain.threshold,
  };
  if (best.reg) {
    let se = 0;
    Xtest.forEach((x, i) => {
      se += (predictScore(best.reg as NonNullable<typeof best.reg>, x) - (split.test[i] as SeverityRecord).score) ** 2;
    });
    metrics['test.scoreRmse'] = Math.sqrt(se / Math.max(Xtest.length, 1));
    metrics['test.scoreBucketAccuracy'] = accuracy(
      testTruth,
      Xtest.map((x) => scoreBucket(predictScore(best.reg as NonNullable<typeof best.reg>, x))),
    );
  }
  for (const [k, v] of Object.entries(plainTest.figures)) metrics[`testProbabilityOnly.${k}`] = v;
  for (const [k, v] of Object.entries(test.figures)) metrics[`test.${k}`] = v;
  for (const [k, v] of Object.entries(valid.figures)) metrics[`valid.${k}`] = v;
  const counts = Object.fromEntries(classes.map((c) => [c, split.train.filter((r) => r.label === c).length]));
  return {
    payload: {
      kind: 'severity',
      classes,
      threshold,
      vectorizer: vectorizer.toJSON(),
      model: model.toJSON(),
      ...(best.reg ? { score: best.reg } : {}),
      requireAgreement: best.reg !== null,
    },
    metrics,
    data: { files: [...opts.files], train: split.train.length, valid: split.valid.length },
    notes: [
      `softmax logistic regression over TF-IDF word uni+bigrams (${vectorizer.dim} terms), L2 ${opts.l2}, temperature ${temperature.toFixed(3)}, seed ${seed}${quick ? ', QUICK (subset, figures not representative)' : ''}`,
      `abstains under probability ${threshold.toFixed(4)}${best.reg ? ` or when the base-score regression (L2 ${best.l2}) buckets to another label` : ''}: lowest threshold reaching validation accuracy ${opts.targetAccuracy}; chosen on validation among ${tried.join('; ')}`,
      `train label counts ${JSON.stringify(counts)}; test ${split.test.length} records; ${loaded.skipped} feed items failed the schema`,
    ],
    testBins: test.bins,
  };
}
