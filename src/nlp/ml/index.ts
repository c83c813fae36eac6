/**
 * Shared text-classification core (issue 14): TF-IDF features, logistic regression (softmax and
 * one-vs-rest), calibration, metrics and seeded splits. Own code, weights as JSON (STACK.md).
 *
 * @example
 * const split = splitByGroup(rows, (r) => r.doc, { train: 0.7, valid: 0.15 }, 42);
 * const v = TfidfVectorizer.fit(split.train.map((r) => r.text));
 * const m = trainSoftmax(v.transformAll(split.train.map((r) => r.text)), ys, classes, v.dim);
 * const t = fitTemperature(validVectors.map((x) => m.logits(x)), validYs);
 * const calibrated = m.withCalibration({ kind: 'temperature', temperature: t });
 */
export { fitPlatt, fitTemperature } from './calibration.ts';
export { type LbfgsOptions, lbfgs, type Objective } from './lbfgs.ts';
export {
  type Calibration,
  LogisticModel,
  type LogisticOptions,
  type LogisticState,
  LogisticStateSchema,
  softmaxInPlace,
  trainOneVsRest,
  trainSoftmax,
} from './logistic.ts';
export { accuracy, type ClassFigures, classificationReport, multiLabelReport, type ReliabilityBin, type Report, reliability } from './metrics.ts';
export { type Rng, type Split, type SplitFractions, seededRng, shuffled, splitByGroup, splitRandom } from './random.ts';
export { l2NormalizeInPlace, type SparseVector, sparseConcat, sparseDot, sparseFromMap } from './sparse.ts';
export { analyze, DEFAULT_TFIDF, round, type TfidfOptions, type TfidfState, TfidfStateSchema, TfidfVectorizer, wordTokens } from './tfidf.ts';
