/**
 * The overview's links (issue 10, item 1): every "EPSS mover" and "recently added to KEV" id that
 * `GET /stats` lists opens with `GET /api/v1/cves/{id}`, although most of them have no CVE record
 * in the corpus; and the KEV list (`kev=true`) holds every CVE of the KEV catalog.
 */
import { readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { VulnerabilityView } from '../model/record.ts';
import type { Stats } from '../store/server.ts';
import { startTestApi, type TestApi } from '../testing/api.ts';
import { corpusPath, hasCorpus } from '../testing/corpus.ts';

describe.skipIf(!hasCorpus())('CVEs known only from KEV or EPSS, through the API', () => {
  let api: TestApi;
  let token: string;
  let stats: Stats;
  const get = (url: string) => api.app.inject({ url, headers: { authorization: `Bearer ${token}` } });

  beforeAll(async () => {
    api = await startTestApi({ now: () => new Date('2025-08-26T12:00:00Z') });
    token = await api.login('vic');
    const r = await get('/stats');
    expect(r.statusCode, r.body).toBe(200);
    stats = r.json();
  }, 300_000);
  afterAll(() => api?.close());

  it('opens every EPSS mover and every recent KEV entry of the overview', async () => {
    const ids = [...stats.epssMovers.map((m) => m.cveId), ...stats.kevRecent.map((k) => k.cveId)];
    expect(stats.epssMovers).toHaveLength(10);
    expect(stats.kevRecent.length).toBeGreaterThanOrEqual(8);
    const imported = new Set((await api.sql<{ id: string }>('SELECT DISTINCT cve_id AS id FROM observations')).map((r) => r.id));
    const withRecord = { get: (id: string) => (imported.has(id) ? 1 : 0) };
    // The defect needs ids without a record: most of them here.
    expect(ids.filter((id) => withRecord.get(id) === 0).length).toBeGreaterThanOrEqual(10);
    for (const id of ids) {
      const r = await get(`/api/v1/cves/${id}`);
      expect(r.statusCode, `${id}: ${r.body}`).toBe(200);
      const view = r.json() as VulnerabilityView;
      expect(view.id).toBe(id);
      expect(view.recordImported).toBe(withRecord.get(id) !== 0);
    }
    for (const k of stats.kevRecent) {
      const view = (await get(`/api/v1/cves/${k.cveId}`)).json() as VulnerabilityView;
      expect(view.kev).toMatchObject({ dateAdded: k.dateAdded, vendorProject: k.vendorProject, product: k.product });
    }
    for (const m of stats.epssMovers) expect(((await get(`/api/v1/cves/${m.cveId}`)).json() as VulnerabilityView).epss?.score).toBe(m.score);
  });

  it('lists and counts every CVE of the KEV catalog', async () => {
    const catalog = JSON.parse(readFileSync(corpusPath('cisa-kev', 'known_exploited_vulnerabilities.json'), 'utf8')) as {
      vulnerabilities: { cveID: string }[];
    };
    const listed = new Set<string>();
    let cursor: string | null = null;
    let total = -1;
    do {
      const r = await get(`/api/v1/cves?kev=true&limit=200${cursor ? `&cursor=${cursor}` : ''}`);
      expect(r.statusCode, r.body).toBe(200);
      const body = r.json() as { items: { id: string }[]; nextCursor: string | null; total: number };
      for (const i of body.items) listed.add(i.id);
      cursor = body.nextCursor;
      total = body.total;
    } while (cursor);
    for (const v of catalog.vulnerabilities) expect(listed.has(v.cveID), v.cveID).toBe(true);
    expect(total).toBe(listed.size);
    expect(stats.totals.kev).toBe(listed.size);
  });
});
