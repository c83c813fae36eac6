import { promises as fs } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { SourceUnavailableError, VigilError } from '../../errors.ts';
import { createLogger } from '../../log.ts';
import { corpusPath, hasCorpus } from '../../testing/corpus.ts';
import { startUpstream, type Upstream } from '../../testing/upstream.ts';
import { HttpClient } from '../http.ts';
import type { SourceEvent } from '../types.ts';
import { type Cve5Config, Cve5ConfigSchema, cve5Source, fetchCveRecord } from './index.ts';
import { dailyBundle, deltaBundle, recordFiles } from './test-bundles.ts';

const log = createLogger('silent');
const NOW = new Date('2024-10-24T05:30:00Z');
const BASELINE = 'cve_2024-10-24_0100Z/2024-10-24_all_CVEs_at_midnight.zip.zip';
const DELTA_04 = 'cve_2024-10-24_0400Z/2024-10-24_delta_CVEs_at_0400Z.zip';
const END_OF_DAY = 'cve_2024-10-23_at_end_of_day/2024-10-23_delta_CVEs_at_end_of_day.zip';

/** What a sync yielded, in order: `vulns:N` per batch and `cursor:…` per bundle. */
async function run(config: Cve5Config, cursor: string | null, now = NOW): Promise<{ trail: string[]; records: number }> {
  const trail: string[] = [];
  let records = 0;
  const http = new HttpClient({ minBackoffSeconds: 0.01, retries: 3 });
  for await (const e of cve5Source.sync(config, { log, http, cursor, now: () => now })) {
    if (e.type === 'vulns') {
      records += e.records.length;
      trail.push(`vulns:${e.records.length}`);
    } else if (e.type === 'cursor') trail.push(`cursor:${e.cursor}`);
  }
  return { trail, records };
}

/** Runs a sync that must throw; returns the trail before the error and the error. */
async function runFailing(config: Cve5Config, cursor: string | null): Promise<{ trail: string[]; error: unknown }> {
  const trail: string[] = [];
  const http = new HttpClient({ minBackoffSeconds: 0.01, retries: 3 });
  try {
    for await (const e of cve5Source.sync(config, { log, http, cursor, now: () => NOW }) as AsyncIterable<SourceEvent>) {
      if (e.type === 'cursor') trail.push(`cursor:${e.cursor}`);
    }
  } catch (error) {
    return { trail, error };
  }
  throw new Error('sync did not fail');
}

