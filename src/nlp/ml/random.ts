/**
 * Seeded randomness and data splits for the classifiers (issue 14). Everything here is
 * deterministic: the same seed and input give the same output on every platform.
 */

/** A pseudo-random generator returning floats in [0, 1). */
export type Rng = () => number;

/**
 * Mulberry32: a small, fast 32-bit seeded generator (good enough for shuffles, not for crypto).
 *
 * @example
 * const rng = seededRng(42); rng(); // 0.6011…
 */
export function seededRng(seed: number): Rng {
  let a = seed >>> 0;
  return function next(): number {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** A shuffled copy of `items` (Fisher–Yates with the seeded generator). */
export function shuffled<T>(items: readonly T[], seed: number): T[] {
  const out = items.slice();
  const rng = seededRng(seed);
  for (let i = out.length - 1; i > 0; i--) {
    const j = Math.floor(rng() * (i + 1));
    const tmp = out[i] as T;
    out[i] = out[j] as T;
    out[j] = tmp;
  }
  return out;
}

/** Fractions of a three-way split (0–1 each; test gets the rest). */
export interface SplitFractions {
  train: number;
  valid: number;
}

/** The three parts of a split. */
export interface Split<T> {
  train: T[];
  valid: T[];
  test: T[];
}

/**
 * Random split of `items` into train/valid/test by the fractions (test gets what is left).
 *
 * @example
 * splitRandom(records, { train: 0.8, valid: 0.1 }, 42) // 80 / 10 / 10 %
 */
export function splitRandom<T>(items: readonly T[], fractions: SplitFractions, seed: number): Split<T> {
  const s = shuffled(items, seed);
  const nTrain = Math.round(s.length * fractions.train);
  const nValid = Math.round(s.length * fractions.valid);
  return { train: s.slice(0, nTrain), valid: s.slice(nTrain, nTrain + nValid), test: s.slice(nTrain + nValid) };
}

/**
 * Split by group: every item of a group (a document, a report, a description) lands in the same
 * part, so a model is never evaluated on a group it saw in training. Groups are shuffled (seeded)
 * and filled into train, then valid, then test until each part holds its fraction of the items.
 *
 * @example
 * splitByGroup(sentences, (s) => s.docTitle, { train: 0.7, valid: 0.15 }, 42)
 */
export function splitByGroup<T>(items: readonly T[], groupOf: (item: T) => string, fractions: SplitFractions, seed: number): Split<T> {
  const groups = new Map<string, T[]>();
  for (const item of items) {
    const g = groupOf(item);
    const list = groups.get(g);
    if (list) list.push(item);
    else groups.set(g, [item]);
  }
  const order = shuffled([...groups.keys()].sort(), seed);
  const out: Split<T> = { train: [], valid: [], test: [] };
  const trainTarget = items.length * fractions.train;
  const validTarget = trainTarget + items.length * fractions.valid;
  let seen = 0;
  for (const g of order) {
    const list = groups.get(g) ?? [];
    // Place the group by where its middle falls, so parts end close to their fractions.
    const middle = seen + list.length / 2;
    const part = middle <= trainTarget ? out.train : middle <= validTarget ? out.valid : out.test;
    part.push(...list);
    seen += list.length;
  }
  return out;
}
