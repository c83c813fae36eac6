import { describe, expect, it } from 'vitest';
import { firstAttemptAt, inQuietHours, retryAt } from './schedule.ts';

const times = { at: '08:00', weekday: 1 };
const d = (iso: string) => new Date(iso);

describe('quiet hours', () => {
  const q = { start: '22:00', end: '07:00' };
  it.each([
    ['2026-11-23T21:59:00Z', 'UTC', false],
    ['2026-11-23T22:00:00Z', 'UTC', true],
    ['2026-11-24T03:00:00Z', 'UTC', true],
    ['2026-11-24T07:00:00Z', 'UTC', false],
    // 21:30 UTC is 22:30 in Paris (CET, UTC+1 in November).
    ['2026-11-23T21:30:00Z', 'Europe/Paris', true],
    ['2026-11-23T21:30:00Z', 'America/New_York', false],
  ])('%s in %s → %s', (at, tz, expected) => {
    expect(inQuietHours(d(at), q, tz)).toBe(expected);
  });

  it('holds an immediate alert until quiet hours end, in the subscription time zone', () => {
    expect(firstAttemptAt(d('2026-11-23T23:10:00Z'), 'immediate', 'Europe/Paris', q, times).toISOString()).toBe('2026-11-24T06:00:00.000Z');
    expect(firstAttemptAt(d('2026-11-23T12:00:00Z'), 'immediate', 'Europe/Paris', q, times).toISOString()).toBe('2026-11-23T12:00:00.000Z');
    expect(firstAttemptAt(d('2026-11-23T23:10:00Z'), 'immediate', 'UTC', null, times).toISOString()).toBe('2026-11-23T23:10:00.000Z');
  });
});

describe('digest times', () => {
  it.each([
    ['hourly', '2026-11-23T10:20:00Z', 'UTC', '2026-11-23T11:00:00.000Z'],
    ['daily', '2026-11-23T10:20:00Z', 'UTC', '2026-11-24T08:00:00.000Z'],
    ['daily', '2026-11-23T06:20:00Z', 'UTC', '2026-11-23T08:00:00.000Z'],
    ['daily', '2026-11-23T06:20:00Z', 'Europe/Paris', '2026-11-23T07:00:00.000Z'],
    // 2026-11-23 is a Monday: the next Monday 08:00 is a week later.
    ['weekly', '2026-11-23T10:20:00Z', 'UTC', '2026-11-30T08:00:00.000Z'],
  ] as const)('%s after %s (%s) → %s', (mode, at, tz, expected) => {
    expect(firstAttemptAt(d(at), mode, tz, null, times).toISOString()).toBe(expected);
  });
});

describe('retry backoff', () => {
  const policy = { baseSeconds: 30, maxSeconds: 3600, maxAttempts: 5 };
  const now = d('2026-11-23T10:00:00Z');
  it('doubles from the base, is capped, and honours Retry-After', () => {
    const delays = [1, 2, 3, 4].map((n) => ((retryAt(now, n, policy)?.getTime() ?? 0) - now.getTime()) / 1000);
    expect(delays).toEqual([30, 60, 120, 240]);
    expect(((retryAt(now, 1, policy, 600)?.getTime() ?? 0) - now.getTime()) / 1000).toBe(600);
    expect(((retryAt(now, 4, { ...policy, maxSeconds: 100 })?.getTime() ?? 0) - now.getTime()) / 1000).toBe(100);
  });
  it('gives up after the last attempt', () => {
    expect(retryAt(now, 5, policy)).toBeNull();
  });
});
