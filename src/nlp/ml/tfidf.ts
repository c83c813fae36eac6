/**
 * TF-IDF features for the text classifiers (issue 14): lowercase word n-grams (uni- and bigrams
 * by default) and optional character n-grams inside words, document-frequency cut-offs, a
 * vocabulary cap, sublinear term frequency (1 + ln tf) and unit (L2) length. The smoothed IDF is
 * scikit-learn's, `ln((1 + n) / (1 + df)) + 1`
 * (https://scikit-learn.org/stable/modules/feature_extraction.html#tfidf-term-weighting).
 * The fitted vocabulary serialises to JSON ({@link TfidfState}).
 */
import { z } from 'zod';
import { l2NormalizeInPlace, type SparseVector, sparseFromMap } from './sparse.ts';

/** Feature options. */
export interface TfidfOptions {
  /** Word n-gram sizes, inclusive: `[1, 2]` = unigrams and bigrams. */
  ngram: [number, number];
  /** Minimum number of training documents a term must occur in. */
  minDf: number;
  /** Maximum share (0–1) of training documents a term may occur in (drops near-stop-words). */
  maxDf: number;
  /** Keep at most this many terms (the most frequent by document frequency). */
  maxFeatures: number;
  /** `1 + ln(tf)` instead of raw counts. */
  sublinearTf: boolean;
  /** Character n-grams of words padded with spaces (`[3, 5]`), or null for none. */
  charNgram: [number, number] | null;
  /** Replace digit runs with `0` before counting (`CVE-2024-3400` → `cve-0-0`): versions and ids generalise. */
  foldDigits: boolean;
}

/** Defaults: word uni+bigrams, df ≥ 2, ≤ 95 % of documents, 50,000 terms, sublinear tf, no char n-grams. */
export const DEFAULT_TFIDF: TfidfOptions = {
  ngram: [1, 2],
  minDf: 2,
  maxDf: 0.95,
  maxFeatures: 50_000,
  sublinearTf: true,
  charNgram: null,
  foldDigits: false,
};

/** The serialised vectorizer: options, terms (index = feature) and their IDF. */
export interface TfidfState {
  options: TfidfOptions;
  terms: string[];
  idf: number[];
}

/** Zod schema of {@link TfidfState} (model files are external input). */
export const TfidfStateSchema = z
  .object({
    options: z.object({
      ngram: z.tuple([z.number().int().positive(), z.number().int().positive()]),
      minDf: z.number(),
      maxDf: z.number(),
      maxFeatures: z.number().int().positive(),
      sublinearTf: z.boolean(),
      charNgram: z.tuple([z.number().int().positive(), z.number().int().positive()]).nullable(),
      foldDigits: z.boolean(),
    }),
    terms: z.array(z.string()),
    idf: z.array(z.number()),
  })
  .refine((s) => s.terms.length === s.idf.length, { message: 'terms and idf differ in length' });

const WORD = /[\p{L}\p{N}]+(?:[._\-'’][\p{L}\p{N}]+)*/gu;

/** Lowercase word tokens (letters/digits joined by inner `.`, `_`, `-`, `'`). */
export function wordTokens(text: string, foldDigits = false): string[] {
  const lower = text.toLowerCase();
  const words = lower.match(WORD) ?? [];
  return foldDigits ? words.map((w) => w.replace(/\d+/g, '0')) : words;
}

/** The terms of one text under the options (with repeats: one entry per occurrence). */
export function analyze(text: string, options: TfidfOptions): string[] {
  const words = wordTokens(text, options.foldDigits);
  const out: string[] = [];
  const [lo, hi] = options.ngram;
  for (let n = lo; n <= hi; n++) {
    for (let i = 0; i + n <= words.length; i++) out.push(n === 1 ? (words[i] as string) : words.slice(i, i + n).join(' '));
  }
  if (options.charNgram) {
    const [clo, chi] = options.charNgram;
    for (const w of words) {
      const padded = ` ${w} `;
      for (let n = clo; n <= chi; n++) {
        for (let i = 0; i + n <= padded.length; i++) out.push(`#${padded.slice(i, i + n)}`);
      }
    }
  }
  return out;
}

/**
 * A fitted TF-IDF vectorizer.
 *
 * @example
 * const v = TfidfVectorizer.fit(trainTexts, { minDf: 2 });
 * const x = v.transform('Mimikatz dumped LSASS'); // SparseVector, unit length
 */
export class TfidfVectorizer {
  private readonly index: Map<string, number>;

  private constructor(readonly state: TfidfState) {
    this.index = new Map(state.terms.map((t, i) => [t, i]));
  }

  /** Number of features. */
  get dim(): number {
    return this.state.terms.length;
  }

  /** Learns the vocabulary and IDF from training texts. */
  static fit(texts: readonly string[], options: Partial<TfidfOptions> = {}): TfidfVectorizer {
    const opts: TfidfOptions = { ...DEFAULT_TFIDF, ...options };
    const df = new Map<string, number>();
    for (const text of texts) {
      for (const term of new Set(analyze(text, opts))) df.set(term, (df.get(term) ?? 0) + 1);
    }
    const n = texts.length;
    const maxDocs = opts.maxDf * n;
    const kept = [...df.entries()]
      .filter(([, d]) => d >= opts.minDf && d <= maxDocs)
      // Most frequent first; ties by term so the vocabulary does not depend on Map order.
      .sort((a, b) => b[1] - a[1] || (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0))
      .slice(0, opts.maxFeatures);
    const terms = kept.map(([t]) => t);
    const idf = kept.map(([, d]) => round(Math.log((1 + n) / (1 + d)) + 1, 6));
    return new TfidfVectorizer({ options: opts, terms, idf });
  }

  /** Restores a vectorizer from its serialised state (validate with {@link TfidfStateSchema} first). */
  static fromState(state: TfidfState): TfidfVectorizer {
    return new TfidfVectorizer(state);
  }

  /** The vector of one text (unit length; empty when no known term occurs). */
  transform(text: string): SparseVector {
    const counts = new Map<number, number>();
    for (const term of analyze(text, this.state.options)) {
      const i = this.index.get(term);
      if (i !== undefined) counts.set(i, (counts.get(i) ?? 0) + 1);
    }
    for (const [i, c] of counts) {
      const tf = this.state.options.sublinearTf ? 1 + Math.log(c) : c;
      counts.set(i, tf * (this.state.idf[i] as number));
    }
    return l2NormalizeInPlace(sparseFromMap(counts));
  }

  /** Vectors of many texts. */
  transformAll(texts: readonly string[]): SparseVector[] {
    return texts.map((t) => this.transform(t));
  }

  /** The JSON-serialisable state. */
  toJSON(): TfidfState {
    return this.state;
  }
}

/** `x` rounded to `digits` decimals (smaller, stable model files). */
export function round(x: number, digits: number): number {
  const f = 10 ** digits;
  return Math.round(x * f) / f;
}
