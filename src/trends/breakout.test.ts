/** The breakout test (breakout.ts) and the bucket arithmetic (series.ts), without a store. */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { BREAKOUT_DEFAULTS, detectBreakouts, logGamma, poissonUpperTail } from './breakout.ts';
import { assembleTrend, bucketList, bucketStart, trendWindow } from './series.ts';

const DAY = BREAKOUT_DEFAULTS.day;
const days = (n: number) => Array.from({ length: n }, (_, i) => new Date(Date.UTC(2024, 0, 1) + i * 86_400_000).toISOString().slice(0, 10));

/** P(X ≥ k) by the plain definition, for small k and λ. */
function naiveTail(k: number, lambda: number): number {
  let lower = 0;
  let term = Math.exp(-lambda);
  for (let i = 0; i < k; i++) {
    lower += term;
    term *= lambda / (i + 1);
  }
  return 1 - lower;
}

describe('Poisson tail', () => {
  it('ln Γ matches factorials', () => {
    let f = 1;
    for (let n = 1; n < 30; n++) {
      f *= n;
      expect(logGamma(n + 1)).toBeCloseTo(Math.log(f), 9);
    }
  });

  it('matches the definition and is decreasing in k', () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 40 }), fc.double({ min: 0.01, max: 30, noNaN: true }), (k, lambda) => {
        expect(poissonUpperTail(k, lambda)).toBeCloseTo(naiveTail(k, lambda), 9);
        expect(poissonUpperTail(k + 1, lambda)).toBeLessThanOrEqual(poissonUpperTail(k, lambda));
      }),
    );
  });

  it('known values: P(X ≥ 10 | λ = 2) and tiny tails stay positive', () => {
    expect(poissonUpperTail(10, 2)).toBeCloseTo(4.649807501e-5, 12);
    expect(poissonUpperTail(0, 3)).toBe(1);
    // e^-1 / 100! ≈ 3.4e-159: summed in log space, no underflow to 0.
    const tiny = poissonUpperTail(100, 1);
    expect(tiny / (Math.exp(-1 - logGamma(101)) * 1.0101)).toBeCloseTo(1, 3);
  });
});

describe('breakouts', () => {
  it('a constant series never fires', () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 500 }), fc.integer({ min: 1, max: 200 }), (c, n) => {
        expect(detectBreakouts(new Array(n).fill(c), days(n), DAY)).toEqual([]);
      }),
    );
  });

  it('a spike far above a steady series fires on that bucket only', () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 50 }), fc.integer({ min: 28, max: 80 }), (base, at) => {
        const counts = new Array(at + 20).fill(base);
        const spike = Math.max(DAY.minCount, base * 3 + 20);
        counts[at] = spike;
        const b = detectBreakouts(counts, days(counts.length), DAY);
        expect(b.map((x) => x.bucket)).toEqual([days(counts.length)[at]]);
        expect(b[0]?.count).toBe(spike);
        expect(b[0]?.baseline).toBe(base);
        expect(b[0]?.pValue).toBeLessThan(DAY.alpha);
      }),
    );
  });

  it('never fires below the minimum count, nor without a full baseline window', () => {
    fc.assert(
      fc.property(fc.array(fc.integer({ min: 0, max: 30 }), { minLength: 1, maxLength: 120 }), (counts) => {
        const b = detectBreakouts(counts, days(counts.length), DAY);
        const at = new Map(days(counts.length).map((d, i) => [d, i]));
        for (const x of b) {
          expect(x.count).toBeGreaterThanOrEqual(DAY.minCount);
          expect(at.get(x.bucket)).toBeGreaterThanOrEqual(DAY.window);
          expect(x.count).toBe(counts[at.get(x.bucket) as number]);
        }
      }),
    );
  });

  it('never fires below twice the trailing mean, however significant (a busy series rising 25 %)', () => {
    fc.assert(
      fc.property(fc.array(fc.integer({ min: 0, max: 400 }), { minLength: 29, maxLength: 120 }), (counts) => {
        const b = detectBreakouts(counts, days(counts.length), DAY);
        for (const x of b) expect(x.count).toBeGreaterThanOrEqual(DAY.minRatio * x.baseline);
      }),
    );
    // 500 after a steady 400: p ≈ 1e-6 under Poisson, yet no breakout; 801 is one.
    const steady = new Array(28).fill(400);
    expect(detectBreakouts([...steady, 500], days(29), DAY)).toEqual([]);
    expect(detectBreakouts([...steady, 801], days(29), DAY).map((x) => x.count)).toEqual([801]);
  });

  it('a higher bucket is at least as surprising (monotone in the count)', () => {
    fc.assert(
      fc.property(fc.array(fc.integer({ min: 0, max: 10 }), { minLength: 28, maxLength: 28 }), fc.integer({ min: 0, max: 60 }), (history, k) => {
        const p = (n: number) => detectBreakouts([...history, n], days(29), { ...DAY, alpha: 1.01, minCount: 0, minRatio: 0 })[0]?.pValue ?? 1;
        expect(p(k + 1)).toBeLessThanOrEqual(p(k));
      }),
    );
  });
});

