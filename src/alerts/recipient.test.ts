/**
 * One recipient per subscription (issue 10, item 22): the rule, table-tested one form per row; its
 * use where subscriptions are made (subscriptionFromInput: API, CLI, watchlist files); and at
 * delivery, where a target stored before the rule resolves to no recipient at all.
 */
import { describe, expect, it } from 'vitest';
import type { AlertsConfig } from '../config.ts';
import type { Subscription, Watchlist } from '../model/alert.ts';
import { resolveRecipients } from './plan.ts';
import { recipientProblem } from './recipient.ts';
import { subscriptionFromInput } from './watchlist-file.ts';

describe('recipientProblem', () => {
  it.each([
    ['email', 'soc@example.org'],
    ['email', 'first.last+vigil@sub.example.co.uk'],
    ['telegram', '-1001234567890'],
    ['telegram', '123456789'],
    ['telegram', '@vigil_alerts'],
  ] as const)('accepts %s recipient %s', (kind, value) => {
    expect(recipientProblem(kind, value)).toBeNull();
  });

  it.each([
    ['email', 'x@evil.example, y@evil.example', /one address per recipient: "," separates several/],
    ['email', 'x@evil.example;y@evil.example', /";" separates several/],
    ['email', 'soc@example.org\r\nBcc: y@evil.example', /line breaks or control characters/],
    ['email', 'soc@example.org\ny@evil.example', /line breaks/],
    ['email', 'SOC <soc@example.org>', /is not one email address/],
    ['email', '"a@b"@example.org', /is not one email address/],
    ['email', 'not an address', /is not one email address/],
    ['email', `${'a'.repeat(250)}@example.org`, /is not one email address/],
    ['telegram', '123, 456', /one Telegram chat id/],
    ['telegram', '@ab', /one Telegram chat id/],
    ['telegram', '123\r\n456', /line breaks/],
    [null, 'soc@example.org', /takes no recipient/],
  ] as const)('refuses %s recipient %j', (kind, value, problem) => {
    expect(recipientProblem(kind, value)).toMatch(problem);
  });
});

const config = {
  channels: { mail: { type: 'email' }, tg: { type: 'telegram' }, hook: { type: 'slack' } },
  defaults: { epssAbove: 0.1, epssJump: 0.1, timezone: 'UTC' },
} as unknown as AlertsConfig;

describe('where subscriptions are made', () => {
  it.each([
    ['mail', 'x@evil.example, y@evil.example'],
    ['mail', 'soc@example.org\r\nBcc: y@evil.example'],
    ['tg', '-100 123'],
    ['hook', 'soc@example.org'],
  ])('refuses a subscription to %s for %j, naming the watchlist and channel', (channel, to) => {
    expect(() => subscriptionFromInput('edge', { channel, to }, config)).toThrow(new RegExp(`edge \\(subscription to ${channel}\\).*to: `));
  });

  it('keeps one valid recipient', () => {
    expect(subscriptionFromInput('edge', { channel: 'mail', to: 'soc@example.org' }, config).target).toBe('soc@example.org');
  });
});

describe('at delivery', () => {
  const w: Watchlist = { name: 'edge', owner: { user: 'ana' }, description: null, entries: [], subscriptions: [] };
  const sub = (channel: string, target: string | null): Subscription => ({ id: 1, watchlist: 'edge', channel, target, events: ['new'], mode: 'immediate', quietHours: null, timezone: 'UTC', epssAbove: 0.1, epssJump: 0.1 });
  const users = [{ name: 'ana', email: 'ana@example.org', handles: {} }];

  it('resolves a stored list or CRLF target to no recipient, and a good one to itself', () => {
    expect(resolveRecipients(sub('mail', 'x@evil.example, y@evil.example'), w, users, [], config)).toEqual([]);
    expect(resolveRecipients(sub('mail', 'soc@example.org\r\ny@evil.example'), w, users, [], config)).toEqual([]);
    expect(resolveRecipients(sub('mail', 'soc@example.org'), w, users, [], config)).toEqual(['soc@example.org']);
    expect(resolveRecipients(sub('mail', null), w, users, [], config)).toEqual(['ana@example.org']);
  });
});
