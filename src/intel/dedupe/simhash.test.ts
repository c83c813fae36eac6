import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { htmlToText, parseFeed } from '../feeds/parse.ts';
import { corpusPath, hasCorpus } from '../../testing/corpus.ts';
import { hammingDistance, simhash, simhashBands } from './simhash.ts';
import { NEAR_DUPLICATE_BITS } from '../types.ts';

describe('simhash', () => {
  it('table: distances', () => {
    expect(hammingDistance('0000000000000000', 'ffffffffffffffff')).toBe(64);
    expect(hammingDistance('8000000000000001', '0000000000000000')).toBe(2);
    expect(hammingDistance('0123456789abcdef', '0123456789ABCDEF')).toBe(0);
    expect(() => hammingDistance('xyz', '0000000000000000')).toThrow(TypeError);
    expect(simhashBands('0001ffff8000abcd')).toEqual([1, 65535, 32768, 43981]);
    expect(simhash('')).toBe('0000000000000000');
  });

  // SimHash at 3 bits catches republications (syndication, a line added or changed), not rewrites:
  // measured on the real articles, appending one sentence flips 0-5 bits, cutting 10 % of the text 1-11.
  it.skipIf(!hasCorpus())('real articles republished with a light edit: most within the near-duplicate distance', () => {
    const feed = parseFeed(readFileSync(corpusPath('news/feeds/tsummey_cyberdash/microsoftsecurity.xml')), 'microsoftsecurity');
    const texts = feed.items.map((i) => htmlToText(i.contentHtml ?? '')).filter((t) => t.length > 5000);
    expect(texts.length).toBeGreaterThan(5);
    const edits = [
      (t: string) => `${t} Read more on our blog.`,
      (t: string) => `Originally published by Microsoft. ${t}`,
      (t: string) => t.replace(/\bMicrosoft\b/, 'MSFT'),
    ];
    const distances = texts.flatMap((t) => edits.map((edit) => hammingDistance(simhash(t), simhash(edit(t)))));
    expect(distances.filter((d) => d <= NEAR_DUPLICATE_BITS).length / distances.length).toBeGreaterThanOrEqual(0.8);
    for (const t of texts) expect(hammingDistance(simhash(t), simhash(t.toUpperCase()))).toBe(0);
    // Unrelated articles are far apart.
    for (let i = 1; i < texts.length; i++) expect(hammingDistance(simhash(texts[0] ?? ''), simhash(texts[i] ?? ''))).toBeGreaterThan(10);
  });

  it.skipIf(!hasCorpus())('distinct real articles are not near-duplicates of each other', () => {
    const feed = parseFeed(readFileSync(corpusPath('news/feeds/tsummey_cyberdash/bleepingcomputer.xml')), 'bleepingcomputer');
    const hashes = feed.items.map((i) => simhash(`${i.title} ${i.summary ?? ''}`));
    let near = 0;
    for (let i = 0; i < hashes.length; i++)
      for (let j = i + 1; j < hashes.length; j++) if (hammingDistance(hashes[i] ?? '', hashes[j] ?? '') <= NEAR_DUPLICATE_BITS) near++;
    expect(hashes.length).toBeGreaterThan(10);
    expect(near).toBe(0);
  });
});
