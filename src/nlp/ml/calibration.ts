/**
 * Probability calibration fitted on a validation split (issue 14):
 * - temperature scaling for softmax models (Guo et al., "On Calibration of Modern Neural
 *   Networks", ICML 2017, https://arxiv.org/abs/1706.04599): one T > 0, probabilities
 *   `softmax(z / T)`, T minimising the validation negative log-likelihood;
 * - Platt scaling for binary scores (Platt 1999): `sigmoid(a·z + b)` fitted by Newton's method on
 *   the validation log-likelihood, with Platt's smoothed targets.
 */
import { softmaxInPlace } from './logistic.ts';

function nllAtTemperature(logits: readonly Float64Array[], y: readonly number[], t: number): number {
  let loss = 0;
  for (let i = 0; i < logits.length; i++) {
    const z = Float64Array.from(logits[i] as Float64Array, (v) => v / t);
    softmaxInPlace(z);
    loss -= Math.log(Math.max(z[y[i] as number] as number, 1e-300));
  }
  return loss / Math.max(logits.length, 1);
}

/**
 * The temperature (> 0) minimising the NLL of `softmax(logits / T)` for true classes `y`
 * (golden-section search over ln T in [-3, 3], i.e. T in [0.05, 20]).
 */
export function fitTemperature(logits: readonly Float64Array[], y: readonly number[]): number {
  let lo = -3;
  let hi = 3;
  const g = (Math.sqrt(5) - 1) / 2;
  let a = hi - g * (hi - lo);
  let b = lo + g * (hi - lo);
  let fa = nllAtTemperature(logits, y, Math.exp(a));
  let fb = nllAtTemperature(logits, y, Math.exp(b));
  for (let i = 0; i < 60; i++) {
    if (fa < fb) {
      hi = b;
      b = a;
      fb = fa;
      a = hi - g * (hi - lo);
      fa = nllAtTemperature(logits, y, Math.exp(a));
    } else {
      lo = a;
      a = b;
      fa = fb;
      b = lo + g * (hi - lo);
      fb = nllAtTemperature(logits, y, Math.exp(b));
    }
  }
  return Math.exp((lo + hi) / 2);
}

/**
 * Platt scaling: `a`, `b` such that `sigmoid(a·score + b)` is a calibrated probability of the
 * positive class. `labels[i]` true = positive. Returns `{a: 1, b: 0}` when there are no positives
 * or no negatives.
 */
export function fitPlatt(scores: readonly number[], labels: readonly boolean[]): { a: number; b: number } {
  const pos = labels.filter(Boolean).length;
  const neg = labels.length - pos;
  if (pos === 0 || neg === 0) return { a: 1, b: 0 };
  const hiT = (pos + 1) / (pos + 2);
  const loT = 1 / (neg + 2);
  let a = 1;
  let b = 0;
  for (let iter = 0; iter < 100; iter++) {
    let g0 = 0;
    let g1 = 0;
    let h00 = 1e-9;
    let h01 = 0;
    let h11 = 1e-9;
    for (let i = 0; i < scores.length; i++) {
      const s = scores[i] as number;
      const t = labels[i] ? hiT : loT;
      const p = 1 / (1 + Math.exp(-(a * s + b)));
      const d = p - t;
      const w = p * (1 - p);
      g0 += d * s;
      g1 += d;
      h00 += w * s * s;
      h01 += w * s;
      h11 += w;
    }
    const det = h00 * h11 - h01 * h01;
    if (Math.abs(det) < 1e-15) break;
    const da = (h11 * g0 - h01 * g1) / det;
    const db = (h00 * g1 - h01 * g0) / det;
    a -= da;
    b -= db;
    if (Math.abs(da) < 1e-9 && Math.abs(db) < 1e-9) break;
  }
  return { a, b };
}
