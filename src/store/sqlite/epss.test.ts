import { describe, expect, it } from 'vitest';
import type { EpssDay } from '../../model/vulnerability.ts';
import { openSqliteStore } from './index.ts';

/** Small hand-made days: CVE-A changes on day 2, CVE-B on day 3, CVE-C never. */
const days: Record<string, EpssDay> = {
  d1: {
    date: '2026-01-01',
    modelVersion: 'v2025.03.14',
    scores: [
      { cveId: 'CVE-2000-0001', epss: 0.1, percentile: 0.5 },
      { cveId: 'CVE-2000-0002', epss: 0.2, percentile: 0.6 },
      { cveId: 'CVE-2000-0003', epss: 0.3, percentile: 0.7 },
    ],
  },
  d2: {
    date: '2026-01-02',
    modelVersion: 'v2025.03.14',
    scores: [
      { cveId: 'CVE-2000-0001', epss: 0.15, percentile: 0.55 },
      { cveId: 'CVE-2000-0002', epss: 0.2, percentile: 0.61 },
      { cveId: 'CVE-2000-0003', epss: 0.3, percentile: 0.7 },
    ],
  },
  d3: {
    date: '2026-01-03',
    modelVersion: 'v2025.03.14',
    scores: [
      { cveId: 'CVE-2000-0001', epss: 0.15, percentile: 0.55 },
      { cveId: 'CVE-2000-0002', epss: 0.9, percentile: 0.99 },
      { cveId: 'CVE-2000-0003', epss: 0.3, percentile: 0.7 },
    ],
  },
};

function historyOf(store: ReturnType<typeof openSqliteStore>): string[] {
  return (store.db.prepare('SELECT cve_id, date, epss FROM epss_history ORDER BY cve_id, date').all() as { cve_id: string; date: string; epss: number }[]).map(
    (r) => `${r.cve_id} ${r.date} ${r.epss}`,
  );
}

/** The score each stored day reads back: the last change point on or before it. */
function scoreOn(store: ReturnType<typeof openSqliteStore>, cveId: string, date: string): number | undefined {
  return store.db.prepare('SELECT epss FROM epss_history WHERE cve_id = ? AND date <= ? ORDER BY date DESC LIMIT 1').pluck().get(cveId, date) as
    | number
    | undefined;
}

describe('EPSS history in SQLite', () => {
  it('keeps a row only where the score changed', async () => {
    const store = openSqliteStore(':memory:');
    const r1 = await store.applyEpssDay(days.d1 as EpssDay);
    const r2 = await store.applyEpssDay(days.d2 as EpssDay);
    const r3 = await store.applyEpssDay(days.d3 as EpssDay);
    expect([r1.changed, r2.changed, r3.changed]).toEqual([3, 1, 1]);
    expect(historyOf(store)).toEqual([
      'CVE-2000-0001 2026-01-01 0.1',
      'CVE-2000-0001 2026-01-02 0.15',
      'CVE-2000-0002 2026-01-01 0.2',
      'CVE-2000-0002 2026-01-03 0.9',
      'CVE-2000-0003 2026-01-01 0.3',
    ]);
    const again = await store.applyEpssDay(days.d2 as EpssDay);
    expect(again.alreadyStored).toBe(true);
    expect(historyOf(store)).toHaveLength(5);
    await store.close();
  });

  it('reaches the same history whatever order the days arrive in', async () => {
    const inOrder = openSqliteStore(':memory:');
    for (const d of ['d1', 'd2', 'd3']) await inOrder.applyEpssDay(days[d] as EpssDay);
    const expected = historyOf(inOrder);
    for (const order of [
      ['d3', 'd1', 'd2'],
      ['d2', 'd3', 'd1'],
      ['d3', 'd2', 'd1'],
      ['d1', 'd3', 'd2'],
    ]) {
      const store = openSqliteStore(':memory:');
      for (const d of order) await store.applyEpssDay(days[d] as EpssDay);
      for (const d of Object.values(days)) {
        for (const s of d.scores) expect(scoreOn(store, s.cveId, d.date), `${order.join(',')} ${s.cveId} on ${d.date}`).toBe(s.epss);
      }
      expect(historyOf(store), order.join(',')).toEqual(expected);
      // The current score is the newest day's, whatever the order.
      expect(store.db.prepare('SELECT epss FROM epss_current WHERE cve_id = ?').pluck().get('CVE-2000-0002')).toBe(0.9);
      await store.close();
    }
    await inOrder.close();
  });
});
