/**
 * Fast emission scores of a trained tagger: the same features as features.ts, but compiled at load
 * so that tagging builds almost no strings. Per distinct word (cached), the summed weights of its
 * own features and of the features it contributes as the neighbour at −2, −1, +1, +2 (`l-1=`,
 * `sh-1=`, `s3-1=`, `prevtitle`, …) are kept as dense Float32Array rows of T tags; per token only the
 * word-pair features (`b-1`, `b+1`, `lr`, `shw`) need a string key (3 concatenations), and the
 * gazetteer tags a small dense row each. Scores equal the string-feature path of
 * {@link sentenceFeatures} up to float32 rounding (tested).
 */
import { computeWordFeatures, shape } from './features.ts';

/** Sparse feature row: `[tag, weight, tag, weight, …]`. */
type Row = ArrayLike<number>;

interface WordEntry {
  lower: string;
  shape: string;
  /** Ids of the lowercase form and shape in the pair features' vocabularies (-1: in none); `bar`: contains `|`. */
  lid: number;
  sid: number;
  bar: boolean;
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
  // Word-pair features (`b-1=a|b`, `b+1=a|b`, `lr=a|c`, `shw=x|y|z`) under numeric keys of word / shape ids;
  // a value with more `|` than parts (a word containing `|`) stays under its string key in `barred`.
  const PAIRS = { 'b-1': 2, 'b+1': 2, lr: 2, shw: 3 } as const;
  type PairName = keyof typeof PAIRS;
  const lowVocab = new Map<string, number>();
  const shpVocab = new Map<string, number>();
  const idIn = (m: Map<string, number>, x: string): number => {
    let id = m.get(x);
    if (id === undefined) {
      id = m.size;
      m.set(x, id);
    }
    return id;
  };
  const parsed: { name: PairName; ids: number[]; row: Row }[] = [];
  const barred = new Map<string, Row>();
  for (const [name, row] of Object.entries(features)) {
    const eq = name.indexOf('=');
    const key = eq > 0 ? name.slice(0, eq) : '';
    if (!Object.hasOwn(PAIRS, key)) {
      table.set(name, Float64Array.from(row));
      continue;
    }
    const parts = name.slice(eq + 1).split('|');
    const pn = key as PairName;
    if (parts.length !== PAIRS[pn]) barred.set(name, Float64Array.from(row));
    else parsed.push({ name: pn, ids: parts.map((x) => idIn(pn === 'shw' ? shpVocab : lowVocab, x)), row: Float64Array.from(row) });
  }
  const V = lowVocab.size;
  const S = shpVocab.size;
  const pairs: Record<PairName, Map<number, Row>> = { 'b-1': new Map(), 'b+1': new Map(), lr: new Map(), shw: new Map() };
  for (const { name, ids, row } of parsed) {
    const [a = 0, b = 0, c = 0] = ids;
    pairs[name].set(name === 'shw' ? (a * S + b) * S + c : a * V + b, row);
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
      lid: lowVocab.get(l) ?? -1,
      sid: shpVocab.get(sh) ?? -1,
      bar: w.includes('|'),
      self: dense(computeWordFeatures(w)),
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
    const lidS = lowVocab.get('<s>') ?? -1;
    const lidE = lowVocab.get('</s>') ?? -1;
    const sidS = shpVocab.get('<s>') ?? -1;
    const sidE = shpVocab.get('</s>') ?? -1;
    const lid = (j: number) => (j < 0 ? lidS : j >= n ? lidE : (es[j] as WordEntry).lid);
    const sid = (j: number) => (j < 0 ? sidS : j >= n ? sidE : (es[j] as WordEntry).sid);
    const bar = (j: number) => j >= 0 && j < n && (es[j] as WordEntry).bar;
    const pairKey = (a: number, b: number) => (a < 0 || b < 0 ? -1 : a * V + b);
    for (let i = 0; i < n; i++) {
      const o = i * T;
      const e = es[i] as WordEntry;
      addDense(em, o, e.self);
      addDense(em, o, i >= 2 ? (es[i - 2] as WordEntry).m2 : start.m2);
      addDense(em, o, i >= 1 ? (es[i - 1] as WordEntry).m1 : start.m1);
      addDense(em, o, i + 1 < n ? (es[i + 1] as WordEntry).p1 : end.p1);
      addDense(em, o, i + 2 < n ? (es[i + 2] as WordEntry).p2 : end.p2);
      if (bar(i - 1) || bar(i) || bar(i + 1)) {
        // Rare: a word with `|` (its pair values are ambiguous once joined), looked up by string.
        addRow(em, o, barred.get(`b-1=${low(i - 1)}|${e.lower}`));
        addRow(em, o, barred.get(`b+1=${e.lower}|${low(i + 1)}`));
        addRow(em, o, barred.get(`lr=${low(i - 1)}|${low(i + 1)}`));
        addRow(em, o, barred.get(`shw=${shp(i - 1)}|${e.shape}|${shp(i + 1)}`));
      } else {
        const lp = lid(i - 1);
        const ln = lid(i + 1);
        const sp = sid(i - 1);
        const sn = sid(i + 1);
        addRow(em, o, pairs['b-1'].get(pairKey(lp, e.lid)));
        addRow(em, o, pairs['b+1'].get(pairKey(e.lid, ln)));
        addRow(em, o, pairs.lr.get(pairKey(lp, ln)));
        if (sp >= 0 && e.sid >= 0 && sn >= 0) addRow(em, o, pairs.shw.get((sp * S + e.sid) * S + sn));
      }
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
