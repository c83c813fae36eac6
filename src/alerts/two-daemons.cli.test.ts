/**
 * Two real `vigil run --once` processes started together on one store (issue 12: "exactly-once
 * alerts with two or more daemons running at once"): the CVE 5 corpus is in the change feed, both
 * evaluate it and deliver to a loopback webhook receiver at the same time. Each alert must be made
 * once and reach the receiver once. On the back end under test (a PostgreSQL schema, or one SQLite
 * file that two processes open).
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createLogger } from '../log.ts';
import { importFiles } from '../pipeline.ts';
import { findSource, registry } from '../sources/registry.ts';
import { openStores } from '../store/index.ts';
import { startCli } from '../testing/cli.ts';
import { corpusPath, hasCorpus } from '../testing/corpus.ts';
import { type Receiver, startReceiver } from '../testing/receiver.ts';
import { testDatabase } from '../testing/store.ts';

const SECRET = 'two-daemons-secret-0123456789';

describe.skipIf(!hasCorpus())('two vigil run processes at once', () => {
  const dir = mkdtempSync(path.join(tmpdir(), 'vigil-two-daemons-'));
  const config = path.join(dir, 'vigil.config.yaml');
  const target = testDatabase();
  let receiver: Receiver;

  beforeAll(async () => {
    receiver = await startReceiver({ webhookSecret: SECRET });
    // No source syncs: the daemons only evaluate the change feed and deliver.
    const sources = registry.map((r) => `  ${r.source.id}: { enabled: false }`).join('\n');
    writeFileSync(
      config,
      `database: "${target.database}"
sources:
${sources}
alerts:
  channels:
    hook: { type: webhook, url: ${receiver.baseUrl}/webhook/vigil, secret: "${SECRET}" }
  onceMaxWaitSeconds: 1
`,
    );
    const stores = await openStores(target.database);
    try {
      await stores.alerts.upsertUser({ name: 'alice', email: null, handles: {} });
      await stores.alerts.upsertWatchlist({ name: 'everything', owner: { user: 'alice' }, description: null });
      await stores.alerts.addEntry({ watchlist: 'everything', kind: 'regex', value: '.', thresholds: {} });
      await stores.alerts.upsertSubscription({ watchlist: 'everything', channel: 'hook', target: null, events: ['new'], mode: 'immediate', quietHours: null, timezone: 'UTC', epssAbove: 0.1, epssJump: 0.1 });
      const s = await importFiles(findSource('cve5').source, [corpusPath('cve5', 'records')], { store: stores.writer, log: createLogger('silent') });
      expect(s.error ?? null).toBeNull();
    } finally {
      await stores.close();
    }
  }, 120_000);

  afterAll(async () => {
    await receiver?.close();
    await target.drop();
    rmSync(dir, { recursive: true, force: true });
  });

  it('makes each alert once and delivers it once', async () => {
    const runs = [0, 1].map(() => startCli(['--config', config, 'run', '--once']));
    const results = await Promise.all(runs.map((r) => r.done));
    for (const r of results) expect(r.status, r.stderr).toBe(0);

    const stores = await openStores(target.database);
    try {
      const alerts = await stores.alerts.listAlerts({ limit: 100_000 });
      expect(alerts.length).toBeGreaterThan(100);
      const seen = new Map<number, number>();
      for (const r of receiver.received) for (const a of (r.body as { alerts: { id: number }[] }).alerts) seen.set(a.id, (seen.get(a.id) ?? 0) + 1);
      const duplicates = [...seen.values()].filter((n) => n > 1).length;
      expect(receiver.rejected).toEqual([]);
      expect(duplicates).toBe(0);
      expect([...seen.keys()].sort((a, b) => a - b)).toEqual(alerts.map((a) => a.id).sort((a, b) => a - b));
      expect(await stores.alerts.alertCounts()).toEqual({ pending: 0, sent: alerts.length, failed: 0 });
      const said = results.map((r) => r.stdout.match(/^alerts: .*$/m)?.[0] ?? r.stdout.trim());
      console.info(`${stores.backend}: ${alerts.length} alerts, ${receiver.received.length} webhook requests, duplicates ${duplicates}; process 1: ${said[0]}; process 2: ${said[1]}`);
    } finally {
      await stores.close();
    }
  }, 180_000);
});
