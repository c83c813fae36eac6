import { readdirSync, readFileSync } from 'node:fs';
import { gunzipSync } from 'node:zlib';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { SourceUnavailableError, VigilError } from '../../errors.ts';
import { createLogger } from '../../log.ts';
import type { VulnObservation } from '../../model/vulnerability.ts';
import { corpusPath, hasCorpus } from '../../testing/corpus.ts';
import { openTestStores } from '../../testing/store.ts';
import { startUpstream, type Upstream } from '../../testing/upstream.ts';
import { HttpClient } from '../http.ts';
import type { SourceEvent } from '../types.ts';
import { type NvdConfig, NvdConfigSchema, nvdRateLimit, nvdSource, nvdTimestampToIso } from './index.ts';
import { api2FromLegacyItem, nvdApi } from './testing.ts';
import { importFiles, syncSource } from '../../pipeline.ts';

const log = createLogger('silent');
const PATH = '/rest/json/cves/2.0';
const DAY = 86_400_000;
type Cve = Record<string, unknown> & { id: string; lastModified: string };

interface Run {
  events: SourceEvent[];
  records: VulnObservation[];
  cursors: string[];
  error?: unknown;
}

async function sync(config: NvdConfig, cursor: string | null, now: Date, opts: { http?: HttpClient; onEvent?: (e: SourceEvent) => void } = {}): Promise<Run> {
  const run: Run = { events: [], records: [], cursors: [] };
  const http = opts.http ?? new HttpClient({ minBackoffSeconds: 0.01, retries: 3 });
  try {
    for await (const e of nvdSource.sync(config, { log, cursor, http, now: () => now })) {
      run.events.push(e);
      if (e.type === 'vulns') run.records.push(...e.records);
      if (e.type === 'cursor') run.cursors.push(e.cursor);
      opts.onEvent?.(e);
    }
  } catch (err) {
    run.error = err;
  }
  return run;
}

/** Window ends from `since` to `now` in steps of `days`. */
function windowEnds(since: string, now: Date, days: number): string[] {
  const ends: string[] = [];
  for (let t = Date.parse(since); t < now.getTime(); t += days * DAY) ends.push(new Date(Math.min(t + days * DAY, now.getTime())).toISOString());
  return ends;
}

