/**
 * The NER sequence tagger: features (features.ts) + averaged structured perceptron
 * (perceptron.ts), with the ATT&CK gazetteer names stored in the model so a model file is
 * self-contained. {@link trainTagger} trains; {@link createTagger} loads a payload for tagging.
 */
import { z } from 'zod';
import type { TaggedSentence, TagScheme } from './conll.ts';
import { createDecoder } from './decode.ts';
import { sentenceFeatures } from './features.ts';
import { buildGazetteer, type Gazetteer, type GazetteerEntry } from './gazetteer.ts';
import { type Example, trainPerceptron } from './perceptron.ts';
import { createScorer } from './scorer.ts';

/** A stored NER model's payload. */
export interface TaggerPayload {
  scheme: TagScheme;
  tags: string[];
  trans: number[];
  features: Record<string, number[]>;
  gazetteer: GazetteerEntry[];
}

/** Zod schema of {@link TaggerPayload} (checked when a model file is loaded). */
export const TaggerPayloadSchema = z.object({
  scheme: z.enum(['BIO', 'BIOES']),
  tags: z.array(z.string()).min(1),
  trans: z.array(z.number()),
  features: z.record(z.string(), z.array(z.number())),
  gazetteer: z.array(
    z.object({
      name: z.string(),
      type: z.enum(['threat-actor', 'malware', 'tool', 'vulnerability', 'technique', 'product', 'organization', 'sector', 'location', 'time']),
      id: z.string().optional(),
      caseSensitive: z.boolean(),
    }),
  ),
});

/** Gazetteer tags per token (`B-malware`, `I-malware`, `''`). */
export function gazetteerTags(gaz: Gazetteer, words: readonly string[]): string[] {
  const out = words.map(() => '');
  for (const m of gaz.findTokens(words)) for (let i = m.start; i < m.end; i++) out[i] = `${i === m.start ? 'B' : 'I'}-${m.entry.type}`;
  return out;
}

/**
 * Loaded taggers' gazetteers by their entries (as JSON): the taggers of a recognizer, trained on the
 * same ATT&CK bundle, share one, and with it the tags of the sentence they were last given
 * ({@link sharedGazetteer}).
 */
const gazetteers = new Map<string, { gaz: Gazetteer; last: { words: string[]; tags: string[] } | null }>();

/**
 * {@link gazetteerTags} of a loaded tagger (read only), computed once for consecutive calls on the same
 * words by all taggers with these entries (the recognizer runs its taggers one after the other on
 * each sentence).
 */
export function sharedGazetteer(entries: GazetteerEntry[]): (words: readonly string[]) => readonly string[] {
  const key = JSON.stringify(entries);
  let shared = gazetteers.get(key);
  if (!shared) {
    // A few distinct gazetteers per process (one per ATT&CK release trained on): forget them all past 8.
    if (gazetteers.size >= 8) gazetteers.clear();
    shared = { gaz: buildGazetteer(entries), last: null };
    gazetteers.set(key, shared);
  }
  const s = shared;
  return (words) => {
    const last = s.last;
    // Compared word by word: the same array may have been changed since, or another hold the same words.
    if (last && last.words.length === words.length && last.words.every((w, i) => w === words[i])) return last.tags;
    const tags = gazetteerTags(s.gaz, words);
    s.last = { words: [...words], tags };
    return tags;
  };
}

/** A loaded tagger. */
export interface Tagger {
  readonly scheme: TagScheme;
  readonly tags: readonly string[];
  /** Tags of one sentence's words (same length; `[]` for no words). */
  tag(words: readonly string[]): string[];
}

/** Builds a tagger from a payload (validate it with {@link TaggerPayloadSchema} first); features are compiled by scorer.ts. */
export function createTagger(payload: TaggerPayload): Tagger {
  const T = payload.tags.length;
  const decode = createDecoder(payload.tags, payload.scheme, payload.trans);
  const gazTags = sharedGazetteer(payload.gazetteer);
  const score = createScorer(payload.features, T);
  // Only these are kept: the payload's parsed features (hundreds of thousands of arrays) can be collected.
  const { scheme, tags } = payload;
  return {
    scheme,
    tags,
    tag(words) {
      const n = words.length;
      if (n === 0) return [];
      const em = score(words, gazTags(words));
      return Array.from(decode(em, n), (t) => tags[t] as string);
    },
  };
}

/** Emission scores by the string features of features.ts, feature by feature (the slow reference of scorer.ts, for tests). */
export function referenceEmissions(payload: TaggerPayload, words: readonly string[]): Float64Array {
  const T = payload.tags.length;
  const em = new Float64Array(words.length * T);
  sentenceFeatures(words, gazetteerTags(buildGazetteer(payload.gazetteer), words)).forEach((fs, i) => {
    for (const f of fs) {
      const row = payload.features[f];
      if (!row) continue;
      for (let j = 0; j < row.length; j += 2) {
        const k = i * T + (row[j] as number);
        em[k] = (em[k] as number) + (row[j + 1] as number);
      }
    }
  });
  return em;
}

/** Options of {@link trainTagger}. */
export interface TaggerTrainOptions {
  epochs: number;
  seed: number;
  prune?: number;
  progress?: (epoch: number, epochs: number) => void;
}

/** Trains a tagger on sentences; `gazetteer` entries become features and are stored in the payload. */
export function trainTagger(train: readonly TaggedSentence[], scheme: TagScheme, gazetteer: GazetteerEntry[], o: TaggerTrainOptions): TaggerPayload {
  const gaz = buildGazetteer(gazetteer);
  const tagSet = new Set<string>(['O']);
  for (const s of train) for (const t of s.tags) tagSet.add(t);
  const tags = ['O', ...[...tagSet].filter((t) => t !== 'O').sort()];
  const tagIndex = new Map(tags.map((t, i) => [t, i]));
  const featIndex = new Map<string, number>();
  const names: string[] = [];
  const examples: Example[] = [];
  for (const s of train) {
    if (s.tokens.length === 0) continue;
    const feats = sentenceFeatures(s.tokens, gazetteerTags(gaz, s.tokens)).map((fs) =>
      Int32Array.from(fs, (f) => {
        let id = featIndex.get(f);
        if (id === undefined) {
          id = names.length;
          featIndex.set(f, id);
          names.push(f);
        }
        return id;
      }),
    );
    examples.push({ feats, gold: Int32Array.from(s.tags, (t) => tagIndex.get(t) ?? 0) });
  }
  const weights = trainPerceptron(examples, names, tags, scheme, {
    epochs: o.epochs,
    seed: o.seed,
    prune: o.prune ?? 0.05,
    ...(o.progress ? { progress: o.progress } : {}),
  });
  return { scheme, ...weights, gazetteer: gazetteer.map((e) => ({ ...e })) };
}
