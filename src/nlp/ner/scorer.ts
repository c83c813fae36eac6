/**
 * Fast emission scores of a trained tagger: the same features as features.ts, but compiled at load
 * so that tagging builds almost no strings. Per distinct word (cached), the summed weights of its
 * own features and of the features it contributes as the neighbour at −2, −1, +1, +2 (`l-1=`,
 * `sh-1=`, `s3-1=`, `prevtitle`, …) are kept as dense Float32Array rows of T tags; per token only the
 * word-pair features (`b-1`, `b+1`, `lr`, `shw`) need a string key (3 concatenations), and the
 * gazetteer tags a small dense row each. Scores equal the string-feature path of
 * {@link sentenceFeatures} up to float32 rounding (tested).
 */
import { shape, wordFeatures } from './features.ts';

/** Sparse feature row: `[tag, weight, tag, weight, …]`. */
type Row = ArrayLike<number>;

interface WordEntry {
  lower: string;
  shape: string;
  /** Own features; as the token at −2, −1, +1, +2 of another one (null: no weight). */
  self: Float32Array | null;
  m2: Float32Array | null;
  m1: Float32Array | null;
  p1: Float32Array | null;
  p2: Float32Array | null;
}

/** Distinct words whose rows are cached per scorer (cleared when full; about 1.7 KB per word at 85 tags). */
const WORD_CACHE_SIZE = 30_000;

/** Computes `em[i*T+t]` for a sentence's words and gazetteer tags (a view of a scratch buffer, valid until the next call). */
export type EmissionScorer = (words: readonly string[], gaz: readonly string[]) => Float64Array;

/** Compiles a scorer from a payload's `features` (name → sparse row) for T tags. */
export function createScorer(features: Record<string, number[]>, T: number): EmissionScorer {
  const table = new Map<string, Row>();
  // Word-pair features by their value (the part after `name=`), one map per feature name.
  const pairs = { 'b-1': new Map<string, Row>(), 'b+1': new Map<string, Row>(), lr: new Map<string, Row>(), shw: new Map<string, Row>() };
  for (const [name, row] of Object.entries(features)) {
    const eq = name.indexOf('=');
    const key = eq > 0 ? name.slice(0, eq) : '';
    const map = key in pairs ? pairs[key as keyof typeof pairs] : undefined;
    if (map) map.set(name.slice(eq + 1), Float64Array.from(row));
    else table.set(name, Float64Array.from(row));
  }
  const dense = (names: readonly string[]): Float32Array | null => {
    let v: Float32Array | null = null;
    for (const f of names) {
      const row = table.get(f);
      if (!row) continue;
      v ??= new Float32Array(T);
      for (let j = 0; j < row.length; j += 2) {
        const k = row[j] as number;
        v[k] = (v[k] as number) + (row[j + 1] as number);
      }
    }
    return v;
  };
  const cache = new Map<string, WordEntry>();
  const entry = (w: string): WordEntry => {
    let e = cache.get(w);
    if (e) return e;
    if (cache.size >= WORD_CACHE_SIZE) cache.clear();
    const l = w.toLowerCase();
    const sh = shape(w);
    const s3 = l.slice(-3);
    const title = w.charCodeAt(0) >= 65 && w.charCodeAt(0) <= 90;
    e = {
      lower: l,
      shape: sh,
      self: dense(wordFeatures(w)),
      m2: dense([`l-2=${l}`]),
      m1: dense([`l-1=${l}`, `sh-1=${sh}`, `s3-1=${s3}`, ...(title ? ['prevtitle'] : [])]),
      p1: dense([`l+1=${l}`, `sh+1=${sh}`, `s3+1=${s3}`, ...(title ? ['nexttitle'] : [])]),
      p2: dense([`l+2=${l}`]),
    };
    cache.set(w, e);
    return e;
  };
  // Sentence boundaries as neighbours (features.ts: `<s>` before, `</s>` after, no title flag).
  const start = { m1: dense(['l-1=<s>', 'sh-1=<s>', 's3-1=<s>']), m2: dense(['l-2=<s>']) };
  const end = { p1: dense(['l+1=</s>', 'sh+1=</s>', 's3+1=/s>']), p2: dense(['l+2=</s>']) };
  const first = dense(['first']);
  const gazRows = new Map<string, { at: Float32Array | null; prev: Float32Array | null; next: Float32Array | null }>();
  const gazOf = (g: string) => {
    let r = gazRows.get(g);
    if (!r) {
      r = { at: dense([`gz=${g}`, `gzt=${g.slice(2)}`]), prev: dense([`gz-1=${g}`]), next: dense([`gz+1=${g}`]) };
      gazRows.set(g, r);
    }
    return r;
  };
  const addDense = (em: Float64Array, o: number, v: Float32Array | null): void => {
    if (v) for (let t = 0; t < T; t++) em[o + t] = (em[o + t] as number) + (v[t] as number);
  };
  const addRow = (em: Float64Array, o: number, row: Row | undefined): void => {
    if (!row) return;
    for (let j = 0; j < row.length; j += 2) {
      const k = o + (row[j] as number);
      em[k] = (em[k] as number) + (row[j + 1] as number);
    }
  };
  let buf = new Float64Array(256 * T);
  return (words, gaz) => {
    const n = words.length;
    const es = words.map(entry);
    if (buf.length < n * T) buf = new Float64Array(2 * n * T);
    const em = buf.subarray(0, n * T);
    em.fill(0);
    const low = (j: number) => (j < 0 ? '<s>' : j >= n ? '</s>' : (es[j] as WordEntry).lower);
    const shp = (j: number) => (j < 0 ? '<s>' : j >= n ? '</s>' : (es[j] as WordEntry).shape);
    // pair[j] = `lower[j-1]|lower[j]` for j = 0..n (b-1 of token j, b+1 of token j-1).
    const pair: string[] = new Array(n + 1);
    for (let j = 0; j <= n; j++) pair[j] = `${low(j - 1)}|${low(j)}`;
    for (let i = 0; i < n; i++) {
      const o = i * T;
      const e = es[i] as WordEntry;
      addDense(em, o, e.self);
      addDense(em, o, i >= 2 ? (es[i - 2] as WordEntry).m2 : start.m2);
      addDense(em, o, i >= 1 ? (es[i - 1] as WordEntry).m1 : start.m1);
      addDense(em, o, i + 1 < n ? (es[i + 1] as WordEntry).p1 : end.p1);
      addDense(em, o, i + 2 < n ? (es[i + 2] as WordEntry).p2 : end.p2);
      addRow(em, o, pairs['b-1'].get(pair[i] as string));
      addRow(em, o, pairs['b+1'].get(pair[i + 1] as string));
      addRow(em, o, pairs.lr.get(`${low(i - 1)}|${low(i + 1)}`));
      addRow(em, o, pairs.shw.get(`${shp(i - 1)}|${e.shape}|${shp(i + 1)}`));
      const g = gaz[i];
      if (g) addDense(em, o, gazOf(g).at);
      const gp = gaz[i - 1];
      if (gp) addDense(em, o, gazOf(gp).prev);
      const gn = gaz[i + 1];
      if (gn) addDense(em, o, gazOf(gn).next);
      if (i === 0) addDense(em, o, first);
    }
    return em;
  };
}
