/**
 * Logistic regression over sparse features (issue 14), trained with L-BFGS and an L2 penalty:
 * - `softmax`: multinomial, one label per example (severity: LOW/MEDIUM/HIGH/CRITICAL);
 * - `ovr`: one binary (sigmoid) model per class, trained jointly, for multi-label data (ATT&CK
 *   techniques: a sentence may describe none, one or several).
 * Loss: weighted mean negative log-likelihood + `l2 / 2 · ‖W‖²` (biases not penalised).
 * Optional calibration ({@link Calibration}, fitted by calibration.ts) is applied by
 * {@link LogisticModel.probabilities}. Weights serialise to JSON ({@link LogisticState}).
 */
import { z } from 'zod';
import { lbfgs } from './lbfgs.ts';
import type { SparseVector } from './sparse.ts';
import { round } from './tfidf.ts';

/** Probability calibration: one temperature for all logits, or Platt's `sigmoid(a·z + b)` per class. */
export type Calibration = { kind: 'temperature'; temperature: number } | { kind: 'platt'; a: number[]; b: number[] };

/**
 * The serialised model: `weights` feature-major, one row of `classes.length` weights per feature
 * and a last row of biases (`weights[j * K + k]`: feature j, class k). Feature-major keeps the
 * classes of one feature together, which is what a sparse example touches.
 */
export interface LogisticState {
  kind: 'softmax' | 'ovr';
  classes: string[];
  dim: number;
  weights: number[];
  calibration: Calibration | null;
}

/** Zod schema of {@link LogisticState}. */
export const LogisticStateSchema = z
  .object({
    kind: z.enum(['softmax', 'ovr']),
    classes: z.array(z.string()).min(1),
    dim: z.number().int().nonnegative(),
    weights: z.array(z.number()),
    calibration: z
      .union([
        z.object({ kind: z.literal('temperature'), temperature: z.number().positive() }),
        z.object({ kind: z.literal('platt'), a: z.array(z.number()), b: z.array(z.number()) }),
      ])
      .nullable(),
  })
  .refine((s) => s.weights.length === s.classes.length * (s.dim + 1), { message: 'weights length is not (dim + 1) × classes' });

/** Training options. */
export interface LogisticOptions {
  /** L2 penalty strength (per mean example). */
  l2: number;
  maxIter: number;
  /** Per-example weights (default 1). */
  sampleWeight?: readonly number[];
  /** `ovr` only: weight of positive examples per class (default 1; > 1 helps rare classes). */
  positiveWeight?: readonly number[];
  onIteration?: (iter: number, loss: number) => void;
}

const DEFAULTS = { l2: 1e-4, maxIter: 150 };

function sigmoid(z: number): number {
  return z >= 0 ? 1 / (1 + Math.exp(-z)) : Math.exp(z) / (1 + Math.exp(z));
}

function softplus(z: number): number {
  return z > 30 ? z : z < -30 ? Math.exp(z) : Math.log1p(Math.exp(z));
}

/** Softmax of logits (stable), in place. */
export function softmaxInPlace(z: Float64Array): Float64Array {
  let max = Number.NEGATIVE_INFINITY;
  for (const v of z) if (v > max) max = v;
  let sum = 0;
  for (let k = 0; k < z.length; k++) {
    z[k] = Math.exp((z[k] as number) - max);
    sum += z[k] as number;
  }
  for (let k = 0; k < z.length; k++) z[k] = (z[k] as number) / sum;
  return z;
}

function addL2(w: Float64Array, grad: Float64Array, K: number, dim: number, l2: number): number {
  let pen = 0;
  const n = K * dim; // the bias row (last) is not penalised
  for (let i = 0; i < n; i++) {
    const v = w[i] as number;
    pen += v * v;
    grad[i] = (grad[i] as number) + l2 * v;
  }
  return 0.5 * l2 * pen;
}

/** Logits of `x` into `z`: `z[k] = Σ_j x_j · w[j·K + k] + bias_k`. */
function logitsInto(x: SparseVector, w: Float64Array, K: number, dim: number, z: Float64Array): void {
  const biasRow = dim * K;
  for (let k = 0; k < K; k++) z[k] = w[biasRow + k] as number;
  for (let n = 0; n < x.indices.length; n++) {
    const base = (x.indices[n] as number) * K;
    const v = x.values[n] as number;
    for (let k = 0; k < K; k++) z[k] = (z[k] as number) + v * (w[base + k] as number);
  }
}

/** grad[j·K + k] += g[k] · x_j for every feature j of x, and the biases. */
function addOuter(grad: Float64Array, x: SparseVector, g: Float64Array, K: number, dim: number): void {
  const biasRow = dim * K;
  for (let k = 0; k < K; k++) grad[biasRow + k] = (grad[biasRow + k] as number) + (g[k] as number);
  for (let n = 0; n < x.indices.length; n++) {
    const base = (x.indices[n] as number) * K;
    const v = x.values[n] as number;
    for (let k = 0; k < K; k++) grad[base + k] = (grad[base + k] as number) + v * (g[k] as number);
  }
}

/**
 * Trains a multinomial (softmax) model: `y[i]` is the class index of `X[i]`.
 *
 * @example
 * const m = trainSoftmax(vectors, labels, ['LOW', 'MEDIUM', 'HIGH', 'CRITICAL'], v.dim, { l2: 1e-4 });
 */
