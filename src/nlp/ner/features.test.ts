/**
 * Word features (features.ts), one row per word form: the exact feature strings the models are
 * trained on (a change here changes every trained model), and the lexicon's ids (lexicon.ts) naming
 * the same features in the same order, on real corpus words.
 */
import { describe, expect, it } from 'vitest';
import { corpusPath, hasCorpus } from '../../testing/corpus.ts';
import { readConll } from './conll.ts';
import { computeWordFeatures, visitWordFeatures } from './features.ts';
import { registerFeatures, wordFeatureIds } from './lexicon.ts';

describe('computeWordFeatures', () => {
  it.each([
    ['APT28', ['bias', 'w=APT28', 'l=apt28', 'sh=Xd', 'p1=a', 's1=8', 'p2=ap', 's2=28', 'p3=apt', 's3=t28', 'p4=apt2', 's4=pt28', 'upper', 'hasdigit']],
    ['cmd.exe', ['bias', 'w=cmd.exe', 'l=cmd.exe', 'sh=x.x', 'p1=c', 's1=e', 'p2=cm', 's2=xe', 'p3=cmd', 's3=exe', 'p4=cmd.', 's4=.exe', 'dot', 'k=file']],
    ['Fancy', ['bias', 'w=Fancy', 'l=fancy', 'sh=Xx', 'p1=f', 's1=y', 'p2=fa', 's2=cy', 'p3=fan', 's3=ncy', 'p4=fanc', 's4=ancy', 'title']],
    ['May', ['bias', 'w=May', 'l=may', 'sh=Xx', 'p1=m', 's1=y', 'p2=ma', 's2=ay', 'p3=may', 's3=may', 'title', 'month']],
    ['a', ['bias', 'w=a', 'l=a', 'sh=x', 'p1=a', 's1=a', 'char']],
    ['|', ['bias', 'w=|', 'l=|', 'sh=|', 'p1=|', 's1=|', 'punct=|']],
    [
      'CVE-2024-3400',
      [
        'bias',
        'w=CVE-2024-3400',
        'l=cve-2024-3400',
        'sh=X-d-d',
        'p1=c',
        's1=0',
        'p2=cv',
        's2=00',
        'p3=cve',
        's3=400',
        'p4=cve-',
        's4=3400',
        'hasdigit',
        'hyphen',
        'k=cve',
      ],
    ],
    ['evil.com', ['bias', 'w=evil.com', 'l=evil.com', 'sh=x.x', 'p1=e', 's1=m', 'p2=ev', 's2=om', 'p3=evi', 's3=com', 'p4=evil', 's4=.com', 'dot', 'k=dom']],
    ['2024', ['bias', 'w=2024', 'l=2024', 'sh=d', 'p1=2', 's1=4', 'p2=20', 's2=24', 'p3=202', 's3=024', 'p4=2024', 's4=2024', 'alldigit', 'k=year']],
    [
      'PowerSploit',
      ['bias', 'w=PowerSploit', 'l=powersploit', 'sh=XxXx', 'p1=p', 's1=t', 'p2=po', 's2=it', 'p3=pow', 's3=oit', 'p4=powe', 's4=loit', 'title', 'camel'],
    ],
    ['Énergie', ['bias', 'w=Énergie', 'l=énergie', 'sh=ux', 'p1=é', 's1=e', 'p2=én', 's2=ie', 'p3=éne', 's3=gie', 'p4=éner', 's4=rgie']],
  ])('%s', (word, expected) => {
    expect(computeWordFeatures(word)).toEqual(expected);
  });
});

describe.skipIf(!hasCorpus())('lexicon ids on real words', () => {
  it('name the word features and the neighbour features of each APTNER dev word, in order', () => {
    const words = [...new Set(readConll(corpusPath('ner/aptner/APTNERdev.txt'), 'BIOES').sentences.flatMap((s) => s.tokens))];
    // Every name these words produce is known, so no id is left out: the ids name exactly the reference features.
    const expected = (w: string): string[][] => {
      const l = w.toLowerCase();
      const sh = computeWordFeatures(w)[3]?.slice(3) ?? '';
      const title = /^[A-Z]/.test(w);
      return [
        computeWordFeatures(w),
        [`l-2=${l}`],
        [`l-1=${l}`, `sh-1=${sh}`, `s3-1=${l.slice(-3)}`, ...(title ? ['prevtitle'] : [])],
        [`l+1=${l}`, `sh+1=${sh}`, `s3+1=${l.slice(-3)}`, ...(title ? ['nexttitle'] : [])],
        [`l+2=${l}`],
      ];
    };
    const names = words.flatMap((w) => expected(w).flat());
    const idOf = registerFeatures(names);
    const nameOf = new Map(names.map((n) => [idOf(n), n]));
    for (const w of words) {
      const { ids } = wordFeatureIds(w);
      const roles = [0, 1, 2, 3, 4].map((r) => ids.slice(r === 0 ? 5 : (ids[r - 1] as number), ids[r] as number).map((id) => nameOf.get(id)));
      expect(roles).toEqual(expected(w));
    }
    expect(words.length).toBeGreaterThan(3000);
    let visited = 0;
    visitWordFeatures('APT28', () => visited++);
    expect(visited).toBe(14);
  });
});
