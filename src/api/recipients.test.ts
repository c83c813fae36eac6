/**
 * Subscription recipients through the API (issue 10, item 22): a `to` that lists addresses or
 * carries a line break is refused with nothing stored, on both ways of making a subscription;
 * and only those who may change a watchlist read its subscriptions' recipients.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestApi, type TestApi } from '../testing/api.ts';
import { hasCorpus } from '../testing/corpus.ts';
import { HIDDEN_TARGET } from './routes/watchlists.ts';

describe.skipIf(!hasCorpus())('subscription recipients', () => {
  let api: TestApi;
  const tokens: Record<string, string> = {};

  beforeAll(async () => {
    api = await startTestApi({
      configure: (c) => {
        c.alerts.channels['ops-mail'] = { type: 'email', host: '127.0.0.1', port: 2525, from: 'vigil@example.org' } as never;
      },
    });
    for (const u of ['ana', 'vic', 'ada']) tokens[u] = await api.login(u);
  });
  afterAll(async () => api?.close());

  const call = (user: string, method: 'GET' | 'POST', url: string, payload?: Record<string, unknown>) =>
    api.app.inject({ method, url, headers: { authorization: `Bearer ${tokens[user]}` }, ...(payload ? { payload } : {}) });
  const stored = async () => (await api.sql<{ n: number }>("SELECT count(*) AS n FROM subscriptions WHERE channel = 'ops-mail'"))[0]?.n;

  it.each([
    ['a list', 'x@evil.example, y@evil.example', /one address per recipient/],
    ['a CRLF header injection', 'soc@example.org\r\nBcc: y@evil.example', /line breaks/],
    ['a display name', 'SOC <soc@example.org>', /not one email address/],
  ])('refuses %s as a recipient, storing nothing', async (_why, to, message) => {
    const before = await stored();
    const created = await call('ana', 'POST', '/api/v1/watchlists', {
      name: `r${Date.now()}`,
      entries: [{ kind: 'keyword', value: 'globalprotect' }],
      subscriptions: [{ channel: 'ops-mail', to }],
    });
    expect(created.statusCode, created.body).toBe(400);
    expect(created.json()).toMatchObject({ code: 'VIGIL_WATCHLIST_INVALID', message: expect.stringMatching(message) });
    const added = await call('ana', 'POST', '/api/v1/watchlists/edge/subscriptions', { channel: 'ops-mail', to });
    expect(added.statusCode, added.body).toBe(400);
    expect(added.json().message).toMatch(message);
    expect(await stored()).toBe(before);
  });

  it('shows recipients to the owner and admins, and hides them from a viewer', async () => {
    expect((await call('ana', 'POST', '/api/v1/watchlists/edge/subscriptions', { channel: 'ops-mail', to: 'soc@example.org' })).statusCode).toBe(201);
    const targets = async (user: string) => {
      const one = (await call(user, 'GET', '/api/v1/watchlists/edge')).json().subscriptions.map((s: { target: string | null }) => s.target);
      const all = (await call(user, 'GET', '/api/v1/watchlists'))
        .json()
        .items.find((w: { name: string }) => w.name === 'edge')
        .subscriptions.map((s: { target: string | null }) => s.target);
      expect(all).toEqual(one);
      return one;
    };
    expect(await targets('ana')).toContain('soc@example.org');
    expect(await targets('ada')).toContain('soc@example.org');
    const seen = await targets('vic');
    expect(seen).not.toContain('soc@example.org');
    expect(seen).toContain(HIDDEN_TARGET);
    // A subscription without a target (the owner's own address) shows as such to everyone.
    expect(seen).toContain(null);
  });
});
