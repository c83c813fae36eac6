/**
 * The exposure index's recursive CTE (store/sqlite/exposure.ts, store/postgres/exposure.ts)
 * against the TypeScript reference (exposure/window.ts `referenceExposure`) on the real CVE 5
 * records of the corpus (400 CVEs, 2012–2024): scope `all`, a watchlist's and a team's scope
 * resolved through the alert matcher, and the open series after the alert engine made real
 * alerts and some were triaged fixed or ignored. On the back end under test.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { evaluate } from '../alerts/engine.ts';
import { headline } from '../alerts/render.ts';
import { importWatchlistFile } from '../alerts/watchlist-file.ts';
import { loadConfig, type VigilConfig } from '../config.ts';
import { createLogger } from '../log.ts';
import type { Alert } from '../model/alert.ts';
import { importFiles } from '../pipeline.ts';
import { findSource } from '../sources/registry.ts';
import { corpusPath, hasCorpus } from '../testing/corpus.ts';
import { openTestStores, type TestStores } from '../testing/store.ts';
import { evaluateExposureAlerts } from './alert.ts';
import { parseScope, resolveScope } from './scope.ts';
import type { ExposurePoint } from './types.ts';
import { addDays, type ExposureInput, exposureWindow, referenceExposure } from './window.ts';

const log = createLogger('silent');
const UNTIL = '2024-12-31';

/** Relative difference of two numbers (0 when both are 0). */
const rel = (a: number, b: number) => (a === b ? 0 : Math.abs(a - b) / Math.max(Math.abs(a), Math.abs(b)));

/** The largest relative difference between two series, which must cover the same days. */
function maxDiff(sql: ExposurePoint[], ref: ExposurePoint[]): number {
  expect(sql.map((p) => p.date)).toEqual(ref.map((p) => p.date));
  let worst = 0;
  for (const [i, p] of sql.entries()) {
    const r = ref[i] as ExposurePoint;
    for (const k of ['score', 'exposure', 'openScore', 'openExposure'] as const) worst = Math.max(worst, rel(p[k], r[k]));
  }
  return worst;
}

