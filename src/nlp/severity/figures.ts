/**
 * Figures of the severity model (issue 14): the abstention threshold reaching a target accuracy
 * on validation, and accuracy, coverage, macro-F1 and ECE of a scored set.
 */
import { accuracy, classificationReport, type ReliabilityBin, reliability } from '../ml/index.ts';

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
