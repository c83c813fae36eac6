/**
 * Multi-label text classification shared by the impact and news-event models: TF-IDF features,
 * one-vs-rest logistic regression (nlp/ml), Platt calibration per label and a threshold per label,
 * both fitted on a validation split, figures on a held-out test split. The split is by record
 * (a bulletin, an article): no record is in two parts.
 */
import { z } from 'zod';
import {
  fitPlatt,
  LogisticModel,
  LogisticStateSchema,
  multiLabelReport,
  type Report,
  round,
  shuffled,
  splitByGroup,
  type TfidfOptions,
  TfidfStateSchema,
  TfidfVectorizer,
  trainOneVsRest,
} from '../ml/index.ts';
import type { LabelProbability, TrainContext, TrainedModel } from '../types.ts';
import type { LabelledText } from './data.ts';

/** The stored payload of a multi-label classifier. */
export const MultiLabelPayload = z.object({
  vectorizer: TfidfStateSchema,
  model: LogisticStateSchema,
  /** Per label: the calibrated probability (0–1) from which the label is given. */
  thresholds: z.record(z.string(), z.number().min(0).max(1)),
});
export type MultiLabelPayload = z.infer<typeof MultiLabelPayload>;

/** How to train one multi-label model. */
export interface MultiLabelSpec<L extends string> {
  /** Labels to learn, in display order (a label with fewer than `minPositives` training examples is dropped). */
  labels: readonly L[];
  /** Records (`labels: null` ones are dropped). */
  records: LabelledText<L>[];
  tfidf: Partial<TfidfOptions>;
  /** L2 penalty (per mean example). */
  l2: number;
  maxIter: number;
  /** Training examples a label needs (default 20). */
  minPositives?: number;
  /** `quick`: at most this many records are used (seeded sample). */
  quickRecords: number;
  /** Text variants scored on the test split besides the text itself (`noRiskSentence`: text → text). */
  testVariants?: Record<string, (text: string) => string>;
}

/** A loaded multi-label classifier. */
export class MultiLabelClassifier {
  private readonly vectorizer: TfidfVectorizer;
  private readonly model: LogisticModel;

  constructor(readonly payload: MultiLabelPayload) {
    this.vectorizer = TfidfVectorizer.fromState(payload.vectorizer);
    this.model = new LogisticModel(payload.model);
  }

  /** Calibrated probability (0–1) of every label. */
  probabilities(text: string): LabelProbability[] {
    const p = this.model.probabilities(this.vectorizer.transform(text));
    return this.model.classes.map((label, k) => ({ label, probability: p[k] as number }));
  }

  /** Labels at or above their threshold, best first. */
  predict(text: string): LabelProbability[] {
    return this.probabilities(text)
      .filter((l) => l.probability >= (this.payload.thresholds[l.label] ?? 0.5))
      .sort((a, b) => b.probability - a.probability || a.label.localeCompare(b.label));
  }
}

/** The threshold (0.05–0.95 by 0.05) maximising F1 of one label on validation probabilities; 0.5 without positives. */
function bestThreshold(probs: readonly number[], truth: readonly boolean[]): number {
  if (!truth.some(Boolean)) return 0.5;
  let best = 0.5;
  let bestF1 = -1;
  for (let t = 0.05; t < 0.951; t += 0.05) {
    let tp = 0;
    let fp = 0;
    let fn = 0;
    probs.forEach((p, i) => {
      if (p >= t) {
        if (truth[i]) tp++;
        else fp++;
      } else if (truth[i]) fn++;
    });
    const f1 = tp === 0 ? 0 : (2 * tp) / (2 * tp + fp + fn);
    if (f1 > bestF1 + 1e-12) {
      bestF1 = f1;
      best = round(t, 2);
    }
  }
  return best;
}

function reportMetrics(prefix: string, report: Report, into: Record<string, number>): void {
  into[`${prefix}.microF1`] = round(report.micro.f1, 4);
  into[`${prefix}.macroF1`] = round(report.macro.f1, 4);
  for (const c of report.perClass) into[`${prefix}.f1.${c.label}`] = round(c.f1, 4);
}