describe.skipIf(!hasCorpus())('cve5 sync from cvelistV5 release bundles (fake upstream)', () => {
  let upstream: Upstream;
  let config: Cve5Config;
  const assets = new Map<string, Buffer>();
  const published = new Map<string, Buffer>();

  beforeAll(async () => {
    const root = corpusPath('cve5', 'records');
    const files = (await recordFiles(root)).filter((f) => f.includes(`${path.sep}2024${path.sep}`));
    published.set(BASELINE, await dailyBundle(root, files.slice(0, 50)));
    published.set(DELTA_04, await deltaBundle(files.slice(50, 60)));
    published.set(END_OF_DAY, await deltaBundle(files.slice(60, 67)));
    published.set('api/CVE-2024-3400', await fs.readFile(path.join(root, '2024', '3xxx', 'CVE-2024-3400.json')));
    upstream = await startUpstream({
      '/releases/download/': (_req, res, url) => serve(res, assets.get(url.pathname.slice('/releases/download/'.length))),
      '/api/cve/': (_req, res, url) => serve(res, assets.get(`api/${url.pathname.split('/').pop()}`)),
    });
    config = Cve5ConfigSchema.parse({
      releasesUrl: `${upstream.baseUrl}/releases/download`,
      apiUrl: `${upstream.baseUrl}/api`,
      releasesRateLimit: { requests: 1000, perSeconds: 1 },
      apiRateLimit: { requests: 1000, perSeconds: 1 },
    });
  });
  afterAll(async () => {
    await upstream.close();
  });
  beforeEach(() => {
    assets.clear();
    for (const [k, v] of published) assets.set(k, v);
    upstream.requests.length = 0;
  });

  function serve(res: import('node:http').ServerResponse, body: Buffer | undefined): boolean {
    if (!body) return false;
    // No writeHead: the fake upstream's truncate fault sets content-length itself.
    res.statusCode = 200;
    res.setHeader('content-type', 'application/octet-stream');
    res.end(body);
    return true;
  }

  it('first sync: the midnight baseline (found under 0100Z), then the newest hourly delta', async () => {
    const { trail, records } = await run(config, null);
    expect(trail).toEqual(['vulns:50', 'cursor:2024-10-24T00:00:00.000Z', 'vulns:10', 'cursor:2024-10-24T04:00:00.000Z']);
    expect(records).toBe(60);
    expect(upstream.requests).toEqual([
      '/releases/download/cve_2024-10-24_0000Z/2024-10-24_all_CVEs_at_midnight.zip.zip',
      `/releases/download/${BASELINE}`,
      '/releases/download/cve_2024-10-24_0500Z/2024-10-24_delta_CVEs_at_0500Z.zip',
      `/releases/download/${DELTA_04}`,
    ]);
  });

  it("with yesterday evening's cursor: the end-of-day delta, then today's newest delta", async () => {
    const { trail } = await run(config, '2024-10-23T22:00:00.000Z');
    expect(trail).toEqual(['vulns:7', 'cursor:2024-10-24T00:00:00.000Z', 'vulns:10', 'cursor:2024-10-24T04:00:00.000Z']);
  });

  it('ends quietly when the next delta is not published yet (404)', async () => {
    expect((await run(config, '2024-10-24T04:00:00.000Z')).trail).toEqual([]);
    expect(upstream.requests).toEqual(['/releases/download/cve_2024-10-24_0500Z/2024-10-24_delta_CVEs_at_0500Z.zip']);
    assets.delete(END_OF_DAY);
    expect((await run(config, '2024-10-23T22:00:00.000Z')).trail).toEqual([]);
  });

  it('re-baselines when the cursor is older than maxDeltaHours', async () => {
    const { trail } = await run({ ...config, maxDeltaHours: 24 }, '2024-10-22T23:00:00.000Z');
    expect(trail[1]).toBe('cursor:2024-10-24T00:00:00.000Z');
    expect(upstream.requests[0]).toContain('_all_CVEs_at_midnight.zip.zip');
  });

  it('recovers from a 503 and a 429 with Retry-After', async () => {
    upstream.fault({ kind: 'status', status: 503, pathPrefix: `/releases/download/${DELTA_04}` });
    upstream.fault({ kind: 'status', status: 429, retryAfter: 1, pathPrefix: `/releases/download/${DELTA_04}` });
    const { trail } = await run(config, '2024-10-24T00:00:00.000Z');
    expect(trail).toEqual(['vulns:10', 'cursor:2024-10-24T04:00:00.000Z']);
    expect(upstream.requests.filter((r) => r.endsWith('_0400Z.zip'))).toHaveLength(3);
  });

  it('a bundle cut off in transit fails without a cursor; a re-run completes', async () => {
    for (let i = 0; i < 4; i++) upstream.fault({ kind: 'truncate', bytes: 200, pathPrefix: `/releases/download/${DELTA_04}` });
    const failed = await runFailing(config, '2024-10-24T00:00:00.000Z');
    expect(failed.error).toBeInstanceOf(SourceUnavailableError);
    expect(failed.trail).toEqual([]);
    expect((await run(config, '2024-10-24T00:00:00.000Z')).trail).toEqual(['vulns:10', 'cursor:2024-10-24T04:00:00.000Z']);
  });

  it('a published bundle that is a broken zip fails without a cursor; a re-run completes', async () => {
    const whole = assets.get(DELTA_04) as Buffer;
    assets.set(DELTA_04, whole.subarray(0, whole.length - 100));
    const failed = await runFailing(config, '2024-10-23T22:00:00.000Z');
    expect(failed.error).toBeInstanceOf(VigilError);
    expect((failed.error as VigilError).code).toBe('VIGIL_SOURCE_BAD_PAYLOAD');
    expect((failed.error as Error).message).toContain('_delta_CVEs_at_0400Z.zip');
    // The end-of-day bundle before it was complete, so its cursor stands.
    expect(failed.trail).toEqual(['cursor:2024-10-24T00:00:00.000Z']);
    assets.set(DELTA_04, whole);
    expect((await run(config, '2024-10-24T00:00:00.000Z')).trail).toEqual(['vulns:10', 'cursor:2024-10-24T04:00:00.000Z']);
  });

  it('fails when no baseline is published for today or yesterday', async () => {
    assets.clear();
    const failed = await runFailing(config, null);
    expect(failed.error).toBeInstanceOf(SourceUnavailableError);
    expect((failed.error as Error).message).toMatch(/no midnight baseline published for 2024-10-24 or 2024-10-23/);
  });

  describe('fetchCveRecord (CVE Services GET /cve/{id})', () => {
    const http = new HttpClient({ minBackoffSeconds: 0.01, retries: 3 });

    it('fetches and normalises a record, recovering from a 503', async () => {
      upstream.fault({ kind: 'status', status: 503, pathPrefix: '/api/cve/' });
      const obs = await fetchCveRecord('cve-2024-3400', config, http);
      expect(obs).toMatchObject({ cveId: 'CVE-2024-3400', kev: { dateAdded: '2024-04-12' }, cvss: [{ baseScore: 10, scorer: 'palo_alto' }] });
      expect(upstream.requests).toEqual(['/api/cve/CVE-2024-3400', '/api/cve/CVE-2024-3400']);
    });

    it('returns null on 404 and throws on a malformed id or payload', async () => {
      expect(await fetchCveRecord('CVE-2024-99999', config, http)).toBeNull();
      await expect(fetchCveRecord('CVE-24-1', config, http)).rejects.toMatchObject({ code: 'VIGIL_INVALID_CVE_ID' });
      upstream.fault({ kind: 'body', body: '<html>maintenance</html>', pathPrefix: '/api/cve/' });
      await expect(fetchCveRecord('CVE-2024-3400', config, http)).rejects.toMatchObject({ code: 'VIGIL_SOURCE_BAD_PAYLOAD' });
      assets.set('api/CVE-2024-3401', assets.get('api/CVE-2024-3400') as Buffer);
      await expect(fetchCveRecord('CVE-2024-3401', config, http)).rejects.toThrow(/answered with CVE-2024-3400/);
    });
  });
});
