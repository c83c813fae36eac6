/**
 * Issue 10 item 15 on a real server on loopback: a regex that froze the server for 86 s is
 * refused at once; a costly but accepted set of regexes runs off the event loop (`/health`
 * keeps answering in well under a second while the preview runs) and within a time budget;
 * a watchlist holds at most MAX_WATCHLIST_ENTRIES entries.
 */
// vigil-test: the back end cannot matter (regex costs, the matcher's time budget and the entry limit are checked before or beside the store, whose candidate queries watchlists.test.ts tests on both).
import type { AddressInfo } from 'node:net';
import { fetch } from 'undici';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MAX_WATCHLIST_ENTRIES } from '../alerts/entry.ts';
import { previewMatches } from '../alerts/preview.ts';
import { VigilError } from '../errors.ts';
import { startTestApi, type TestApi } from '../testing/api.ts';
import { hasCorpus } from '../testing/corpus.ts';

/** 50 distinct regexes within the limits, each costly on long text (`.{0,20}` twice: ~0.6 ms per description). */
const COSTLY = Array.from({ length: 50 }, (_, i) => ({ kind: 'regex', value: `.{0,20}${'abcdefghij'[i % 10]}.{0,20}${'klmnopqrst'[Math.floor(i / 10)]}\\d` }));

describe.skipIf(!hasCorpus())('watchlist limits on a real server on loopback', () => {
  let api: TestApi;
  let base: string;
  let token: string;

  async function post(path: string, body: unknown): Promise<{ status: number; json: Record<string, unknown>; ms: number }> {
    const t = performance.now();
    const r = await fetch(`${base}${path}`, {
      method: 'POST',
      headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
      body: JSON.stringify(body),
    });
    return { status: r.status, json: (await r.json()) as Record<string, unknown>, ms: performance.now() - t };
  }

  beforeAll(async () => {
    api = await startTestApi({ listen: true });
    base = `http://127.0.0.1:${(api.app.server.address() as AddressInfo).port}`;
    token = await api.login('ana');
  }, 120_000);
  afterAll(async () => api?.close());

  it('refuses the reported regex at once, naming why (it answered after 86 s)', async () => {
    const r = await post('/api/v1/watchlists/preview', { entries: [{ kind: 'regex', value: '[\\s\\S]{0,1000}x[\\s\\S]{0,1000}y' }], limit: 1 });
    expect(r.status).toBe(400);
    expect(r.json.code).toBe('VIGIL_WATCH_ENTRY_INVALID');
    expect(r.json.message).toMatch(
      /^Invalid watchlist entry entries\[0\]: regex .*: a counted repetition of 1000 .*too costly to run on every CVE \(limit 100\)/,
    );
    expect(r.ms).toBeLessThan(1000);
    const saved = await post('/api/v1/watchlists', { name: 'frozen', entries: [{ kind: 'regex', value: '(?:a.{0,30}){0,30}' }] });
    expect(saved.status).toBe(400);
    expect(saved.json.message).toMatch(/counted repetition of 900/);
  });

  it('refuses regex entries costly together (50 of 85 RE2 instructions each)', async () => {
    const r = await post('/api/v1/watchlists/preview', { entries: COSTLY, limit: 1 });
    expect(r.status).toBe(400);
    expect(r.json.message).toBe(
      'Invalid watchlist preview: its 50 regex entries would compile to 4250 RE2 instructions together (limit 1000): use fewer or simpler regexes, or keyword entries',
    );
  });

  it('a costly preview runs off the event loop: /health answers in < 1 s all along', async () => {
    // The longest gap between ticks of a 10 ms timer: how long the loop was kept from other work.
    let last = performance.now();
    let stall = 0;
    const tick = setInterval(() => {
      stall = Math.max(stall, performance.now() - last);
      last = performance.now();
    }, 10);
    let finished = false;
    // The most a watchlist may hold: 11 × 85 = 935 instructions.
    const preview = post('/api/v1/watchlists/preview', { entries: COSTLY.slice(0, 11), limit: 1 }).finally(() => {
      finished = true;
    });
    const health: number[] = [];
    while (!finished) {
      const t = performance.now();
      expect((await fetch(`${base}/health`)).status).toBe(200);
      health.push(performance.now() - t);
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
    clearInterval(tick);
    const r = await preview;
    // Either it finished within its budget or it was stopped at the budget: never a frozen server.
    expect([200, 503], JSON.stringify(r.json)).toContain(r.status);
    if (r.status === 503) expect(r.json.code).toBe('VIGIL_MATCH_TIMEOUT');
    else expect(r.json.candidates).toBeGreaterThan(1000);
    expect(health.length).toBeGreaterThan(3); // the preview took a while, and /health was asked all along
    expect(Math.max(...health), `/health ms: ${health.map((h) => h.toFixed(0)).join(' ')}`).toBeLessThan(1000);
    expect(stall, 'longest event-loop stall, ms').toBeLessThan(1000); // the event loop never stalled for a second
  }, 60_000);

  it('stops matching at its time budget and says why', async () => {
    const cpu = process.cpuUsage();
    const err = await previewMatches(
      api.store,
      api.deps.alerts,
      COSTLY.map((e, i) => ({ ...e, kind: 'regex' as const, id: 0, watchlist: 'p', thresholds: {}, value: `${e.value}${i}` })),
      {},
      { budgetMs: 300 },
    ).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(VigilError);
    expect((err as VigilError).code).toBe('VIGIL_MATCH_TIMEOUT');
    expect((err as VigilError).status).toBe(503);
    expect((err as VigilError).message).toBe(
      'Matching stopped after 0.3 s (its time budget): the entries are too costly to match in time (regex entries usually are): use fewer or simpler ones',
    );
    // Stopped, not run to the end: CPU time (the process's, threads included), which load on the machine does not stretch as it does wall time.
    const used = process.cpuUsage(cpu);
    expect((used.user + used.system) / 1000, 'CPU ms spent').toBeLessThan(2000);
  });

  it(`holds at most ${MAX_WATCHLIST_ENTRIES} entries per watchlist`, async () => {
    const entries = (n: number) => Array.from({ length: n }, (_, i) => ({ kind: 'cve', value: `CVE-2024-${String(10000 + i)}` }));
    const over = await post('/api/v1/watchlists', { name: 'big', entries: entries(MAX_WATCHLIST_ENTRIES + 1) });
    expect(over.status).toBe(400);
    expect(over.json.message).toMatch(new RegExp(`entries.*${MAX_WATCHLIST_ENTRIES}`));
    expect((await post('/api/v1/watchlists', { name: 'big', entries: entries(MAX_WATCHLIST_ENTRIES) })).status).toBe(201);
  });
});