/**
 * Trains a multi-label model: split 70/15/15 by record (seeded), fit TF-IDF and one-vs-rest on
 * train, Platt calibration and thresholds on valid, figures on test (`test.microF1`,
 * `test.macroF1`, `test.f1.<label>`, and the same for each test variant).
 */
export function trainMultiLabel<L extends string>(spec: MultiLabelSpec<L>, ctx: TrainContext, files: string[]): TrainedModel<MultiLabelPayload> {
  const seed = ctx.seed ?? 42;
  let records = spec.records.filter((r) => r.labels !== null);
  if (ctx.quick && records.length > spec.quickRecords) records = shuffled(records, seed).slice(0, spec.quickRecords);
  const split = splitByGroup(records, (r) => r.id, { train: 0.7, valid: 0.15 }, seed);
  const counts = new Map<L, number>();
  for (const r of split.train) for (const l of r.labels ?? []) counts.set(l, (counts.get(l) ?? 0) + 1);
  const minPositives = spec.minPositives ?? 20;
  const labels = spec.labels.filter((l) => (counts.get(l) ?? 0) >= minPositives);
  const dropped = spec.labels.filter((l) => !labels.includes(l));
  ctx.progress('features', 0, 3);
  const vectorizer = TfidfVectorizer.fit(
    split.train.map((r) => r.text),
    spec.tfidf,
  );
  const index = new Map(labels.map((l, k) => [l, k]));
  const X = vectorizer.transformAll(split.train.map((r) => r.text));
  const Y = split.train.map((r) => (r.labels ?? []).map((l) => index.get(l)).filter((k): k is number => k !== undefined));
  ctx.progress('features', 1, 3);
  const maxIter = ctx.quick ? Math.min(40, spec.maxIter) : spec.maxIter;
  const raw = trainOneVsRest(X, Y, labels, vectorizer.dim, {
    l2: spec.l2,
    maxIter,
    onIteration: (iter) => ctx.progress('training', iter, maxIter),
  });
  ctx.progress('calibration', 2, 3);
  const validLogits = split.valid.map((r) => raw.logits(vectorizer.transform(r.text)));
  const a: number[] = [];
  const b: number[] = [];
  labels.forEach((l, k) => {
    const fit = fitPlatt(
      validLogits.map((z) => z[k] as number),
      split.valid.map((r) => (r.labels ?? []).includes(l)),
    );
    a.push(round(fit.a, 6));
    b.push(round(fit.b, 6));
  });
  const model = raw.withCalibration({ kind: 'platt', a, b });
  const thresholds: Record<string, number> = {};
  labels.forEach((l, k) => {
    const probs = validLogits.map((z) => model.probabilitiesFromLogits(z)[k] as number);
    thresholds[l] = bestThreshold(
      probs,
      split.valid.map((r) => (r.labels ?? []).includes(l)),
    );
  });
  const payload: MultiLabelPayload = { vectorizer: vectorizer.toJSON(), model: model.toJSON(), thresholds };
  const classifier = new MultiLabelClassifier(payload);
  const metrics: Record<string, number> = {};
  const evaluate = (prefix: string, part: LabelledText<L>[], transform: (t: string) => string): void => {
    const truth = part.map((r) => (r.labels ?? []).filter((l) => index.has(l)));
    const predicted = part.map((r) => classifier.predict(transform(r.text)).map((p) => p.label));
    reportMetrics(prefix, multiLabelReport(truth, predicted, labels), metrics);
  };
  evaluate('valid', split.valid, (t) => t);
  evaluate('test', split.test, (t) => t);
  for (const [name, fn] of Object.entries(spec.testVariants ?? {})) evaluate(`test.${name}`, split.test, fn);
  ctx.progress('calibration', 3, 3);
  return {
    payload,
    metrics,
    data: { files, train: split.train.length, valid: split.valid.length },
    notes: [
      `split by record 70/15/15 (seed ${seed}): ${split.train.length} train, ${split.valid.length} valid (Platt calibration and thresholds), ${split.test.length} test (figures)`,
      `thresholds: ${labels.map((l) => `${l} ${thresholds[l]}`).join(', ')}`,
      ...(dropped.length ? [`labels with fewer than ${minPositives} training examples, not learned: ${dropped.join(', ')}`] : []),
      ...(ctx.quick ? ['quick training: figures are not representative'] : []),
    ],
  };
}
