/**
 * The live event stream (`GET /api/v1/events`, Server-Sent Events) over a real loopback socket:
 * a real CVE 5 record new to the store (from the corpus's Vulnrichment bundle) is imported
 * through the pipeline while a client listens; the alert engine makes the alert of a watchlist
 * entry that matches it; the stream carries `event: cve` frames for the change-history rows and
 * an `event: alert` frame for the alert, each with the id `<alertId>.<changeId>`, and a client
 * that reconnects with `Last-Event-ID` gets what it missed in both feeds, once.
 */
import { createReadStream, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { createInterface } from 'node:readline';
import { createGunzip } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { evaluate } from '../alerts/engine.ts';
import { productKey } from '../enrich/product-key.ts';
import { createLogger } from '../log.ts';
import { importFiles } from '../pipeline.ts';
import { findSource } from '../sources/registry.ts';
import { startTestApi, type TestApi } from '../testing/api.ts';
import { STREAMS_PER_USER } from './routes/events.ts';
import { corpusPath, hasCorpus } from '../testing/corpus.ts';

/** One SSE frame. */
interface Frame {
  id?: string;
  event?: string;
  data?: string;
  comments: string[];
}

/** Parses complete frames (blank-line separated) from `text`; @returns frames and the unparsed rest. */
function parseFrames(text: string): { frames: Frame[]; rest: string } {
  const parts = text.split('\n\n');
  const rest = parts.pop() ?? '';
  const frames = parts.map((block) => {
    const f: Frame = { comments: [] };
    for (const line of block.split('\n')) {
      if (line.startsWith(':')) f.comments.push(line.slice(1).trim());
      else {
        const i = line.indexOf(':');
        const field = i < 0 ? line : line.slice(0, i);
        const value = i < 0 ? '' : line.slice(i + 1).replace(/^ /, '');
        if (field === 'id' || field === 'event') f[field] = value;
        else if (field === 'data') f.data = f.data === undefined ? value : `${f.data}\n${value}`;
      }
    }
    return f;
  });
  return { frames, rest };
}

/** A listening SSE client: collects frames until closed. */
interface Client {
  status: number;
  frames: Frame[];
  /** Resolves when a frame satisfying `pred` has arrived (rejects after `ms`). */
  waitFor(pred: (f: Frame) => boolean, ms?: number): Promise<Frame>;
  close(): void;
}

async function connect(base: string, token: string | null, lastEventId?: string): Promise<Client> {
  const abort = new AbortController();
  const headers: Record<string, string> = { accept: 'text/event-stream' };
  if (token) headers.authorization = `Bearer ${token}`;
  if (lastEventId) headers['last-event-id'] = lastEventId;
  const res = await fetch(`${base}/api/v1/events`, { headers, signal: abort.signal });
  const frames: Frame[] = [];
  const waiters: { pred: (f: Frame) => boolean; resolve: (f: Frame) => void }[] = [];
  if (res.ok && res.body) {
    void (async () => {
      const decoder = new TextDecoder();
      let buffer = '';
      try {
        for await (const chunk of res.body as unknown as AsyncIterable<Uint8Array>) {
          const parsed = parseFrames(buffer + decoder.decode(chunk, { stream: true }));
          buffer = parsed.rest;
          for (const f of parsed.frames) {
            frames.push(f);
            for (const w of [...waiters]) if (w.pred(f)) w.resolve(f);
          }
        }
      } catch {
        // Aborted by close().
      }
    })();
  }
  return {
    status: res.status,
    frames,
    waitFor(pred, ms = 10_000) {
      const seen = frames.find(pred);
      if (seen) return Promise.resolve(seen);
      return new Promise((resolve, reject) => {
        const timer = setTimeout(() => reject(new Error(`no matching frame in ${ms} ms; got ${JSON.stringify(frames)}`)), ms);
        waiters.push({
          pred,
          resolve: (f) => {
            clearTimeout(timer);
            resolve(f);
          },
        });
      });
    },
    close: () => abort.abort(),
  };
}

/** The position an event id names: `<alertId>.<changeId>`. */
function position(f: Frame): [number, number] {
  const m = /^(\d+)\.(\d+)$/.exec(f.id ?? '');
  if (!m) throw new Error(`not an event id: ${f.id}`);
  return [Number(m[1]), Number(m[2])];
}

/** A CVE 5 record new to the store, with its CNA vendor. */
interface NewRecord {
  id: string;
  vendor: string;
  record: Record<string, unknown>;
}

/** `n` published CVE 5 records of the Vulnrichment bundle that the store does not hold, whose CNA vendor the store knows. */
async function newRecordsOf(n: number, known: Set<string>, stored: (id: string) => boolean): Promise<NewRecord[]> {
  const out: NewRecord[] = [];
  const lines = createInterface({ input: createReadStream(corpusPath('cve5', 'vulnrichment-2024-cve5.jsonl.gz')).pipe(createGunzip()) });
  try {
    for await (const line of lines) {
      const r = JSON.parse(line) as { cveMetadata: { cveId: string; state: string }; containers: { cna: { affected?: { vendor?: string }[] } } };
      const vendor = r.containers.cna.affected?.[0]?.vendor;
      if (r.cveMetadata.state !== 'PUBLISHED' || !vendor || !known.has(productKey(vendor)) || stored(r.cveMetadata.cveId)) continue;
      out.push({ id: r.cveMetadata.cveId, vendor, record: r as unknown as Record<string, unknown> });
      if (out.length === n) return out;
    }
  } finally {
    lines.close();
  }
  throw new Error(`fewer than ${n} new records in the Vulnrichment bundle`);
}

describe.skipIf(!hasCorpus())('live events (SSE) over loopback', () => {
  const dir = mkdtempSync(path.join(tmpdir(), 'vigil-events-'));
  const log = createLogger('silent');
  let api: TestApi;
  let base: string;
  let token: string;
  const clients: Client[] = [];
  const open = async (t: string | null, last?: string) => {
    const c = await connect(base, t, last);
    clients.push(c);
    return c;
  };
  /** The app's hub (buildApp creates it: `api.deps` is the object before that). */
  const hub = () => api.app.deps.hub as NonNullable<TestApi['deps']['hub']>;
  const lastChangeId = async () => (await api.sql<{ id: number }>('SELECT coalesce(max(id), 0) AS id FROM changes'))[0]?.id as number;
  const changesAfter = (id: number) =>
    api.sql<{ id: number; cveId: string; field: string } & Record<string, unknown>>(
      'SELECT id, cve_id AS "cveId", field, old, new, source, at FROM changes WHERE id > ? ORDER BY id',
      id,
    );
  /** Runs the alert engine and expects exactly one new alert; @returns its id. */
  async function evaluateOne(): Promise<number> {
    const evaluation = await evaluate({ store: api.store, alerts: api.deps.alerts, config: api.config.alerts, log, merge: api.config.ssvc });
    expect(evaluation.alerts).toHaveLength(1);
    return evaluation.alerts[0] as number;
  }
  const lastAlertId = () => api.stores.triage.lastAlertId();

  /** Imports one CVE 5 record through the pipeline, as `vigil import` would. */
  async function importRecord(name: string, record: Record<string, unknown>) {
    const file = path.join(dir, `${name}.json`);
    writeFileSync(file, JSON.stringify(record));
    const summary = await importFiles(findSource('cve5').source, [file], { store: api.store, log, merge: api.config.ssvc });
    expect(summary.error).toBeNull();
    expect(summary.stored).toBe(1);
  }

  beforeAll(async () => {
    api = await startTestApi({ listen: true });
    const address = api.app.server.address();
    if (!address || typeof address === 'string') throw new Error('not listening');
    base = `http://127.0.0.1:${address.port}`;
    token = await api.login('vic');
  });
  afterAll(async () => {
    for (const c of clients) c.close();
    await api?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('refuses a client without a token (401, error table body)', async () => {
    const c = await open(null);
    expect(c.status).toBe(401);
    const r = await fetch(`${base}/api/v1/events`);
    expect(r.status).toBe(401);
    expect(await r.json()).toMatchObject({ statusCode: 401, code: 'VIGIL_UNAUTHENTICATED' });
  });

  it('streams `cve` frames for an imported record and an `alert` frame for the alert it makes; a reconnect replays what was missed', async () => {
    const knownVendors = new Set(
      (await api.sql<{ k: string }>('SELECT vendor_key AS k FROM vuln_products GROUP BY vendor_key HAVING count(DISTINCT cve_id) >= 3')).map((r) => r.k),
    );
    const stored = new Set((await api.sql<{ id: string }>('SELECT cve_id AS id FROM vulns')).map((r) => r.id));
    const [fresh, second] = (await newRecordsOf(2, knownVendors, (id) => stored.has(id))) as [NewRecord, NewRecord];

    // Vendor entries on `edge` (subscribed to `new` events in the inbox): they match stored CVEs
    // of those vendors already, and will match the new ones.
    const ana = await api.login('ana');
    const edge = (await api.app.inject({ url: '/api/v1/watchlists/edge', headers: { authorization: `Bearer ${ana}` } })).json() as {
      entries: { id: number; kind: string; value: string; vendor?: string }[];
    };
    const entries = [...edge.entries.map(({ id: _id, ...e }) => e), ...[...new Set([fresh.vendor, second.vendor])].map((value) => ({ kind: 'vendor', value }))];
    const put = await api.app.inject({ method: 'PUT', url: '/api/v1/watchlists/edge', headers: { authorization: `Bearer ${ana}` }, payload: { entries } });
    expect(put.statusCode, put.body).toBe(200);
    const matches = (await api.app.inject({ url: '/api/v1/watchlists/edge/matches?limit=500', headers: { authorization: `Bearer ${token}` } })).json() as {
      total: number;
    };
    expect(matches.total).toBeGreaterThan(4);

    const client = await open(token);
    expect(client.status).toBe(200);
    await client.waitFor((f) => f.comments.includes('connected'));
    const changesBefore = await lastChangeId();
    const alertsBefore = await lastAlertId();

    await importRecord('fresh', fresh.record);
    const changes = await changesAfter(changesBefore);
    expect(changes.length).toBeGreaterThan(0);
    expect(changes.every((c) => c.cveId === fresh.id)).toBe(true);
    expect(changes.map((c) => c.field)).toContain('created');
    const alertId = await evaluateOne();
    expect(alertId).toBeGreaterThan(alertsBefore);
    await hub().poll();

    // Every change row arrives as an `event: cve` frame, the alert as `event: alert`; each id is
    // the position in both feeds after the event.
    const lastChange = changes.at(-1) as { id: number };
    await client.waitFor((f) => f.event === 'cve' && position(f)[1] === lastChange.id);
    const alertFrame = await client.waitFor((f) => f.event === 'alert');
    const cveFrames = client.frames.filter((f) => f.event === 'cve');
    expect(cveFrames.map((f) => position(f)[1])).toEqual(changes.map((c) => c.id));
    expect(cveFrames.map((f) => JSON.parse(f.data as string))).toEqual(changes.map(({ id: _id, ...c }) => c));
    expect(position(alertFrame)[0]).toBe(alertId);
    const positions = client.frames.filter((f) => f.id).map(position);
    for (let i = 1; i < positions.length; i++) {
      expect((positions[i] as number[])[0]).toBeGreaterThanOrEqual((positions[i - 1] as number[])[0] as number);
      expect((positions[i] as number[])[1]).toBeGreaterThanOrEqual((positions[i - 1] as number[])[1] as number);
    }
    const alert = JSON.parse(alertFrame.data as string) as Record<string, unknown>;
    expect(alert).toMatchObject({ id: alertId, cveId: fresh.id, watchlist: 'edge', channel: 'inbox', event: 'new', triage: 'new' });
    const viaApi = (await api.app.inject({ url: `/api/v1/alerts/${alertId}`, headers: { authorization: `Bearer ${token}` } })).json() as Record<
      string,
      unknown
    >;
    const { comments: _c, deliveries: _d, ...item } = viaApi;
    expect(alert).toMatchObject(item);
    // Each event once.
    const ids = client.frames.map((f) => f.id).filter(Boolean);
    expect(new Set(ids).size).toBe(ids.length);

    // The client goes away. Meanwhile the first record changes again (a newer version of it)
    // and a second new CVE of a watched vendor arrives, with its alert.
    client.close();
    const seen = client.frames.filter((f) => f.id).at(-1)?.id as string;
    const [, seenChange] = seen.split('.').map(Number) as [number, number];
    const updated = structuredClone(fresh.record) as { cveMetadata: { dateUpdated: string }; containers: { cna: { title?: string } } };
    updated.cveMetadata.dateUpdated = '2030-01-01T00:00:00.000Z';
    updated.containers.cna.title = `${updated.containers.cna.title ?? fresh.id} (updated)`;
    await importRecord('updated', updated as unknown as Record<string, unknown>);
    await importRecord('second', second.record);
    const missedAlert = await evaluateOne();
    const missed = await changesAfter(seenChange);
    expect(missed.map((c) => c.field)).toContain('title');
    expect(missed.map((c) => c.cveId)).toContain(second.id);
    await hub().poll();

    // One Last-Event-ID resumes both feeds: the missed alert, then the missed changes, once each.
    const back = await open(token, seen);
    expect(back.status).toBe(200);
    await back.waitFor((f) => f.event === 'cve' && position(f)[1] === (missed.at(-1) as { id: number }).id);
    await hub().poll();
    await new Promise((r) => setTimeout(r, 100));
    const replayedAlerts = back.frames.filter((f) => f.event === 'alert');
    expect(replayedAlerts.map((f) => position(f)[0])).toEqual([missedAlert]);
    expect((JSON.parse(replayedAlerts[0]?.data as string) as { cveId: string }).cveId).toBe(second.id);
    const replayed = back.frames.filter((f) => f.event === 'cve');
    expect(replayed.map((f) => position(f)[1])).toEqual(missed.map((c) => c.id));
    expect(replayed.map((f) => JSON.parse(f.data as string))).toEqual(missed.map(({ id: _id, ...c }) => c));

    // Resuming from before the first alert replays both alerts, in order.
    const fromAlerts = await open(token, `${alertsBefore}.${await lastChangeId()}`);
    await fromAlerts.waitFor((f) => f.event === 'alert' && position(f)[0] === missedAlert);
    expect(fromAlerts.frames.filter((f) => f.event === 'alert').map((f) => position(f)[0])).toEqual([alertId, missedAlert]);
    expect(fromAlerts.frames.filter((f) => f.event === 'cve')).toEqual([]);
  });

  it('a change stored before the hub polls reaches a resuming client once (replay, then live)', async () => {
    const from = await lastChangeId();
    const cve = (await api.sql<{ id: string }>("SELECT cve_id AS id FROM vulns WHERE cve_id LIKE 'CVE-2024-%' ORDER BY cve_id DESC LIMIT 1"))[0]?.id ?? '';
    // A title change, written straight into the store's change feed (as another process would).
    await api.sql(
      'INSERT INTO changes (cve_id, field, old, new, source, at) VALUES (?, ?, ?, ?, ?, ?)',
      cve,
      'title',
      'old title',
      'new title',
      'cve5',
      '2030-01-02T00:00:00.000Z',
    );
    const id = await lastChangeId();
    const c = await open(token, `${await lastAlertId()}.${from}`);
    await c.waitFor((f) => f.comments.includes('connected'));
    await hub().poll();
    await hub().poll();
    await c.waitFor((f) => f.event === 'cve' && position(f)[1] === id);
    await new Promise((r) => setTimeout(r, 100));
    const frames = c.frames.filter((f) => f.event === 'cve' && position(f)[1] === id);
    expect(frames).toHaveLength(1);
    expect(JSON.parse(frames[0]?.data as string)).toEqual({
      cveId: cve,
      field: 'title',
      old: 'old title',
      new: 'new title',
      source: 'cve5',
      at: '2030-01-02T00:00:00.000Z',
    });
  });

  it('a Last-Event-ID that is not ours replays nothing and still streams', async () => {
    const c = await open(token, '../../etc/passwd');
    expect(c.status).toBe(200);
    await c.waitFor((f) => f.comments.includes('connected'));
    await new Promise((r) => setTimeout(r, 50));
    expect(c.frames.filter((f) => f.event)).toEqual([]);
  });

  it(`caps the streams one user holds open at ${STREAMS_PER_USER}: one more is 429 until one closes`, async () => {
    const ana = await api.login('ana');
    const streams = [];
    for (let i = 0; i < STREAMS_PER_USER; i++) {
      const c = await open(ana);
      expect(c.status).toBe(200);
      await c.waitFor((f) => f.comments.includes('connected'));
      streams.push(c);
    }
    const refused = await fetch(`${base}/api/v1/events`, { headers: { authorization: `Bearer ${ana}` } });
    expect(refused.status).toBe(429);
    expect(await refused.json()).toMatchObject({
      code: 'VIGIL_RATE_LIMITED',
      message: expect.stringContaining(`ana has ${STREAMS_PER_USER} event streams open`),
    });
    // Another user is not affected.
    expect((await open(await api.login('ann'))).status).toBe(200);
    // Once one closes (the server sees the socket go), a new one is served.
    streams[0]!.close();
    const until = Date.now() + 5000;
    let again = await open(ana);
    while (again.status === 429 && Date.now() < until) {
      await new Promise((r) => setTimeout(r, 50));
      again = await open(ana);
    }
    expect(again.status).toBe(200);
  });
});