describe.skipIf(!hasCorpus())('nvd sync against a fake NVD CVE API 2.0', () => {
  let upstream: Upstream;
  let all: Cve[] = [];
  let served: Cve[] = [];
  const seen = { apiKeys: [] as (string | undefined)[] };
  const NOW = new Date('2025-11-01T00:00:00.000Z');
  const SINCE = '2020-01-01T00:00:00.000Z';
  const config = (over: Partial<NvdConfig> = {}): NvdConfig =>
    NvdConfigSchema.parse({ baseUrl: `${upstream.baseUrl}${PATH}`, pageSize: 5, since: SINCE, rateLimit: { requests: 1000, perSeconds: 1 }, ...over });

  beforeAll(async () => {
    const dir = corpusPath('nvd', 'api2', 'records');
    all = readdirSync(dir).map((f) => JSON.parse(readFileSync(`${dir}/${f}`, 'utf8')) as Cve);
    for (const page of ['vunnel-full-page.json', 'vunnel-single-entry.json']) {
      const json = JSON.parse(readFileSync(corpusPath('nvd', 'api2', page), 'utf8')) as { vulnerabilities: { cve: Cve }[] };
      all.push(...json.vulnerabilities.map((v) => v.cve));
    }
    upstream = await startUpstream({ [PATH]: nvdApi(() => served, seen) });
  });
  afterAll(() => upstream.close());
  beforeEach(() => {
    served = all;
    upstream.requests.length = 0;
    seen.apiKeys.length = 0;
  });

  it('fetches all 56 records in ≤120-day windows, paged by startIndex, each cursor after its whole window', async () => {
    const run = await sync(config(), null, NOW);
    expect(run.error).toBeUndefined();
    expect(all).toHaveLength(56);
    expect(run.records.map((r) => r.cveId).sort()).toEqual(all.map((r) => r.id).sort());
    expect(run.cursors).toEqual(windowEnds(SINCE, NOW, 120));
    // Every record yielded before a cursor was modified up to it, every one after from it on.
    let lastCursor = SINCE;
    for (const e of run.events) {
      if (e.type === 'cursor') lastCursor = e.cursor;
      if (e.type === 'vulns') for (const r of e.records) expect(r.lastModified >= lastCursor).toBe(true);
    }
    for (const [i, c] of run.cursors.entries()) {
      const upTo = run.events.indexOf(run.events.filter((e) => e.type === 'cursor')[i] as SourceEvent);
      for (const e of run.events.slice(0, upTo)) if (e.type === 'vulns') for (const r of e.records) expect(r.lastModified <= c).toBe(true);
    }
    // The request form: encoded dates, pageSize, windows of at most 120 days, paging to totalResults.
    for (const req of upstream.requests) {
      expect(req).toMatch(/lastModStartDate=\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}%2B00:00&lastModEndDate=.*%2B00:00&resultsPerPage=5&startIndex=\d+$/);
    }
    const pages = upstream.requests.map((r) => new URL(r, 'http://x').searchParams);
    expect(Math.max(...pages.map((p) => Date.parse(p.get('lastModEndDate') as string) - Date.parse(p.get('lastModStartDate') as string)))).toBe(120 * DAY);
    // Expected pages: per window, startIndex 0, 5, 10, … below the number of records it holds.
    const expected: string[] = [];
    let from = Date.parse(SINCE);
    for (const end of run.cursors) {
      const n = all.filter((r) => {
        const ms = Date.parse(nvdTimestampToIso(r.lastModified) as string);
        return ms >= from && ms <= Date.parse(end);
      }).length;
      for (let i = 0; i === 0 || i < n; i += 5) expected.push(`${new Date(from).toISOString()}|${i}`);
      from = Date.parse(end);
    }
    expect(pages.map((p) => `${new Date(p.get('lastModStartDate') as string).toISOString()}|${p.get('startIndex')}`)).toEqual(expected);
    expect(expected.filter((e) => !e.endsWith('|0')).length).toBeGreaterThanOrEqual(7); // the 38-record vunnel page alone needs 8 pages
    expect(seen.apiKeys.every((k) => k === undefined)).toBe(true);
  });

  it('normalises served records like the offline import (CVE-2024-3400, CVE-2023-4966)', async () => {
    const run = await sync(config(), null, NOW);
    const r = run.records.find((x) => x.cveId === 'CVE-2024-3400');
    expect(r).toMatchObject({ vulnStatus: 'Awaiting Analysis', lastModified: '2024-04-13T01:00:01.407Z', cvss: [{ version: '3.1', baseScore: 10 }] });
    expect(run.records.find((x) => x.cveId === 'CVE-2023-4966')?.kev?.dateAdded).toBe('2023-10-18');
  });

  it('sends the apiKey header and caps at 50 requests per 30 s with a key, 5 without', async () => {
    const run = await sync(config({ apiKey: 'test-key' }), null, NOW);
    expect(run.error).toBeUndefined();
    expect(seen.apiKeys.length).toBeGreaterThan(0);
    expect(seen.apiKeys.every((k) => k === 'test-key')).toBe(true);
    expect(nvdRateLimit({ apiKey: 'k' })).toEqual({ requests: 50, perSeconds: 30 });
    expect(nvdRateLimit({})).toEqual({ requests: 5, perSeconds: 30 });
  });

  it('recovers from 429 with Retry-After, 503 and NVD’s 403 rate-limit answer by retrying', async () => {
    upstream.fault({ kind: 'status', status: 429, retryAfter: 1 });
    upstream.fault({ kind: 'status', status: 503 });
    upstream.fault({ kind: 'status', status: 403 });
    const started = Date.now();
    const run = await sync(config({ since: '2023-09-01T00:00:00.000Z' }), null, NOW);
    expect(run.error).toBeUndefined();
    expect(Date.now() - started).toBeGreaterThanOrEqual(1000);
    expect(run.records.length).toBeGreaterThan(38);
    expect(upstream.requests[0]).toBe(upstream.requests[3]); // three failed attempts, then the same page again
  });

  const failures = [
    ['a truncated body', { kind: 'truncate', bytes: 2000 }, SourceUnavailableError, /body cut off|fetch failed/],
    ['malformed JSON', { kind: 'body', body: '{"resultsPerPage": 5, "vulnerabilities": [{"cve"' }, VigilError, /body is not valid JSON/],
    ['a page that is not an API 2.0 envelope', { kind: 'body', body: '{"message":"ok"}' }, VigilError, /not an NVD CVE API 2\.0 page/],
  ] as const;
  for (const [name, fault, errorClass, message] of failures) {
    it(`${name} on page 2 of a window fails that window without its cursor; a re-run completes it`, async () => {
      // Retries: 0, so a single fault fails the request (with retries a cut-off body is re-fetched).
      const http = new HttpClient({ minBackoffSeconds: 0.01, retries: 0 });
      let injected = false;
      const first = await sync(config(), null, NOW, {
        http,
        onEvent: (e) => {
          if (!injected && e.type === 'progress' && e.done === 5 && (e.total ?? 0) > 5) {
            upstream.fault(fault);
            injected = true;
          }
        },
      });
      expect(first.error).toBeInstanceOf(errorClass);
      expect((first.error as Error).message).toMatch(message);
      const saved = first.cursors.at(-1) as string;
      let lastCursorAt = -1;
      first.events.forEach((e, i) => {
        if (e.type === 'cursor') lastCursorAt = i;
      });
      const yieldedAfter = first.events.slice(lastCursorAt + 1);
      const partial = yieldedAfter.flatMap((e) => (e.type === 'vulns' ? e.records : []));
      expect(partial).toHaveLength(5); // page 1 of the failed window: yielded, but no cursor after it
      expect(partial.every((r) => r.lastModified > saved)).toBe(true);

      upstream.requests.length = 0;
      const second = await sync(config(), saved, NOW);
      expect(second.error).toBeUndefined();
      expect(new URL(upstream.requests[0] as string, 'http://x').searchParams.get('lastModStartDate')).toBe(saved.replace('Z', '+00:00'));
      const union = new Set([...first.records, ...second.records].map((r) => r.cveId));
      expect(union.size).toBe(56);
      expect(second.cursors.at(-1)).toBe(NOW.toISOString());
    });
  }

  it('reports a schema-breaking record by CVE id and field, and still completes the window', async () => {
    served = all.map((r) => (r.id === 'CVE-2024-3400' ? { ...r, published: 12345 } : r));
    const run = await sync(config(), null, NOW);
    expect(run.error).toBeUndefined();
    expect(run.records).toHaveLength(55);
    const rejected = run.events.filter((e) => e.type === 'rejected');
    expect(rejected).toHaveLength(1);
    expect(rejected[0]).toMatchObject({ where: { record: 'CVE-2024-3400', field: 'published', origin: expect.stringContaining(`${PATH}?lastModStartDate=`) } });
    expect(run.cursors).toEqual(windowEnds(SINCE, NOW, 120));
  });

  it('honours windowDays and the cursor; does nothing when the cursor is now', async () => {
    const run = await sync(config({ windowDays: 30, pageSize: 2000 }), '2023-10-01T00:00:00.000Z', NOW);
    expect(run.cursors).toEqual(windowEnds('2023-10-01T00:00:00.000Z', NOW, 30));
    expect(run.records.every((r) => r.lastModified >= '2023-10-01T00:00:00.000Z')).toBe(true);
    upstream.requests.length = 0;
    const idle = await sync(config(), NOW.toISOString(), NOW);
    expect(idle.events).toEqual([]);
    expect(upstream.requests).toEqual([]);
  });

  it('after an import, a first sync without `since` starts at the newest stored lastModified and pages forward in ≤120-day windows', async () => {
    const stores = await openTestStores();
    const { store } = stores;
    try {
      const imported = await importFiles(nvdSource, [corpusPath('nvd', 'api2', 'records')], { store, log });
      expect(imported.stored).toBeGreaterThan(0);
      const newest = await store.newestLastModified('nvd');
      const dir = corpusPath('nvd', 'api2', 'records');
      const importedTimes = readdirSync(dir).map((f) => nvdTimestampToIso((JSON.parse(readFileSync(`${dir}/${f}`, 'utf8')) as Cve).lastModified) ?? '');
      expect(newest).toBe(importedTimes.sort().at(-1));
      const cfg = NvdConfigSchema.parse({ baseUrl: `${upstream.baseUrl}${PATH}`, pageSize: 50, rateLimit: { requests: 1000, perSeconds: 1 } });
      const summary = await syncSource(nvdSource, cfg, { store, log, http: new HttpClient({ retries: 0 }), now: () => NOW });
      expect(summary.error).toBeNull();
      const starts = [...new Set(upstream.requests.map((r) => new URL(r, 'http://x').searchParams.get('lastModStartDate')))];
      expect(starts[0]).toBe((newest ?? '').replace('Z', '+00:00'));
      expect(summary.cursor).toBe(NOW.toISOString());
      expect(starts).toHaveLength(Math.ceil((NOW.getTime() - Date.parse(newest ?? '')) / (120 * DAY)));
      expect((await store.getSourceState('nvd'))?.cursor).toBe(NOW.toISOString());
    } finally {
      await stores.close();
    }
  });

  it('fails with typed errors on a bad config, a bad cursor and a 404', async () => {
    expect((await sync({ ...config(), windowDays: 121 }, null, NOW)).error).toMatchObject({ code: 'VIGIL_CONFIG_INVALID' });
    expect((await sync(config(), 'last tuesday', NOW)).error).toMatchObject({ code: 'VIGIL_CONFIG_INVALID' });
    expect((await sync(config({ baseUrl: `${upstream.baseUrl}/nope` }), null, NOW)).error).toMatchObject({ code: 'VIGIL_NOT_FOUND' });
  });
});

