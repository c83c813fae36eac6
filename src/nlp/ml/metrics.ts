/**
 * Evaluation figures for the classifiers (issue 14): accuracy, per-class precision/recall/F1,
 * micro and macro F1 (single- and multi-label), and calibration (reliability bins and the
 * expected calibration error, ECE: Σ_bins (n_b / N) · |accuracy_b − confidence_b|).
 * All figures are 0–1; a ratio with a zero denominator is 0.
 */

/** Precision, recall, F1 (0–1) and support (true examples) of one class. */
export interface ClassFigures {
  label: string;
  precision: number;
  recall: number;
  f1: number;
  support: number;
}

/** Per-class figures and their micro/macro averages. */
export interface Report {
  perClass: ClassFigures[];
  micro: { precision: number; recall: number; f1: number };
  /** Unweighted mean over classes with support or predictions. */
  macro: { precision: number; recall: number; f1: number };
}

function ratio(a: number, b: number): number {
  return b === 0 ? 0 : a / b;
}

function f1Of(p: number, r: number): number {
  return p + r === 0 ? 0 : (2 * p * r) / (p + r);
}

/** Share of positions where `predicted` equals `truth`. */
export function accuracy<T>(truth: readonly T[], predicted: readonly T[]): number {
  let ok = 0;
  for (let i = 0; i < truth.length; i++) if (truth[i] === predicted[i]) ok++;
  return ratio(ok, truth.length);
}

/**
 * Multi-label report: `truth[i]` and `predicted[i]` are the label sets of example i (empty = none).
 * Single-label data is the special case of one-element sets; a null prediction (abstention) is an
 * empty set. `labels` fixes the classes reported (default: every label seen).
 */
export function multiLabelReport(truth: readonly (readonly string[])[], predicted: readonly (readonly string[])[], labels?: readonly string[]): Report {
  const tp = new Map<string, number>();
  const fp = new Map<string, number>();
  const fn = new Map<string, number>();
  const inc = (m: Map<string, number>, k: string): void => {
    m.set(k, (m.get(k) ?? 0) + 1);
  };
  for (let i = 0; i < truth.length; i++) {
    const t = new Set(truth[i]);
    const p = new Set(predicted[i] ?? []);
    for (const l of p) inc(t.has(l) ? tp : fp, l);
    for (const l of t) if (!p.has(l)) inc(fn, l);
  }
  const all = labels ?? [...new Set([...tp.keys(), ...fp.keys(), ...fn.keys()])].sort();
  const perClass = all.map((label): ClassFigures => {
    const a = tp.get(label) ?? 0;
    const precision = ratio(a, a + (fp.get(label) ?? 0));
    const recall = ratio(a, a + (fn.get(label) ?? 0));
    return { label, precision, recall, f1: f1Of(precision, recall), support: a + (fn.get(label) ?? 0) };
  });
  let sTp = 0;
  let sFp = 0;
  let sFn = 0;
  for (const l of all) {
    sTp += tp.get(l) ?? 0;
    sFp += fp.get(l) ?? 0;
    sFn += fn.get(l) ?? 0;
  }
  const mp = ratio(sTp, sTp + sFp);
  const mr = ratio(sTp, sTp + sFn);
  const active = perClass.filter((c) => c.support > 0 || (fp.get(c.label) ?? 0) > 0);
  const mean = (f: (c: ClassFigures) => number): number =>
    ratio(
      active.reduce((s, c) => s + f(c), 0),
      active.length,
    );
  return {
    perClass,
    micro: { precision: mp, recall: mr, f1: f1Of(mp, mr) },
    macro: { precision: mean((c) => c.precision), recall: mean((c) => c.recall), f1: mean((c) => c.f1) },
  };
}

/** Single-label report (`predicted[i]` null = abstained: counts as a miss for the true class). */
export function classificationReport(truth: readonly string[], predicted: readonly (string | null)[], labels?: readonly string[]): Report {
  return multiLabelReport(
    truth.map((t) => [t]),
    predicted.map((p) => (p === null ? [] : [p])),
    labels,
  );
}

/** One reliability bin: predictions whose confidence is in [lo, hi). */
export interface ReliabilityBin {
  lo: number;
  hi: number;
  count: number;
  /** Mean predicted probability in the bin (0–1). */
  confidence: number;
  /** Share of the bin's predictions that were right (0–1). */
  accuracy: number;
}

/**
 * Reliability diagram data and ECE: `confidence[i]` is the probability given to the predicted
 * label, `correct[i]` whether that label was right. Equal-width bins over [0, 1].
 */
export function reliability(confidence: readonly number[], correct: readonly boolean[], bins = 10): { bins: ReliabilityBin[]; ece: number } {
  const out: ReliabilityBin[] = Array.from({ length: bins }, (_, b) => ({ lo: b / bins, hi: (b + 1) / bins, count: 0, confidence: 0, accuracy: 0 }));
  for (let i = 0; i < confidence.length; i++) {
    const c = confidence[i] as number;
    const bin = out[Math.min(bins - 1, Math.max(0, Math.floor(c * bins)))] as ReliabilityBin;
    bin.count++;
    bin.confidence += c;
    bin.accuracy += correct[i] ? 1 : 0;
  }
  let ece = 0;
  for (const bin of out) {
    if (bin.count === 0) continue;
    bin.confidence /= bin.count;
    bin.accuracy /= bin.count;
    ece += (bin.count / confidence.length) * Math.abs(bin.accuracy - bin.confidence);
  }
  return { bins: out, ece };
}
