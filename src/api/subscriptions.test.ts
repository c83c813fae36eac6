/**
 * Subscriptions one at a time (`POST/DELETE /api/v1/watchlists/{name}/subscriptions`), as the
 * dashboard's watchlist page manages them: added (and updated in place for the same channel and
 * recipient) and removed by the watchlist's owner, refused to other analysts and to viewers, an
 * unknown channel or another watchlist's subscription refused with nothing stored, each write
 * audited, and every answer valid against the OpenAPI document.
 */
import { Ajv } from 'ajv';
import addFormats from 'ajv-formats';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { startTestApi, type TestApi } from '../testing/api.ts';
import { hasCorpus } from '../testing/corpus.ts';

interface Sub {
  id: number;
  channel: string;
  target: string | null;
  events: string[];
  mode: string;
}

describe.skipIf(!hasCorpus())('watchlist subscription routes', () => {
  let api: TestApi;
  let doc: { paths: Record<string, Record<string, { responses: Record<string, { content?: Record<string, { schema: object }> }> }>>; components: object };
  const tokens: Record<string, string> = {};
  const ajv = new Ajv({ strict: false, allErrors: true });
  addFormats.default(ajv);

  beforeAll(async () => {
    api = await startTestApi({
      configure: (c) => {
        c.alerts.channels['ops-mail'] = { type: 'email', host: '127.0.0.1', port: 2525, from: 'vigil@example.org' } as never;
      },
    });
    doc = (await api.app.inject('/openapi.json')).json();
    for (const u of ['ana', 'ann', 'vic', 'ada']) tokens[u] = await api.login(u);
  });
  afterAll(async () => api?.close());

  async function call(user: string, method: 'POST' | 'DELETE', url: string, payload?: Record<string, unknown>) {
    const r = await api.app.inject({ method, url, headers: { authorization: `Bearer ${tokens[user]}` }, ...(payload ? { payload } : {}) });
    // Every answer as the document says, whatever its status.
    const path = url.replace(/\/watchlists\/[^/]+\/subscriptions(\/\d+)?$/, (_m, id) => `/watchlists/{name}/subscriptions${id ? '/{id}' : ''}`);
    const schema = doc.paths[path]?.[method.toLowerCase()]?.responses[r.statusCode]?.content?.['application/json']?.schema;
    if (r.statusCode !== 204) {
      expect(schema, `${method} ${path} ${r.statusCode} documented`).toBeDefined();
      const validate = ajv.compile({ components: doc.components, allOf: [schema] });
      expect(validate(r.json()) ? [] : validate.errors, `${method} ${path} ${r.statusCode}`).toEqual([]);
    }
    return r;
  }
  const subs = (): Promise<Sub[]> => api.sql<Sub>("SELECT id, channel, target, events, mode FROM subscriptions WHERE watchlist = 'edge' ORDER BY id");
  const audited = (action: string) => api.sql('SELECT actor, outcome, target FROM audit_log WHERE action = ? ORDER BY id', action);

  it('adds a subscription for the owner, updates it in place, and removes it', async () => {
    const before = await subs();
    const added = await call('ana', 'POST', '/api/v1/watchlists/edge/subscriptions', {
      channel: 'ops-mail',
      to: 'soc@example.org',
      events: ['kev_added'],
      mode: 'daily',
    });
    expect(added.statusCode, added.body).toBe(201);
    const made = (added.json().subscriptions as Sub[]).find((s) => s.channel === 'ops-mail');
    expect(made).toMatchObject({ channel: 'ops-mail', events: ['kev_added'], mode: 'daily' });
    expect(await subs()).toHaveLength(before.length + 1);

    // Same channel and recipient: the one subscription changes.
    const again = await call('ana', 'POST', '/api/v1/watchlists/edge/subscriptions', {
      channel: 'ops-mail',
      to: 'soc@example.org',
      events: ['new', 'kev_added'],
      mode: 'immediate',
    });
    expect(again.statusCode).toBe(201);
    expect(await subs()).toHaveLength(before.length + 1);
    expect((await subs()).find((s) => s.id === made?.id)).toMatchObject({ mode: 'immediate' });

    const removed = await call('ana', 'DELETE', `/api/v1/watchlists/edge/subscriptions/${made?.id}`);
    expect(removed.statusCode).toBe(204);
    expect(await subs()).toEqual(before);
    // Audit rows are written right after the answer (onResponse): on PostgreSQL they may land a moment later.
    await vi.waitFor(async () => {
      expect(await audited('watchlist.subscribe')).toEqual([
        { actor: 'ana', outcome: 'success', target: 'watchlist:edge' },
        { actor: 'ana', outcome: 'success', target: 'watchlist:edge' },
      ]);
      expect(await audited('watchlist.unsubscribe')).toEqual([{ actor: 'ana', outcome: 'success', target: 'watchlist:edge' }]);
    });
  });

  it('refuses other analysts and viewers, an unknown channel and a subscription of another watchlist, storing nothing', async () => {
    const before = await subs();
    const id = before[0]?.id;
    expect(id).toBeDefined();
    expect((await call('ann', 'POST', '/api/v1/watchlists/edge/subscriptions', { channel: 'inbox' })).statusCode).toBe(403);
    expect((await call('vic', 'POST', '/api/v1/watchlists/edge/subscriptions', { channel: 'inbox' })).statusCode).toBe(403);
    expect((await call('ann', 'DELETE', `/api/v1/watchlists/edge/subscriptions/${id}`)).statusCode).toBe(403);
    const unknown = await call('ana', 'POST', '/api/v1/watchlists/edge/subscriptions', { channel: 'pager' });
    expect(unknown.statusCode).toBe(400);
    expect(unknown.json()).toMatchObject({ code: 'VIGIL_WATCHLIST_INVALID' });
    expect(unknown.json().message).toContain('unknown channel "pager"');
    expect((await call('ana', 'POST', '/api/v1/watchlists/nope/subscriptions', { channel: 'inbox' })).statusCode).toBe(404);
    await api.deps.alerts.upsertWatchlist({ name: 'other', owner: { user: 'ana' }, description: null });
    expect((await call('ana', 'DELETE', `/api/v1/watchlists/other/subscriptions/${id}`)).statusCode).toBe(404);
    expect(await subs()).toEqual(before);
    // An admin may change anyone's watchlist.
    expect((await call('ada', 'POST', '/api/v1/watchlists/edge/subscriptions', { channel: 'inbox', events: ['rejected'] })).statusCode).toBe(201);
  });
});
