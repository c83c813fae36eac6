/**
 * How a priority score (0–100, docs/priority.md) is printed, the same in the CLI and the dashboard
 * (web/src/format.ts imports this file): one decimal, rounded down, so that a score below 100 never
 * reads as a tie with a true 100 (99.99 is `99.9`) and a score never reads higher than it is.
 */

/**
 * A priority score with one decimal, rounded down.
 * @param score 0–100.
 * @example formatPriority(99.99) // '99.9'
 * @example formatPriority(100) // '100.0'
 */
export function formatPriority(score: number): string {
  // The epsilon absorbs binary noise (57.3 * 10 = 572.9999…) without lifting a score below 100 to it.
  const tenths = Math.floor(score * 10 + 1e-9);
  return (score < 100 ? Math.min(tenths, 999) / 10 : tenths / 10).toFixed(1);
}
