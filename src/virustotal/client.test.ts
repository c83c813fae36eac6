import { readFileSync } from 'node:fs';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { VirusTotalConfig } from '../config.ts';
import { SourceUnavailableError, VigilError } from '../errors.ts';
import { corpusPath, hasCorpus } from '../testing/corpus.ts';
import { openTestStores, type TestStores } from '../testing/store.ts';
import { startUpstream, type Upstream } from '../testing/upstream.ts';
import { VirusTotalClient } from './client.ts';
import type { QuotaClock } from './quota.ts';

const KEY = 'test-key-0123456789';
const fixture = (name: string) => JSON.parse(readFileSync(corpusPath('api-fixtures', 'virustotal-v3', name), 'utf8'));
const QUOTA_HASH = 'f'.repeat(64);
const URL_VALUE = 'http://evil.example/ab';

interface Stats {
  malicious: number;
  suspicious: number;
  harmless: number;
  undetected: number;
}

describe.skipIf(!hasCorpus())('VirusTotal v3 client on a loopback server with the XSOAR fixtures', () => {
  const file = hasCorpus() ? fixture('xsoar-GoogleThreatIntelligence-file.json') : null;
  const ip = hasCorpus() ? fixture('xsoar-GoogleThreatIntelligence-ip.json') : null;
  const domain = hasCorpus() ? fixture('xsoar-VirusTotalV3-domain.json') : null;
  const sha256: string = file?.data?.attributes?.sha256 ?? '';
  let vt: Upstream;
  let stores: TestStores;
  let t = Date.parse('2026-12-01T12:00:00.000Z');
  const waits: number[] = [];
  const clock: QuotaClock = {
    now: () => new Date(t),
    sleep: async (ms) => {
      waits.push(ms);
      t += ms;
    },
  };

  function send(res: ServerResponse, status: number, body: unknown): true {
    res.writeHead(status, { 'content-type': 'application/json' }).end(JSON.stringify(body));
    return true;
  }

  beforeAll(async () => {
    stores = await openTestStores();
    vt = await startUpstream({
      '/api/v3/': (req: IncomingMessage, res: ServerResponse, url: URL) => {
        if (req.headers['x-apikey'] !== KEY) return send(res, 401, { error: { code: 'WrongCredentialsError', message: 'Wrong API key' } });
        const p = url.pathname.slice('/api/v3'.length);
        if (p === `/files/${sha256}`) return send(res, 200, file);
        if (p === '/ip_addresses/8.8.8.8') return send(res, 200, ip);
        if (p === '/domains/evil.example') return send(res, 200, domain);
        if (p === `/urls/${Buffer.from(URL_VALUE).toString('base64url')}`) {
          // No URL object in the corpus: the domain fixture's analysis, as a url object.
          return send(res, 200, { data: { type: 'url', id: 'x', attributes: domain.data.attributes } });
        }
        if (p === `/files/${QUOTA_HASH}`) return send(res, 429, { error: { code: 'QuotaExceededError', message: 'Quota exceeded' } });
        return send(res, 404, { error: { code: 'NotFoundError', message: `${p} not found` } });
      },
    });
  });
  afterAll(async () => {
    await vt?.close();
    await stores?.close();
  });
  beforeEach(() => {
    t += 2 * 86_400_000; // a fresh day: earlier tests' requests are out of both windows, cache entries expired
    waits.length = 0;
    vt.requests.length = 0;
  });
  afterEach(() => {
    waits.length = 0;
  });

  function client(over: Partial<VirusTotalConfig> = {}, maxWaitSeconds?: number): VirusTotalClient {
    const config: VirusTotalConfig = {
      apiKey: KEY,
      baseUrl: `${vt.baseUrl}/api/v3`,
      requestsPerMinute: 4,
      requestsPerDay: 500,
      cacheTtlSeconds: 3600,
      ...over,
    };
    return new VirusTotalClient({ config, iocs: stores.iocs, clock, ...(maxWaitSeconds === undefined ? {} : { maxWaitSeconds }) });
  }

  it('summarises a file, then serves it from the cache until the TTL, and again on --refresh', async () => {
    const c = client();
    const s = await c.lookup('sha256', sha256);
    const stats = file.data.attributes.last_analysis_stats as Stats;
    expect(s).toMatchObject({ found: true, cached: false, reputation: file.data.attributes.reputation });
    expect(s.stats).toMatchObject({ malicious: stats.malicious, harmless: stats.harmless, undetected: stats.undetected });
    expect(s.lastAnalysisDate).toBe(new Date(file.data.attributes.last_analysis_date * 1000).toISOString());
    expect((await c.lookup('sha256', sha256)).cached).toBe(true);
    expect(vt.requests).toHaveLength(1);
    t += 3601_000;
    expect((await c.lookup('sha256', sha256)).cached).toBe(false);
    expect((await c.lookup('sha256', sha256, { refresh: true })).cached).toBe(false);
    expect(vt.requests).toHaveLength(3);
  });

  it('reads IP and domain objects (stats, categories, tags)', async () => {
    const c = client();
    const a = await c.lookup('ipv4', '8.8.8.8');
    expect(a.stats?.malicious).toBe(ip.data.attributes.last_analysis_stats.malicious);
    const d = await c.lookup('domain', 'evil.example');
    expect(d.categories).toEqual([...new Set(Object.values(domain.data.attributes.categories as Record<string, string>))].sort());
    expect(d.link).toBe('https://www.virustotal.com/gui/domain/evil.example');
  });

  it('asks for a URL by its unpadded base64url id', async () => {
    const s = await client().lookup('url', URL_VALUE);
    expect(s.found).toBe(true);
    expect(vt.requests[0]).toMatch(/^\/api\/v3\/urls\/[A-Za-z0-9_-]+$/);
    expect(Buffer.from(Buffer.from(URL_VALUE).toString('base64')).includes('=')).toBe(true); // the id would have padding
  });

  it('caches 404 NotFoundError as "not found"', async () => {
    const c = client();
    const missing = '0'.repeat(64);
    expect(await c.lookup('sha256', missing)).toMatchObject({ found: false, cached: false, stats: null });
    expect(await c.lookup('sha256', missing)).toMatchObject({ found: false, cached: true });
    expect(vt.requests).toHaveLength(1);
    expect((await stores.iocs.getLookup('virustotal', 'sha256', missing))?.body).toBeNull();
  });

  it('turns 429 QuotaExceededError into VIGIL_QUOTA_EXHAUSTED and asks nothing before the time it names', async () => {
    const c = client({}, 0);
    const start = t;
    const err = await c.lookup('sha256', QUOTA_HASH).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(VigilError);
    expect((err as VigilError).code).toBe('VIGIL_QUOTA_EXHAUSTED');
    expect((err as VigilError).message).toContain(new Date(start + 60_000).toISOString());
    await expect(client({}, 0).lookup('ipv4', '8.8.8.8')).resolves.toBeDefined(); // another client: its own counters
    const again = await c.lookup('domain', 'evil.example').catch((e: unknown) => e);
    expect((again as VigilError).code).toBe('VIGIL_QUOTA_EXHAUSTED');
    expect(vt.requests).toHaveLength(2);
    // A client that may wait (the CLI) waits out VirusTotal's minute instead.
    const patient = client();
    await patient.lookup('sha256', QUOTA_HASH).catch(() => undefined);
    expect((await patient.lookup('domain', 'evil.example')).found).toBe(true);
    expect(waits).toEqual([60_000]);
  });

  it('holds the 5th request of a minute until the window frees (4/min), without real waiting', async () => {
    const c = client();
    const start = t;
    for (let i = 0; i < 5; i++) await c.lookup('sha256', `${i}`.repeat(64));
    expect(vt.requests).toHaveLength(5);
    expect(waits).toEqual([60_000]);
    expect(t).toBe(start + 60_000);
  });

  it('refuses at once with the next allowed time when it may not wait (the API), per minute and per day', async () => {
    const api = client({ requestsPerMinute: 4 }, 0);
    const start = t;
    for (let i = 0; i < 4; i++) await api.lookup('sha256', `a${i}`.padEnd(64, '0'));
    const err = (await api.lookup('sha256', 'b'.repeat(64)).catch((e: unknown) => e)) as VigilError;
    expect(err.code).toBe('VIGIL_QUOTA_EXHAUSTED');
    expect(err.message).toContain(new Date(start + 60_000).toISOString());
    const daily = client({ requestsPerMinute: 100, requestsPerDay: 2 });
    const dayStart = t;
    await daily.lookup('sha256', 'c'.repeat(64));
    t += 1000;
    await daily.lookup('sha256', 'd'.repeat(64));
    const dayErr = (await daily.lookup('sha256', 'e'.repeat(64)).catch((e: unknown) => e)) as VigilError;
    expect(dayErr.message).toContain(new Date(dayStart + 86_400_000).toISOString());
    expect(vt.requests).toHaveLength(6);
    expect(waits).toEqual([]);
  });

  it('without an API key: cached answers still, else a clear "no API key" error and no request', async () => {
    await client().lookup('ipv4', '8.8.8.8');
    vt.requests.length = 0;
    const none = client({ apiKey: null });
    expect((await none.lookup('ipv4', '8.8.8.8')).cached).toBe(true);
    const err = await none.lookup('domain', 'evil.example').catch((e: unknown) => e);
    expect(err).toBeInstanceOf(SourceUnavailableError);
    expect((err as Error).message).toContain('no API key');
    expect(vt.requests).toHaveLength(0);
  });

  it('names a refused key as a configuration error', async () => {
    const err = (await client({ apiKey: 'wrong' })
      .lookup('ipv4', '8.8.8.8')
      .catch((e: unknown) => e)) as VigilError;
    expect(err.code).toBe('VIGIL_CONFIG_INVALID');
    expect(err.message).toContain('WrongCredentialsError');
  });
});
