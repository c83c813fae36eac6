/**
 * Viterbi decoding of a loaded tagger: the same best path as `viterbi` (perceptron.ts, which
 * training uses), ties included, with the tables compiled once per model.
 *
 * The tags sharing the largest predecessor set (BIOES: `O`, `B-X`, `S-X` all follow `O`, `E-*`,
 * `S-*`; BIO: `O` and `B-X` follow any tag) first try the best previous tag of that set alone, then
 * its K best, found once per token; a tag scans all its predecessors only when the next best previous
 * score plus its best incoming transition could still beat that (the bound makes each shortcut exact). The other
 * tags (`I-X`, `E-X`: two predecessors) are scanned. Transitions into each tag are stored
 * contiguously in predecessor order for the scans.
 */
import type { TagScheme } from './conll.ts';
import { constraints } from './perceptron.ts';

/** Best path of emission scores `em[i*T+t]` over `n` tokens: tag indexes (a new array). */
export type Decoder = (em: Float64Array, n: number) => Int32Array;

/** Previous tags tried first by the tags of the shared predecessor set. */
const K = 4;

/** Score of a forbidden start or end (as in perceptron.ts). */
const NEG = -1e30;

/** A model's decoding tables (see {@link createDecoder}). */
interface Tables {
  T: number;
  /** `(T+2) × T`: row p = from tag p, row T = sentence start, row T+1 = sentence end. */
  trans: Float64Array;
  startOk: Uint8Array;
  endOk: Uint8Array;
  /** Tag t's predecessors are `predList[predStart[t]..predStart[t+1])`, with the transitions from them in `predTrans`. */
  predStart: Int32Array;
  predList: Int32Array;
  predTrans: Float64Array;
  /** 1 for the tags whose predecessors are `shared`. */
  usesShared: Uint8Array;
  shared: Int32Array;
  /** Best transition into each tag. */
  maxIn: Float64Array;
}

// Scratch buffers shared by all decoders (decoding is synchronous).
let scoreBuf = new Float64Array(4096);
let backBuf = new Int32Array(4096);
const topIdx = new Int32Array(K + 1);
const topVal = new Float64Array(K + 1);

function decodeWith(tb: Tables, em: Float64Array, n: number): Int32Array {
  const { T, trans, startOk, endOk, predStart, predList, predTrans, usesShared, shared, maxIn } = tb;
  if (scoreBuf.length < n * T) {
    scoreBuf = new Float64Array(2 * n * T);
    backBuf = new Int32Array(2 * n * T);
  }
  const score = scoreBuf;
  const back = backBuf;
  const startRow = T * T;
  for (let t = 0; t < T; t++) score[t] = startOk[t] ? (em[t] as number) + (trans[startRow + t] as number) : NEG;
  const nShared = shared.length;
  for (let i = 1; i < n; i++) {
    const prevRow = (i - 1) * T;
    const row = i * T;
    // The K+1 best previous scores of the shared set, best first (the first index on ties).
    topIdx.fill(-1);
    topVal.fill(Number.NEGATIVE_INFINITY);
    for (let q = 0; q < nShared; q++) {
      const p = shared[q] as number;
      const v = score[prevRow + p] as number;
      if (v <= (topVal[K] as number)) continue;
      let j = K;
      while (j > 0 && v > (topVal[j - 1] as number)) {
        topVal[j] = topVal[j - 1] as number;
        topIdx[j] = topIdx[j - 1] as number;
        j--;
      }
      topVal[j] = v;
      topIdx[j] = p;
    }
    const floor = topVal[K] as number;
    for (let t = 0; t < T; t++) {
      let best = NEG;
      let arg = 0;
      let done = false;
      if (usesShared[t]) {
        // Often one previous tag leads by more than any transition can make up: then it alone decides.
        const p0 = topIdx[0] as number;
        if (p0 >= 0) {
          const s0 = (topVal[0] as number) + (trans[p0 * T + t] as number);
          if (s0 > NEG && s0 > (topVal[1] as number) + (maxIn[t] as number)) {
            score[row + t] = s0 + (em[row + t] as number);
            back[row + t] = p0;
            continue;
          }
        }
        for (let k = 0; k < K; k++) {
          const p = topIdx[k] as number;
          if (p < 0) break;
          const s = (score[prevRow + p] as number) + (trans[p * T + t] as number);
          if (s > best || (s === best && p < arg)) {
            best = s;
            arg = p;
          }
        }
        // Exact when no other predecessor can reach it: strictly, so ties still go to the first index.
        done = best > NEG && best > floor + (maxIn[t] as number);
      }
      if (!done) {
        best = NEG;
        arg = 0;
        for (let k = predStart[t] as number, end = predStart[t + 1] as number; k < end; k++) {
          const p = predList[k] as number;
          const s = (score[prevRow + p] as number) + (predTrans[k] as number);
          if (s > best) {
            best = s;
            arg = p;
          }
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

/** Compiles the decoder of a tag set, its scheme's constraints and its transition weights (`(T+2) × T`, as trained). */
export function createDecoder(tags: readonly string[], scheme: TagScheme, transitions: ArrayLike<number>): Decoder {
  const T = tags.length;
  const trans = Float64Array.from(transitions);
  const { preds, startOk, endOk } = constraints(tags, scheme);
  const predStart = new Int32Array(T + 1);
  preds.forEach((ps, t) => {
    predStart[t + 1] = (predStart[t] as number) + ps.length;
  });
  const predList = new Int32Array(predStart[T] as number);
  const predTrans = new Float64Array(predList.length);
  preds.forEach((ps, t) => {
    ps.forEach((p, k) => {
      predList[(predStart[t] as number) + k] = p;
      predTrans[(predStart[t] as number) + k] = trans[p * T + t] as number;
    });
  });
  // The predecessor set shared by the most tags (when larger than a scan is worth avoiding).
  const bySet = new Map<string, number[]>();
  preds.forEach((ps, t) => {
    if (ps.length <= 2 * K) return;
    const key = ps.join(',');
    bySet.set(key, [...(bySet.get(key) ?? []), t]);
  });
  const users = [...bySet.values()].sort((a, b) => b.length - a.length)[0] ?? [];
  const usesShared = new Uint8Array(T);
  for (const t of users) usesShared[t] = 1;
  const shared = users.length ? (preds[users[0] as number] as Int32Array) : new Int32Array(0);
  const maxIn = new Float64Array(T).fill(Number.NEGATIVE_INFINITY);
  for (let t = 0; t < T; t++) {
    for (let k = predStart[t] as number; k < (predStart[t + 1] as number); k++) maxIn[t] = Math.max(maxIn[t] as number, predTrans[k] as number);
  }
  const tables: Tables = { T, trans, startOk, endOk, predStart, predList, predTrans, usesShared, shared, maxIn };
  return (em, n) => decodeWith(tables, em, n);
}
