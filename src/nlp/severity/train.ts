/**
 * Training and evaluation of severity-from-text (issue 14): TF-IDF word 1–3-grams and a
 * multinomial logistic regression over LOW/MEDIUM/HIGH/CRITICAL, temperature-scaled on the NVD
 * validation split (Guo et al. 2017). Training data: NVD's v3 severities and, when CVE 5 files are
 * given, the CNA's (else CISA-ADP's) v3 severities of CVE 5 records (corpus.ts), learned with a
 * shared and a per-source copy of every feature and folded back to NVD's view (domains.ts).
 * The model abstains when its calibrated probability is under a threshold: the lowest one whose
 * NVD validation accuracy (on the records it does not abstain on) reaches the target (default
 * 0.90). A second view, a ridge regression of the CVSS base score (score.ts), may take part: when
 * validation coverage at the target is higher with "abstain unless both views agree", the mean of
 * both views' probabilities, or their weighted product (weight and temperature fitted by
 * validation log-loss), the model stores that rule (the regression's L2 is also chosen on
 * validation; a rule whose validation ECE is over 0.05 is never taken: the probability shown must
 * stay calibrated). Splits 80/10/10 per source, seeded, identical descriptions kept in one part;
 * the test splits give the figures only: accuracy and coverage at the threshold, full-coverage
 * accuracy, macro-F1, ECE before and after calibration, on NVD's test split (`test.*`, the split
 * of every earlier version) and on the CVE 5 one (`testCve5.*`).
 */
import { z } from 'zod';
import {
  accuracy,
  fitTemperature,
  LogisticStateSchema,
  type ReliabilityBin,
  reliability,
  type SparseVector,
  type TfidfOptions,
  TfidfStateSchema,
  TfidfVectorizer,
  trainSoftmax,
} from '../ml/index.ts';
import type { TrainContext, TrainedModel } from '../types.ts';
import { loadSeverityCorpus, SEVERITY_CVE5_FILES } from './corpus.ts';
import { SEVERITY_FILES, SEVERITY_LABELS, type SeverityRecord } from './data.ts';
import { augment, augmentedDim, foldRegression, foldSoftmax } from './domains.ts';
import { abstentionThreshold, type SeverityVote, severityFigures } from './figures.ts';
import {
  bucketProbabilities,
  combineViews,
  fitProductOfViews,
  type ProductOfViews,
  ProductOfViewsSchema,
  predictScore,
  type ScoreRegression,
  ScoreRegressionSchema,
  SEVERITY_RULES,
  type SeverityRule,
  scoreBucket,
  trainScoreRegression,
} from './score.ts';

