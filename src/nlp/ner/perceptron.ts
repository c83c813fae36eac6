/**
 * An averaged structured perceptron (Collins 2002, https://aclanthology.org/W02-1001/) over a
 * first-order chain: token features × tag weights plus tag-transition weights, decoded by Viterbi
 * restricted to well-formed BIO/BIOES sequences (an `I-X` only after `B-X`/`I-X`, in BIOES an
 * entity closed by `E-X`). Weights are averaged (lazy update trick) and the smallest pruned.
 * Deterministic: sentences are shuffled by a seeded generator.
 */
import type { TagScheme } from './conll.ts';

/** Trained weights in compact form (JSON). */
export interface PerceptronWeights {
  tags: string[];
  /** `(T+1) × T` transition weights, row `T` = sentence start; then `T` end weights. */
  trans: number[];
  /** feature → `[tag, weight, tag, weight, …]`. */
  features: Record<string, number[]>;
}

/** Which transitions are allowed (`prev = -1`: sentence start; `cur = -1`: sentence end). */
export function allowedTransitions(tags: readonly string[], scheme: TagScheme): (prev: number, cur: number) => boolean {
  const parts = tags.map((t) => (t === 'O' ? ['O', ''] : [t[0] ?? 'O', t.slice(2)]));
  return (prev, cur) => {
    const [pp, pt] = prev < 0 ? ['O', ''] : (parts[prev] as string[]);
    if (cur < 0) return scheme === 'BIO' || pp === 'O' || pp === 'E' || pp === 'S';
    const [cp, ct] = parts[cur] as string[];
    const openPrev = scheme === 'BIOES' ? pp === 'B' || pp === 'I' : false;
    if (cp === 'I' || cp === 'E') return (pp === 'B' || pp === 'I') && pt === ct;
    return !openPrev;
  };
}

