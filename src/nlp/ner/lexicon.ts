/**
 * Word-level features as numeric ids, shared by every scorer of the process (scorer.ts): a word's
 * feature strings (features.ts) are built and looked up once, not once per tagger; each scorer then
 * reads its weights by id. A word's features in each role: its own ({@link computeWordFeatures}),
 * and those it gives as the neighbour at −2, −1, +1, +2 (`l-2=`, `l-1=`, `sh-1=`, `s3-1=`,
 * `prevtitle`, …), in the order of features.ts; names no loaded scorer has weights for are left out.
 */
import { shape, visitWordFeatures } from './features.ts';

/** Feature name → id, for the names of every scorer built so far. */
const ids = new Map<string, number>();
/** The same ids by family and value (`l-1=apt28` under `l-1`, `apt28`), and names without a value (`bias`): no joined string to build per word. */
const families = new Map<string, Map<string, number>>();
const plain = new Map<string, number>();

/** A word's lowercase form and shape, and its feature ids per role (own, as neighbour at −2, −1, +1, +2). */
export interface WordFeatureIds {
  lower: string;
  shape: string;
  /** The word contains `|` (its pair features are looked up by string). */
  bar: boolean;
  /** `[end0, …, end4, ids…]`: role r's ids are `ids[start..end_r)`, `start` being 5 for role 0 and `end_(r−1)` after. */
  ids: number[];
}

/** Most words kept (all forgotten at once when full; about 16,000 distinct words per MB of report text). */
const WORD_CACHE_SIZE = 60_000;
const words = new Map<string, WordFeatureIds>();

/**
 * The id of each name (new ids for new names). Forgets the cached words when a name is new: their
 * ids were computed without it.
 */
export function registerFeatures(names: Iterable<string>): (name: string) => number {
  const before = ids.size;
  for (const name of names) {
    if (ids.has(name)) continue;
    const id = ids.size;
    ids.set(name, id);
    const eq = name.indexOf('=');
    if (eq < 0) plain.set(name, id);
    else {
      const family = name.slice(0, eq);
      let m = families.get(family);
      if (!m) {
        m = new Map();
        families.set(family, m);
      }
      m.set(name.slice(eq + 1), id);
    }
  }
  if (ids.size !== before) words.clear();
  return (name) => ids.get(name) ?? -1;
}

let found: number[] = [];
/** Adds the id of feature `family=value` (or `family`) to `found` when some scorer has it. */
function collect(family: string, value?: string): void {
  const id = value === undefined ? plain.get(family) : families.get(family)?.get(value);
  if (id !== undefined) found.push(id);
}

/** The feature ids of `w` in every role (cached; never modify the result). */
export function wordFeatureIds(w: string): WordFeatureIds {
  let e = words.get(w);
  if (e) return e;
  if (words.size >= WORD_CACHE_SIZE) words.clear();
  const l = w.toLowerCase();
  const sh = shape(w);
  const s3 = l.slice(-3);
  const title = w.charCodeAt(0) >= 65 && w.charCodeAt(0) <= 90;
  found = [0, 0, 0, 0, 0];
  visitWordFeatures(w, collect, l, sh);
  found[0] = found.length;
  collect('l-2', l);
  found[1] = found.length;
  collect('l-1', l);
  collect('sh-1', sh);
  collect('s3-1', s3);
  if (title) collect('prevtitle');
  found[2] = found.length;
  collect('l+1', l);
  collect('sh+1', sh);
  collect('s3+1', s3);
  if (title) collect('nexttitle');
  found[3] = found.length;
  collect('l+2', l);
  found[4] = found.length;
  e = { lower: l, shape: sh, bar: w.includes('|'), ids: found };
  words.set(w, e);
  return e;
}
