/**
 * The second view of the severity model (issue 14): a ridge regression of NVD's CVSS v3 base
 * score (0–10) on the same TF-IDF features, bucketed with the CVSS v3.1 qualitative scale
 * (https://www.first.org/cvss/v3.1/specification-document#Qualitative-Severity-Rating-Scale:
 * LOW 0.1–3.9, MEDIUM 4.0–6.9, HIGH 7.0–8.9, CRITICAL 9.0–10.0). It uses the ordering of the
 * labels that the softmax ignores; the model abstains when the two views disagree (if validation
 * says that helps, see train.ts).
 */
import { z } from 'zod';
import { lbfgs, round, type SparseVector } from '../ml/index.ts';
import type { SeverityLabel } from '../types.ts';

/** Stored regression: weights per feature and the intercept (score units). */
export const ScoreRegressionSchema = z
  .object({ dim: z.number().int().nonnegative(), weights: z.array(z.number()), bias: z.number() })
  .refine((s) => s.weights.length === s.dim, { message: 'weights length is not dim' });
export type ScoreRegression = z.infer<typeof ScoreRegressionSchema>;

/** The CVSS v3 qualitative severity of a base score (scores under 0.1 count as LOW: NONE is never predicted). */
export function scoreBucket(score: number): SeverityLabel {
  if (score >= 9) return 'CRITICAL';
  if (score >= 7) return 'HIGH';
  if (score >= 4) return 'MEDIUM';
  return 'LOW';
}

/**
 * Fits `score ≈ w·x + b` minimising mean squared error + `l2/2 · |w|²` (L-BFGS).
 * @param y base scores, 0–10, one per vector.
 */
export function trainScoreRegression(
  X: readonly SparseVector[],
  y: readonly number[],
  dim: number,
  options: { l2: number; maxIter: number; onIteration?: (iter: number) => void },
): ScoreRegression {
  const n = Math.max(X.length, 1);
  const mean = y.reduce((a, b) => a + b, 0) / n;
  const objective = (w: Float64Array, grad: Float64Array): number => {
    grad.fill(0);
    let loss = 0;
    for (let i = 0; i < X.length; i++) {
      const x = X[i] as SparseVector;
      let p = w[dim] as number;
      for (let j = 0; j < x.indices.length; j++) p += (x.values[j] as number) * (w[x.indices[j] as number] as number);
      const r = p - (y[i] as number);
      loss += (0.5 * r * r) / n;
      const g = r / n;
      grad[dim] = (grad[dim] as number) + g;
      for (let j = 0; j < x.indices.length; j++) {
        const k = x.indices[j] as number;
        grad[k] = (grad[k] as number) + g * (x.values[j] as number);
      }
    }
    let pen = 0;
    for (let k = 0; k < dim; k++) {
      const v = w[k] as number;
      pen += v * v;
      grad[k] = (grad[k] as number) + options.l2 * v;
    }
    return loss + 0.5 * options.l2 * pen;
  };
  const w0 = new Float64Array(dim + 1);
  w0[dim] = mean;
  const { w } = lbfgs(objective, w0, {
    maxIter: options.maxIter,
    ...(options.onIteration ? { onIteration: (i: number) => options.onIteration?.(i) } : {}),
  });
  return { dim, weights: [...w.subarray(0, dim)].map((v) => round(v, 6)), bias: round(w[dim] as number, 6) };
}

/** The predicted base score of `x`, clamped to 0–10. */
export function predictScore(model: ScoreRegression, x: SparseVector): number {
  let p = model.bias;
  for (let j = 0; j < x.indices.length; j++) {
    const k = x.indices[j] as number;
    if (k < model.dim) p += (x.values[j] as number) * (model.weights[k] as number);
  }
  return Math.min(10, Math.max(0, p));
}

/** How the two views give the label and its confidence: see {@link combineViews}. */
export const SEVERITY_RULES = ['probability', 'agreement', 'mean', 'product'] as const;
export type SeverityRule = (typeof SEVERITY_RULES)[number];

/** Weight (0–1) of the softmax against the score's bucket probabilities, and the temperature of the `product` rule. */
export const ProductOfViewsSchema = z.object({ weight: z.number().min(0).max(1), temperature: z.number().positive() });
export type ProductOfViews = z.infer<typeof ProductOfViewsSchema>;

