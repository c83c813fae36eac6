/**
 * `GET /stats`, the dashboard overview, against independent computations over the same fixture:
 * the raw observations' JSON, the EMBA EPSS files and the derived OWASP mapping in the corpus.
 */
import { readFileSync } from 'node:fs';
import { gunzipSync } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Stats } from '../store/server.ts';
import { startTestApi, type TestApi } from '../testing/api.ts';
import { corpusPath, hasCorpus } from '../testing/corpus.ts';

/** EMBA `CVE;epss;percentile` lines of a corpus day as a map. */
function epssDay(date: string): Map<string, number> {
  const text = gunzipSync(readFileSync(corpusPath('epss', `emba-epss-${date}.ssv.gz`))).toString('utf8');
  const out = new Map<string, number>();
  for (const line of text.split('\n')) {
    const [id, score] = line.split(';');
    if (id?.startsWith('CVE-') && score) out.set(id, Number(score));
  }
  return out;
}

describe.skipIf(!hasCorpus())('GET /stats', () => {
  let api: TestApi;
  let stats: Stats;
  const today = '2025-02-14';

  beforeAll(async () => {
    api = await startTestApi({ now: () => new Date(`${today}T12:00:00Z`) });
    // Also checks a read-only API token reads the overview.
    const token = await api.apiToken('vic', ['read']);
    const r = await api.app.inject({ url: '/stats', headers: { authorization: `Bearer ${token}` } });
    expect(r.statusCode, r.body).toBe(200);
    stats = r.json();
  });
  afterAll(() => api?.close());

  /** Rows of portable SQL on the back end under test. */
  const all = <T>(sql: string, ...args: unknown[]) => api.sql<T>(sql, ...args);

  it('counts totals and severities like the records do', async () => {
    const rows = await all<{ state: string; severity: string | null; kev: number; has_record: number }>('SELECT state, severity, kev, has_record FROM vulns');
    expect(stats.totals.cves).toBe(rows.length);
    expect(stats.totals.kev).toBe(rows.filter((r) => r.kev).length);
    expect(stats.totals.rejected).toBe(rows.filter((r) => r.state === 'REJECTED').length);
    // Severities describe records: a CVE known only from KEV has no CVSS yet (store/sqlite/known.ts).
    expect(stats.totals.withRecord).toBe(rows.filter((r) => r.has_record).length);
    const expected: Record<string, number> = {};
    for (const r of rows.filter((x) => x.state !== 'REJECTED' && x.has_record))
      expected[r.severity ?? 'UNKNOWN'] = (expected[r.severity ?? 'UNKNOWN'] ?? 0) + 1;
    expect(stats.severity).toEqual(expected);
  });

  it('counts CVEs per day over 90 days, every day present, and new today / this week', async () => {
    const published = (await all<{ published: string | null }>('SELECT published FROM vulns'))
      .map((r) => r.published?.slice(0, 10))
      .filter((d): d is string => Boolean(d));
    const end = published.reduce((a, b) => (a > b ? a : b)) < today ? published.reduce((a, b) => (a > b ? a : b)) : today;
    expect(stats.perDay).toHaveLength(90);
    expect(stats.perDay[89]?.date).toBe(end);
    for (const { date, count } of stats.perDay) expect(count, date).toBe(published.filter((d) => d === date).length);
    const week = new Set(Array.from({ length: 7 }, (_, i) => new Date(Date.parse(`${today}T00:00:00Z`) - i * 86_400_000).toISOString().slice(0, 10)));
    expect(stats.newToday).toBe(published.filter((d) => d === today).length);
    expect(stats.newThisWeek).toBe(published.filter((d) => week.has(d)).length);
  });

  it('ranks CWEs from the observations, with their OWASP Top 10 2025 category from the mapping file', async () => {
    const byCve = new Map<string, Set<string>>();
    for (const { cve_id, data } of await all<{ cve_id: string; data: string }>('SELECT cve_id, data FROM observations')) {
      const set = byCve.get(cve_id) ?? new Set<string>();
      for (const c of (JSON.parse(data) as { cwes: string[] }).cwes) if (c.startsWith('CWE-')) set.add(c);
      byCve.set(cve_id, set);
    }
    const counts = new Map<string, number>();
    for (const set of byCve.values()) for (const c of set) counts.set(c, (counts.get(c) ?? 0) + 1);
    for (const row of stats.cwes) expect(row.count, row.cwe).toBe(counts.get(row.cwe));
    const top = Math.max(...counts.values());
    expect(stats.cwes[0]?.count).toBe(top);
    const mapping = JSON.parse(readFileSync(corpusPath('owasp-top10', 'owasp-top10-cwe-mapping.json'), 'utf8')) as Record<
      string,
      { id: string; cwes: string[] }[]
    >;
    for (const row of stats.cwes) {
      expect(
        row.owasp.map((o) => o.id),
        row.cwe,
      ).toEqual((mapping['2025'] ?? []).filter((c) => c.cwes.includes(row.cwe)).map((c) => c.id));
    }
    expect(stats.cwes.find((c) => c.cwe === 'CWE-79')?.owasp.map((o) => o.id)).toEqual(['A05:2025']);
  });

  it('lists the largest EPSS rises between the two stored days, from the raw files', async () => {
    const before = epssDay('2026-08-09');
    const after = epssDay('2026-08-16');
    // CVEs the store knows (a record or a current KEV entry: AlertStore.epssMoves), not every CVE EPSS scores.
    const stored = new Set((await all<{ cve_id: string }>('SELECT cve_id FROM vulns UNION SELECT cve_id FROM kev WHERE removed_in IS NULL')).map((r) => r.cve_id));
    const rises = [...after]
      .filter(([id, score]) => stored.has(id) && before.has(id) && score !== before.get(id))
      .map(([id, score]) => ({ cveId: id, delta: score - (before.get(id) as number) }))
      .sort((a, b) => b.delta - a.delta || a.cveId.localeCompare(b.cveId))
      .slice(0, 10);
    expect(stats.epssMovers.map((m) => m.cveId)).toEqual(rises.map((r) => r.cveId));
    for (const [i, m] of stats.epssMovers.entries()) expect(m.delta).toBeCloseTo(rises[i]?.delta ?? Number.NaN, 9);
  });

  it('lists the newest KEV additions and the top priorities', async () => {
    const catalog = JSON.parse(readFileSync(corpusPath('cisa-kev', 'known_exploited_vulnerabilities.json'), 'utf8')) as {
      vulnerabilities: { cveID: string; dateAdded: string }[];
    };
    const newest = catalog.vulnerabilities
      .map((v) => v.dateAdded)
      .sort()
      .reverse()
      .slice(0, 10);
    expect(stats.kevRecent.map((k) => k.dateAdded)).toEqual(newest);
    const priorities = (await all<{ priority: number }>("SELECT priority FROM vulns WHERE state != 'REJECTED' ORDER BY priority DESC LIMIT 10")).map(
      (r) => r.priority,
    );
    expect(stats.topPriority.map((p) => p.priority)).toEqual(priorities);
  });
});
