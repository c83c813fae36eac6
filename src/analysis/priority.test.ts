import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { computePriority, PRIORITY_WEIGHTS } from './priority.ts';

const inputs = fc.record({
  rejected: fc.constant(false),
  kev: fc.boolean(),
  ransomware: fc.boolean(),
  epss: fc.option(fc.double({ min: 0, max: 1, noNaN: true }), { nil: null }),
  cvssScore: fc.option(fc.double({ min: 0, max: 10, noNaN: true }), { nil: null }),
});

describe('priority score', () => {
  it('table: documented examples', () => {
    const rows: [Parameters<typeof computePriority>[0], number][] = [
      [{ rejected: false, kev: true, ransomware: true, epss: 1, cvssScore: 10 }, 100],
      [{ rejected: false, kev: true, ransomware: false, epss: 0.94, cvssScore: 10 }, 55 + 23.5 + 15],
      [{ rejected: false, kev: false, ransomware: false, epss: 0.5, cvssScore: 5 }, 12.5 + 7.5],
      [{ rejected: false, kev: false, ransomware: false, epss: null, cvssScore: null }, 0],
      [{ rejected: true, kev: true, ransomware: true, epss: 1, cvssScore: 10 }, 0],
    ];
    for (const [input, score] of rows) expect(computePriority(input).score, JSON.stringify(input)).toBeCloseTo(score, 2);
  });

  it('explains every point: contributions add up to the score', () => {
    fc.assert(
      fc.property(inputs, (i) => {
        const p = computePriority(i);
        const sum = p.factors.reduce((s, f) => s + f.contribution, 0);
        expect(Math.abs(sum - p.score)).toBeLessThanOrEqual(0.02);
        expect(p.score).toBeGreaterThanOrEqual(0);
        expect(p.score).toBeLessThanOrEqual(100);
      }),
    );
  });

  it('orders KEV first, then EPSS, then CVSS', () => {
    fc.assert(
      fc.property(inputs, inputs, (a, b) => {
        if (a.kev && !b.kev) expect(computePriority(a).score).toBeGreaterThan(computePriority(b).score);
      }),
    );
    const w = PRIORITY_WEIGHTS;
    expect(w.kev).toBeGreaterThan(w.epss + w.cvss);
    expect(w.epss).toBeGreaterThan(w.cvss);
  });
});
