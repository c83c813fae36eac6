import { describe, expect, it } from 'vitest';
import { csvRecord, safeCell } from './export.ts';

describe('safeCell (CSV injection)', () => {
  it.each([
    ['=HYPERLINK("http://x")', `'=HYPERLINK("http://x")`],
    ['+cmd', `'+cmd`],
    ['-2+3', `'-2+3`],
    ['@SUM(A1)', `'@SUM(A1)`],
    ['\tx', `'\tx`],
    ['evil.example.com', 'evil.example.com'],
    ['1.2.3.4', '1.2.3.4'],
    ['a=b', 'a=b'],
  ])('%j → %j', (input, expected) => {
    expect(safeCell(input)).toBe(expected);
  });

  it('applies to the value column of a record', () => {
    const row = csvRecord({
      type: 'filename',
      value: '=cmd|calc.exe',
      firstSeen: '2025-01-01T00:00:00.000Z',
      lastSeen: '2025-01-01T00:00:00.000Z',
      sightings: 1,
      sources: ['unit42'],
      cves: [],
      warning: null,
      tlp: 'clear',
    });
    expect(row[1]).toBe(`'=cmd|calc.exe`);
  });
});