/** mulberry32: a small seeded generator (0–1). */
export function seededRandom(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

let scoreBuf = new Float64Array(4096);
let backBuf = new Int32Array(4096);

/**
 * Viterbi over emission scores `em[i*T+t]`; returns tag indexes (the first best predecessor on
 * ties). Used in training, where the weights change after every sentence; a loaded tagger decodes
 * with decode.ts (same paths, faster). Reuses module scratch buffers.
 */
export function viterbi(
  em: Float64Array,
  n: number,
  T: number,
  trans: ArrayLike<number>,
  preds: readonly Int32Array[],
  startOk: Uint8Array,
  endOk: Uint8Array,
): Int32Array {
  if (scoreBuf.length < n * T) {
    scoreBuf = new Float64Array(2 * n * T);
    backBuf = new Int32Array(2 * n * T);
  }
  const score = scoreBuf;
  const back = backBuf;
  const NEG = -1e30;
  const startRow = T * T;
  for (let t = 0; t < T; t++) score[t] = startOk[t] ? (em[t] as number) + (trans[startRow + t] as number) : NEG;
  for (let i = 1; i < n; i++) {
    const prevRow = (i - 1) * T;
    const row = i * T;
    for (let t = 0; t < T; t++) {
      const ps = preds[t] as Int32Array;
      let best = NEG;
      let arg = 0;
      for (let k = 0, m = ps.length; k < m; k++) {
        const p = ps[k] as number;
        const s = (score[prevRow + p] as number) + (trans[p * T + t] as number);
        if (s > best) {
          best = s;
          arg = p;
        }
      }
      score[row + t] = best + (em[row + t] as number);
      back[row + t] = arg;
    }
  }
  let best = NEG;
  let arg = 0;
  const endRow = (T + 1) * T;
  const lastRow = (n - 1) * T;
  for (let t = 0; t < T; t++) {
    const s = endOk[t] ? (score[lastRow + t] as number) + (trans[endRow + t] as number) : NEG;
    if (s > best) {
      best = s;
      arg = t;
    }
  }
  const out = new Int32Array(n);
  for (let i = n - 1; i >= 0; i--) {
    out[i] = arg;
    arg = back[i * T + arg] as number;
  }
  return out;
}

/** Constraint tables of a tag set. */
export function constraints(tags: readonly string[], scheme: TagScheme): { preds: Int32Array[]; startOk: Uint8Array; endOk: Uint8Array } {
  const ok = allowedTransitions(tags, scheme);
  const T = tags.length;
  const preds = tags.map((_, t) => Int32Array.from([...Array(T).keys()].filter((p) => ok(p, t))));
  const startOk = Uint8Array.from(tags.map((_, t) => (ok(-1, t) ? 1 : 0)));
  const endOk = Uint8Array.from(tags.map((_, t) => (ok(t, -1) ? 1 : 0)));
  return { preds, startOk, endOk };
}

/** Training examples: per sentence, per token feature ids, and gold tag ids. */
export interface Example {
  feats: Int32Array[];
  gold: Int32Array;
}

/** Options of {@link trainPerceptron}. */
export interface TrainOptions {
  epochs: number;
  seed: number;
  /** Averaged weights with |w| below this are dropped. */
  prune: number;
  progress?: (epoch: number, epochs: number) => void;
}

/** Trains on examples whose feature ids index `featureNames`. */
export function trainPerceptron(
  examples: readonly Example[],
  featureNames: readonly string[],
  tags: readonly string[],
  scheme: TagScheme,
  o: TrainOptions,
): PerceptronWeights {
  const T = tags.length;
  const { preds, startOk, endOk } = constraints(tags, scheme);
  const fTags: number[][] = featureNames.map(() => []);
  const fIdx: number[][] = featureNames.map(() => []);
  const nTrans = (T + 2) * T;
  let w: number[] = new Array(nTrans).fill(0);
  const acc: number[] = new Array(nTrans).fill(0);
  const last: number[] = new Array(nTrans).fill(0);
  let c = 1;
  const bump = (k: number, d: number): void => {
    acc[k] = (acc[k] as number) + (c - (last[k] as number)) * (w[k] as number);
    last[k] = c;
    w[k] = (w[k] as number) + d;
  };
  const param = (f: number, t: number): number => {
    const ts = fTags[f] as number[];
    const j = ts.indexOf(t);
    if (j >= 0) return (fIdx[f] as number[])[j] as number;
    ts.push(t);
    (fIdx[f] as number[]).push(w.length);
    w.push(0);
    acc.push(0);
    last.push(c);
    return w.length - 1;
  };
  const rand = seededRandom(o.seed);
  const order = [...examples.keys()];
  for (let epoch = 0; epoch < o.epochs; epoch++) {
    for (let i = order.length - 1; i > 0; i--) {
      const j = Math.floor(rand() * (i + 1));
      [order[i], order[j]] = [order[j] as number, order[i] as number];
    }
    for (const ix of order) {
      const ex = examples[ix] as Example;
      const n = ex.gold.length;
      const em = new Float64Array(n * T);
      for (let i = 0; i < n; i++) {
        for (const f of ex.feats[i] as Int32Array) {
          const ts = fTags[f] as number[];
          const is = fIdx[f] as number[];
          for (let j = 0; j < ts.length; j++) {
            const k = i * T + (ts[j] as number);
            em[k] = (em[k] as number) + (w[is[j] as number] as number);
          }
        }
      }
      const pred = viterbi(em, n, T, w, preds, startOk, endOk);
      for (let i = 0; i < n; i++) {
        const g = ex.gold[i] as number;
        const p = pred[i] as number;
        if (g !== p) {
          for (const f of ex.feats[i] as Int32Array) {
            bump(param(f, g), 1);
            bump(param(f, p), -1);
          }
        }
        const gp = i === 0 ? T : (ex.gold[i - 1] as number);
        const pp = i === 0 ? T : (pred[i - 1] as number);
        if (gp !== pp || g !== p) {
          bump(gp * T + g, 1);
          bump(pp * T + p, -1);
        }
      }
      const gl = ex.gold[n - 1] as number;
      const pl = pred[n - 1] as number;
      if (gl !== pl) {
        bump((T + 1) * T + gl, 1);
        bump((T + 1) * T + pl, -1);
      }
      c++;
    }
    o.progress?.(epoch + 1, o.epochs);
  }
  const avg = (k: number): number => ((acc[k] as number) + (c - (last[k] as number)) * (w[k] as number)) / c;
  const round = (x: number): number => Math.round(x * 1000) / 1000;
  const trans = Array.from({ length: nTrans }, (_, k) => round(avg(k)));
  const features: Record<string, number[]> = {};
  featureNames.forEach((name, f) => {
    const row: number[] = [];
    const ts = fTags[f] as number[];
    ts.forEach((t, j) => {
      const v = round(avg((fIdx[f] as number[])[j] as number));
      if (Math.abs(v) >= o.prune) row.push(t, v);
    });
    if (row.length) features[name] = row;
  });
  w = [];
  return { tags: [...tags], trans, features };
}