/** Probabilities ∝ (soft^w · bucket^(1−w))^(1/T): a weighted product of the two views, renormalised. */
export function productOfViews(soft: Float64Array, bucket: Float64Array, product: ProductOfViews): Float64Array {
  const z = new Float64Array(soft.length);
  let max = Number.NEGATIVE_INFINITY;
  for (let j = 0; j < z.length; j++) {
    const a = Math.log(Math.max(soft[j] as number, 1e-9));
    const b = Math.log(Math.max(bucket[j] as number, 1e-9));
    z[j] = (product.weight * a + (1 - product.weight) * b) / product.temperature;
    if ((z[j] as number) > max) max = z[j] as number;
  }
  let sum = 0;
  for (let j = 0; j < z.length; j++) {
    z[j] = Math.exp((z[j] as number) - max);
    sum += z[j] as number;
  }
  for (let j = 0; j < z.length; j++) z[j] = (z[j] as number) / sum;
  return z;
}

/**
 * The weight and temperature of the `product` rule with the least negative log-likelihood of
 * `truth` (label indexes) on a grid (weight 0.1–1 by 0.05, temperature 0.4–3 by 0.05).
 */
export function fitProductOfViews(soft: readonly Float64Array[], buckets: readonly Float64Array[], truth: readonly number[]): ProductOfViews {
  let best: ProductOfViews = { weight: 1, temperature: 1 };
  let bestNll = Number.POSITIVE_INFINITY;
  for (let wi = 2; wi <= 20; wi++) {
    for (let ti = 8; ti <= 60; ti++) {
      const cand = { weight: wi / 20, temperature: ti / 20 };
      let nll = 0;
      for (let i = 0; i < soft.length; i++) {
        const p = productOfViews(soft[i] as Float64Array, buckets[i] as Float64Array, cand);
        nll -= Math.log(Math.max(p[truth[i] as number] as number, 1e-12));
      }
      if (nll < bestNll) {
        bestNll = nll;
        best = cand;
      }
    }
  }
  return best;
}

/** Standard normal CDF (Abramowitz & Stegun 7.1.26 erf, |error| < 1.5e-7). */
export function normalCdf(z: number): number {
  const x = Math.abs(z) / Math.SQRT2;
  const t = 1 / (1 + 0.3275911 * x);
  const poly = t * (0.254829592 + t * (-0.284496736 + t * (1.421413741 + t * (-1.453152027 + t * 1.061405429))));
  const erf = 1 - poly * Math.exp(-x * x);
  return z >= 0 ? 0.5 * (1 + erf) : 0.5 * (1 - erf);
}

/** Bucket probabilities (LOW, MEDIUM, HIGH, CRITICAL) of a predicted score with Gaussian error `sigma` (score points). */
export function bucketProbabilities(score: number, sigma: number): Float64Array {
  const edges = [Number.NEGATIVE_INFINITY, 3.95, 6.95, 8.95, Number.POSITIVE_INFINITY];
  const out = new Float64Array(4);
  for (let k = 0; k < 4; k++) out[k] = normalCdf(((edges[k + 1] as number) - score) / sigma) - normalCdf(((edges[k] as number) - score) / sigma);
  return out;
}

/**
 * The label index and confidence (0–1) under a rule: `probability` = the softmax's top class;
 * `agreement` = the same, vetoed (abstain whatever the probability) when the score bucket differs;
 * `mean` = the top class of the average of the softmax and the score's bucket probabilities
 * ({@link bucketProbabilities}); `product` = the top class of their weighted product
 * ({@link productOfViews}, `product` required). `score` null = no regression stored (`probability`).
 */
export function combineViews(
  soft: Float64Array,
  score: number | null,
  sigma: number,
  rule: SeverityRule,
  product?: ProductOfViews,
): { k: number; p: number; veto: boolean } {
  let probs = soft;
  if (rule === 'mean' && score !== null) {
    const b = bucketProbabilities(score, sigma);
    probs = soft.map((v, j) => (v + (b[j] as number)) / 2);
  } else if (rule === 'product' && score !== null && product) probs = productOfViews(soft, bucketProbabilities(score, sigma), product);
  let k = 0;
  for (let j = 1; j < probs.length; j++) if ((probs[j] as number) > (probs[k] as number)) k = j;
  const p = probs[k] as number;
  if (rule === 'agreement' && score !== null) {
    const bucket = score >= 9 ? 3 : score >= 7 ? 2 : score >= 4 ? 1 : 0;
    return { k, p, veto: bucket !== k };
  }
  return { k, p, veto: false };
}
