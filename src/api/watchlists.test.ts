/**
 * Watchlist routes on the real corpus: create with entries and an `inbox` subscription, name
 * conflicts, invalid entries named by position with nothing stored, idempotent replacement, the
 * live preview (equal to the matches of the same entries once saved), deletion, and who may
 * change whose watchlist.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ErrorCodes } from '../errors.ts';
import { startTestApi, type TestApi } from '../testing/api.ts';
import { hasCorpus } from '../testing/corpus.ts';

interface Entry {
  id: number;
  kind: string;
  value: string;
  vendor?: string;
  version?: string;
  thresholds: Record<string, unknown>;
}
interface Watchlist {
  name: string;
  owner: { user?: string; team?: string };
  description: string | null;
  entries: Entry[];
  subscriptions: { id: number; channel: string; target: string | null; events: string[]; mode: string }[];
}
interface PreviewItem {
  cveId: string;
  title: string;
  severity: string | null;
  priority: number;
  entryIndex: number;
  passes: boolean;
  reasons: { entryId: number; kind: string; entry: string; via: string; field: string; matched: string }[];
}
interface Preview {
  total: number;
  candidates: number;
  skipped: number;
  items: PreviewItem[];
  advisories: { total: number; candidates: number; items: { advisoryId: string; entryIndex: number; reasons: { entryId: number }[] }[] };
}

const PAN_OS = { kind: 'product', value: 'pan-os', vendor: 'paloaltonetworks' } as const;

describe.skipIf(!hasCorpus())('watchlist routes on the real corpus', () => {
  let api: TestApi;
  const tokens: Record<string, string> = {};

  async function call(user: string, method: 'GET' | 'POST' | 'PUT' | 'DELETE', url: string, payload?: unknown) {
    return api.app.inject({
      method,
      url,
      headers: { authorization: `Bearer ${tokens[user]}` },
      ...(payload !== undefined ? { payload: payload as Record<string, unknown> } : {}),
    });
  }

  /** Rows of the three watchlist tables, to prove a refused write stored nothing. */
  const count = async (sql: string) => (await api.sql<{ n: number }>(sql))[0]?.n;

  function stored(): Promise<unknown[]> {
    return Promise.all(['watchlists', 'watch_entries', 'subscriptions'].map((t) => api.sql(`SELECT * FROM ${t} ORDER BY 1`)));
  }

  beforeAll(async () => {
    api = await startTestApi();
    for (const u of ['ada', 'ana', 'ann', 'vic']) tokens[u] = await api.login(u);
  });
  afterAll(async () => api?.close());

  it('creates a watchlist (201) with entries and an inbox subscription; the owner defaults to the caller', async () => {
    const r = await call('ann', 'POST', '/api/v1/watchlists', {
      name: 'ann-edge',
      description: 'PAN-OS and Ivanti',
      entries: [PAN_OS, { kind: 'keyword', value: 'GlobalProtect' }, { kind: 'cve', value: 'cve-2023-4966', thresholds: { minCvss: 7 } }],
      subscriptions: [{ channel: 'inbox', events: ['new', 'kev_added'], mode: 'daily' }],
    });
    expect(r.statusCode, r.body).toBe(201);
    const w = r.json() as Watchlist;
    expect(w.owner).toEqual({ user: 'ann' });
    expect(w.entries.map((e) => [e.kind, e.value])).toEqual([
      ['product', 'pan-os'],
      ['keyword', 'GlobalProtect'],
      ['cve', 'CVE-2023-4966'],
    ]);
    expect(w.entries[2]?.thresholds).toEqual({ minCvss: 7 });
    expect(w.subscriptions).toMatchObject([{ channel: 'inbox', events: ['new', 'kev_added'], mode: 'daily' }]);
    // What the API answered is what the store holds.
    const rows = await api.sql("SELECT kind, value, vendor FROM watch_entries WHERE watchlist = 'ann-edge' ORDER BY id");
    expect(rows).toEqual([
      { kind: 'product', value: 'pan-os', vendor: 'paloaltonetworks' },
      { kind: 'keyword', value: 'GlobalProtect', vendor: '' },
      { kind: 'cve', value: 'CVE-2023-4966', vendor: '' },
    ]);
    expect(await api.sql("SELECT owner_user FROM watchlists WHERE name = 'ann-edge'")).toEqual([{ owner_user: 'ann' }]);
    const read = await call('vic', 'GET', '/api/v1/watchlists/ann-edge');
    expect(read.statusCode).toBe(200);
    expect(read.json()).toEqual(w);
  });

  it('answers 409 for a name that exists, and changes nothing', async () => {
    const before = await stored();
    const r = await call('ana', 'POST', '/api/v1/watchlists', { name: 'edge', entries: [{ kind: 'vendor', value: 'fortinet' }] });
    expect(r.statusCode).toBe(409);
    expect(r.json()).toMatchObject({ statusCode: 409, code: 'VIGIL_CONFLICT' });
    expect(await stored()).toEqual(before);
  });

  describe('an invalid entry is refused by position, and nothing is stored', () => {
    const rows = [
      { name: 'a regex RE2 cannot compile', bad: { kind: 'regex', value: '(' }, code: 'VIGIL_WATCH_ENTRY_INVALID', names: 'entries[1]', reason: /regex "\("/ },
      {
        name: 'a CPE that is not CPE 2.3',
        bad: { kind: 'cpe', value: 'cpe:2.3:a:vendor' },
        code: 'VIGIL_WATCH_ENTRY_INVALID',
        names: 'entries[1]',
        reason: /CPE/,
      },
      {
        name: 'a product version range that does not parse',
        bad: { kind: 'product', value: 'pan-os', version: '>=>= 1' },
        code: 'VIGIL_WATCH_ENTRY_INVALID',
        names: 'entries[1]',
        reason: /version/i,
      },
      {
        name: 'a purl that does not parse',
        bad: { kind: 'purl', value: 'pkg:' },
        code: 'VIGIL_WATCH_ENTRY_INVALID',
        names: 'entries[1]',
        reason: /purl|package/i,
      },
      { name: 'a malformed CVE id', bad: { kind: 'cve', value: 'CVE-24-1' }, code: 'VIGIL_WATCH_ENTRY_INVALID', names: 'entries[1]', reason: /CVE/ },
      // The request schema knows the kinds: an unknown one fails schema validation, naming the field.
      { name: 'an unknown kind', bad: { kind: 'host', value: 'fw1' }, code: 'VIGIL_BAD_REQUEST', names: 'entries/1/kind', reason: /allowed values/ },
      {
        name: 'a threshold out of range',
        bad: { kind: 'vendor', value: 'fortinet', thresholds: { minEpss: 2 } },
        code: 'VIGIL_BAD_REQUEST',
        names: 'entries/1/thresholds/minEpss',
        reason: /<= 1/,
      },
    ];
    it.each(rows)('$name → 400 $code naming $names', async ({ bad, code, names, reason }) => {
      const before = await stored();
      for (const [method, url, body] of [
        ['POST', '/api/v1/watchlists', { name: 'refused', entries: [PAN_OS, bad] }],
        ['PUT', '/api/v1/watchlists/edge', { entries: [PAN_OS, bad] }],
        ['POST', '/api/v1/watchlists/preview', { entries: [PAN_OS, bad] }],
      ] as const) {
        const r = await call('ana', method, url, body);
        expect(r.statusCode, `${method} ${url}: ${r.body}`).toBe(400);
        const e = r.json() as { code: string; message: string };
        expect(e.code).toBe(code);
        expect(e.message).toContain(names);
        expect(e.message).toMatch(reason);
        // One prefix: the reason is not wrapped in a second "Invalid watchlist entry".
        expect(e.message.match(/Invalid watchlist entry/g)?.length ?? 0).toBeLessThanOrEqual(1);
      }
      expect(await stored()).toEqual(before);
      expect((await call('ana', 'GET', '/api/v1/watchlists/refused')).statusCode).toBe(404);
    });

    it('an unknown channel in a subscription is named, once, and nothing is stored', async () => {
      const before = await stored();
      const r = await call('ana', 'POST', '/api/v1/watchlists', {
        name: 'refused',
        entries: [PAN_OS],
        subscriptions: [{ channel: 'inbox' }, { channel: 'pager' }],
      });
      expect(r.statusCode).toBe(400);
      const e = r.json() as { code: string; message: string };
      expect(e.code).toBe('VIGIL_WATCHLIST_INVALID');
      expect(e.message).toBe('Invalid watchlist refused subscriptions[1]: unknown channel "pager" (configured: inbox)');
      expect(await stored()).toEqual(before);
    });
  });

  it('PUT replaces the entries; the same PUT twice keeps the same entry ids', async () => {
    const created = await call('ana', 'POST', '/api/v1/watchlists', { name: 'replace-me', entries: [PAN_OS, { kind: 'vendor', value: 'fortinet' }] });
    expect(created.statusCode).toBe(201);
    const body = { description: 'now Citrix too', entries: [PAN_OS, { kind: 'keyword', value: 'NetScaler' }, { kind: 'cve', value: 'CVE-2023-4966' }] };
    const first = await call('ana', 'PUT', '/api/v1/watchlists/replace-me', body);
    expect(first.statusCode, first.body).toBe(200);
    const a = first.json() as Watchlist;
    expect(a.description).toBe('now Citrix too');
    expect(a.entries.map((e) => e.value).sort()).toEqual(['CVE-2023-4966', 'NetScaler', 'pan-os']);
    // The entry kept from before keeps its id; the removed one is gone from the store.
    const panOsBefore = (created.json() as Watchlist).entries.find((e) => e.value === 'pan-os')?.id;
    expect(a.entries.find((e) => e.value === 'pan-os')?.id).toBe(panOsBefore);
    expect(await count("SELECT count(*) AS n FROM watch_entries WHERE watchlist = 'replace-me' AND value = 'fortinet'")).toBe(0);

    const second = await call('ana', 'PUT', '/api/v1/watchlists/replace-me', body);
    expect(second.statusCode).toBe(200);
    const b = second.json() as Watchlist;
    expect(b.entries.map((e) => e.id).sort()).toEqual(a.entries.map((e) => e.id).sort());
    expect(b).toEqual(a);
    expect(await count("SELECT count(*) AS n FROM watch_entries WHERE watchlist = 'replace-me'")).toBe(3);
  });

  it('PUT of the same entry with its thresholds in another key order leaves one entry, not two', async () => {
    const entry = (thresholds: Record<string, number>) => ({ kind: 'vendor', value: 'fortinet', thresholds });
    expect((await call('ana', 'POST', '/api/v1/watchlists', { name: 'order', entries: [entry({ minCvss: 7, minEpss: 0.1 })] })).statusCode).toBe(201);
    const again = await call('ana', 'PUT', '/api/v1/watchlists/order', { entries: [entry({ minEpss: 0.1, minCvss: 7 })] });
    expect(again.statusCode, again.body).toBe(200);
    expect((again.json() as Watchlist).entries.map((e) => e.thresholds)).toEqual([{ minCvss: 7, minEpss: 0.1 }]);
    expect(await count("SELECT count(*) AS n FROM watch_entries WHERE watchlist = 'order'")).toBe(1);
  });

  describe('preview', () => {
    const entries = [PAN_OS, { kind: 'keyword', value: 'NetScaler' }, { kind: 'vendor', value: 'fortinet', thresholds: { minCvss: 9 } }];

    it('of product paloaltonetworks:pan-os contains CVE-2024-3400 with a reason', async () => {
      const r = await call('ana', 'POST', '/api/v1/watchlists/preview', { entries: [PAN_OS], limit: 500 });
      expect(r.statusCode, r.body).toBe(200);
      const p = r.json() as Preview;
      const hit = p.items.find((i) => i.cveId === 'CVE-2024-3400');
      expect(hit).toBeDefined();
      expect(hit?.passes).toBe(true);
      expect(hit?.reasons.length).toBeGreaterThan(0);
      expect(hit?.reasons[0]).toMatchObject({ kind: 'product', entry: 'product paloaltonetworks:pan-os' });
      expect(hit?.reasons.map((x) => x.matched.toLowerCase())).toContain('pan-os');
      // Every match is a stored CVE with a Palo Alto Networks product row.
      const panos = new Set((await api.sql<{ id: string }>("SELECT cve_id AS id FROM vuln_products WHERE vendor_key = 'paloaltonetworks'")).map((r) => r.id));
      for (const i of p.items) expect(panos.has(i.cveId), i.cveId).toBe(true);
      // The CERT-FR bulletins about PAN-OS come beside the CVEs, with why they match.
      const bulletin = p.advisories.items.find((a) => a.advisoryId === 'CERTFR-2026-AVI-0049');
      expect(bulletin?.reasons[0]).toMatchObject({ kind: 'product', via: 'advisory', matched: 'PAN-OS' });
      expect(p.total).toBe(p.items.length);
      // The fixture's `edge` watchlist holds the same entry and was evaluated: the alerted CVEs are the previewed ones
      // with a record. The others are PAN-OS CVEs known only from KEV (matched on their catalog entry), whose
      // listing in the first catalog stored is a baseline, not an alert.
      const alerted = (await api.sql<{ id: string }>("SELECT DISTINCT cve_id AS id FROM alerts WHERE watchlist = 'edge'")).map((r) => r.id);
      const kevOnly = new Set((await api.sql<{ id: string }>('SELECT cve_id AS id FROM vulns WHERE has_record = 0')).map((r) => r.id));
      expect(p.items.some((i) => kevOnly.has(i.cveId))).toBe(true);
      expect(
        p.items
          .map((i) => i.cveId)
          .filter((id) => !kevOnly.has(id))
          .sort(),
      ).toEqual(alerted.sort());
    });

    it('of unsaved entries equals GET /:name/matches once the same entries are saved', async () => {
      const preview = await call('ana', 'POST', '/api/v1/watchlists/preview', { entries, limit: 500 });
      expect(preview.statusCode, preview.body).toBe(200);
      const p = preview.json() as Preview;
      expect(p.total).toBeGreaterThan(4);
      const saved = await call('ana', 'POST', '/api/v1/watchlists', { name: 'previewed', entries });
      expect(saved.statusCode).toBe(201);
      const ids = (saved.json() as Watchlist).entries.map((e) => e.id);
      const matches = await call('vic', 'GET', '/api/v1/watchlists/previewed/matches?limit=500');
      expect(matches.statusCode).toBe(200);
      const m = matches.json() as Preview;
      // Unsaved entries have no id yet (0): otherwise the answers are the same.
      const strip = <T extends { reasons: { entryId: number }[] }>(i: T) => ({ ...i, reasons: i.reasons.map(({ entryId: _e, ...r }) => r) });
      const withoutIds = (x: Preview) => ({ ...x, items: x.items.map(strip), advisories: { ...x.advisories, items: x.advisories.items.map(strip) } });
      expect(withoutIds(m)).toEqual(withoutIds(p));
      for (const i of m.items) for (const reason of i.reasons) expect(reason.entryId).toBe(ids[i.entryIndex]);
      for (const i of p.items) for (const reason of i.reasons) expect(reason.entryId).toBe(0);
    });

    it('honours limit but counts every match in total', async () => {
      const all = (await call('ana', 'POST', '/api/v1/watchlists/preview', { entries, limit: 500 })).json() as Preview;
      const two = (await call('ana', 'POST', '/api/v1/watchlists/preview', { entries, limit: 2 })).json() as Preview;
      expect(two.items).toEqual(all.items.slice(0, 2));
      expect(two.total).toBe(all.total);
    });

    it('a viewer may read matches but not preview', async () => {
      expect((await call('vic', 'POST', '/api/v1/watchlists/preview', { entries })).statusCode).toBe(403);
      expect((await call('vic', 'GET', '/api/v1/watchlists/edge/matches')).statusCode).toBe(200);
    });
  });

  describe('who may change a watchlist', () => {
    it('another analyst cannot replace or delete it (403, nothing changed); an admin can', async () => {
      const before = await stored();
      const put = await call('ann', 'PUT', '/api/v1/watchlists/edge', { entries: [{ kind: 'vendor', value: 'fortinet' }] });
      expect(put.statusCode).toBe(403);
      expect(put.json()).toMatchObject({ code: 'VIGIL_FORBIDDEN' });
      expect((put.json() as { message: string }).message).toContain('ana');
      expect((await call('ann', 'DELETE', '/api/v1/watchlists/edge')).statusCode).toBe(403);
      expect(await stored()).toEqual(before);

      const edge = (await call('vic', 'GET', '/api/v1/watchlists/edge')).json() as Watchlist;
      const admin = await call('ada', 'PUT', '/api/v1/watchlists/edge', {
        description: 'edited by an admin',
        entries: edge.entries.map(({ id: _id, ...e }) => e),
      });
      expect(admin.statusCode, admin.body).toBe(200);
      const w = admin.json() as Watchlist;
      expect(w.description).toBe('edited by an admin');
      expect(w.owner).toEqual({ user: 'ana' });
      expect(w.entries).toEqual(edge.entries);
      expect(w.subscriptions).toEqual(edge.subscriptions);
    });

    it('an analyst may not create one for someone else; an admin may', async () => {
      const r = await call('ann', 'POST', '/api/v1/watchlists', { name: 'for-ana', owner: { user: 'ana' }, entries: [PAN_OS] });
      expect(r.statusCode).toBe(403);
      expect((await call('ann', 'GET', '/api/v1/watchlists/for-ana')).statusCode).toBe(404);
      const admin = await call('ada', 'POST', '/api/v1/watchlists', { name: 'for-ana', owner: { user: 'ana' }, entries: [PAN_OS] });
      expect(admin.statusCode).toBe(201);
      expect((admin.json() as Watchlist).owner).toEqual({ user: 'ana' });
      // …which ana, its owner, may then change.
      expect((await call('ana', 'PUT', '/api/v1/watchlists/for-ana', { entries: [] })).statusCode).toBe(200);
    });

    it('a viewer may not create one', async () => {
      expect((await call('vic', 'POST', '/api/v1/watchlists', { name: 'viewer', entries: [PAN_OS] })).statusCode).toBe(403);
    });
  });

  it('DELETE answers 204, then the watchlist is 404 for every route; its alerts stay as history', async () => {
    const created = await call('ana', 'POST', '/api/v1/watchlists', { name: 'short-lived', entries: [PAN_OS], subscriptions: [{ channel: 'inbox' }] });
    expect(created.statusCode).toBe(201);
    const del = await call('ana', 'DELETE', '/api/v1/watchlists/short-lived');
    expect(del.statusCode).toBe(204);
    expect(del.body).toBe('');
    for (const [method, url] of [
      ['GET', '/api/v1/watchlists/short-lived'],
      ['GET', '/api/v1/watchlists/short-lived/matches'],
      ['DELETE', '/api/v1/watchlists/short-lived'],
    ] as const) {
      const r = await call('ana', method, url);
      expect(r.statusCode, `${method} ${url}`).toBe(404);
      const e = r.json() as { code: string; statusCode: number; requestId: string; message: string };
      expect(Object.keys(ErrorCodes)).toContain(e.code);
      expect(e.message).toContain('short-lived');
    }
    expect((await call('ana', 'PUT', '/api/v1/watchlists/short-lived', { entries: [PAN_OS] })).statusCode).toBe(404);
    expect(await count("SELECT count(*) AS n FROM watch_entries WHERE watchlist = 'short-lived'")).toBe(0);
    expect(await count("SELECT count(*) AS n FROM subscriptions WHERE watchlist = 'short-lived'")).toBe(0);
  });

  it('lists every stored watchlist', async () => {
    const r = await call('vic', 'GET', '/api/v1/watchlists');
    expect(r.statusCode).toBe(200);
    const names = (r.json() as { items: Watchlist[] }).items.map((w) => w.name).sort();
    expect(names).toEqual((await api.sql<{ name: string }>('SELECT name FROM watchlists')).map((r) => r.name).sort());
  });
});
