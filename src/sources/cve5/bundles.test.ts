import { describe, expect, it } from 'vitest';
import { baselineCandidates, endOfDayBundle, hourlyDeltaCandidates, nextDay, parseCursor, previousDay } from './bundles.ts';

const BASE = 'https://github.com/CVEProject/cvelistV5/releases/download';

describe('cvelistV5 bundle names', () => {
  it('names the midnight baseline under each hourly tag of the day, then the next 0000Z', () => {
    const all = baselineCandidates(BASE, '2024-10-23', new Date('2024-10-24T05:30:00Z'));
    expect(all).toHaveLength(25);
    expect(all[0]).toEqual({
      kind: 'baseline',
      tag: 'cve_2024-10-23_0000Z',
      asset: '2024-10-23_all_CVEs_at_midnight.zip.zip',
      url: `${BASE}/cve_2024-10-23_0000Z/2024-10-23_all_CVEs_at_midnight.zip.zip`,
      cursor: '2024-10-23T00:00:00.000Z',
    });
    expect(all.at(-1)?.tag).toBe('cve_2024-10-24_0000Z');
    // Releases not due yet are not asked for.
    expect(baselineCandidates(BASE, '2024-10-24', new Date('2024-10-24T02:10:00Z')).map((b) => b.tag)).toEqual([
      'cve_2024-10-24_0000Z',
      'cve_2024-10-24_0100Z',
      'cve_2024-10-24_0200Z',
    ]);
  });

  it('names the end-of-day delta, whose cursor is the next midnight', () => {
    expect(endOfDayBundle(`${BASE}/`, '2024-12-31')).toEqual({
      kind: 'end-of-day',
      tag: 'cve_2024-12-31_at_end_of_day',
      asset: '2024-12-31_delta_CVEs_at_end_of_day.zip',
      url: `${BASE}/cve_2024-12-31_at_end_of_day/2024-12-31_delta_CVEs_at_end_of_day.zip`,
      cursor: '2025-01-01T00:00:00.000Z',
    });
  });

  it.each([
    ['2024-10-24T05:30:00Z', 0, ['0500Z', '0400Z', '0300Z', '0200Z', '0100Z']],
    ['2024-10-24T05:30:00Z', 3, ['0500Z', '0400Z']],
    ['2024-10-24T05:30:00Z', 5, []],
    ['2024-10-24T00:20:00Z', 0, []],
    ['2024-10-24T23:59:00Z', 22, ['2300Z']],
  ])('hourly deltas at %s after hour %i: %j', (now, after, hours) => {
    const got = hourlyDeltaCandidates(BASE, '2024-10-24', after, new Date(now));
    expect(got.map((b) => b.tag)).toEqual(hours.map((h) => `cve_2024-10-24_${h}`));
    expect(got.map((b) => b.asset)).toEqual(hours.map((h) => `2024-10-24_delta_CVEs_at_${h}.zip`));
    expect(got.map((b) => b.cursor)).toEqual(hours.map((h) => `2024-10-24T${h.slice(0, 2)}:00:00.000Z`));
  });

  it.each([
    [null, null],
    ['', null],
    ['not a date', null],
    ['2024-10-24T04:00:00.000Z', '2024-10-24T04:00:00.000Z'],
    ['2024-10-24T04:59:59Z', '2024-10-24T04:00:00.000Z'],
  ])('cursor %j reads as %j', (cursor, expected) => {
    expect(parseCursor(cursor)?.toISOString() ?? null).toBe(expected);
  });

  it('steps days across month and year ends', () => {
    expect(nextDay('2024-02-28')).toBe('2024-02-29');
    expect(nextDay('2024-12-31')).toBe('2025-01-01');
    expect(previousDay('2025-03-01')).toBe('2025-02-28');
  });
});
