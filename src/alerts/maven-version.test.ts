import { describe, expect, it } from 'vitest';
import { compareMavenVersions } from './maven-version.ts';

const sign = (n: number): number => Math.sign(n) || 0;

/** Each list is in ascending order (Maven's own ComparableVersionTest tables). */
const ORDERED: string[][] = [
  ['1-alpha2snapshot', '1-alpha2', '1-alpha-123', '1-beta-2', '1-beta123', '1-m2', '1-m11', '1-rc', '1-cr2', '1-rc123', '1-SNAPSHOT', '1', '1-sp', '1-sp2', '1-sp123', '1-abc', '1-def', '1-pom-1', '1-1-snapshot', '1-1', '1-2', '1-123'],
  ['2.0', '2-1', '2.0.a', '2.0.0.a', '2.0.2', '2.0.123', '2.1.0', '2.1-a', '2.1b', '2.1-c', '2.1-1', '2.1.0.1', '2.2', '2.123', '11.a2', '11.a11', '11.b2', '11.b11', '11.m2', '11.m11', '11', '11.a', '11b', '11c', '11m'],
  // Spring's RELEASE suffix (GHSA-36p3-wjmg-h94x ranges) against plain versions
  ['5.2.19.RELEASE', '5.2.20.RELEASE', '5.3.0-M1', '5.3.0-RC1', '5.3.0', '5.3.17', '5.3.18'],
  // log4j-core ranges (GHSA-jfh8-c2jp-5v3q)
  ['2.0-beta9', '2.0-rc1', '2.0', '2.3', '2.3.1', '2.4', '2.12.1', '2.12.2', '2.13.0', '2.14.1', '2.15.0'],
];

describe('compareMavenVersions', () => {
  for (const list of ORDERED)
    it(`orders ${list[0]} … ${list.at(-1)}`, () => {
      for (let i = 0; i < list.length; i++)
        for (let j = 0; j < list.length; j++) {
          const a = list[i] as string;
          const b = list[j] as string;
          expect([a, b, sign(compareMavenVersions(a, b))]).toEqual([a, b, sign(i - j)]);
        }
    });

  it.each([
    ['1', '1.0'], ['1', '1.0.0'], ['1.0', '1.0.0'], ['1', '1-0'], ['1', '1.0-0'], ['1.0', '1.0-0'],
    ['1a', '1-a'], ['1a', '1.0-a'], ['1a', '1.0.0-a'], ['1.0a', '1-a'], ['1.0.0a', '1-a'], ['1x', '1-x'], ['1x', '1.0-x'], ['1.0x', '1-x'],
    ['1ga', '1'], ['1release', '1'], ['1final', '1'], ['1Ga', '1'], ['1GA', '1'], ['1RELEASE', '1'], ['1.FINAL', '1'], ['1-ga', '1'],
    ['1a1', '1-alpha-1'], ['1b2', '1-beta-2'], ['1m3', '1-milestone-3'], ['1cr', '1rc'], ['1-cr-1', '1-rc-1'],
    ['5.2.20.RELEASE', '5.2.20'], ['1.0.0.Final', '1.0.0'],
  ])('%s = %s', (a, b) => {
    expect(compareMavenVersions(a, b)).toBe(0);
    expect(compareMavenVersions(b, a)).toBe(0);
  });
});
