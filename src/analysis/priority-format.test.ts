import { describe, expect, it } from 'vitest';
import { formatPriority } from './priority-format.ts';

describe('formatPriority', () => {
  it.each([
    [100, '100.0'],
    [99.99, '99.9'],
    [99.95, '99.9'],
    [99.9999999999, '99.9'],
    [99.9, '99.9'],
    [57.3, '57.3'],
    [57.36, '57.3'],
    [0.05, '0.0'],
    [0, '0.0'],
    [42, '42.0'],
    [15.04, '15.0'],
  ])('%s prints as %s', (score, text) => {
    expect(formatPriority(score)).toBe(text);
  });

  it('never prints a score below 100 as 100, nor any score above itself', () => {
    const wrong: string[] = [];
    for (let i = 0; i <= 100_000; i++) {
      const score = i / 1000;
      const shown = Number(formatPriority(score));
      if ((score < 100 && shown >= 100) || shown > score + 1e-9 || score - shown >= 0.1) wrong.push(`${score} → ${shown}`);
    }
    expect(wrong).toEqual([]);
  });
});
