/**
 * The entity recognizer: ATT&CK gazetteer matches in real corpus sentences (APTNER dev, DNRTI valid), none in
 * text made of everyday words that happen to be ATT&CK aliases, and the tagger's spans merged
 * behind the gazetteer's when a model is trained (quick, in a temporary model folder).
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import type { VigilConfig } from '../../config.ts';
import { corpusDir, corpusPath, hasCorpus } from '../../testing/corpus.ts';
import { ModelRepository } from '../models.ts';
import type { Entity } from '../types.ts';
import { readConll } from './conll.ts';
import { buildGazetteer, loadAttackGazetteer } from './gazetteer.ts';
import { dateEntities, loadEntityRecognizer, mergeEntities, nerModels } from './index.ts';
import { seededRandom } from './perceptron.ts';

const dir = mkdtempSync(path.join(tmpdir(), 'vigil-ner-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('mergeEntities', () => {
  it('keeps exactly the extra spans that overlap no kept or earlier added span (random spans vs a direct check)', () => {
    const rand = seededRandom(3);
    const span = (): Entity => {
      const start = Math.floor(rand() * 200);
      const end = start + 1 + Math.floor(rand() * 8);
      return { type: 'tool', text: 'x', start, end, source: 'model' };
    };
    for (let round = 0; round < 50; round++) {
      const kept: Entity[] = [];
      for (const e of Array.from({ length: 15 }, span)) if (!kept.some((k) => k.start < e.end && e.start < k.end)) kept.push(e);
      const extra = Array.from({ length: 30 }, span);
      const expected = [...kept];
      for (const e of extra) if (!expected.some((k) => k.start < e.end && e.start < k.end)) expected.push(e);
      const got = mergeEntities(kept, extra);
      expect(got.map((e) => [e.start, e.end])).toEqual(expected.sort((a, b) => a.start - b.start).map((e) => [e.start, e.end]));
    }
  });
});

/** The first sentence (tokens joined by spaces) of the dev/valid splits that contains `word`. */
let devSentences: { tokens: string[] }[] | null = null;
function realSentence(word: string): string {
  devSentences ??= [...readConll(corpusPath('ner/aptner/APTNERdev.txt'), 'BIOES').sentences, ...readConll(corpusPath('ner/dnrti/valid.txt'), 'BIO').sentences];
  const s = devSentences.find((x) => x.tokens.join(' ').includes(word));
  if (!s) throw new Error(`no dev/valid sentence with ${word}`);
  return s.tokens.join(' ');
}

describe.skipIf(!hasCorpus())('ATT&CK gazetteer', () => {
  const gazetteer = () => buildGazetteer(loadAttackGazetteer(corpusDir));

  it('finds APT28 and Fancy Bear (G0007) and Mimikatz (S0002) in real report sentences', () => {
    const g = gazetteer();
    const actor = g.find(realSentence('Fancy Bear'));
    expect(actor).toEqual(
      expect.arrayContaining([
        expect.objectContaining({ type: 'threat-actor', text: 'APT28', id: 'G0007', source: 'gazetteer' }),
        expect.objectContaining({ type: 'threat-actor', text: 'Fancy Bear', id: 'G0007' }),
      ]),
    );
    const text = realSentence('call Mimikatz');
    const tool = g.find(text);
    expect(tool).toEqual(expect.arrayContaining([expect.objectContaining({ type: 'tool', text: 'Mimikatz', id: 'S0002' })]));
    for (const e of [...actor, ...tool]) expect(text.includes(e.text) || realSentence('Fancy Bear').slice(e.start, e.end) === e.text).toBe(true);
  });

  it('matches possessives and any-case distinctive names, not everyday words', () => {
    const g = gazetteer();
    const hits = g.find("The apt28's implant");
    expect(hits.map((h) => [h.text, h.id])).toEqual([['apt28', 'G0007']]);
    const plain = 'Play the page at the net, then route the ping and expand the snake menu on Page 2; mimikatz-like tools aside, the Reaper song played.';
    expect(g.find(plain).filter((e) => e.type !== 'technique')).toEqual([]);
  });

  it('does not take generic one-word sub-technique names (Server, Domains, SharePoint) for techniques, and keeps distinctive ones', () => {
    const g = gazetteer();
    const found = g.find('The actor bought a Server and Domains, read SharePoint and Confluence pages, then ran PowerShell and Kerberoasting.');
    expect(found.map((e) => e.text)).toEqual(['PowerShell', 'Kerberoasting']);
    expect(found.map((e) => e.id)).toEqual(['T1059.001', 'T1558.003']);
  });

  it('finds dates', () => {
    expect(dateEntities('On March 5, 2024 and 2023-01-02, or in June 2019.').map((e) => e.text)).toEqual(['March 5, 2024', '2023-01-02', 'June 2019']);
  });
});

describe.skipIf(!hasCorpus())('loadEntityRecognizer', () => {
  it('works without the ATT&CK bundle (no gazetteer, dates only)', async () => {
    const config = { dataDir: dir, nlp: { modelDir: dir } } as unknown as VigilConfig;
    const r = await loadEntityRecognizer({ config, models: new ModelRepository(path.join(dir, 'none')) });
    expect(r.recognizer.recognize('APT28 used Mimikatz on 2024-03-01.').map((e) => [e.type, e.text])).toEqual([['time', '2024-03-01']]);
  });

  it('works without models (missing lists them) and with a trained model', async () => {
    const models = new ModelRepository(dir);
    const config = { dataDir: corpusDir, nlp: { modelDir: dir } } as unknown as VigilConfig;
    const none = await loadEntityRecognizer({ config, models });
    expect(none.missing).toEqual(['ner-aptner', 'ner-dnrti', 'ner-cyner']);
    expect(none.models).toEqual([]);
    const text = realSentence('call Mimikatz');
    expect(none.recognizer.recognize(text).every((e) => e.source === 'gazetteer' || e.type === 'time')).toBe(true);

    const def = nerModels.find((m) => m.name === 'ner-dnrti');
    if (!def) throw new Error('ner-dnrti not defined');
    models.save('ner-dnrti', await def.train({ dataDir: corpusDir, quick: true, progress: () => {} }));
    const withModel = await loadEntityRecognizer({ config, models });
    expect(withModel.missing).toEqual(['ner-aptner', 'ner-cyner']);
    expect(withModel.models.map((m) => m.name)).toEqual(['ner-dnrti']);
    const report = `${realSentence('Fancy Bear')} ${realSentence('call Mimikatz')}`;
    const found = withModel.recognizer.recognize(report);
    expect(found.filter((e) => e.source === 'gazetteer').map((e) => e.text)).toEqual(expect.arrayContaining(['APT28', 'Fancy Bear', 'Mimikatz']));
    expect(found.some((e) => e.source === 'model')).toBe(true);
    // No two entities overlap; offsets point at their text.
    for (const [i, e] of found.entries()) {
      expect(report.slice(e.start, e.end)).toBe(e.text);
      for (const o of found.slice(i + 1)) expect(o.start >= e.end || o.end <= e.start).toBe(true);
    }
  }, 120_000);
});
