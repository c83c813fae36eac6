/**
 * The cached CVE views are never stale: a new EPSS day, a KEV catalog or a record write stored
 * after a view was served shows in the next answer.
 */
import { readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseKevJson } from '../sources/kev/parse.ts';
import { startTestApi, type TestApi } from '../testing/api.ts';
import { corpusPath, hasCorpus } from '../testing/corpus.ts';

describe.skipIf(!hasCorpus())('GET /api/v1/cves/{id} after the store changes', () => {
  let api: TestApi;
  let token: string;
  const view = async (id: string) => {
    const r = await api.app.inject({ url: `/api/v1/cves/${id}`, headers: { authorization: `Bearer ${token}` } });
    expect(r.statusCode, r.body).toBe(200);
    return r.json() as { epss: { score: number; date: string } | null; kev: { dateAdded: string; notes: string } | null };
  };

  beforeAll(async () => {
    api = await startTestApi();
    token = await api.login('vic');
  });
  afterAll(() => api?.close());

  it('serves a new EPSS day at once', async () => {
    const before = await view('CVE-2024-3400');
    expect(before.epss?.date).toBe('2026-08-16');
    await api.store.applyEpssDay({ date: '2026-08-17', modelVersion: null, scores: [{ cveId: 'CVE-2024-3400', epss: 0.5, percentile: 0.9 }] });
    const after = await view('CVE-2024-3400');
    expect(after.epss).toMatchObject({ date: '2026-08-17', score: 0.5 });
  });

  it('serves a newer KEV catalog at once, also when only an untracked field changed', async () => {
    const file = corpusPath('cisa-kev', 'known_exploited_vulnerabilities.json');
    const parsed = parseKevJson(readFileSync(file, 'utf8'), file);
    const catalog = parsed.catalog!;
    expect((await view('CVE-2024-3400')).kev?.notes).not.toBe('changed notes');
    const entries = catalog.entries.map((e) => (e.cveId === 'CVE-2024-3400' ? { ...e, notes: 'changed notes' } : e));
    await api.store.applyKevCatalog({ ...catalog, catalogVersion: '2099.01.01', dateReleased: '2099-01-01T00:00:00.000Z', entries });
    expect((await view('CVE-2024-3400')).kev?.notes).toBe('changed notes');
  });
});