export function trainSoftmax(
  X: readonly SparseVector[],
  y: readonly number[],
  classes: readonly string[],
  dim: number,
  options: Partial<LogisticOptions> = {},
): LogisticModel {
  const { l2, maxIter, sampleWeight, onIteration } = { ...DEFAULTS, ...options };
  const K = classes.length;
  const totalWeight = sampleWeight ? sampleWeight.reduce((a, b) => a + b, 0) : X.length;
  const z = new Float64Array(K);
  const objective = (w: Float64Array, grad: Float64Array): number => {
    grad.fill(0);
    let loss = 0;
    for (let i = 0; i < X.length; i++) {
      const x = X[i] as SparseVector;
      const sw = (sampleWeight?.[i] ?? 1) / totalWeight;
      logitsInto(x, w, K, dim, z);
      softmaxInPlace(z);
      const yi = y[i] as number;
      loss -= sw * Math.log(Math.max(z[yi] as number, 1e-300));
      for (let k = 0; k < K; k++) z[k] = sw * ((z[k] as number) - (k === yi ? 1 : 0));
      addOuter(grad, x, z, K, dim);
    }
    return loss + addL2(w, grad, K, dim, l2);
  };
  const { w } = lbfgs(objective, new Float64Array(K * (dim + 1)), { maxIter, ...(onIteration ? { onIteration } : {}) });
  return new LogisticModel({ kind: 'softmax', classes: [...classes], dim, weights: [...w], calibration: null });
}

/**
 * Trains one-vs-rest binary models jointly: `Y[i]` lists the class indexes of `X[i]` (may be
 * empty: a negative example for every class).
 */
export function trainOneVsRest(
  X: readonly SparseVector[],
  Y: readonly (readonly number[])[],
  classes: readonly string[],
  dim: number,
  options: Partial<LogisticOptions> = {},
): LogisticModel {
  const { l2, maxIter, sampleWeight, positiveWeight, onIteration } = { ...DEFAULTS, ...options };
  const K = classes.length;
  const totalWeight = sampleWeight ? sampleWeight.reduce((a, b) => a + b, 0) : X.length;
  const z = new Float64Array(K);
  const objective = (w: Float64Array, grad: Float64Array): number => {
    grad.fill(0);
    let loss = 0;
    for (let i = 0; i < X.length; i++) {
      const x = X[i] as SparseVector;
      const sw = (sampleWeight?.[i] ?? 1) / totalWeight;
      const labels = Y[i] as readonly number[];
      logitsInto(x, w, K, dim, z);
      for (let k = 0; k < K; k++) {
        const t = labels.includes(k) ? 1 : 0;
        const cw = sw * (t === 1 ? (positiveWeight?.[k] ?? 1) : 1);
        const zk = z[k] as number;
        loss += cw * (softplus(zk) - t * zk);
        z[k] = cw * (sigmoid(zk) - t);
      }
      addOuter(grad, x, z, K, dim);
    }
    return loss + addL2(w, grad, K, dim, l2);
  };
  const { w } = lbfgs(objective, new Float64Array(K * (dim + 1)), { maxIter, ...(onIteration ? { onIteration } : {}) });
  return new LogisticModel({ kind: 'ovr', classes: [...classes], dim, weights: [...w], calibration: null });
}

/** A trained logistic model (softmax or one-vs-rest). */
export class LogisticModel {
  private readonly w: Float64Array;

  constructor(readonly state: LogisticState) {
    this.w = Float64Array.from(state.weights);
  }

  get classes(): readonly string[] {
    return this.state.classes;
  }

  /** Raw scores (logits), one per class. */
  logits(x: SparseVector): Float64Array {
    const z = new Float64Array(this.state.classes.length);
    logitsInto(x, this.w, this.state.classes.length, this.state.dim, z);
    return z;
  }

  /** Probabilities from logits (0–1), calibrated when the model carries a calibration. Softmax: they sum to 1; ovr: one independent probability per class. */
  probabilitiesFromLogits(z: Float64Array): Float64Array {
    const out = Float64Array.from(z);
    const cal = this.state.calibration;
    if (this.state.kind === 'softmax') {
      if (cal?.kind === 'temperature') for (let k = 0; k < out.length; k++) out[k] = (out[k] as number) / cal.temperature;
      return softmaxInPlace(out);
    }
    for (let k = 0; k < out.length; k++) {
      const v = out[k] as number;
      if (cal?.kind === 'platt') out[k] = sigmoid((cal.a[k] ?? 1) * v + (cal.b[k] ?? 0));
      else if (cal?.kind === 'temperature') out[k] = sigmoid(v / cal.temperature);
      else out[k] = sigmoid(v);
    }
    return out;
  }

  /** Probabilities (0–1) of each class for `x`. */
  probabilities(x: SparseVector): Float64Array {
    return this.probabilitiesFromLogits(this.logits(x));
  }

  /** A copy carrying `calibration`. */
  withCalibration(calibration: Calibration | null): LogisticModel {
    return new LogisticModel({ ...this.state, weights: [...this.w], calibration });
  }

  /** The JSON-serialisable state, weights rounded to 5 decimals. */
  toJSON(): LogisticState {
    return { ...this.state, weights: Array.from(this.w, (v) => round(v, 5)) };
  }
}
