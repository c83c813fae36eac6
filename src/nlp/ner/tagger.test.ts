/**
 * The tagger on real data: a quick training (first 600 CyNER train sentences, 3 epochs) must beat
 * a word-lookup baseline (each word's most frequent training tag) on the real valid split by a
 * clear margin, be deterministic, and keep to well-formed tag sequences.
 */
import { describe, expect, it } from 'vitest';
import { corpusDir, corpusPath, hasCorpus } from '../../testing/corpus.ts';
import { readConll } from './conll.ts';
import { buildGazetteer } from './gazetteer.ts';
import { nerModels } from './index.ts';
import { createScorer } from './scorer.ts';
import { chunks, evaluateEntities } from './seqeval.ts';
import { createTagger, gazetteerTags, referenceEmissions, sharedGazetteer, type TaggerPayload } from './tagger.ts';

const payload0 = (p: unknown) => structuredClone(p) as TaggerPayload;
const hand0 = ['APT28', 'used', 'Mimikatz', '.'];

describe.skipIf(!hasCorpus())('NER tagger (quick training on CyNER)', () => {
  it('beats the word-lookup baseline on the valid split and is deterministic', async () => {
    const def = nerModels.find((m) => m.name === 'ner-cyner');
    if (!def) throw new Error('ner-cyner not defined');
    const ctx = { dataDir: corpusDir, quick: true, seed: 7, progress: () => {} };
    const trained = await def.train(ctx);
    const f1 = trained.metrics['valid.f1'] ?? 0;

    const train = readConll(corpusPath('ner/cyner-mitre/train.txt'), 'BIO').sentences.slice(0, trained.data.train);
    const valid = readConll(corpusPath('ner/cyner-mitre/valid.txt'), 'BIO').sentences;
    const counts = new Map<string, Map<string, number>>();
    for (const s of train)
      s.tokens.forEach((w, i) => {
        const m = counts.get(w) ?? new Map<string, number>();
        const tag = s.tags[i] ?? 'O';
        m.set(tag, (m.get(tag) ?? 0) + 1);
        counts.set(w, m);
      });
    const lookup = (w: string) => [...(counts.get(w) ?? new Map([['O', 1]]))].sort((a, b) => b[1] - a[1])[0]?.[0] ?? 'O';
    const baseline = evaluateEntities(
      valid.map((s) => s.tags),
      valid.map((s) => s.tokens.map(lookup)),
      'BIO',
    ).overall.f1;

    expect(f1).toBeGreaterThan(baseline + 0.1);
    expect(f1).toBeGreaterThan(0.4);
    expect(trained.metrics['valid.precision']).toBeGreaterThan(0);

    const again = await def.train(ctx);
    expect(again.payload).toEqual(trained.payload);

    // Tags are always well formed (strict chunks lose nothing) and sequences keep their length.
    const tagger = createTagger(trained.payload as TaggerPayload);
    for (const s of valid.slice(0, 100)) {
      const tags = tagger.tag(s.tokens);
      expect(tags.length).toBe(s.tokens.length);
      const entityTokens = tags.filter((t) => t !== 'O').length;
      expect(chunks(tags, 'BIO').reduce((n, c) => n + c.end - c.start, 0)).toBe(entityTokens);
    }

    const payload = trained.payload as TaggerPayload;
    // Taggers with the same gazetteer share each words array's gazetteer tags: an array changed in place is tagged afresh.
    const other = createTagger(payload0(trained.payload));
    const words = [...(valid.find((s) => s.tokens.includes('APT28'))?.tokens ?? hand0)];
    expect(other.tag(words)).toEqual(tagger.tag(words));
    const shared = sharedGazetteer(payload.gazetteer);
    expect(shared(words)).toEqual(gazetteerTags(buildGazetteer(payload.gazetteer), words));
    expect(shared(words).some(Boolean)).toBe(true);
    words.reverse();
    expect(shared(words)).toEqual(gazetteerTags(buildGazetteer(payload.gazetteer), words));
    expect(tagger.tag(words)).toEqual(createTagger(payload0(trained.payload)).tag([...words]));

    // The compiled scorer gives the string features' scores (float32 rounding aside), sentence
    // boundaries, gazetteer tags and words containing `|` included, on real and hand sentences.
    const score = createScorer(payload.features, payload.tags.length);
    // A cache of 40 words is emptied every few sentences: rows rebuilt after a reset must be the same.
    const forgetful = createScorer(payload.features, payload.tags.length, 40);
    const gaz = buildGazetteer(payload.gazetteer);
    const hand = ['APT28', 'used', 'Mimikatz', 'and', 'Cobalt', 'Strike', 'against', 'Microsoft', 'Windows', '.'];
    let compared = 0;
    const barred = ['a', '|', 'b', 'x|y', 'Windows', '|'];
    for (const words of [hand, barred, ['X'], ...valid.slice(0, 300).map((s) => s.tokens)]) {
      const fast = score(words, gazetteerTags(gaz, words));
      const ref = referenceEmissions(payload, words);
      expect(fast.length).toBe(ref.length);
      for (let k = 0; k < ref.length; k++) expect(Math.abs((fast[k] as number) - (ref[k] as number))).toBeLessThan(1e-3);
      expect(forgetful(words, gazetteerTags(gaz, words))).toEqual(fast);
      compared += ref.length;
    }
    expect(compared).toBeGreaterThan(1000);
  }, 120_000);
});