describe.skipIf(!hasCorpus())('exposure index: recursive CTE vs reference, real CVE 5 records', () => {
  const dir = mkdtempSync(path.join(tmpdir(), 'vigil-exposure-'));
  let stores: TestStores;
  let config: VigilConfig;
  /** Every stored CVE, as the reference reads it. */
  let rows: (ExposureInput & { id: string })[];
  let first: string;

  beforeAll(async () => {
    writeFileSync(path.join(dir, 'vigil.config.yaml'), 'alerts:\n  channels:\n    mail: { type: email, host: 127.0.0.1, port: 9, from: vigil@example.org }\n');
    config = loadConfig(path.join(dir, 'vigil.config.yaml'), {});
    stores = await openTestStores();
    writeFileSync(
      path.join(dir, 'watch.yaml'),
      `users:
  - { name: alice, email: alice@example.org }
teams:
  - { name: sec, members: [alice] }
watchlists:
  - name: ms
    owner: { team: sec }
    entries: [{ vendor: Microsoft }]
    subscriptions: [{ channel: mail }]
  - name: edge
    owner: { team: sec }
    entries: [{ vendor: Fortinet }, { vendor: Ivanti }, { keyword: remote code execution, minSeverity: CRITICAL }]
    subscriptions: [{ channel: mail }]
  - name: mine
    owner: { user: alice }
    entries: [{ vendor: Google }]
    subscriptions: [{ channel: mail }]
`,
    );
    await importWatchlistFile(path.join(dir, 'watch.yaml'), stores.alerts, config.alerts);
    const summary = await importFiles(findSource('cve5').source, [corpusPath('cve5', 'records')], { store: stores.store, log });
    expect(summary.stored).toBeGreaterThan(300);
    await evaluate({ store: stores.store, alerts: stores.alerts, config: config.alerts, log, merge: config.ssvc });
    const ranked = await stores.store.rank({ includeRejected: true, limit: 10_000 });
    rows = ranked.map((r) => ({ id: r.id, published: r.published, priority: r.priority, state: r.state }));
    expect(rows.length).toBe(summary.stored);
    first = rows.map((r) => r.published?.slice(0, 10) ?? '9999').sort()[0] as string;
  }, 180_000);

  afterAll(async () => {
    await stores?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('scope all: every day from the first published CVE equals the reference, for several half-lives', async () => {
    for (const halfLifeDays of [1, 7, 30, 365.25]) {
      const sql = await stores.exposure.exposure({ cves: null, watchlists: null, since: first, until: UNTIL, halfLifeDays });
      const ref = referenceExposure(rows, exposureWindow({ since: first, until: UNTIL, halfLifeDays }));
      expect(sql.length).toBeGreaterThan(4000);
      expect(maxDiff(sql, ref)).toBeLessThan(1e-9);
    }
    // No alert triaged yet: the open series is the whole series.
    const pts = await stores.exposure.exposure({ cves: null, watchlists: null, since: first, until: UNTIL });
    expect(pts.every((p) => p.openExposure === p.exposure)).toBe(true);
  });

  it('a window after the first CVE still carries everything before it (recursion from the beginning)', async () => {
    const whole = await stores.exposure.exposure({ cves: null, watchlists: null, since: first, until: UNTIL });
    const tail = await stores.exposure.exposure({ cves: null, watchlists: null, since: '2024-06-01', until: UNTIL });
    expect(tail[0]?.date).toBe('2024-06-01');
    expect(tail).toEqual(whole.filter((p) => p.date >= '2024-06-01'));
    expect(tail[0]?.exposure).toBeGreaterThan(0);
    // Days without CVEs decay by exactly 2^(-1/H).
    const quiet = whole.find((p, i) => i > 0 && p.score === 0 && (whole[i - 1]?.exposure ?? 0) > 0) as ExposurePoint;
    const before = whole[whole.indexOf(quiet) - 1] as ExposurePoint;
    expect(rel(quiet.exposure, before.exposure * 2 ** (-1 / 30))).toBeLessThan(1e-12);
  });

  it('a window before any CVE starts at since with zeros; REJECTED and unpublished CVEs never count', async () => {
    const early = await stores.exposure.exposure({ cves: null, watchlists: null, since: addDays(first, -10), until: addDays(first, -1) });
    expect(early).toHaveLength(10);
    expect(early.every((p) => p.score === 0 && p.exposure === 0)).toBe(true);
    const rejected = rows.filter((r) => r.state === 'REJECTED' || r.published === null).map((r) => r.id);
    const pts = await stores.exposure.exposure({ cves: rejected, watchlists: [], since: first, until: UNTIL });
    expect(pts.every((p) => p.exposure === 0)).toBe(true);
  });

  it('watchlist and team scopes: the matcher’s CVEs, and the open series once alerts are triaged fixed or ignored', async () => {
    const ms = await resolveScope(stores, parseScope('watchlist:ms'), config.ssvc);
    const team = await resolveScope(stores, parseScope('team:sec'), config.ssvc);
    // The CVEs the engine alerted on for each watchlist are the scope's (same matcher).
    const alertedOf = async (watchlist: string) => [...new Set((await stores.triage.listInbox({ watchlist, limit: 10_000 })).map((a) => a.cveId))].sort();
    expect(ms.cves).toEqual(await alertedOf('ms'));
    const edge = { cves: await alertedOf('edge'), watchlists: ['edge'] };
    expect((ms.cves ?? []).length).toBeGreaterThan(20);
    expect(team.cves).toEqual([...new Set([...(ms.cves ?? []), ...edge.cves])].sort());
    expect(team.watchlists).toEqual(['edge', 'ms']);

    // Triage: every other Microsoft alert fixed or ignored; one Fortinet alert only triaged (still open).
    const inbox = await stores.triage.listInbox({ watchlist: 'ms', limit: 10_000 });
    for (const [i, a] of inbox.entries()) if (i % 2 === 0) await stores.triage.updateTriage(a.id, { triage: i % 4 === 0 ? 'fixed' : 'ignored' });
    const edgeInbox = await stores.triage.listInbox({ watchlist: 'edge', limit: 10_000 });
    await stores.triage.updateTriage((edgeInbox[0] as { id: number }).id, { triage: 'triaged' });

    // Closed: all its alerts in the scope's watchlists (any, for `all`) are fixed or ignored.
    const all = await stores.triage.listInbox({ limit: 10_000 });
    const closedIn = (lists: string[] | null) => {
      const by = new Map<string, boolean>();
      for (const a of all)
        if (lists === null || (a.watchlist !== null && lists.includes(a.watchlist)))
          by.set(a.cveId, (by.get(a.cveId) ?? true) && (a.triage === 'fixed' || a.triage === 'ignored'));
      return new Set([...by].filter(([, closed]) => closed).map(([id]) => id));
    };
    const check = async (cves: string[] | null, watchlists: string[] | null, halfLifeDays: number) => {
      const closed = closedIn(watchlists);
      const inScope = cves === null ? rows : rows.filter((r) => cves.includes(r.id));
      const sql = await stores.exposure.exposure({ cves, watchlists, since: first, until: UNTIL, halfLifeDays });
      const ref = referenceExposure(
        inScope.map((r) => ({ ...r, open: !closed.has(r.id) })),
        exposureWindow({ since: first, until: UNTIL, halfLifeDays }),
      );
      expect(maxDiff(sql, ref)).toBeLessThan(1e-9);
      return { sql, closed };
    };
    const a = await check(null, null, 30);
    expect(a.closed.size).toBeGreaterThan(5);
    expect(a.sql.at(-1)?.openExposure).toBeLessThan(a.sql.at(-1)?.exposure as number);
    const m = await check(ms.cves, ms.watchlists, 14);
    expect(m.closed.size).toBe(a.closed.size);
    await check(edge.cves, edge.watchlists, 90);
    await check(team.cves, team.watchlists, 30);
    // Microsoft alerts triaged in `ms` do not close a CVE for a scope whose watchlists are others'.
    const other = await check(ms.cves, ['mine'], 30);
    expect(other.sql.every((p) => p.openExposure === p.exposure)).toBe(true);
  });

  it('a resolved scope is kept while the store generation and the entries stay as they were; a new entry resolves it again', async () => {
    const first = await resolveScope(stores, parseScope('watchlist:mine'), config.ssvc);
    expect(await resolveScope(stores, parseScope('watchlist:mine'), config.ssvc)).toBe(first);
    // Without the store's generation (no stats), nothing is kept: the same answer, computed again.
    const fresh = await resolveScope({ store: stores.store, alerts: stores.alerts }, parseScope('watchlist:mine'), config.ssvc);
    expect(fresh).not.toBe(first);
    expect(fresh).toEqual(first);
    // A new entry: resolved again, with the CVEs it adds.
    const entry = await stores.alerts.addEntry({ watchlist: 'mine', kind: 'vendor', value: 'Microsoft', thresholds: {} });
    try {
      const wider = await resolveScope(stores, parseScope('watchlist:mine'), config.ssvc);
      const ms = await resolveScope(stores, parseScope('watchlist:ms'), config.ssvc);
      expect(wider.cves).toEqual([...new Set([...(first.cves ?? []), ...(ms.cves ?? [])])].sort());
    } finally {
      await stores.alerts.removeEntry(entry.id);
    }
    expect(await resolveScope(stores, parseScope('watchlist:mine'), config.ssvc)).toBe(first);
  });

  it('refuses a half-life ≤ 0, a malformed date and an inverted window (VIGIL_INPUT_FORMAT)', async () => {
    const q = { cves: null, watchlists: null };
    for (const bad of [
      { halfLifeDays: 0 },
      { halfLifeDays: -3 },
      { halfLifeDays: Number.NaN },
      { since: '2024-02-30', until: UNTIL },
      { since: '2024/01/01', until: UNTIL },
      { since: '2024-03-01', until: '2024-02-01' },
    ])
      await expect(stores.exposure.exposure({ ...q, ...bad })).rejects.toMatchObject({ code: 'VIGIL_INPUT_FORMAT' });
    await expect(resolveScope(stores, parseScope('watchlist:nope'))).rejects.toMatchObject({ code: 'VIGIL_NOT_FOUND' });
    await expect(resolveScope(stores, parseScope('team:nope'))).rejects.toMatchObject({ code: 'VIGIL_NOT_FOUND' });
  });

  it('exposure alert: one when the watchlist’s index rises past the threshold, none while it stays above, none twice', async () => {
    const ms = await resolveScope(stores, parseScope('watchlist:ms'), config.ssvc);
    const pts = await stores.exposure.exposure({ cves: ms.cves, watchlists: ms.watchlists, since: first, until: UNTIL });
    // The day of the largest jump; the threshold just above the day before.
    const d = pts.reduce((best, p, i) => (i > 0 && p.score > (pts[best]?.score ?? 0) ? i : best), 1);
    const [prev, day, next] = [pts[d - 1], pts[d], pts[d + 1]] as [ExposurePoint, ExposurePoint, ExposurePoint];
    const threshold = prev.exposure + (day.exposure - prev.exposure) * 0.01;
    expect(day.exposure).toBeGreaterThan(threshold);
    expect(next.exposure).toBeGreaterThan(threshold); // still above the next day
    const sub = await stores.alerts.upsertSubscription({
      watchlist: 'ms',
      channel: 'mail',
      target: 'soc@example.org',
      events: ['exposure'],
      mode: 'immediate',
      quietHours: null,
      timezone: 'UTC',
      epssAbove: 0.5,
      epssJump: 0.2,
      exposureAbove: threshold,
    });
    expect((await stores.alerts.getWatchlist('ms'))?.subscriptions.find((x) => x.id === sub.id)?.exposureAbove).toBe(threshold);
    const run = (date: string) =>
      evaluateExposureAlerts({ stores, config: config.alerts, halfLifeDays: 30, merge: config.ssvc, log, now: () => new Date(`${date}T12:00:00Z`) });

    expect(await run(prev.date)).toEqual([]); // not above yet
    const made = await run(day.date);
    expect(made).toHaveLength(1);
    const alert = await stores.alerts.getAlert(made[0] as number);
    expect(alert).toMatchObject({
      subscriptionId: sub.id,
      watchlist: 'ms',
      cveId: 'exposure:ms',
      event: 'exposure',
      eventKey: `exposure:${day.date}`,
      recipients: ['soc@example.org'],
    });
    expect(alert?.facts.title).toContain(`rose past ${Math.round(threshold * 100) / 100}`);
    expect(alert?.facts.description).toContain(String(Math.round(day.exposure * 100) / 100));
    expect(headline(alert as Alert)).toBe(alert?.facts.title); // no CVE severity in front
    // The CVEs weighing most: Microsoft CVEs of the scope, the day's own first.
    expect(alert?.facts.products.length).toBeGreaterThan(0);
    for (const id of alert?.facts.products ?? []) expect(ms.cves).toContain(id);
    expect(await run(day.date)).toEqual([]); // none twice
    expect(await run(next.date)).toEqual([]); // already above
    const all = await stores.triage.listInbox({ watchlist: 'ms', limit: 10_000 });
    expect(all.filter((a) => a.event === 'exposure')).toHaveLength(1);
  });
});
