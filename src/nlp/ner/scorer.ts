/**
 * Fast emission scores of a trained tagger: the same features as features.ts, but compiled at load
 * so that tagging builds almost no strings. Per distinct word (cached), the summed weights of its
 * own features and of the features it contributes as the neighbour at −2, −1, +1, +2 (`l-1=`,
 * `sh-1=`, `s3-1=`, `prevtitle`, …) are kept as dense rows of T tags in one Float32Array arena
 * (no allocation per word; a word without weights in a role shares the zero row); per token the
 * word-pair features (`b-1`, `b+1`, `lr`, `shw`) are looked up under numeric keys of word and
 * shape ids, and the gazetteer tags add a small dense row each. Scores equal the string-feature
 * path of {@link sentenceFeatures} up to float32 rounding (tested), summed in the same order.
 */
import { registerFeatures, wordFeatureIds } from './lexicon.ts';

/** Distinct words whose rows are cached per scorer (all forgotten at once when full: Zipf's law keeps hits high). */
const WORD_CACHE_SIZE = 30_000;

/** Rows kept per word: its own features, then as the neighbour at −2, −1, +1, +2. */
const ROLES = 5;

/** Computes `em[i*T+t]` for a sentence's words and gazetteer tags (a view of a scratch buffer, valid until the next call). */
export type EmissionScorer = (words: readonly string[], gaz: readonly string[]) => Float64Array;

/** Word-pair feature kinds and their number of `|`-separated parts. */
const PAIRS = { 'b-1': 2, 'b+1': 2, lr: 2, shw: 3 } as const;
type PairName = keyof typeof PAIRS;

/** Sparse rows packed flat: row r is `tag[start[r]..start[r+1])` with `weight[…]`. */
interface PackedRows {
  start: Int32Array;
  tag: Int32Array;
  weight: Float64Array;
}

function packRows(rows: readonly ArrayLike<number>[]): PackedRows {
  const start = new Int32Array(rows.length + 1);
  rows.forEach((r, i) => {
    start[i + 1] = (start[i] as number) + r.length / 2;
  });
  const tag = new Int32Array(start[rows.length] as number);
  const weight = new Float64Array(tag.length);
  rows.forEach((r, i) => {
    for (let j = 0, k = start[i] as number; j < r.length; j += 2, k++) {
      tag[k] = r[j] as number;
      weight[k] = r[j + 1] as number;
    }
  });
  return { start, tag, weight };
}

