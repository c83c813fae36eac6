/**
 * The trend routes over the API fixture (the real corpus): the counts `GET /api/v1/trends` answers
 * equal a GROUP BY over the fixture's CVE rows, a bucket's members add up to its count, and a
 * scope naming no watchlist is a 404.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestApi, type TestApi } from '../testing/api.ts';
import { hasCorpus } from '../testing/corpus.ts';
import type { TrendResult } from '../trends/types.ts';

describe.skipIf(!hasCorpus())('trend routes', () => {
  let api: TestApi;
  let token: string;
  const get = (url: string) => api.app.inject({ method: 'GET', url, headers: { authorization: `Bearer ${token}` } });

  beforeAll(async () => {
    api = await startTestApi();
    token = await api.login('vic');
  }, 120_000);
  afterAll(async () => {
    await api?.close();
  });

  it('counts CVEs per severity per month as the records say, and lists a bucket’s members', async () => {
    const res = await get('/api/v1/trends?by=severity&interval=month&since=2024-01-01&until=2024-12-31&top=50');
    expect(res.statusCode).toBe(200);
    const r = res.json() as TrendResult;
    const rows = await api.sql<{ s: string; n: number }>(
      "SELECT coalesce(severity, 'UNKNOWN') AS s, count(*) AS n FROM vulns WHERE state <> 'REJECTED' AND published >= ? AND published < ? GROUP BY 1",
      '2024-01-01',
      '2025-01-01',
    );
    expect(new Map(r.series.map((s) => [s.key, s.total]))).toEqual(new Map(rows.map((x) => [x.s, Number(x.n)])));
    expect(r.buckets).toHaveLength(12);
    const top = r.series[0];
    if (!top) throw new Error('no CVE published in 2024 in the fixture');
    const i = top.counts.findIndex((n) => n > 0);
    const m = await get(`/api/v1/trends/members?by=severity&key=${top.key}&interval=month&bucket=${r.buckets[i]}&limit=5`);
    expect(m.statusCode).toBe(200);
    expect(m.json().total).toBe(top.counts[i]);
    expect(m.json().items.length).toBe(Math.min(5, top.counts[i] as number));
  });

  it('refuses an unknown watchlist scope and an inverted window', async () => {
    expect((await get('/api/v1/trends?by=cwe&scope=watchlist:no-such-list')).statusCode).toBe(404);
    expect((await get('/api/v1/trends?by=cwe&since=2024-03-01&until=2024-01-01')).statusCode).toBe(400);
  });
});