/** The stored model: vocabulary, weights with their temperature, and the abstention threshold (0–1). */
export const SeverityPayload = z
  .object({
    kind: z.literal('severity'),
    classes: z.array(z.enum(SEVERITY_LABELS)).length(4),
    threshold: z.number().min(0).max(1),
    vectorizer: TfidfStateSchema,
    model: LogisticStateSchema,
    /** Base-score regression (second view); absent in version-1 files. */
    score: ScoreRegressionSchema.optional(),
    /** How the two views combine (score.ts); version-1 files have no regression: `probability`. */
    rule: z.enum(SEVERITY_RULES).default('probability'),
    /** Gaussian error of the score regression (score points) for the `mean` and `product` rules. */
    sigma: z.number().positive().default(1),
    /** Weight and temperature of the `product` rule (absent before version 3 of the payload). */
    product: ProductOfViewsSchema.optional(),
  })
  .refine((p) => p.rule !== 'product' || (p.product !== undefined && p.score !== undefined), {
    message: 'rule "product" needs a score regression and product weights',
    path: ['rule'],
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
  /** CVE 5 JSON Lines files (CNA / CISA-ADP severities) to add to training; empty = NVD only. */
  cve5Files: readonly string[];
  /** At most this many CVE 5 records (seeded sample), for tests. */
  cve5Limit?: number;
  /** Feature options beyond the defaults (word 1–3-grams, df ≥ 2). */
  tfidf?: Partial<TfidfOptions>;
  /** Largest validation ECE (0–1) a combination rule may have to be chosen. */
  maxEce: number;
  /** L2 values of the score regression tried on validation. */
  scoreL2: readonly number[];
  /** Use at most this many records (seeded sample), for tests. */
  limit?: number;
}

export { abstentionThreshold, argmaxAll, type SeverityVote, severityFigures } from './figures.ts';

/**
 * Trains the severity model on NVD's v3 severities (and the CNA / CISA-ADP ones of CVE 5 records,
 * corpus.ts) and measures it on the held-out test splits.
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
    // NVD validation coverage at 0.90 (product rule): 0.606 with 60,000 uni+bigrams, 0.622 with all
    // 110k of them (df ≥ 2), 0.638 with all 1–3-grams in ≥ 2 texts (216k; the cap is not reached).
    maxFeatures: quick ? 8000 : 250_000,
    l2: 1e-5,
    maxIter: quick ? 40 : 150,
    scoreL2: quick ? [1e-4] : [3e-5, 1e-4, 3e-4],
    maxEce: 0.05,
    files: quick ? ['nvd/nvdcve-1.1-2025.json.gz'] : SEVERITY_FILES,
    cve5Files: SEVERITY_CVE5_FILES,
    ...(quick ? { limit: 4000, cve5Limit: 4000 } : {}),
    ...options,
  };
  const corpus = loadSeverityCorpus(
    ctx.dataDir,
    {
      files: opts.files,
      cve5Files: opts.cve5Files,
      ...(opts.limit ? { limit: opts.limit } : {}),
      ...(opts.cve5Limit ? { cve5Limit: opts.cve5Limit } : {}),
    },
    seed,
  );
  // The NVD part: validation chooses everything, test gives the comparable figures.
  const split = corpus.nvd;
  const classes = [...SEVERITY_LABELS];
  ctx.progress('vectorize', 0, 1);
  const vectorizer = TfidfVectorizer.fit(
    corpus.train.map((r) => r.text),
    { minDf: 2, maxDf: 0.9, maxFeatures: opts.maxFeatures, ngram: [1, 3], ...opts.tfidf },
  );
  const D = vectorizer.dim;
  // Two label sources: trained in the augmented space (domains.ts), folded back to NVD's view.
  const useDomains = corpus.train.some((r) => r.source === 'cna' || r.source === 'adp');
  const Xtrain = corpus.train.map((r) => (useDomains ? augment(vectorizer.transform(r.text), r.source, D) : vectorizer.transform(r.text)));
  const trainDim = useDomains ? augmentedDim(D) : D;
  ctx.progress('vectorize', 1, 1);
  const wide = trainSoftmax(
    Xtrain,
    corpus.train.map((r) => classes.indexOf(r.label)),
    classes,
    trainDim,
    { l2: opts.l2, maxIter: opts.maxIter, onIteration: (i) => ctx.progress('L-BFGS', i, opts.maxIter) },
  );
  const raw = useDomains ? foldSoftmax(wide, D) : wide;
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
  type Choice = {
    rule: SeverityRule;
    reg: ScoreRegression | null;
    l2: number;
    sigma: number;
    product?: ProductOfViews;
    threshold: number;
    coverage: number;
    ece: number;
  };
  const choose = (rule: SeverityRule, reg: ScoreRegression | null, l2: number, sigma: number, product?: ProductOfViews): Choice => {
    const scores = Xvalid.map((x) => (reg ? predictScore(reg, x) : null));
    const votes = validSoft.map((p, i) => combineViews(p, scores[i] ?? null, sigma, rule, product));
    const conf = votes.map((v) => (v.veto ? 0 : v.p));
    const ok = votes.map((v, i) => classes[v.k] === validTruth[i]);
    const threshold = abstentionThreshold(conf, ok, opts.targetAccuracy);
    const coverage = conf.filter((c) => c > 0 && c >= threshold).length / Math.max(conf.length, 1);
    const ece = reliability(
      votes.map((v) => v.p),
      ok,
      10,
    ).ece;
    return { rule, reg, l2, sigma, ...(product ? { product } : {}), threshold, coverage, ece };
  };
  const plain = choose('probability', null, 0, 1);
  let best = plain;
  const tried: string[] = [`probability: ${plain.coverage.toFixed(3)} (ECE ${plain.ece.toFixed(3)})`];
  for (const l2 of opts.scoreL2) {
    const wideReg = trainScoreRegression(
      Xtrain,
      corpus.train.map((r) => r.score),
      trainDim,
      { l2, maxIter: opts.maxIter, onIteration: (i) => ctx.progress(`score L2 ${l2}`, i, opts.maxIter) },
    );
    const reg = useDomains ? foldRegression(wideReg, D) : wideReg;
    // σ of the score's Gaussian error = its validation RMSE (score points).
    const sigma = Math.sqrt(
      Xvalid.reduce((acc, x, i) => acc + (predictScore(reg, x) - (split.valid[i] as SeverityRecord).score) ** 2, 0) / Math.max(Xvalid.length, 1),
    );
    // The product rule's weight and temperature: least validation log-loss (score.ts).
    const product = fitProductOfViews(
      validSoft,
      Xvalid.map((x) => bucketProbabilities(predictScore(reg, x), sigma)),
      split.valid.map((r) => classes.indexOf(r.label)),
    );
    for (const rule of ['agreement', 'mean', 'product'] as const) {
      const c = choose(rule, reg, l2, sigma, rule === 'product' ? product : undefined);
      tried.push(`${rule} (score L2 ${l2}): ${c.coverage.toFixed(3)} (ECE ${c.ece.toFixed(3)})`);
      // The probability shown must stay calibrated: a rule whose validation ECE exceeds maxEce is not taken.
      if (c.coverage > best.coverage && c.ece <= opts.maxEce) best = c;
    }
  }
  const threshold = best.threshold;
  const votesOf = (soft: readonly Float64Array[], X: readonly SparseVector[], c: Choice): SeverityVote[] =>
    soft.map((p, i) => combineViews(p, c.reg ? predictScore(c.reg, X[i] as SparseVector) : null, c.sigma, c.rule, c.product));
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
  // The held-out CVE 5 part, scored by the same (NVD-view) model and threshold: CNA/ADP labels.
  if (corpus.cve5.test.length) {
    const Xc = vectorizer.transformAll(corpus.cve5.test.map((r) => r.text));
    const cve5Test = severityFigures(
      classes,
      votesOf(
        Xc.map((x) => model.probabilities(x)),
        Xc,
        best,
      ),
      corpus.cve5.test.map((r) => r.label),
      threshold,
    );
    for (const [k, v] of Object.entries(cve5Test.figures)) metrics[`testCve5.${k}`] = v;
  }
  metrics['data.cve5Skipped'] = corpus.cve5Skipped.length;
  const counts = Object.fromEntries(classes.map((c) => [c, corpus.train.filter((r) => r.label === c).length]));
  const bySource = Object.fromEntries(['nvd', 'cna', 'adp'].map((s) => [s, corpus.train.filter((r) => (r.source ?? 'nvd') === s).length]));
  const reasons = [...new Set(corpus.cve5Skipped.map((k) => k.reason))].slice(0, 3);
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
      ...(best.product ? { product: best.product } : {}),
    },
    metrics,
    data: {
      files: [...opts.files, ...opts.cve5Files.filter((f) => !corpus.cve5Missing.includes(f))],
      train: corpus.train.length,
      valid: split.valid.length,
    },
    notes: [
      `softmax logistic regression over TF-IDF word ${vectorizer.state.options.ngram.join('–')}-grams${vectorizer.state.options.charNgram ? ` + character ${vectorizer.state.options.charNgram.join('–')}-grams` : ''} (${vectorizer.dim} terms), L2 ${opts.l2}, temperature ${temperature.toFixed(3)}, seed ${seed}${quick ? ', QUICK (subset, figures not representative)' : ''}`,
      `rule "${best.rule}"${best.reg ? ` with the base-score regression (L2 ${best.l2}, σ ${best.sigma.toFixed(3)})` : ''}, abstains under probability ${threshold.toFixed(4)} (lowest threshold reaching validation accuracy ${opts.targetAccuracy}); chosen on validation by coverage at that accuracy (ECE ≤ ${opts.maxEce}) among ${tried.join('; ')}`,
      `train label counts ${JSON.stringify(counts)}, by label source ${JSON.stringify(bySource)} (NVD feeds, then CVE 5 records labelled by the CNA, else CISA-ADP${useDomains ? '; trained with a shared and a per-source copy of each feature, the NVD view kept' : ''}); NVD test ${split.test.length} records (the same split as earlier versions), CVE 5 test ${corpus.cve5.test.length}; ${corpus.droppedAsHeldOut} training records dropped as their text is held out in the other source, ${corpus.cve5InNvd} CVE 5 records already in NVD; ${corpus.nvdSkipped} NVD items failed the schema, ${corpus.cve5Skipped.length} CVE 5 lines skipped${reasons.length ? ` (${reasons.join('; ')})` : ''}, ${corpus.cve5Unlabelled} CVE 5 records without a v3 severity or English text${corpus.cve5Missing.length ? `; NOT FOUND, trained without: ${corpus.cve5Missing.join(', ')}` : ''}`,
    ],
    testBins: test.bins,
  };
}