/** Compiles a scorer from a payload's `features` (name → sparse row) for T tags; `cacheWords`: distinct words kept (tests use few). */
export function createScorer(features: Record<string, number[]>, T: number, cacheWords = WORD_CACHE_SIZE): EmissionScorer {
  const table = new Map<string, number[]>();
  // Word-pair features (`b-1=a|b`, `b+1=a|b`, `lr=a|c`, `shw=x|y|z`) under numeric keys of word / shape ids;
  // a value with more `|` than parts (a word containing `|`) stays under its string key in `barred`.
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
  const parsed: { name: PairName; ids: number[]; row: number[] }[] = [];
  const barred = new Map<string, number[]>();
  for (const name in features) {
    const row = features[name] as number[];
    const eq = name.indexOf('=');
    const key = eq > 0 ? name.slice(0, eq) : '';
    if (!Object.hasOwn(PAIRS, key)) {
      table.set(name, row);
      continue;
    }
    const parts = name.slice(eq + 1).split('|');
    const pn = key as PairName;
    if (parts.length !== PAIRS[pn]) barred.set(name, row);
    else parsed.push({ name: pn, ids: parts.map((x) => idIn(pn === 'shw' ? shpVocab : lowVocab, x)), row });
  }
  // Word-level rows by the process-wide feature ids of lexicon.ts (shared with the other taggers).
  const idOf = registerFeatures(table.keys());
  const own = packRows([...table.values()]);
  const { start: oStart, tag: oTag, weight: oWeight } = own;
  let maxId = -1;
  for (const name of table.keys()) maxId = Math.max(maxId, idOf(name));
  /** Global feature id → row of `own` (-1: none; ids registered later by other scorers are beyond the end). */
  const rowOfId = new Int32Array(maxId + 1).fill(-1);
  [...table.keys()].forEach((name, r) => {
    rowOfId[idOf(name)] = r;
  });
  const V = lowVocab.size;
  const S = shpVocab.size;
  const packed = packRows(parsed.map((p) => p.row));
  const { start: pStart, tag: pTag, weight: pWeight } = packed;
  // Keys stay small integers (V² and S³ are far below 2^30 with these vocabularies), values index `packed`.
  const pairs: Record<PairName, Map<number, number>> = { 'b-1': new Map(), 'b+1': new Map(), lr: new Map(), shw: new Map() };
  parsed.forEach(({ name, ids }, r) => {
    const [a = 0, b = 0, c = 0] = ids;
    pairs[name].set(name === 'shw' ? (a * S + b) * S + c : a * V + b, r);
  });
  const pairB1 = pairs['b-1'];
  const pairF1 = pairs['b+1'];
  const pairLr = pairs.lr;
  const pairShw = pairs.shw;

  // The arena: row 0 is zeros, then the fixed rows (sentence boundaries), then the words' rows.
  let arena = new Float32Array(T * 4096);
  let used = T;
  /** Sums the rows of features `fs[from..to)` (global ids) into a new arena row; 0 (the zero row) when none has weights. */
  function denseIds(fs: readonly number[], from: number, to: number): number {
    let at = 0;
    for (let i = from; i < to; i++) {
      const id = fs[i] as number;
      const r = id < rowOfId.length ? (rowOfId[id] as number) : -1;
      if (r < 0) continue;
      if (at === 0) {
        if (used + T > arena.length) {
          const grown = new Float32Array(arena.length * 2);
          grown.set(arena);
          arena = grown;
        }
        at = used;
        used += T;
      }
      for (let j = oStart[r] as number, end = oStart[r + 1] as number; j < end; j++) {
        const k = at + (oTag[j] as number);
        arena[k] = (arena[k] as number) + (oWeight[j] as number);
      }
    }
    return at;
  }
  /** {@link denseIds} of feature names. */
  const dense = (names: readonly string[]): number => denseIds(names.map(idOf), 0, names.length);
  // Sentence boundaries as neighbours (features.ts: `<s>` before, `</s>` after, no title flag).
  const startM1 = dense(['l-1=<s>', 'sh-1=<s>', 's3-1=<s>']);
  const startM2 = dense(['l-2=<s>']);
  const endP1 = dense(['l+1=</s>', 'sh+1=</s>', 's3+1=/s>']);
  const endP2 = dense(['l+2=</s>']);
  const first = dense(['first']);
  // Gazetteer tags (`B-malware`, `I-tool`) with weights, from the feature names; any other tag adds nothing.
  const gazRows = new Map<string, { at: number; prev: number; next: number }>();
  for (const name of table.keys()) {
    const m = /^(?:gz|gz-1|gz\+1)=(.+)$|^gzt=(.+)$/.exec(name);
    const tags = m?.[1] ? [m[1]] : m?.[2] ? [`B-${m[2]}`, `I-${m[2]}`] : [];
    for (const g of tags) {
      if (!gazRows.has(g)) gazRows.set(g, { at: dense([`gz=${g}`, `gzt=${g.slice(2)}`]), prev: dense([`gz-1=${g}`]), next: dense([`gz+1=${g}`]) });
    }
  }
  // The rows live on packed in `own`: let the parsed ones go.
  table.clear();
  const noGaz = { at: 0, prev: 0, next: 0 };
  const gazOf = (g: string) => gazRows.get(g) ?? noGaz;
  const fixedEnd = used;

  // Cached words, as columns: entry e has rows `rows[e*ROLES + role]` (arena offsets), lowercase form and shape with their pair ids.
  const cache = new Map<string, number>();
  let rows = new Int32Array(ROLES * 1024);
  let lid = new Int32Array(1024);
  let sid = new Int32Array(1024);
  let bar = new Uint8Array(1024);
  const lower: string[] = [];
  const shapes: string[] = [];
  function reset(): void {
    cache.clear();
    lower.length = 0;
    shapes.length = 0;
    arena.fill(0, fixedEnd, used);
    used = fixedEnd;
  }
  function entry(w: string): number {
    let e = cache.get(w);
    if (e !== undefined) return e;
    e = cache.size;
    if (e >= lid.length) {
      const grow = <A extends Int32Array | Uint8Array>(a: A, make: (n: number) => A): A => {
        const b = make(a.length * 2);
        b.set(a);
        return b;
      };
      rows = grow(rows, (n) => new Int32Array(n));
      lid = grow(lid, (n) => new Int32Array(n));
      sid = grow(sid, (n) => new Int32Array(n));
      bar = grow(bar, (n) => new Uint8Array(n));
    }
    const f = wordFeatureIds(w);
    const r = e * ROLES;
    for (let role = 0, from = ROLES; role < ROLES; role++) {
      const to = f.ids[role] as number;
      rows[r + role] = denseIds(f.ids, from, to);
      from = to;
    }
    lid[e] = lowVocab.get(f.lower) ?? -1;
    sid[e] = shpVocab.get(f.shape) ?? -1;
    bar[e] = f.bar ? 1 : 0;
    lower[e] = f.lower;
    shapes[e] = f.shape;
    cache.set(w, e);
    return e;
  }
  const addPacked = (em: Float64Array, o: number, r: number | undefined): void => {
    if (r === undefined) return;
    for (let j = pStart[r] as number, end = pStart[r + 1] as number; j < end; j++) {
      const k = o + (pTag[j] as number);
      em[k] = (em[k] as number) + (pWeight[j] as number);
    }
  };
  const addBarred = (em: Float64Array, o: number, key: string): void => {
    const row = barred.get(key);
    if (!row) return;
    for (let j = 0; j < row.length; j += 2) {
      const k = o + (row[j] as number);
      em[k] = (em[k] as number) + (row[j + 1] as number);
    }
  };
  const addArena = (em: Float64Array, o: number, at: number): void => {
    if (at === 0) return;
    const A = arena;
    for (let t = 0; t < T; t++) em[o + t] = (em[o + t] as number) + (A[at + t] as number);
  };
  const lidS = lowVocab.get('<s>') ?? -1;
  const lidE = lowVocab.get('</s>') ?? -1;
  const sidS = shpVocab.get('<s>') ?? -1;
  const sidE = shpVocab.get('</s>') ?? -1;
  let buf = new Float64Array(256 * T);
  let ids = new Int32Array(256);
  return function emissions(words, gaz) {
    const n = words.length;
    if (ids.length < n) ids = new Int32Array(2 * n);
    // Forget all words before the sentence, never in its middle (its earlier entries would be dropped).
    if (cache.size + n > cacheWords) reset();
    for (let i = 0; i < n; i++) ids[i] = entry(words[i] as string);
    if (buf.length < n * T) buf = new Float64Array(2 * n * T);
    const em = buf.subarray(0, n * T);
    const A = arena;
    const low = (j: number) => (j < 0 ? '<s>' : j >= n ? '</s>' : (lower[ids[j] as number] as string));
    const shp = (j: number) => (j < 0 ? '<s>' : j >= n ? '</s>' : (shapes[ids[j] as number] as string));
    for (let i = 0; i < n; i++) {
      const o = i * T;
      const e = ids[i] as number;
      // Own row, then the neighbours' rows at −2, −1, +1, +2, added in the reference's order.
      const s0 = rows[e * ROLES] as number;
      const s1 = i >= 2 ? (rows[(ids[i - 2] as number) * ROLES + 1] as number) : startM2;
      const s2 = i >= 1 ? (rows[(ids[i - 1] as number) * ROLES + 2] as number) : startM1;
      const s3 = i + 1 < n ? (rows[(ids[i + 1] as number) * ROLES + 3] as number) : endP1;
      const s4 = i + 2 < n ? (rows[(ids[i + 2] as number) * ROLES + 4] as number) : endP2;
      // Most words have no weights at −2/+2 (the zero row, offset 0): adding its zeros changes no sum, so it is skipped.
      if (s1 === 0 && s4 === 0) {
        for (let t = 0; t < T; t++) em[o + t] = 0 + (A[s0 + t] as number) + (A[s2 + t] as number) + (A[s3 + t] as number);
      } else {
        for (let t = 0; t < T; t++) {
          em[o + t] = 0 + (A[s0 + t] as number) + (A[s1 + t] as number) + (A[s2 + t] as number) + (A[s3 + t] as number) + (A[s4 + t] as number);
        }
      }
      const ep = i >= 1 ? (ids[i - 1] as number) : -1;
      const en = i + 1 < n ? (ids[i + 1] as number) : -1;
      if ((ep >= 0 && bar[ep]) || bar[e] || (en >= 0 && bar[en])) {
        // Rare: a word with `|` (its pair values are ambiguous once joined), looked up by string.
        const l = lower[e] as string;
        addBarred(em, o, `b-1=${low(i - 1)}|${l}`);
        addBarred(em, o, `b+1=${l}|${low(i + 1)}`);
        addBarred(em, o, `lr=${low(i - 1)}|${low(i + 1)}`);
        addBarred(em, o, `shw=${shp(i - 1)}|${shapes[e]}|${shp(i + 1)}`);
      } else {
        const le = lid[e] as number;
        const lp = ep >= 0 ? (lid[ep] as number) : lidS;
        const ln = en >= 0 ? (lid[en] as number) : lidE;
        const sp = ep >= 0 ? (sid[ep] as number) : sidS;
        const se = sid[e] as number;
        const sn = en >= 0 ? (sid[en] as number) : sidE;
        if (lp >= 0 && le >= 0) addPacked(em, o, pairB1.get(lp * V + le));
        if (le >= 0 && ln >= 0) addPacked(em, o, pairF1.get(le * V + ln));
        if (lp >= 0 && ln >= 0) addPacked(em, o, pairLr.get(lp * V + ln));
        if (sp >= 0 && se >= 0 && sn >= 0) addPacked(em, o, pairShw.get((sp * S + se) * S + sn));
      }
      const g = gaz[i];
      if (g) addArena(em, o, gazOf(g).at);
      const gp = gaz[i - 1];
      if (gp) addArena(em, o, gazOf(gp).prev);
      const gn = gaz[i + 1];
      if (gn) addArena(em, o, gazOf(gn).next);
      if (i === 0) addArena(em, o, first);
    }
    return em;
  };
}
