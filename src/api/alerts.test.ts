/**
 * The alerts inbox on the real alerts of the fixture's `edge` watchlist (PAN-OS CVEs of the
 * corpus): listing, filters and id-cursor pages checked against the alerts table, triage
 * (acknowledge, status, assignee), comments, the `/alerts` alias, real delivery through the
 * `inbox` channel into the delivery log, and the audit trail of every write.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createChannels } from '../alerts/channels/registry.ts';
import { deliverDue } from '../alerts/deliver.ts';
import { createLogger } from '../log.ts';
import { startTestApi, type TestApi } from '../testing/api.ts';
import { hasCorpus } from '../testing/corpus.ts';

interface AlertItem {
  id: number;
  cveId: string;
  watchlist: string | null;
  channel: string;
  event: string;
  status: string;
  triage: string;
  assignee: string | null;
  acknowledgedAt: string | null;
  acknowledgedBy: string | null;
  sentAt: string | null;
  attempts: number;
  explanation: Record<string, unknown>;
  comments?: { id: number; alertId: number; author: string; body: string; at: string }[];
  deliveries?: { alertId: number; attempt: number; status: string; response: string | null }[];
}
interface Page<T> {
  items: T[];
  nextCursor: string | null;
}
interface AuditEntry {
  id: number;
  actor: string | null;
  actorKind: string;
  action: string;
  target: string | null;
  outcome: string;
  statusCode: number | null;
  detail: Record<string, unknown> | null;
}

describe.skipIf(!hasCorpus())('alerts inbox on the real alerts of the fixture', () => {
  let api: TestApi;
  const tokens: Record<string, string> = {};
  /** Ids of the `edge` alerts, newest first, from the alerts table. */
  let edge: number[];

  async function call(user: string, method: 'GET' | 'POST' | 'PATCH', url: string, payload?: unknown) {
    return api.app.inject({
      method,
      url,
      headers: { authorization: `Bearer ${tokens[user]}` },
      ...(payload !== undefined ? { payload: payload as Record<string, unknown> } : {}),
    });
  }
  async function list(query: Record<string, string>, path = '/api/v1/alerts'): Promise<Page<AlertItem>> {
    const r = await call('vic', 'GET', `${path}?${new URLSearchParams(query)}`);
    expect(r.statusCode, r.body).toBe(200);
    return r.json();
  }
  /** The first column of a portable SQL query's rows (api.sql: either back end). */
  const column = async (sql: string, ...args: unknown[]) => (await api.sql(sql, ...args)).map((r) => Object.values(r)[0]) as number[];

  /** The audit entries of `actor`, newest first, read through the API as an admin. */
  async function audit(actor: string): Promise<AuditEntry[]> {
    // The audit row is written in onResponse, right after the answer: give it a moment.
    await new Promise((r) => setTimeout(r, 20));
    const r = await call('ada', 'GET', `/api/v1/audit?actor=${actor}&limit=500`);
    expect(r.statusCode).toBe(200);
    return (r.json() as Page<AuditEntry>).items;
  }

  beforeAll(async () => {
    api = await startTestApi();
    for (const u of ['ada', 'ana', 'ann', 'vic']) tokens[u] = await api.login(u);
    edge = await column("SELECT id FROM alerts WHERE watchlist = 'edge' ORDER BY id DESC");
  });
  afterAll(async () => api?.close());

  it('lists the real alerts of `edge`, newest first, as many as the alerts table holds', async () => {
    expect(edge.length).toBeGreaterThan(2);
    const page = await list({ watchlist: 'edge', limit: '200' });
    expect(page.items.map((a) => a.id)).toEqual(edge);
    expect(page.nextCursor).toBeNull();
    const cves = await column("SELECT cve_id FROM alerts WHERE watchlist = 'edge' ORDER BY id DESC");
    expect(page.items.map((a) => a.cveId)).toEqual(cves);
    expect(page.items.map((a) => a.cveId)).toContain('CVE-2024-3400');
    for (const a of page.items) expect(a).toMatchObject({ watchlist: 'edge', channel: 'inbox', triage: 'new', status: 'pending', assignee: null });
    const unfiltered = await list({ limit: '200' });
    expect(unfiltered.items.length).toBe((await column('SELECT count(*) FROM alerts'))[0]);
  });

  it('pages by id cursor (limit 1) through every alert once', async () => {
    const seen: number[] = [];
    let cursor: string | null = null;
    do {
      const page: Page<AlertItem> = await list({ limit: '1', ...(cursor ? { cursor } : {}) });
      seen.push(...page.items.map((a) => a.id));
      cursor = page.nextCursor;
    } while (cursor);
    expect(seen).toEqual(await column('SELECT id FROM alerts ORDER BY id DESC'));
  });

  it('the /alerts alias answers exactly as /api/v1/alerts', async () => {
    for (const q of [{}, { watchlist: 'edge', limit: '2' }, { cveId: 'CVE-2024-3400' }] as Record<string, string>[]) {
      expect(await list(q, '/alerts')).toEqual(await list(q));
    }
  });

  it('one alert carries why it fired, with no comments or deliveries yet', async () => {
    const id = edge[0] as number;
    const r = await call('vic', 'GET', `/api/v1/alerts/${id}`);
    expect(r.statusCode).toBe(200);
    const a = r.json() as AlertItem;
    expect(a.id).toBe(id);
    expect(a.cveId).toBe((await column('SELECT cve_id FROM alerts WHERE id = ?', id))[0]);
    expect(a.explanation).toEqual(JSON.parse((await column('SELECT explanation FROM alerts WHERE id = ?', id))[0] as unknown as string));
    expect(a.comments).toEqual([]);
    expect(a.deliveries).toEqual([]);
    expect((await call('vic', 'GET', '/api/v1/alerts/999999')).statusCode).toBe(404);
  });

  describe('triage', () => {
    it('ack sets triage `triaged`, acknowledgedBy and acknowledgedAt; a second ack keeps the first', async () => {
      const id = edge[0] as number;
      const r = await call('ana', 'POST', `/api/v1/alerts/${id}/ack`);
      expect(r.statusCode, r.body).toBe(200);
      const a = r.json() as AlertItem;
      expect(a).toMatchObject({ id, triage: 'triaged', acknowledgedBy: 'ana' });
      expect(Date.parse(a.acknowledgedAt as string)).not.toBeNaN();
      expect(await api.stores.triage.getInboxAlert(id)).toMatchObject({ triage: 'triaged', acknowledgedBy: 'ana' });
      const again = (await call('ann', 'POST', `/api/v1/alerts/${id}/ack`)).json() as AlertItem;
      expect(again).toMatchObject({ acknowledgedBy: 'ana', acknowledgedAt: a.acknowledgedAt, triage: 'triaged' });
    });

    it.each(['fixed', 'ignored'])('PATCH triage %s', async (state) => {
      const id = edge[1] as number;
      const r = await call('ana', 'PATCH', `/api/v1/alerts/${id}`, { triage: state });
      expect(r.statusCode, r.body).toBe(200);
      expect((r.json() as AlertItem).triage).toBe(state);
      expect((await api.stores.triage.getInboxAlert(id))?.triage).toBe(state);
    });

    it('PATCH assignee to an existing user, then to nobody; an unknown user is 404 and changes nothing', async () => {
      const id = edge[2] as number;
      const r = await call('ana', 'PATCH', `/api/v1/alerts/${id}`, { assignee: 'ann' });
      expect(r.statusCode, r.body).toBe(200);
      expect((r.json() as AlertItem).assignee).toBe('ann');
      const unknown = await call('ana', 'PATCH', `/api/v1/alerts/${id}`, { assignee: 'nobody', triage: 'fixed' });
      expect(unknown.statusCode).toBe(404);
      expect(unknown.json()).toMatchObject({ code: 'VIGIL_NOT_FOUND' });
      expect((unknown.json() as { message: string }).message).toContain('nobody');
      expect(await api.stores.triage.getInboxAlert(id)).toMatchObject({ assignee: 'ann', triage: 'new' });
      const cleared = await call('ana', 'PATCH', `/api/v1/alerts/${id}`, { assignee: null });
      expect((cleared.json() as AlertItem).assignee).toBeNull();
      await call('ana', 'PATCH', `/api/v1/alerts/${id}`, { assignee: 'ann' });
    });

    it('PATCH of an unknown alert is 404; an empty PATCH is 400; a viewer may not triage', async () => {
      expect((await call('ana', 'PATCH', '/api/v1/alerts/999999', { triage: 'fixed' })).statusCode).toBe(404);
      expect((await call('ana', 'POST', '/api/v1/alerts/999999/ack')).statusCode).toBe(404);
      expect((await call('ana', 'PATCH', `/api/v1/alerts/${edge[0]}`, {})).json()).toMatchObject({ statusCode: 400, code: 'VIGIL_BAD_REQUEST' });
      expect((await call('vic', 'PATCH', `/api/v1/alerts/${edge[0]}`, { triage: 'fixed' })).statusCode).toBe(403);
      expect((await call('vic', 'POST', `/api/v1/alerts/${edge[0]}/ack`)).statusCode).toBe(403);
    });

    it('filters by triage, assignee, watchlist and CVE agree with the alerts table', async () => {
      const rows: { q: Record<string, string>; sql: string }[] = [
        { q: { triage: 'triaged' }, sql: "triage = 'triaged'" },
        { q: { triage: 'ignored' }, sql: "triage = 'ignored'" },
        { q: { triage: 'new' }, sql: "triage = 'new'" },
        { q: { assignee: 'ann' }, sql: "assignee = 'ann'" },
        { q: { watchlist: 'edge', triage: 'new' }, sql: "watchlist = 'edge' AND triage = 'new'" },
        { q: { cveId: 'CVE-2024-3400' }, sql: "cve_id = 'CVE-2024-3400'" },
        { q: { watchlist: 'no-such-list' }, sql: "watchlist = 'no-such-list'" },
      ];
      for (const { q, sql } of rows) {
        const want = await column(`SELECT id FROM alerts WHERE ${sql} ORDER BY id DESC`);
        expect(
          (await list({ ...q, limit: '200' })).items.map((a) => a.id),
          JSON.stringify(q),
        ).toEqual(want);
      }
      // The triage above left every filter non-empty except the last.
      expect((await column("SELECT count(*) FROM alerts WHERE triage = 'triaged'"))[0]).toBe(1);
      expect((await column("SELECT count(*) FROM alerts WHERE assignee = 'ann'"))[0]).toBe(1);
    });
  });

  describe('comments', () => {
    it('adds comments with the caller as author and lists them in order', async () => {
      const id = edge[0] as number;
      const first = await call('ana', 'POST', `/api/v1/alerts/${id}/comments`, { body: 'Checking the GlobalProtect gateways.' });
      expect(first.statusCode, first.body).toBe(201);
      expect(first.json()).toMatchObject({ alertId: id, author: 'ana', body: 'Checking the GlobalProtect gateways.' });
      const second = await call('ann', 'POST', `/api/v1/alerts/${id}/comments`, { body: 'Hotfix 10.2.9-h1 applied.' });
      expect(second.statusCode).toBe(201);
      const a = (await call('vic', 'GET', `/api/v1/alerts/${id}`)).json() as AlertItem;
      expect(a.comments?.map((c) => [c.author, c.body])).toEqual([
        ['ana', 'Checking the GlobalProtect gateways.'],
        ['ann', 'Hotfix 10.2.9-h1 applied.'],
      ]);
      expect((await api.stores.triage.listComments(id)).map(({ author, body }) => ({ author, body }))).toEqual([
        { author: 'ana', body: 'Checking the GlobalProtect gateways.' },
        { author: 'ann', body: 'Hotfix 10.2.9-h1 applied.' },
      ]);
    });

    it('a comment on an unknown alert is 404; an empty one is 400; a viewer may not comment', async () => {
      expect((await call('ana', 'POST', '/api/v1/alerts/999999/comments', { body: 'x' })).statusCode).toBe(404);
      expect((await call('ana', 'POST', `/api/v1/alerts/${edge[0]}/comments`, { body: '' })).statusCode).toBe(400);
      expect((await call('vic', 'POST', `/api/v1/alerts/${edge[0]}/comments`, { body: 'x' })).statusCode).toBe(403);
    });
  });

  it('delivery through the real inbox channel: the delivery log fills and the alerts become sent', async () => {
    const due = await column("SELECT id FROM alerts WHERE status = 'pending'");
    expect(due.length).toBeGreaterThan(0);
    expect((await list({ status: 'sent' })).items).toEqual([]);
    const summary = await deliverDue({
      alerts: api.deps.alerts,
      channels: createChannels(api.config.alerts.channels),
      config: api.config.alerts,
      log: createLogger('silent'),
    });
    expect(summary).toMatchObject({ sent: due.length, failed: 0, retrying: 0 });

    const log = await call('vic', 'GET', '/api/v1/deliveries?limit=500');
    expect(log.statusCode).toBe(200);
    const deliveries = (
      log.json() as Page<{ id: number; alertId: number; cveId: string; channel: string; attempt: number; status: string; response: string | null }>
    ).items;
    expect(deliveries.map((d) => d.alertId).sort()).toEqual([...due].sort());
    for (const d of deliveries) {
      expect(d).toMatchObject({ channel: 'inbox', attempt: 1, status: 'sent', response: 'stored in the inbox (1 alert)' });
      expect(d.cveId).toBe((await column('SELECT cve_id FROM alerts WHERE id = ?', d.alertId))[0]);
    }
    expect(deliveries.map((d) => d.id)).toEqual(await column('SELECT id FROM deliveries ORDER BY id DESC'));

    // One delivery per page, by id cursor.
    const seen: number[] = [];
    let cursor: string | null = null;
    do {
      const page: Page<{ id: number }> = (await call('vic', 'GET', `/api/v1/deliveries?limit=1${cursor ? `&cursor=${cursor}` : ''}`)).json();
      seen.push(...page.items.map((d) => d.id));
      cursor = page.nextCursor;
    } while (cursor);
    expect(seen).toEqual(deliveries.map((d) => d.id));

    const sent = await list({ status: 'sent', limit: '200' });
    expect(sent.items.map((a) => a.id).sort()).toEqual([...due].sort());
    for (const a of sent.items) {
      expect(a.attempts).toBe(1);
      expect(Date.parse(a.sentAt as string)).not.toBeNaN();
    }
    // Delivery status is apart from triage: the triage set above is untouched.
    expect((await list({ triage: 'triaged' })).items.map((a) => a.id)).toEqual([edge[0]]);
    const one = (await call('vic', 'GET', `/api/v1/alerts/${due[0]}`)).json() as AlertItem;
    expect(one.deliveries).toMatchObject([{ alertId: due[0], attempt: 1, status: 'sent' }]);
  });

  it('every write is in the audit log with its actor and target', async () => {
    const ana = await audit('ana');
    const ann = await audit('ann');
    const actions = (entries: AuditEntry[]) => entries.map((e) => `${e.action} ${e.target} ${e.outcome} ${e.statusCode}`);
    const [a0, a1, a2] = edge;
    // Newest first: what ana did in the tests above, in reverse.
    expect(actions(ana).filter((s) => s.startsWith('alert.'))).toEqual(
      [
        `alert.ack alert:${a0} success 200`,
        `alert.update alert:${a1} success 200`,
        `alert.update alert:${a1} success 200`,
        `alert.update alert:${a2} success 200`,
        `alert.update alert:${a2} failure 404`,
        `alert.update alert:${a2} success 200`,
        `alert.update alert:${a2} success 200`,
        'alert.update alert:999999 failure 404',
        'alert.ack alert:999999 failure 404',
        // A body that fails its schema is refused before the handler names its target.
        'alert.update null failure 400',
        `alert.comment alert:${a0} success 201`,
        'alert.comment alert:999999 failure 404',
        'alert.comment null failure 400',
      ].reverse(),
    );
    expect(actions(ann).filter((s) => s.startsWith('alert.'))).toEqual([`alert.comment alert:${a0} success 201`, `alert.ack alert:${a0} success 200`]);
    for (const e of [...ana, ...ann].filter((x) => x.action.startsWith('alert.'))) expect(e.actorKind).toBe('session');
    // The detail says what a PATCH changed.
    expect(ana.find((e) => e.action === 'alert.update' && e.statusCode === 404 && e.target === `alert:${a2}`)?.detail).toEqual({
      assignee: 'nobody',
      triage: 'fixed',
    });
    // Refused writes are audited as denied.
    const vic = await audit('vic');
    expect(vic.filter((e) => e.action.startsWith('alert.')).map((e) => `${e.action} ${e.outcome} ${e.statusCode}`)).toEqual([
      'alert.comment denied 403',
      'alert.ack denied 403',
      'alert.update denied 403',
    ]);
  });
});
