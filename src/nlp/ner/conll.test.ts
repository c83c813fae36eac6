/** CoNLL reader: one row per line form seen in the real files, then the real files themselves. */
import { describe, expect, it } from 'vitest';
import { corpusPath, hasCorpus } from '../../testing/corpus.ts';
import { parseConll, parseTokens, readConll } from './conll.ts';

describe('parseConll line forms', () => {
  it.each([
    [
      'space, CRLF',
      'BIOES',
      'AES S-ENCR\r\nfor O\r\n',
      [
        ['AES', 'S-ENCR'],
        ['for', 'O'],
      ],
      0,
      0,
    ],
    [
      'tab',
      'BIO',
      'Super\tB-Malware\nMario\tI-Malware\n',
      [
        ['Super', 'B-Malware'],
        ['Mario', 'I-Malware'],
      ],
      0,
      0,
    ],
    ['trailing spaces', 'BIO', '2012 B-Time    \n', [['2012', 'B-Time']], 0, 0],
    ['bare type in BIOES → S-', 'BIOES', 'DNS PROT\n', [['DNS', 'S-PROT']], 0, 1],
    ['bare type in BIO → B-', 'BIO', 'DNS PROT\n', [['DNS', 'B-PROT']], 0, 1],
    ['doubled prefix', 'BIOES', 'Talos S-S-SECTEAM\n', [['Talos', 'S-SECTEAM']], 0, 1],
    ['NBSP after tag', 'BIOES', 'APT1 S-APT\u00a0is\n', [['APT1', 'S-APT']], 0, 1],
    ['three fields, first tag kept', 'BIOES', 'C2 S-TOOL B-TOOL\n', [['C2', 'S-TOOL']], 0, 1],
    ['word then tag in field 3', 'BIO', 'skills. In O\n', [['skills.', 'O']], 0, 1],
    [
      'two pairs split by TAB',
      'BIOES',
      'abc S-SHA2\tAutoIt B-MAL\n',
      [
        ['abc', 'S-SHA2'],
        ['AutoIt', 'B-MAL'],
      ],
      0,
      1,
    ],
    [
      'tag-only line skipped',
      'BIO',
      'a O\nO\nb O\n',
      [
        ['a', 'O'],
        ['b', 'O'],
      ],
      1,
      0,
    ],
    ['token-only line skipped', 'BIOES', 'a O\nscript\n', [['a', 'O']], 1, 0],
    ['E- in BIO is not a tag', 'BIO', 'a E-X\n', [], 1, 0],
  ] as const)('%s', (_name, scheme, text, expected, skipped, repaired) => {
    const { sentences, stats } = parseConll(text, 'x.txt', scheme);
    expect(sentences.flatMap((s) => s.tokens.map((t, i) => [t, s.tags[i]]))).toEqual(expected);
    expect(stats.skipped).toBe(skipped);
    expect(stats.repaired).toBe(repaired);
  });

  it('splits sentences on blank lines (and white-space-only lines)', () => {
    const { sentences } = parseConll('a O\nb O\n\n \t\nc B-X\n\n\n', 'x', 'BIO');
    expect(sentences.map((s) => s.tokens)).toEqual([['a', 'b'], ['c']]);
  });

  it('names file:line in strict mode', () => {
    expect(() => parseConll('a O\n\nscript\n', 'f.txt', 'BIO', { strict: true })).toThrow(/f\.txt:3: token without tag/);
  });

  it('reads tokens only (first column) for tagging', () => {
    expect(parseTokens('a X Y\nb\n\n\nc\r\n')).toEqual([['a', 'b'], ['c']]);
  });
});

describe.skipIf(!hasCorpus())('the corpus NER sets', () => {
  it('CyNER train: 2,811 sentences, 68,191 tokens, nothing skipped (PROVENANCE.md)', () => {
    const { stats, sentences } = readConll(corpusPath('ner/cyner-mitre/train.txt'), 'BIO');
    expect(stats).toMatchObject({ sentences: 2811, tokens: 68191, skipped: 0, repaired: 0 });
    expect(sentences[0]?.tokens.slice(0, 4)).toEqual(['Super', 'Mario', 'Run', 'Malware']);
  });

  it('DNRTI train and APTNER train/dev: sentence counts as documented, few lines skipped', () => {
    const dnrti = readConll(corpusPath('ner/dnrti/train.txt.gz'), 'BIO').stats;
    expect(dnrti.sentences).toBe(5251);
    expect(Math.abs(dnrti.tokens - 140345)).toBeLessThan(20);
    expect(dnrti.skipped).toBeLessThan(250);
    const aptner = readConll(corpusPath('ner/aptner/APTNERtrain.txt.gz'), 'BIOES').stats;
    expect(aptner.sentences).toBe(6745);
    expect(Math.abs(aptner.tokens - 182363)).toBeLessThan(300);
    const dev = readConll(corpusPath('ner/aptner/APTNERdev.txt'), 'BIOES');
    // PROVENANCE.md says 1,752; consecutive blank lines make empty sentences, which are not kept.
    expect(Math.abs(dev.stats.sentences - 1752)).toBeLessThanOrEqual(3);
    for (const s of dev.sentences) expect(s.tags.every((t) => /^(O|[BIES]-[A-Za-z][A-Za-z0-9]*)$/.test(t))).toBe(true);
  });
});
