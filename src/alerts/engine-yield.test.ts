/**
 * An evaluation with costly (but accepted) regex entries shares the event loop: the daemon runs
 * it inside the API server's process, so it must not stop `/health` (issue 10 item 15: 7–22 s).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createLogger } from '../log.ts';
import { startTestApi, type TestApi } from '../testing/api.ts';
import { hasCorpus } from '../testing/corpus.ts';
import { evaluate } from './engine.ts';

describe.skipIf(!hasCorpus())('alert evaluation with costly regex entries', () => {
  let api: TestApi;
  beforeAll(async () => {
    api = await startTestApi();
  }, 120_000);
  afterAll(async () => api?.close());

  it('lets the event loop run between CVEs (no stall of a second)', async () => {
    const { alerts } = api.deps;
    await alerts.upsertWatchlist({ name: 'costly', owner: { user: 'ana' }, description: null });
    for (const value of ['.{0,20}a.{0,20}k\\d', '.{0,20}b.{0,20}l\\d']) await alerts.addEntry({ watchlist: 'costly', kind: 'regex', value, thresholds: {} });
    // Every stored change again, as after a first import (setState: commitEvaluation never moves a cursor back).
    await alerts.setState('changes', '0');
    // The longest gap between ticks of a 10 ms timer: how long the loop was kept from other work.
    let last = performance.now();
    let stall = 0;
    const tick = setInterval(() => {
      stall = Math.max(stall, performance.now() - last);
      last = performance.now();
    }, 10);
    const started = performance.now();
    const summary = await evaluate({ store: api.store, alerts, config: api.config.alerts, log: createLogger('silent'), merge: api.config.ssvc });
    const ms = performance.now() - started;
    await new Promise((resolve) => setTimeout(resolve, 50)); // the last stall, if any, is recorded on the next tick
    clearInterval(tick);
    expect(summary.cves).toBeGreaterThan(1000);
    expect(ms).toBeGreaterThan(1000); // costly enough to have stalled the loop before
    expect(stall, `evaluation took ${ms.toFixed(0)} ms`).toBeLessThan(1000);
  }, 300_000);
});
