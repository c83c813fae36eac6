/**
 * The cached CVE views and list/search pages are never stale: a new EPSS day, a KEV catalog or a
 * record write stored after an answer was served shows in the next answer, also when another
 * replica wrote it; concurrent identical questions are computed once.
 */
import { readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseKevJson } from '../sources/kev/parse.ts';
import { startTestApi, type TestApi } from '../testing/api.ts';
import { GenerationCache } from './view-cache.ts';
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

describe.skipIf(!hasCorpus())('GET /api/v1/search and /api/v1/cves after the store changes', () => {
  let api: TestApi;
  let token: string;
  type Page = { items: { id: string; epss: number | null }[]; total: number; nextCursor: string | null };
  const get = async (url: string, app = api.app) => {
    const r = await app.inject({ url, headers: { authorization: `Bearer ${token}` } });
    expect(r.statusCode, r.body).toBe(200);
    return r.json() as Page;
  };

  beforeAll(async () => {
    api = await startTestApi();
    token = await api.login('vic');
  });
  afterAll(() => api?.close());

  it('serves a new EPSS day in the next list and search answer, totals included', async () => {
    // A Palo Alto CVE with a low EPSS score, raised above the filter's threshold.
    const low = (await get('/api/v1/search?q=palo%20alto&limit=200')).items.find((i) => i.epss !== null && i.epss < 0.5);
    expect(low).toBeDefined();
    const url = '/api/v1/cves?minEpss=0.97&limit=200';
    const before = await get(url);
    expect(before.items.map((i) => i.id)).not.toContain(low!.id);
    expect(await get(url)).toEqual(before); // served again, unchanged
    const search = '/api/v1/search?q=palo%20alto&minEpss=0.97&limit=5';
    const searchBefore = await get(search);
    await api.store.applyEpssDay({ date: '2099-01-01', modelVersion: null, scores: [{ cveId: low!.id, epss: 0.999, percentile: 0.999 }] });
    // A day is the whole list: the CVEs it leaves out have no current score any more.
    const after = await get(url);
    expect(after.total).not.toBe(before.total);
    expect(after.total).toBe(await api.store.countRanked({ minEpss: 0.97 }));
    expect(after.items.map((i) => i.id)).toContain(low!.id);
    const searchAfter = await get(search);
    expect(searchAfter.items.map((i) => i.id)).toEqual([low!.id]);
    expect(searchBefore.items.map((i) => i.id)).not.toContain(low!.id);
  });

  it('serves what another replica wrote at once', async () => {
    const replica = await api.replica();
    const url = '/api/v1/search?q=pan-os&limit=3';
    const first = await get(url, replica);
    await api.store.applyEpssDay({ date: '2099-01-02', modelVersion: null, scores: [{ cveId: first.items[2]!.id, epss: 0.001, percentile: 0.01 }] });
    const again = await get(url, replica);
    expect(again.items.find((i) => i.id === first.items[2]!.id)?.epss ?? 0.001).toBe(0.001);
    expect(again).not.toEqual(first);
  });

  it('pages through a search: each page as the uncached query gives it, one total for all', async () => {
    const pages: Page[] = [];
    let url = '/api/v1/search?q=remote%20code%20execution&limit=50';
    for (let i = 0; i < 3; i++) {
      const p = await get(url);
      pages.push(p);
      url = `/api/v1/search?q=remote%20code%20execution&limit=50&cursor=${p.nextCursor}`;
    }
    const ids = pages.flatMap((p) => p.items.map((i) => i.id));
    const direct = await api.store.rank({ text: 'remote code execution', limit: 150, keyset: true });
    expect(ids).toEqual(direct.map((r) => r.id));
    expect(new Set(pages.map((p) => p.total))).toEqual(new Set([await api.store.countRanked({ text: 'remote code execution' })]));
  });
});

describe('GenerationCache', () => {
  it('computes concurrent misses of one key once, and again after the store moved', async () => {
    let generation = 'g1';
    const cache = new GenerationCache<number>({ generation: async () => generation });
    let made = 0;
    const make = async () => {
      made++;
      await new Promise((r) => setTimeout(r, 10));
      return made;
    };
    const answers = await Promise.all(Array.from({ length: 20 }, () => cache.get('q', make)));
    expect(made).toBe(1);
    expect(new Set(answers)).toEqual(new Set([1]));
    expect(await cache.get('q', make)).toBe(1);
    generation = 'g2';
    expect(await cache.get('q', make)).toBe(2);
    expect(made).toBe(2);
  });

  it('does not keep an answer computed while the store moved, nor a failure', async () => {
    let generation = 'g1';
    const cache = new GenerationCache<string>({ generation: async () => generation });
    const slow = cache.get('q', async () => {
      await new Promise((r) => setTimeout(r, 20));
      return 'old';
    });
    await new Promise((r) => setTimeout(r, 5));
    generation = 'g2';
    expect(await cache.get('q', async () => 'new')).toBe('new');
    expect(await slow).toBe('old');
    expect(await cache.get('q', async () => 'newer')).toBe('new');
    await expect(cache.get('x', async () => Promise.reject(new Error('boom')))).rejects.toThrow('boom');
    expect(await cache.get('x', async () => 'ok')).toBe('ok');
  });

  it('drops the least recently used entry past its capacity', async () => {
    const cache = new GenerationCache<string>({ generation: async () => 'g' }, 2);
    await cache.get('a', async () => 'A');
    await cache.get('b', async () => 'B');
    await cache.get('a', async () => 'A2'); // a is now the most recent
    await cache.get('c', async () => 'C');
    expect(cache.size).toBe(2);
    expect(await cache.get('a', async () => 'A3')).toBe('A');
    expect(await cache.get('b', async () => 'B2')).toBe('B2');
  });
});