describe('buckets and assembly', () => {
  it('weeks start on Monday, months on the 1st', () => {
    expect(bucketStart('2024-06-02', 'week')).toBe('2024-05-27'); // a Sunday
    expect(bucketStart('2024-06-03', 'week')).toBe('2024-06-03'); // a Monday
    expect(bucketStart('2024-02-29', 'month')).toBe('2024-02-01');
    expect(bucketList('2024-01-15', '2024-04-02', 'month')).toEqual(['2024-01-01', '2024-02-01', '2024-03-01', '2024-04-01']);
  });

  it('default windows: 90 days, 26 weeks, 24 months ending at the newest day', () => {
    expect(bucketList(...(Object.values(trendWindow({ interval: 'day' }, '2024-03-31', '2025-01-01')) as [string, string]), 'day')).toHaveLength(90);
    expect(bucketList(...(Object.values(trendWindow({ interval: 'week' }, '2024-03-31', '2025-01-01')) as [string, string]), 'week')).toHaveLength(26);
    expect(bucketList(...(Object.values(trendWindow({ interval: 'month' }, '2024-03-31', '2025-01-01')) as [string, string]), 'month')).toHaveLength(24);
    expect(() => trendWindow({ interval: 'day', since: '2024-13-45' }, null, '2025-01-01')).toThrow(/since/);
    expect(() => trendWindow({ interval: 'day', since: '1990-01-01', until: '2024-01-01' }, null, '2025-01-01')).toThrow(/20 years/);
  });

  it('series sums and `other` add up to every count in the window, whatever the top', () => {
    const row = fc.record({ key: fc.constantFrom('a', 'b', 'c', 'd', 'e', 'f'), day: fc.constantFrom(...days(60)), n: fc.integer({ min: 1, max: 9 }) });
    fc.assert(
      fc.property(
        fc.array(row, { maxLength: 200 }),
        fc.integer({ min: 1, max: 6 }),
        fc.constantFrom('day', 'week', 'month' as const),
        (rows, top, interval) => {
          const window = { since: '2024-01-29', until: '2024-02-29' };
          const r = assembleTrend({ by: 'cwe', interval, top }, window, rows, () => null);
          const inWindow = rows.filter((x) => x.day >= window.since && x.day <= window.until).reduce((a, x) => a + x.n, 0);
          const shown = r.series.reduce((a, s) => a + s.total, 0) + r.other.reduce((a, b) => a + b, 0);
          expect(shown).toBe(inWindow);
          expect(r.series.length).toBeLessThanOrEqual(top);
          for (let i = 1; i < r.series.length; i++)
            expect((r.series[i - 1] as { total: number }).total).toBeGreaterThanOrEqual((r.series[i] as { total: number }).total);
        },
      ),
    );
  });
});
