import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { parseFeed } from '../feeds/parse.ts';
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

  it('a light edit stays near, a different text is far', () => {
    const a =
      'Ivanti has released security updates to address a critical remote code execution flaw in Connect Secure that attackers exploit in the wild, CISA warned on Thursday, urging agencies to patch within three days.';
    const b = `${a.replace('Thursday', 'Friday')} Read more.`;
    expect(hammingDistance(simhash(a), simhash(b))).toBeLessThanOrEqual(NEAR_DUPLICATE_BITS + 6);
    expect(hammingDistance(simhash(a), simhash(a.toUpperCase()))).toBe(0);
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