describe.skipIf(!hasCorpus())('nvd sync of a 1.1 feed served as API 2.0 pages', () => {
  let upstream: Upstream;
  let served: Cve[] = [];
  const offline: VulnObservation[] = [];
  beforeAll(async () => {
    const file = corpusPath('nvd', 'nvdcve-1.1-recent.json.gz');
    const feed = JSON.parse(gunzipSync(readFileSync(file)).toString('utf8')) as { CVE_Items: Parameters<typeof api2FromLegacyItem>[0][] };
    served = feed.CVE_Items.map(api2FromLegacyItem) as Cve[];
    for await (const e of nvdSource.importFiles([file], { log })) if (e.type === 'vulns') offline.push(...e.records);
    upstream = await startUpstream({ [PATH]: nvdApi(() => served, { apiKeys: [] }) });
  });
  afterAll(() => upstream.close());

  it('pages 1,182 records 100 at a time and yields exactly what the offline import yields', async () => {
    const cfg = NvdConfigSchema.parse({
      baseUrl: `${upstream.baseUrl}${PATH}`,
      pageSize: 100,
      since: '2025-05-01T00:00:00.000Z',
      rateLimit: { requests: 1000, perSeconds: 1 },
    });
    const run = await sync(cfg, null, new Date('2025-05-20T00:00:00.000Z'));
    expect(run.error).toBeUndefined();
    expect(upstream.requests).toHaveLength(12);
    expect(run.cursors).toEqual(['2025-05-20T00:00:00.000Z']);
    expect(run.events.at(-1)).toEqual({ type: 'cursor', cursor: '2025-05-20T00:00:00.000Z' });
    const byId = (a: VulnObservation, b: VulnObservation): number => a.cveId.localeCompare(b.cveId);
    expect(run.records.length).toBe(1_182);
    expect([...run.records].sort(byId)).toEqual([...offline].sort(byId));
  });
});
