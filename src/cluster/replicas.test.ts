/**
 * Two API replicas on one PostgreSQL store stream what a third process (a worker) commits, woken
 * by LISTEN/NOTIFY: each replica has its own pool, its own listening connection and an event hub
 * polling only once a minute, so an event reaching both clients within seconds came through the
 * NOTIFY. The record is a real CVE 5 record of the corpus (Vulnrichment bundle) new to the store.
 *
 * PostgreSQL only: LISTEN/NOTIFY is how replicas of a PostgreSQL store meet; a SQLite store has
 * one process serving it (its hub polls, tested in api/events.test.ts).
 */
import { createReadStream, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { createInterface } from 'node:readline';
import { createGunzip } from 'node:zlib';
import type { FastifyInstance } from 'fastify';
import { afterAll, describe, expect, it } from 'vitest';
import { buildApp } from '../api/app.ts';
import { EventHub } from '../api/events-hub.ts';
import { createLogger } from '../log.ts';
import { importFiles } from '../pipeline.ts';
import { findSource } from '../sources/registry.ts';
import { openStores, type Stores } from '../store/index.ts';
import { startTestApi, TEST_PASSWORD } from '../testing/api.ts';
import { corpusPath, hasCorpus } from '../testing/corpus.ts';
import { TEST_BACKEND } from '../testing/store.ts';
import { type EventListener, eventWakeFor, listenForEvents, notifyEvents } from './notify.ts';
import { parsePostgresUrl } from '../store/postgres/pool.ts';

const dir = mkdtempSync(path.join(tmpdir(), 'vigil-replicas-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** Collects the `event: cve` frames of one SSE stream. */
async function stream(base: string, token: string): Promise<{ cves: string[]; close: () => void }> {
  const abort = new AbortController();
  const res = await fetch(`${base}/api/v1/events`, { headers: { accept: 'text/event-stream', authorization: `Bearer ${token}` }, signal: abort.signal });
  expect(res.status).toBe(200);
  const cves: string[] = [];
  void (async () => {
    const decoder = new TextDecoder();
    let buffer = '';
    try {
      for await (const chunk of res.body as unknown as AsyncIterable<Uint8Array>) {
        buffer += decoder.decode(chunk, { stream: true });
        const frames = buffer.split('\n\n');
        buffer = frames.pop() ?? '';
        for (const f of frames)
          if (/^event: cve$/m.test(f)) {
            const data = /^data: (.*)$/m.exec(f)?.[1];
            if (data) cves.push((JSON.parse(data) as { cveId: string }).cveId);
          }
      }
    } catch {
      // Aborted by close().
    }
  })();
  return { cves, close: () => abort.abort() };
}

/** The first published record of the Vulnrichment bundle the store does not hold, as a file. */
async function newRecordFile(stores: Stores): Promise<{ id: string; file: string }> {
  const lines = createInterface({ input: createReadStream(corpusPath('cve5', 'vulnrichment-2024-cve5.jsonl.gz')).pipe(createGunzip()) });
  try {
    for await (const line of lines) {
      const r = JSON.parse(line) as { cveMetadata: { cveId: string; state: string } };
      if (r.cveMetadata.state !== 'PUBLISHED' || (await stores.store.getVulnerability(r.cveMetadata.cveId))) continue;
      const file = path.join(dir, `${r.cveMetadata.cveId}.json`);
      writeFileSync(file, line);
      return { id: r.cveMetadata.cveId, file };
    }
  } finally {
    lines.close();
  }
  throw new Error('no record of the bundle is new to the store');
}

describe.skipIf(!hasCorpus() || TEST_BACKEND !== 'postgres')('API replicas on one PostgreSQL store (LISTEN/NOTIFY)', () => {
  it("streams a record another process committed to the clients of both replicas within seconds, not the hubs' poll interval", async () => {
    const api = await startTestApi();
    const opened: Stores[] = [];
    const listeners: EventListener[] = [];
    const apps: FastifyInstance[] = [];
    const clients: { close: () => void }[] = [];
    try {
      const replicas: { base: string; token: string; cves: string[] }[] = [];
      for (let i = 0; i < 2; i++) {
        const stores = await openStores(api.file);
        opened.push(stores);
        // Replica 1 listens through its own listener; replica 2 as `vigil serve` would (eventWakeFor).
        let wake = eventWakeFor(api.file, createLogger('silent'));
        if (i === 0) {
          const listener = await listenForEvents(api.file, createLogger('silent'));
          listeners.push(listener);
          wake = listener.wake;
        }
        const hub = new EventHub(stores.alerts, stores.triage, 60_000, wake);
        const app = await buildApp({ ...api.deps, store: stores.store, alerts: stores.alerts, auth: stores.auth, triage: stores.triage, stats: stores.stats, hub }, { webDir: path.join(dir, 'no-web') });
        apps.push(app);
        await app.listen({ host: '127.0.0.1', port: 0 });
        const address = app.server.address() as { port: number };
        const login = await app.inject({ method: 'POST', url: '/api/v1/auth/login', payload: { username: 'vic', password: TEST_PASSWORD } });
        expect(login.statusCode, login.body).toBe(200);
        replicas.push({ base: `http://127.0.0.1:${address.port}`, token: login.json().accessToken as string, cves: [] });
      }
      for (const r of replicas) {
        const s = await stream(r.base, r.token);
        clients.push(s);
        r.cves = s.cves;
      }

      // A worker process: its own pool; it imports the record, then NOTIFYs.
      const worker = await openStores(api.file);
      opened.push(worker);
      const record = await newRecordFile(worker);
      const summary = await importFiles(findSource('cve5').source, [record.file], { store: worker.writer, log: createLogger('silent') });
      expect(summary.created).toBe(1);
      const started = Date.now();
      await notifyEvents((sql, params) => worker.pg!.query(sql, params), parsePostgresUrl(api.file).schema);
      for (;;) {
        if (replicas.every((r) => r.cves.includes(record.id))) break;
        if (Date.now() - started > 10_000) throw new Error(`not streamed within 10 s: ${JSON.stringify(replicas.map((r) => r.cves))}`);
        await new Promise((r) => setTimeout(r, 20));
      }
      expect(Date.now() - started).toBeLessThan(10_000);
    } finally {
      for (const c of clients) c.close();
      for (const a of apps) await a.close();
      for (const l of listeners) await l.close();
      for (const s of opened) await s.close();
      await api.close();
    }
  }, 300_000);
});
