/**
 * The threat-intel API (issue 13) over the API fixture, on both back ends: sources CRUD by role,
 * SSRF refusals as 400 naming the range, `intel.allowHosts` lifting a refusal, `test` storing
 * nothing, `collect` storing real corpus feeds replayed by a loopback site (BleepingComputer: a
 * summary-only RSS feed; Microsoft Security Blog: full `content:encoded` naming SharePoint CVEs),
 * then the document list (filters, keyset pages), one document, search and the audit log.
 */
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import type { IntelSummary } from '../intel/types.ts';
import { startTestApi, type TestApi } from '../testing/api.ts';
import { corpusPath, hasCorpus } from '../testing/corpus.ts';
import { type IntelSite, startIntelSite } from '../testing/intel-site.ts';

const BLEEPING = corpusPath('news', 'feeds', 'tsummey_cyberdash', 'bleepingcomputer.xml');
const MICROSOFT = corpusPath('news', 'feeds', 'tsummey_cyberdash', 'microsoftsecurity.xml');
const SHAREPOINT_CVE = 'CVE-2025-53770';

describe.skipIf(!hasCorpus())('intel API', () => {
  let api: TestApi;
  let site: IntelSite;
  const token: Record<string, string> = {};

  beforeAll(async () => {
    site = await startIntelSite([
      { file: BLEEPING, origin: 'https://www.bleepingcomputer.com', path: '/feed/' },
      { file: MICROSOFT, origin: 'https://www.microsoft.com', path: '/en-us/security/blog/feed/' },
    ]);
    // No allow-list at first: the loopback site must be refused until it is listed.
    api = await startTestApi({ configure: (c) => void Object.assign(c.intel, { allowHosts: [], minDelaySeconds: 0 }) });
    for (const user of ['vic', 'ana', 'ada']) token[user] = await api.login(user);
  });
  afterAll(async () => {
    await api?.close();
    await site?.close();
  });

  function call(user: string | null, method: 'GET' | 'POST' | 'PATCH' | 'DELETE', url: string, payload?: object) {
    return api.app.inject({ method, url, headers: user ? { authorization: `Bearer ${token[user]}` } : {}, ...(payload ? { payload } : {}) });
  }
  /** A feed source on the loopback site: no robots.txt, no pause, every item kept. */
  const feedSource = (name: string, url: string, extra: object = {}) => ({
    name,
    kind: 'feed',
    url,
    robots: 'ignore',
    minDelaySeconds: 0,
    fetchArticles: 'never',
    minContentLength: 0,
    tags: ['news'],
    ...extra,
  });
  const documentCount = () => api.stores.intel.countDocuments({});

  it('refuses cloud metadata and private addresses with 400 naming the range', async () => {
    for (const [url, range] of [
      ['http://169.254.169.254/latest/meta-data/', 'link-local 169.254.0.0/16'],
      ['http://10.1.2.3/feed.xml', 'private 10.0.0.0/8'],
    ]) {
      const res = await call('ana', 'POST', '/api/v1/scraping/sources', feedSource('refused', url!));
      expect([res.statusCode, res.json().code], res.body).toEqual([400, 'VIGIL_URL_REFUSED']);
      expect(res.json().message).toMatch(/^URL refused: /);
      expect(res.json().message).toContain(range);
      // The unsaved test route refuses it before any request.
      const test = await call('ana', 'POST', '/api/v1/scraping/sources/test', feedSource('refused', url!));
      expect([test.statusCode, test.json().code]).toEqual([400, 'VIGIL_URL_REFUSED']);
    }
    expect(await api.stores.intel.getSource('refused')).toBeNull();
  });

  it('refuses an unlisted loopback address, and accepts it once intel.allowHosts lists it', async () => {
    const refused = await call('ana', 'POST', '/api/v1/scraping/sources', feedSource('bleeping', site.feedUrl(BLEEPING)));
    expect([refused.statusCode, refused.json().code]).toEqual([400, 'VIGIL_URL_REFUSED']);
    expect(refused.json().message).toContain('loopback 127.0.0.0/8');
    expect(refused.json().message).toContain('intel.allowHosts');
    // The routes read the configuration object the server was given (as `vigil serve` loads it once).
    api.config.intel.allowHosts = ['127.0.0.1'];
    const added = await call('ana', 'POST', '/api/v1/scraping/sources', feedSource('bleeping', site.feedUrl(BLEEPING)));
    expect(added.statusCode, added.body).toBe(201);
    expect(added.json()).toMatchObject({
      name: 'bleeping',
      kind: 'feed',
      enabled: true,
      intervalSeconds: 3600,
      proxy: 'none',
      robots: 'ignore',
      tags: ['news'],
    });
  });

  it('keeps sources to analysts and admins: viewers neither read nor write them', async () => {
    const url = site.feedUrl(MICROSOFT);
    for (const [method, path, payload] of [
      ['GET', '/api/v1/scraping/sources', undefined],
      ['GET', '/api/v1/scraping/sources/bleeping', undefined],
      ['POST', '/api/v1/scraping/sources', feedSource('by-viewer', url)],
      ['PATCH', '/api/v1/scraping/sources/bleeping', { enabled: false }],
      ['DELETE', '/api/v1/scraping/sources/bleeping', undefined],
      ['POST', '/api/v1/scraping/sources/bleeping/test', undefined],
      ['POST', '/api/v1/scraping/sources/test', feedSource('by-viewer', url)],
      ['POST', '/api/v1/scraping/sources/bleeping/collect', undefined],
    ] as const) {
      const res = await call('vic', method, path, payload);
      expect([res.statusCode, res.json().code], `${method} ${path}`).toEqual([403, 'VIGIL_FORBIDDEN']);
      const anonymous = await call(null, method, path, payload);
      expect(anonymous.statusCode, `${method} ${path} without a credential`).toBe(401);
    }
    expect(await api.stores.intel.getSource('by-viewer')).toBeNull();
    expect((await api.stores.intel.getSource('bleeping'))?.enabled).toBe(true);
    // Documents are for every reader.
    expect((await call('vic', 'GET', '/api/v1/intel')).statusCode).toBe(200);
  });

  it('reads, changes and removes a source (admins as analysts), with 409, 404 and 400 where due', async () => {
    const source = feedSource('ms-blog', site.feedUrl(MICROSOFT), { fetchArticles: 'auto', tags: ['vendor', 'microsoft'] });
    expect((await call('ada', 'POST', '/api/v1/scraping/sources', source)).statusCode).toBe(201);
    const again = await call('ana', 'POST', '/api/v1/scraping/sources', source);
    expect([again.statusCode, again.json().code]).toEqual([409, 'VIGIL_CONFLICT']);
    const bad = await call('ana', 'POST', '/api/v1/scraping/sources', { ...source, name: 'short', intervalSeconds: 60 });
    expect([bad.statusCode, bad.json().code]).toEqual([400, 'VIGIL_BAD_REQUEST']);
    expect(bad.json().message).toContain('intervalSeconds');

    const one = await call('ana', 'GET', '/api/v1/scraping/sources/ms-blog');
    expect(one.json()).toMatchObject({ name: 'ms-blog', fetchArticles: 'auto', tags: ['vendor', 'microsoft'], headers: {}, selectors: {}, follow: null });
    const patched = await call('ana', 'PATCH', '/api/v1/scraping/sources/ms-blog', { intervalSeconds: 7200, headers: { 'X-Api-Key': 'k' } });
    expect(patched.statusCode, patched.body).toBe(200);
    expect(patched.json()).toMatchObject({ intervalSeconds: 7200, headers: { 'X-Api-Key': 'k' }, fetchArticles: 'auto', createdAt: one.json().createdAt });
    const renamed = await call('ana', 'PATCH', '/api/v1/scraping/sources/ms-blog', { name: 'other' });
    expect([renamed.statusCode, renamed.json().code]).toEqual([400, 'VIGIL_BAD_REQUEST']);
    const refused = await call('ana', 'PATCH', '/api/v1/scraping/sources/ms-blog', { url: 'http://169.254.169.254/' });
    expect([refused.statusCode, refused.json().code]).toEqual([400, 'VIGIL_URL_REFUSED']);
    expect((await call('ana', 'PATCH', '/api/v1/scraping/sources/nope', { enabled: false })).statusCode).toBe(404);

    const list = await call('ana', 'GET', '/api/v1/scraping/sources');
    expect(
      list
        .json()
        .sources.map((s: { name: string }) => s.name)
        .sort(),
    ).toEqual(['bleeping', 'ms-blog']);
    expect(list.json().sources.find((s: { name: string }) => s.name === 'ms-blog')).toMatchObject({
      documents: 0,
      lastFetched: null,
      lastAttempt: null,
      lastSuccess: null,
      lastError: null,
      intervalSeconds: 7200,
    });

    const doomed = feedSource('doomed', site.feedUrl(BLEEPING));
    expect((await call('ana', 'POST', '/api/v1/scraping/sources', doomed)).statusCode).toBe(201);
    const del = await call('ana', 'DELETE', '/api/v1/scraping/sources/doomed');
    expect([del.statusCode, del.body]).toEqual([204, '']);
    expect((await call('ana', 'DELETE', '/api/v1/scraping/sources/doomed')).json().code).toBe('VIGIL_NOT_FOUND');
    expect((await call('ana', 'GET', '/api/v1/scraping/sources/doomed')).statusCode).toBe(404);
  });

  it('tests a source, unsaved or stored, answering the documents and storing nothing', async () => {
    const before = site.requests.length;
    const unsaved = await call('ana', 'POST', '/api/v1/scraping/sources/test', feedSource('preview-only', site.feedUrl(BLEEPING)));
    expect(unsaved.statusCode, unsaved.body).toBe(200);
    const report = unsaved.json();
    expect(report).toMatchObject({ source: 'preview-only', requests: 1, documents: 12, created: 0, errors: [] });
    expect(report.preview).toHaveLength(12);
    expect(report.preview[0]).toMatchObject({
      title: 'BlackSuit ransomware extortion sites seized in Operation Checkmate',
      author: 'Sergiu Gatlan',
      tags: ['Security', 'news'],
    });
    for (const d of report.preview) {
      expect(d.text.length, d.url).toBeGreaterThan(50);
      expect(d.textLength).toBe(d.text.length);
      expect(d.url.startsWith(site.baseUrl)).toBe(true);
    }
    expect(site.requests.slice(before).map((r) => r.path)).toEqual(['/feed/']);
    expect(await api.stores.intel.getSource('preview-only')).toBeNull();

    // Full content:encoded articles: texts cut to 2,000 characters, their full length given.
    const stored = await call('ana', 'POST', '/api/v1/scraping/sources/ms-blog/test');
    expect(stored.statusCode, stored.body).toBe(200);
    const preview = stored.json().preview as { text: string; textLength: number; cves: string[] }[];
    expect(preview).toHaveLength(10);
    expect(preview.some((d) => d.textLength > 2000)).toBe(true);
    for (const d of preview) expect(d.text.length).toBe(Math.min(d.textLength, 2000));
    expect(preview.some((d) => d.cves.includes(SHAREPOINT_CVE))).toBe(true);

    expect(await documentCount()).toBe(0);
    expect(await api.store.getSourceState('intel:ms-blog')).toBeNull();
    expect((await call('ana', 'POST', '/api/v1/scraping/sources/nope/test')).statusCode).toBe(404);
    // A feed source pointed at an HTML page: refused with the fetcher's reason, not a server error.
    const page = site.items(BLEEPING)[0]!.url!.replace('https://www.bleepingcomputer.com', site.baseUrl);
    const notFeed = await call('ana', 'POST', '/api/v1/scraping/sources/test', feedSource('not-a-feed', page));
    expect([notFeed.statusCode, notFeed.json().code]).toEqual([502, 'VIGIL_FETCH_FAILED']);
    expect(notFeed.json().message).toContain('"text/html; charset=utf-8" is not a feed');
  });

  it('collects a source now, then lists, filters, pages and shows its documents', async () => {
    const res = await call('ana', 'POST', '/api/v1/scraping/sources/ms-blog/collect');
    expect(res.statusCode, res.body).toBe(200);
    expect(res.json()).toMatchObject({ source: 'ms-blog', error: null, report: { documents: 10, created: 10, changed: 0 } });
    expect(await documentCount()).toBe(10);
    const again = await call('ada', 'POST', '/api/v1/scraping/sources/ms-blog/collect');
    expect(again.json().report).toMatchObject({ created: 0, notModified: 1 });
    expect((await call('ana', 'POST', '/api/v1/scraping/sources/bleeping/collect')).json().report).toMatchObject({ created: 12 });

    const sources = (await call('ana', 'GET', '/api/v1/scraping/sources')).json().sources as {
      name: string;
      documents: number;
      lastSuccess: string | null;
      lastFetched: string | null;
    }[];
    expect(sources.find((s) => s.name === 'ms-blog')).toMatchObject({ documents: 10, lastError: null });
    expect(sources.find((s) => s.name === 'ms-blog')?.lastSuccess).toMatch(/^\d{4}-/);
    expect(sources.find((s) => s.name === 'bleeping')?.documents).toBe(12);

    const all = await call('vic', 'GET', '/api/v1/intel');
    expect(all.json()).toMatchObject({ total: 22, nextCursor: null });
    const items = all.json().items as IntelSummary[];
    expect(items).toHaveLength(22);
    const dates = items.map((d) => d.published ?? d.fetchedAt);
    expect(dates).toEqual([...dates].sort().reverse());
    expect(items[0]).not.toHaveProperty('text');

    const naming = items.filter((d) => d.cves.includes(SHAREPOINT_CVE));
    expect(naming.length).toBeGreaterThan(0);
    const byCve = await call('vic', 'GET', `/api/v1/intel?cve=${SHAREPOINT_CVE}`);
    expect(byCve.json().total).toBe(naming.length);
    expect((byCve.json().items as IntelSummary[]).map((d) => d.id).sort()).toEqual(naming.map((d) => d.id).sort());
    const bySource = await call('vic', 'GET', '/api/v1/intel?source=bleeping&limit=5');
    expect(bySource.json().total).toBe(12);
    expect((bySource.json().items as IntelSummary[]).every((d) => d.source === 'bleeping')).toBe(true);

    // Keyset pages of 4 walk the whole list once, in order.
    const seen: string[] = [];
    let cursor: string | null = null;
    do {
      const page = await call('vic', 'GET', `/api/v1/intel?limit=4${cursor ? `&cursor=${cursor}` : ''}`);
      expect(page.json().total).toBe(22);
      seen.push(...(page.json().items as IntelSummary[]).map((d) => d.id));
      cursor = page.json().nextCursor;
    } while (cursor);
    expect(seen).toEqual(items.map((d) => d.id));
    expect((await call('vic', 'GET', '/api/v1/intel?cursor=bm90IGEgY3Vyc29y')).json().code).toBe('VIGIL_BAD_REQUEST');
    expect((await call('vic', 'GET', '/api/v1/intel?since=2025-02-30')).json().code).toBe('VIGIL_BAD_REQUEST');

    const doc = await call('vic', 'GET', `/api/v1/intel/${naming[0]!.id}`);
    expect(doc.statusCode).toBe(200);
    expect(doc.json()).toMatchObject({ id: naming[0]!.id, source: 'ms-blog', cves: expect.arrayContaining([SHAREPOINT_CVE]), history: [{ kind: 'created' }] });
    expect(doc.json().text).toContain(SHAREPOINT_CVE);
    expect((await call('vic', 'GET', '/api/v1/intel/intel-00000000000000000000')).json().code).toBe('VIGIL_NOT_FOUND');
    expect((await call('vic', 'GET', '/api/v1/intel/not-an-id')).statusCode).toBe(400);
  });

  it('answers a failed collection with its error, kept as the source’s last error', async () => {
    const gone = feedSource('gone', `${site.baseUrl}/no-such-feed.xml`);
    expect((await call('ana', 'POST', '/api/v1/scraping/sources', gone)).statusCode).toBe(201);
    const res = await call('ana', 'POST', '/api/v1/scraping/sources/gone/collect');
    expect(res.statusCode, res.body).toBe(200);
    expect(res.json()).toMatchObject({ source: 'gone', report: null, error: { code: 'VIGIL_FETCH_FAILED' } });
    const row = (
      (await call('ana', 'GET', '/api/v1/scraping/sources')).json().sources as { name: string; lastError: string | null; lastSuccess: string | null }[]
    ).find((s) => s.name === 'gone');
    expect(row?.lastError).toContain('404');
    expect(row?.lastSuccess).toBeNull();
    expect((await call('ana', 'POST', '/api/v1/scraping/sources/nope/collect')).statusCode).toBe(404);
  });

  it('adds intel documents matching the words to the search answer, the CVE part unchanged', async () => {
    const cvesOnly = await call('vic', 'GET', '/api/v1/cves?q=SharePoint&limit=5');
    const search = await call('vic', 'GET', '/api/v1/search?q=SharePoint&limit=5&intelLimit=3');
    expect(search.statusCode, search.body).toBe(200);
    const { intel, ...cves } = search.json();
    expect(cves).toEqual(cvesOnly.json());
    expect(intel.total).toBeGreaterThan(0);
    expect(intel.items.length).toBe(Math.min(3, intel.total));
    // The same documents as the intel list's own search for those words.
    const list = (await call('vic', 'GET', '/api/v1/intel?q=SharePoint&limit=3')).json();
    expect(intel).toEqual({ items: list.items, total: list.total });
    expect((intel.items as IntelSummary[]).some((d) => d.source === 'ms-blog' && d.cves.includes(SHAREPOINT_CVE))).toBe(true);
    const none = await call('vic', 'GET', '/api/v1/search?q=zzzznothingmatches');
    expect(none.json().intel).toEqual({ items: [], total: 0 });
  });

  it('audits every write, and keeps intel states out of the CVE sources’ metrics', async () => {
    await vi.waitFor(async () => {
      const audit = await call('ada', 'GET', '/api/v1/audit?limit=500');
      const rows = audit.json().items as { action: string; target: string | null; outcome: string; actor: string | null; statusCode: number }[];
      const intelRows = rows.filter((r) => r.action.startsWith('intel.'));
      expect(intelRows).toContainEqual(
        expect.objectContaining({ action: 'intel.source.create', target: 'intel-source:ms-blog', actor: 'ada', outcome: 'success' }),
      );
      expect(intelRows).toContainEqual(expect.objectContaining({ action: 'intel.source.update', target: 'intel-source:ms-blog', actor: 'ana' }));
      expect(intelRows).toContainEqual(expect.objectContaining({ action: 'intel.source.delete', target: 'intel-source:doomed', statusCode: 204 }));
      expect(intelRows).toContainEqual(expect.objectContaining({ action: 'intel.collect', target: 'intel-source:ms-blog', outcome: 'success' }));
      expect(intelRows).toContainEqual(expect.objectContaining({ action: 'intel.source.test-unsaved', target: 'intel-source:preview-only' }));
      expect(intelRows).toContainEqual(expect.objectContaining({ action: 'intel.source.test', target: 'intel-source:ms-blog', outcome: 'success' }));
      expect(intelRows).toContainEqual(expect.objectContaining({ action: 'intel.source.create', outcome: 'denied', statusCode: 403 }));
    });
    const metrics = await call('vic', 'GET', '/metrics');
    expect(metrics.body).toContain('vigil_source_last_success_timestamp_seconds');
    expect(metrics.body).not.toContain('source="intel:');
  });
});
