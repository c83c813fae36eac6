import { describe, expect, it } from 'vitest';
import type { EpssDay } from '../model/vulnerability.ts';
import { openTestStores, TEST_BACKEND, type TestStores } from '../testing/store.ts';
import { peek, peekValue } from './test-sql.ts';

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

async function historyOf(stores: TestStores): Promise<string[]> {
  const rows = await peek<{ cve_id: string; date: string; epss: number }>(stores, 'SELECT cve_id, date, epss FROM epss_history ORDER BY cve_id, date');
  return rows.map((r) => `${r.cve_id} ${r.date} ${r.epss}`);
}

/** The score each stored day reads back: the last change point on or before it. */
function scoreOn(stores: TestStores, cveId: string, date: string): Promise<number | undefined> {
  return peekValue<number>(stores, 'SELECT epss FROM epss_history WHERE cve_id = ? AND date <= ? ORDER BY date DESC LIMIT 1', cveId, date);
}

describe(`EPSS history (${TEST_BACKEND})`, () => {
  it('keeps a row only where the score changed', async () => {
    const stores = await openTestStores();
    const { store } = stores;
    const r1 = await store.applyEpssDay(days.d1 as EpssDay);
    const r2 = await store.applyEpssDay(days.d2 as EpssDay);
    const r3 = await store.applyEpssDay(days.d3 as EpssDay);
    expect([r1.changed, r2.changed, r3.changed]).toEqual([3, 1, 1]);
    expect(await historyOf(stores)).toEqual([
      'CVE-2000-0001 2026-01-01 0.1',
      'CVE-2000-0001 2026-01-02 0.15',
      'CVE-2000-0002 2026-01-01 0.2',
      'CVE-2000-0002 2026-01-03 0.9',
      'CVE-2000-0003 2026-01-01 0.3',
    ]);
    const again = await store.applyEpssDay(days.d2 as EpssDay);
    expect(again.alreadyStored).toBe(true);
    expect(await historyOf(stores)).toHaveLength(5);
    await stores.close();
  });

  it('reaches the same history whatever order the days arrive in', async () => {
    const inOrder = await openTestStores();
    for (const d of ['d1', 'd2', 'd3']) await inOrder.store.applyEpssDay(days[d] as EpssDay);
    const expected = await historyOf(inOrder);
    for (const order of [
      ['d3', 'd1', 'd2'],
      ['d2', 'd3', 'd1'],
      ['d3', 'd2', 'd1'],
      ['d1', 'd3', 'd2'],
    ]) {
      const stores = await openTestStores();
      for (const d of order) await stores.store.applyEpssDay(days[d] as EpssDay);
      for (const d of Object.values(days)) {
        for (const s of d.scores) expect(await scoreOn(stores, s.cveId, d.date), `${order.join(',')} ${s.cveId} on ${d.date}`).toBe(s.epss);
      }
      expect(await historyOf(stores), order.join(',')).toEqual(expected);
      // The current score is the newest day's, whatever the order.
      expect(await peekValue(stores, 'SELECT epss FROM epss_current WHERE cve_id = ?', 'CVE-2000-0002')).toBe(0.9);
      await stores.close();
    }
    await inOrder.close();
  });
});
