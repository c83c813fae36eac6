/**
 * The loaded taggers' Viterbi (decode.ts) against training's plain Viterbi (perceptron.ts): the same
 * paths on random emissions for the APTNER-like BIOES and DNRTI-like BIO tag sets, with small
 * integer scores so that ties are frequent (the first best predecessor must win in both).
 */
import { describe, expect, it } from 'vitest';
import { createDecoder } from './decode.ts';
import { constraints, seededRandom, viterbi } from './perceptron.ts';

function tagSet(types: number, scheme: 'BIO' | 'BIOES'): string[] {
  const prefixes = scheme === 'BIO' ? ['B', 'I'] : ['B', 'I', 'E', 'S'];
  return ['O', ...Array.from({ length: types }, (_, k) => prefixes.map((p) => `${p}-T${k}`)).flat()].sort();
}

describe('createDecoder', () => {
  it.each([
    ['BIOES', 19, 1],
    ['BIOES', 19, 1000],
    ['BIO', 13, 1],
    ['BIO', 13, 1000],
    ['BIO', 1, 1],
  ] as const)('%s with %i types (score scale %i): the paths of training Viterbi', (scheme, types, scale) => {
    const tags = tagSet(types, scheme);
    const T = tags.length;
    const rand = seededRandom(types * 7 + scale);
    // Scale 1: scores in {0, 1, 2, 3}, ties everywhere; scale 1000: almost none.
    const draw = () => Math.floor(rand() * 4 * scale) / scale;
    const trans = Float64Array.from({ length: (T + 2) * T }, draw);
    const decode = createDecoder(tags, scheme, trans);
    const { preds, startOk, endOk } = constraints(tags, scheme);
    let tokens = 0;
    for (let round = 0; round < 300; round++) {
      const n = 1 + Math.floor(rand() * 40);
      const em = Float64Array.from({ length: n * T }, draw);
      expect(Array.from(decode(em, n))).toEqual(Array.from(viterbi(em, n, T, trans, preds, startOk, endOk)));
      tokens += n;
    }
    expect(tokens).toBeGreaterThan(3000);
  });
});
