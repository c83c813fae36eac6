/**
 * Training and evaluation of severity-from-text (issue 14): TF-IDF word uni+bigrams and a
 * multinomial logistic regression over LOW/MEDIUM/HIGH/CRITICAL, temperature-scaled on the
 * validation split (Guo et al. 2017). The model abstains when its calibrated probability is under
 * a threshold: the lowest one whose validation accuracy (on the records it does not abstain on)
 * reaches the target (default 0.90). A second view, a ridge regression of the CVSS base score
 * bucketed to a label (score.ts), may veto: when validation coverage at the target is higher with
 * "abstain unless both views agree" or with the mean of both views' probabilities, the model
 * stores that rule (the regression's L2 is also chosen on validation; a rule whose validation ECE
 * is over 0.05 is never taken, the probability shown must stay calibrated). Split 80/10/10, seeded, identical descriptions kept in one part; the
 * test split is used for the figures only. Test figures: accuracy and coverage at the threshold, full-coverage accuracy, macro-F1,
 * ECE before and after calibration.
 */
import { z } from 'zod';
import {
  accuracy,
  classificationReport,
  fitTemperature,
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
import {
  combineViews,
  predictScore,
  type ScoreRegression,
  ScoreRegressionSchema,
  SEVERITY_RULES,
  type SeverityRule,
  scoreBucket,
  trainScoreRegression,
} from './score.ts';

/** The stored model: vocabulary, weights with their temperature, and the abstention threshold (0–1). */
export const SeverityPayload = z.object({
  kind: z.literal('severity'),
  classes: z.array(z.enum(SEVERITY_LABELS)).length(4),
  threshold: z.number().min(0).max(1),
  vectorizer: TfidfStateSchema,
  model: LogisticStateSchema,
  /** Base-score regression (second view); absent in version-1 files. */
  score: ScoreRegressionSchema.optional(),
  /** How the two views combine (score.ts); version-1 files have no regression: `probability`. */
  rule: z.enum(SEVERITY_RULES).default('probability'),
  /** Gaussian error of the score regression (score points) for the `mean` rule. */
  sigma: z.number().positive().default(1),
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
  /** Largest validation ECE (0–1) a combination rule may have to be chosen. */
  maxEce: number;
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

/** One scored record: label index, its probability (0–1), and whether the rule vetoes it. */
export interface SeverityVote {
  k: number;
  p: number;
  veto: boolean;
}

/** Figures of a scored set at `threshold` (0–1 each) and its reliability bins (probability of the predicted label). */
export function severityFigures(
  classes: readonly string[],
  votes: readonly SeverityVote[],
  truth: readonly string[],
  threshold: number,
): { figures: Record<string, number>; bins: ReliabilityBin[] } {
  const pred = votes.map((t) => classes[t.k] as string);
  const correct = pred.map((p, i) => p === truth[i]);
  const kept = votes.map((t) => !t.veto && t.p >= threshold);
  const keptN = kept.filter(Boolean).length;
  const keptRight = correct.filter((c, i) => c && kept[i]).length;
  const rel = reliability(
    votes.map((t) => t.p),
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
    l2: 1e-5,
    maxIter: quick ? 40 : 150,
    scoreL2: quick ? [1e-4] : [1e-5, 3e-5, 1e-4],
    maxEce: 0.05,
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
  const validTruth = split.valid.map((r) => r.label);
  const validSoft = Xvalid.map((x) => model.probabilities(x));
  const Xtest = vectorizer.transformAll(split.test.map((r) => r.text));
  const testTruth = split.test.map((r) => r.label);
  const testSoft = Xtest.map((x) => model.probabilities(x));
  type Choice = { rule: SeverityRule; reg: ScoreRegression | null; l2: number; sigma: number; threshold: number; coverage: number; ece: number };
  const choose = (rule: SeverityRule, reg: ScoreRegression | null, l2: number, sigma: number): Choice => {
    const scores = Xvalid.map((x) => (reg ? predictScore(reg, x) : null));
    const votes = validSoft.map((p, i) => combineViews(p, scores[i] ?? null, sigma, rule));
    const conf = votes.map((v) => (v.veto ? 0 : v.p));
    const ok = votes.map((v, i) => classes[v.k] === validTruth[i]);
    const threshold = abstentionThreshold(conf, ok, opts.targetAccuracy);
    const coverage = conf.filter((c) => c > 0 && c >= threshold).length / Math.max(conf.length, 1);
    const ece = reliability(
      votes.map((v) => v.p),
      ok,
      10,
    ).ece;
    return { rule, reg, l2, sigma, threshold, coverage, ece };
  };
  const plain = choose('probability', null, 0, 1);
  let best = plain;
  const tried: string[] = [`probability: ${plain.coverage.toFixed(3)} (ECE ${plain.ece.toFixed(3)})`];
  for (const l2 of opts.scoreL2) {
    const reg = trainScoreRegression(
      Xtrain,
      split.train.map((r) => r.score),
      vectorizer.dim,
      { l2, maxIter: opts.maxIter, onIteration: (i) => ctx.progress(`score L2 ${l2}`, i, opts.maxIter) },
    );
    // σ of the score's Gaussian error = its validation RMSE (score points).
    const sigma = Math.sqrt(
      Xvalid.reduce((acc, x, i) => acc + (predictScore(reg, x) - (split.valid[i] as SeverityRecord).score) ** 2, 0) / Math.max(Xvalid.length, 1),
    );
    for (const rule of ['agreement', 'mean'] as const) {
      const c = choose(rule, reg, l2, sigma);
      tried.push(`${rule} (score L2 ${l2}): ${c.coverage.toFixed(3)} (ECE ${c.ece.toFixed(3)})`);
      // The probability shown must stay calibrated: a rule whose validation ECE exceeds maxEce is not taken.
      if (c.coverage > best.coverage && c.ece <= opts.maxEce) best = c;
    }
  }
  const threshold = best.threshold;
  const votesOf = (soft: readonly Float64Array[], X: readonly SparseVector[], c: Choice): SeverityVote[] =>
    soft.map((p, i) => combineViews(p, c.reg ? predictScore(c.reg, X[i] as SparseVector) : null, c.sigma, c.rule));
  const test = severityFigures(classes, votesOf(testSoft, Xtest, best), testTruth, threshold);
  const uncalibrated = severityFigures(
    classes,
    votesOf(
      Xtest.map((x) => raw.probabilities(x)),
      Xtest,
      best,
    ),
    testTruth,
    threshold,
  );
  const valid = severityFigures(classes, votesOf(validSoft, Xvalid, best), validTruth, threshold);
  const plainTest = severityFigures(classes, votesOf(testSoft, Xtest, plain), testTruth, plain.threshold);
  const metrics: Record<string, number> = {
    threshold,
    temperature,
    rule: SEVERITY_RULES.indexOf(best.rule),
    scoreL2: best.l2,
    sigma: best.sigma,
    'test.eceUncalibrated': uncalibrated.figures.ece ?? 0,
    'testProbabilityOnly.threshold': plain.threshold,
  };
  if (best.reg) {
    const reg = best.reg;
    const scores = Xtest.map((x) => predictScore(reg, x));
    metrics['test.scoreRmse'] = Math.sqrt(
      scores.reduce((acc, s, i) => acc + (s - (split.test[i] as SeverityRecord).score) ** 2, 0) / Math.max(scores.length, 1),
    );
    metrics['test.scoreBucketAccuracy'] = accuracy(testTruth, scores.map(scoreBucket));
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
      rule: best.rule,
      sigma: best.sigma,
    },
    metrics,
    data: { files: [...opts.files], train: split.train.length, valid: split.valid.length },
    notes: [
      `softmax logistic regression over TF-IDF word uni+bigrams${vectorizer.state.options.charNgram ? ` + character ${vectorizer.state.options.charNgram.join('–')}-grams` : ''} (${vectorizer.dim} terms), L2 ${opts.l2}, temperature ${temperature.toFixed(3)}, seed ${seed}${quick ? ', QUICK (subset, figures not representative)' : ''}`,
      `rule "${best.rule}"${best.reg ? ` with the base-score regression (L2 ${best.l2}, σ ${best.sigma.toFixed(3)})` : ''}, abstains under probability ${threshold.toFixed(4)} (lowest threshold reaching validation accuracy ${opts.targetAccuracy}); chosen on validation by coverage at that accuracy (ECE ≤ ${opts.maxEce}) among ${tried.join('; ')}`,
      `train label counts ${JSON.stringify(counts)}; test ${split.test.length} records; ${loaded.skipped} feed items failed the schema`,
    ],
    testBins: test.bins,
  };
}
