/** Strict entity-level evaluation, table-tested on hand-made sequences (seqeval mode='strict' rules). */
import { describe, expect, it } from 'vitest';
import { chunks, evaluateEntities } from './seqeval.ts';

describe('chunks (strict)', () => {
  it.each([
    ['BIO: B I', 'BIO', 'B-X I-X O', ['X:0-2']],
    ['BIO: lone I starts nothing', 'BIO', 'O I-X I-X O', []],
    ['BIO: I after O after B', 'BIO', 'B-X O I-X', ['X:0-1']],
    ['BIO: type change ends the entity, the I-Y starts nothing', 'BIO', 'B-X I-Y', ['X:0-1']],
    ['BIO: B B', 'BIO', 'B-X B-X I-X', ['X:0-1', 'X:1-3']],
    ['BIO: entity at the end', 'BIO', 'O B-Y', ['Y:1-2']],
    ['BIOES: S', 'BIOES', 'S-X O S-Y', ['X:0-1', 'Y:2-3']],
    ['BIOES: B I E', 'BIOES', 'B-X I-X E-X', ['X:0-3']],
    ['BIOES: B never closed', 'BIOES', 'B-X I-X O', []],
    ['BIOES: B at the end', 'BIOES', 'O B-X', []],
    ['BIOES: lone E', 'BIOES', 'O E-X', []],
    ['BIOES: B E of another type', 'BIOES', 'B-X E-Y', []],
    ['BIOES: S inside an open B drops it', 'BIOES', 'B-X S-Y E-X', ['Y:1-2']],
    ['BIOES: B then new B', 'BIOES', 'B-X B-X E-X', ['X:1-3']],
  ] as const)('%s', (_name, scheme, tags, expected) => {
    expect(chunks(tags.split(' '), scheme).map((c) => `${c.type}:${c.start}-${c.end}`)).toEqual(expected);
  });
});

describe('evaluateEntities', () => {
  it('counts exact span and type only', () => {
    const gold = [
      ['B-A', 'I-A', 'O', 'B-B'],
      ['B-A', 'O'],
    ];
    const pred = [
      ['B-A', 'O', 'O', 'B-B'], // A span wrong, B right
      ['B-B', 'O'], // wrong type
    ];
    const r = evaluateEntities(gold, pred, 'BIO');
    // gold 3 entities, predicted 3, correct 1
    expect(r.overall).toMatchObject({ support: 3, predicted: 3, correct: 1 });
    expect(r.overall.precision).toBeCloseTo(1 / 3);
    expect(r.overall.f1).toBeCloseTo(1 / 3);
    expect(r.byType.B).toMatchObject({ support: 1, predicted: 2, correct: 1 });
    expect(r.byType.B?.f1).toBeCloseTo((2 * 0.5 * 1) / 1.5);
    expect(r.byType.A).toMatchObject({ support: 2, predicted: 1, correct: 0, f1: 0 });
  });

  it('refuses sequences of different lengths', () => {
    expect(() => evaluateEntities([['O']], [['O', 'O']], 'BIO')).toThrow(/sequence 0/);
  });
});
