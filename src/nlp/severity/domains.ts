/**
 * Two label sources in one linear model (issue 14): "frustratingly easy domain adaptation"
 * (Daumé III 2007, https://aclanthology.org/P07-1033/). Each training vector `x` of dimension D is
 * written three times wide, `[x, x, 0]` for an NVD-scored record and `[x, 0, x]` for a CNA- or
 * ADP-scored one: the first block learns what both scorers agree on, the others each scorer's
 * own habits (CNAs rate many kinds of flaw lower than NVD). An NVD-style prediction is
 * `[x, x, 0]·w = x·(w_shared + w_nvd)`, so the stored model folds the two blocks into one
 * D-wide model: the file format and the prediction path are those of a plain model.
 */
import { LogisticModel, type SparseVector, sparseConcat } from '../ml/index.ts';
import type { SeverityRecord } from './data.ts';
import type { ScoreRegression } from './score.ts';

/** Width of the augmented space for D features. */
export function augmentedDim(dim: number): number {
  return 3 * dim;
}

/** `[x, x, 0]` (NVD) or `[x, 0, x]` (CNA, ADP) in the augmented space. */
export function augment(x: SparseVector, source: SeverityRecord['source'], dim: number): SparseVector {
  return sparseConcat(x, x, source === 'cna' || source === 'adp' ? 2 * dim : dim);
}

/** A softmax trained on augmented vectors, folded to the NVD view (D features; uncalibrated). */
export function foldSoftmax(model: LogisticModel, dim: number): LogisticModel {
  const s = model.state;
  const K = s.classes.length;
  const w = s.weights;
  const out = new Array<number>((dim + 1) * K);
  for (let j = 0; j < dim; j++) for (let k = 0; k < K; k++) out[j * K + k] = (w[j * K + k] as number) + (w[(dim + j) * K + k] as number);
  for (let k = 0; k < K; k++) out[dim * K + k] = w[s.dim * K + k] as number;
  return new LogisticModel({ kind: s.kind, classes: [...s.classes], dim, weights: out, calibration: null });
}

/** A score regression trained on augmented vectors, folded to the NVD view (D features). */
export function foldRegression(reg: ScoreRegression, dim: number): ScoreRegression {
  const weights = new Array<number>(dim);
  for (let j = 0; j < dim; j++) weights[j] = (reg.weights[j] as number) + (reg.weights[dim + j] as number);
  return { dim, weights, bias: reg.bias };
}
