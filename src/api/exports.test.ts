/**
 * The export and VirusTotal routes on a server whose intel documents were collected from a real
 * feed (the Microsoft Security Blog corpus feed on a loopback site) and analysed on arrival: the
 * STIX bundle validates against the OASIS schemas and covers the store, MISP carries every
 * exportable indicator, and VirusTotal look-ups go to a loopback server replaying real answers.
 */
import { readFileSync } from 'node:fs';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadStixValidator } from '../export/stix-validate.ts';
import type { StoredIoc } from '../iocs/types.ts';
import { startTestApi, type TestApi } from '../testing/api.ts';
import { corpusPath, hasCorpus } from '../testing/corpus.ts';
import { type IntelSite, startIntelSite } from '../testing/intel-site.ts';
import { startUpstream, type Upstream } from '../testing/upstream.ts';

const MICROSOFT = corpusPath('news', 'feeds', 'tsummey_cyberdash', 'microsoftsecurity.xml');
const KEY = 'vt-test-key';

describe.skipIf(!hasCorpus())('export and VirusTotal routes', () => {
  let api: TestApi;
  let site: IntelSite;
  let vt: Upstream;
  const sessions: Record<string, string> = {};
  const get = (as: string, url: string) => api.app.inject({ method: 'GET', url, headers: { authorization: `Bearer ${sessions[as]}` } });

  beforeAll(async () => {
    const ip = JSON.parse(readFileSync(corpusPath('api-fixtures', 'virustotal-v3', 'xsoar-GoogleThreatIntelligence-ip.json'), 'utf8'));
    vt = await startUpstream({
      '/api/v3/': (req: IncomingMessage, res: ServerResponse, url: URL) => {
        const ok = req.headers['x-apikey'] === KEY && url.pathname.startsWith('/api/v3/ip_addresses/');
        res.writeHead(ok ? 200 : 404, { 'content-type': 'application/json' });
        res.end(JSON.stringify(ok ? ip : { error: { code: 'NotFoundError', message: 'not found' } }));
        return true;
      },
    });
    site = await startIntelSite([{ file: MICROSOFT, origin: 'https://www.microsoft.com', path: '/en-us/security/blog/feed/' }]);
    api = await startTestApi({
      configure: (c) => {
        Object.assign(c.intel, { allowHosts: ['127.0.0.1'], minDelaySeconds: 0 });
        Object.assign(c.virustotal, { apiKey: KEY, baseUrl: `${vt.baseUrl}/api/v3`, requestsPerMinute: 4 });
      },
    });
    for (const user of ['ana', 'vic']) sessions[user] = await api.login(user);
    const source = { name: 'ms-export', kind: 'feed', url: site.feedUrl(MICROSOFT), robots: 'ignore', minDelaySeconds: 0, fetchArticles: 'never' };
    const headers = { authorization: `Bearer ${sessions.ana}` };
    expect((await api.app.inject({ method: 'POST', url: '/api/v1/scraping/sources', headers, payload: source })).statusCode).toBe(201);
    const collected = await api.app.inject({ method: 'POST', url: '/api/v1/scraping/sources/ms-export/collect', headers });
    expect(collected.json().report?.created, collected.body).toBeGreaterThan(3);
  }, 180_000);
  afterAll(async () => {
    await api?.close();
    await site?.close();
    await vt?.close();
  });

  /** Every indicator in the store. */
  async function storedIocs(): Promise<StoredIoc[]> {
    return (await api.deps.iocs.listIocs({ limit: 1000 })).items;
  }

  it('exports a STIX bundle that validates and names every stored indicator and document CVE', async () => {
    const res = await get('ana', '/api/v1/export/stix');
    expect(res.statusCode, res.body).toBe(200);
    const bundle = res.json() as { objects: { type: string; name?: string; external_references?: { external_id?: string }[] }[] };
    expect(loadStixValidator(corpusPath('stix2', 'schemas')).validate(bundle)).toEqual([]);
    const iocs = await storedIocs();
    expect(iocs.length, 'the feed names indicators').toBeGreaterThan(0);
    const indicatorNames = new Set(bundle.objects.filter((o) => o.type === 'indicator').map((o) => o.name));
    for (const i of iocs.filter((x) => x.type !== 'cve' && x.type !== 'attack')) expect(indicatorNames, `${i.type} ${i.value}`).toContain(i.value);
    const docs = await api.deps.intel.listDocuments({ limit: 500 });
    const vulns = new Set(bundle.objects.filter((o) => o.type === 'vulnerability').map((o) => o.external_references?.[0]?.external_id));
    for (const c of docs.flatMap((d) => d.cves)) expect(vulns, c).toContain(c);
    expect(bundle.objects.filter((o) => o.type === 'report').length).toBeGreaterThan(0);
    const again = await get('ana', '/api/v1/export/stix');
    expect(again.body).toBe(res.body);
  }, 120_000);

  it('exports a MISP event with one attribute per exportable indicator; viewers may not export', async () => {
    const res = await get('ana', '/api/v1/export/misp?since=2000-01-01');
    expect(res.statusCode, res.body).toBe(200);
    const event = res.json().Event as { Attribute: { value: string; to_ids: boolean; type: string }[] };
    const byValue = new Map(event.Attribute.map((a) => [a.value, a]));
    for (const i of await storedIocs()) {
      if (i.type === 'attack') continue;
      const a = byValue.get(i.type === 'cve' ? i.value.toUpperCase() : i.type === 'asn' ? i.value.replace(/^as/i, 'AS') : i.value);
      expect(a, `${i.type} ${i.value}`).toBeDefined();
      if (i.warning) expect(a?.to_ids, i.value).toBe(false);
    }
    expect((await get('vic', '/api/v1/export/misp')).statusCode).toBe(403);
    expect((await get('ana', '/api/v1/export/stix?since=last-week')).statusCode).toBe(400);
  }, 120_000);

  it('looks IP addresses up on VirusTotal, caches, and answers 429 with the next time past 4 a minute', async () => {
    const first = await get('ana', '/api/v1/iocs/ipv4/8.8.8.8/virustotal');
    expect(first.statusCode, first.body).toBe(200);
    expect(first.json()).toMatchObject({ found: true, cached: false, type: 'ipv4', value: '8.8.8.8' });
    expect((await get('ana', '/api/v1/iocs/ipv4/8.8.8.8/virustotal')).json().cached).toBe(true);
    for (const last of ['1', '2', '3']) expect((await get('ana', `/api/v1/iocs/ipv4/192.0.2.${last}/virustotal`)).statusCode).toBe(200);
    const refused = await get('ana', '/api/v1/iocs/ipv4/192.0.2.4/virustotal');
    expect(refused.statusCode, refused.body).toBe(429);
    expect(refused.json().code).toBe('VIGIL_QUOTA_EXHAUSTED');
    expect(vt.requests).toHaveLength(4);
    expect((await get('ana', '/api/v1/iocs/md4/abc/virustotal')).statusCode).toBe(400);
  }, 120_000);
});
