/**
 * Breakout detection (issue 15, docs/trends.md): a bucket of a count series is a breakout when its
 * count is improbably high under a Poisson model whose rate is the series' own mean over a
 * trailing window of buckets (the buckets just before it, not including it).
 *
 * Test, per bucket i with count k and trailing counts c[i-W], …, c[i-1]:
 *   λ = (Σ c + 0.5) / W            (the trailing mean; +0.5 keeps λ > 0 after an all-zero window)
 *   p = P(X ≥ k | X ~ Poisson(λ))  (one-sided upper tail)
 *   breakout ⇔ k ≥ minCount ∧ k ≥ minRatio·(Σ c / W) ∧ p < alpha ∧ at least minHistory trailing buckets exist.
 * minRatio (2: at least double the trailing mean) is the "well above" of the test: real series are
 * overdispersed, and on a busy series (CWE-79: ~400 a month) Poisson alone calls a 25 % rise
 * significant every other month.
 * Defaults (docs/trends.md explains them and bench/trends.ts measures the false-alarm rate):
 * day W = 28 days, week W = 12 weeks, month W = 12 months; alpha = 0.001; minCount = 5 (days),
 * 5 (weeks, months); minHistory = W (a series needs a full window before it can break out).
 */
import type { Breakout, TrendInterval } from './types.ts';

/** Parameters of {@link detectBreakouts}. */
export interface BreakoutOptions {
  /** Trailing baseline window, in buckets (≥ 1). */
  window: number;
  /** One-sided p-value threshold (0–1): a bucket breaks out when P(X ≥ count) < alpha. */
  alpha: number;
  /** Smallest count that may break out (a jump from 0 to 2 is no news however unlikely). */
  minCount: number;
  /** Trailing buckets needed before a bucket is tested (≤ window; the window is the available ones). */
  minHistory: number;
  /** Smallest count / trailing mean that may break out (≥ 0; 2: at least double its usual level). */
  minRatio: number;
}

/** The defaults per bucket width (see the module comment and docs/trends.md). */
export const BREAKOUT_DEFAULTS: Record<TrendInterval, BreakoutOptions> = {
  day: { window: 28, alpha: 0.001, minCount: 5, minHistory: 28, minRatio: 2 },
  week: { window: 12, alpha: 0.001, minCount: 5, minHistory: 12, minRatio: 2 },
  month: { window: 12, alpha: 0.001, minCount: 5, minHistory: 12, minRatio: 2 },
};

/** ln Γ(x) for x > 0 (Lanczos approximation, g = 7, n = 9; relative error < 1e-14). */
export function logGamma(x: number): number {
  const c = [
    0.99999999999980993, 676.5203681218851, -1259.1392167224028, 771.32342877765313, -176.61502916214059, 12.507343278686905, -0.13857109526572012,
    9.9843695780195716e-6, 1.5056327351493116e-7,
  ];
  if (x < 0.5) return Math.log(Math.PI / Math.sin(Math.PI * x)) - logGamma(1 - x);
  const y = x - 1;
  let a = c[0] as number;
  const t = y + 7.5;
  for (let i = 1; i < 9; i++) a += (c[i] as number) / (y + i);
  return 0.5 * Math.log(2 * Math.PI) + (y + 0.5) * Math.log(t) - t + Math.log(a);
}

/**
 * P(X ≥ k) for X ~ Poisson(lambda): 1 for k ≤ 0; for lambda = 0, 0 when k > 0. Summed directly
 * over the upper tail when k > lambda (exact for tiny tails), else as 1 minus the lower sum.
 * @param k a count (integer ≥ 0)
 * @param lambda the rate (≥ 0)
 */
export function poissonUpperTail(k: number, lambda: number): number {
  if (k <= 0) return 1;
  if (lambda <= 0) return 0;
  // Terms by recurrence from one log-space start (P(X = i + 1) = P(X = i) · λ / (i + 1)): no underflow at the start, one ln Γ per call.
  if (k > lambda) {
    let t = Math.exp(-lambda + k * Math.log(lambda) - logGamma(k + 1));
    let sum = 0;
    for (let i = k; t > sum * 1e-16 && i < k + 10_000; i++) {
      sum += t;
      t *= lambda / (i + 1);
    }
    return Math.min(1, sum);
  }
  let t = Math.exp(-lambda);
  let lower = 0;
  for (let i = 0; i < k; i++) {
    lower += t;
    t *= lambda / (i + 1);
  }
  return Math.max(0, Math.min(1, 1 - lower));
}

/**
 * The breakouts of `counts` (one count per bucket, oldest first) under {@link BreakoutOptions}.
 * @param buckets bucket start days aligned with `counts` (`YYYY-MM-DD`)
 * @param from first index reported (earlier buckets only serve as baseline); default 0
 * @returns breakouts oldest first, `baseline` the trailing mean (without the +0.5), `pValue` 0–1
 */
export function detectBreakouts(counts: readonly number[], buckets: readonly string[], options: BreakoutOptions, from = 0): Breakout[] {
  const out: Breakout[] = [];
  let windowSum = 0;
  for (let i = 0; i < counts.length; i++) {
    const k = counts[i] as number;
    const have = Math.min(i, options.window);
    if (i >= from && have >= options.minHistory && have > 0 && k >= options.minCount) {
      const lambda = (windowSum + 0.5) / have;
      if (k > lambda && k >= options.minRatio * (windowSum / have)) {
        const p = poissonUpperTail(k, lambda);
        if (p < options.alpha) out.push({ bucket: buckets[i] as string, count: k, baseline: windowSum / have, pValue: p });
      }
    }
    windowSum += k;
    if (i >= options.window) windowSum -= counts[i - options.window] as number;
  }
  return out;
}
