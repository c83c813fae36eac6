/**
 * Exactly-once with several daemons on one store (issue 12): two "processes" (each its own stores
 * on its own connection or pool, its own channels) evaluate and deliver in a loop while the real
 * CVE 5 corpus is imported in chunks through both connections at once. Every alert must be created
 * by one of them only and reach the webhook receiver exactly once; and nothing may be lost (an
 * evaluation of the whole change feed again, afterwards, makes no alert). On the back end under test.
 */
import { readdirSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type AlertsConfig, AlertsConfigFile } from '../config.ts';
import { createLogger } from '../log.ts';
import { importFiles } from '../pipeline.ts';
import { findSource } from '../sources/registry.ts';
import { openStores, type Stores } from '../store/index.ts';
import { corpusPath, hasCorpus } from '../testing/corpus.ts';
import { type Receiver, startReceiver } from '../testing/receiver.ts';
import { type TestDatabase, testDatabase } from '../testing/store.ts';
import { createChannels } from './channels/registry.ts';
import { deliverDue } from './deliver.ts';
import { evaluate } from './engine.ts';

const SECRET = 'concurrent-test-secret-0123456789';
const log = createLogger('silent');
/** Import chunks (CVE 5 files each), spread over the two connections. */
const CHUNKS = 8;

/** What one daemon did over its life. */
interface DaemonTally {
  created: number[];
  passes: number;
  messages: number;
  sent: number;
  claimedElsewhere: number;
}

describe.skipIf(!hasCorpus())('two daemons on one store, at once', () => {
  let target: TestDatabase;
  let a: Stores;
  let b: Stores;
  let receiver: Receiver;
  let config: AlertsConfig;
  const settings = () => ({
    hook: { type: 'webhook', url: `${receiver.baseUrl}/webhook/all`, secret: SECRET },
    hook2: { type: 'webhook', url: `${receiver.baseUrl}/webhook/high`, secret: SECRET },
  });

  beforeAll(async () => {
    receiver = await startReceiver({ webhookSecret: SECRET });
    config = { ...AlertsConfigFile.parse({}), channels: settings() as never };
    target = testDatabase();
    // Two connections (pools), as two processes would have.
    a = await openStores(target.database);
    b = await openStores(target.database);
    await a.alerts.upsertUser({ name: 'alice', email: null, handles: {} });
    await a.alerts.upsertWatchlist({ name: 'everything', owner: { user: 'alice' }, description: null });
    await a.alerts.addEntry({ watchlist: 'everything', kind: 'regex', value: '.', thresholds: {} });
    const sub = { target: null, mode: 'immediate', quietHours: null, timezone: 'UTC', epssAbove: 0.1, epssJump: 0.1 } as const;
    await a.alerts.upsertSubscription({ ...sub, watchlist: 'everything', channel: 'hook', events: ['new', 'changed', 'kev_added'] });
    await b.alerts.upsertWatchlist({ name: 'high', owner: { user: 'alice' }, description: null });
    await b.alerts.addEntry({ watchlist: 'high', kind: 'regex', value: '.', thresholds: { minCvss: 7 } });
    await b.alerts.upsertSubscription({ ...sub, watchlist: 'high', channel: 'hook2', events: ['new', 'kev_added'] });
  }, 60_000);

  afterAll(async () => {
    await a?.close();
    await b?.close();
    await target?.drop();
    await receiver?.close();
  });

  it('creates each alert once and delivers it exactly once, with nothing lost', async () => {
    const root = corpusPath('cve5', 'records');
    const files = readdirSync(root, { recursive: true, encoding: 'utf8' })
      .filter((f) => /CVE-\d+-\d+\.json$/.test(f))
      .sort()
      .map((f) => path.join(root, f));
    expect(files.length).toBeGreaterThan(100);
    const chunks = Array.from({ length: CHUNKS }, (_, i) => files.filter((_f, j) => j % CHUNKS === i));

    let importing = true;
    const imports = (async () => {
      try {
        // Two chunks at a time, one through each connection: change ids are taken by two writers at once.
        for (let i = 0; i < chunks.length; i += 2)
          await Promise.all(
            [a, b].map(async (s, k) => {
              const chunk = chunks[i + k];
              if (chunk) expect((await importFiles(findSource('cve5').source, chunk, { store: s.writer, log })).error ?? null).toBeNull();
            }),
          );
      } finally {
        importing = false;
      }
    })();

    async function daemon(s: Stores): Promise<DaemonTally> {
      const channels = createChannels(settings());
      const tally: DaemonTally = { created: [], passes: 0, messages: 0, sent: 0, claimedElsewhere: 0 };
      try {
        for (;;) {
          const last = !importing;
          const ev = await evaluate({ store: s.store, alerts: s.alerts, config, log });
          const d = await deliverDue({ alerts: s.alerts, channels, config, log });
          tally.created.push(...ev.alerts);
          tally.passes++;
          tally.messages += d.messages;
          tally.sent += d.sent;
          tally.claimedElsewhere += d.claimedElsewhere;
          if (last && ev.changes === 0 && d.messages === 0 && d.claimedElsewhere === 0) return tally;
          await new Promise((r) => setTimeout(r, 5));
        }
      } finally {
        for (const c of channels.values()) await c.close();
      }
    }

    const [ta, tb] = await Promise.all([daemon(a), daemon(b), imports]);
    const all = await a.alerts.listAlerts({ limit: 100_000 });
    const ids = all.map((x) => x.id).sort((x, y) => x - y);

    // Created once: the two daemons' created ids are disjoint and together every stored alert.
    const created = [...(ta as DaemonTally).created, ...(tb as DaemonTally).created].sort((x, y) => x - y);
    expect(created).toEqual(ids);
    expect(all.length).toBeGreaterThan(files.length);

    // Delivered exactly once: every alert id in exactly one webhook request, all sent on the first attempt.
    expect(receiver.rejected).toEqual([]);
    const seen = new Map<number, number>();
    for (const r of receiver.received.filter((x) => x.service === 'webhook'))
      for (const alert of (r.body as { alerts: { id: number }[] }).alerts) seen.set(alert.id, (seen.get(alert.id) ?? 0) + 1);
    const duplicates = [...seen.values()].filter((n) => n > 1).length;
    expect(duplicates).toBe(0);
    expect([...seen.keys()].sort((x, y) => x - y)).toEqual(ids);
    expect(all.every((x) => x.status === 'sent' && x.attempts === 1)).toBe(true);
    expect((ta as DaemonTally).sent + (tb as DaemonTally).sent).toBe(ids.length);
    expect(await a.alerts.alertCounts()).toEqual({ pending: 0, sent: ids.length, failed: 0 });

    // Nothing lost: the whole change feed evaluated again makes nothing new.
    await a.alerts.setState('changes', '0');
    expect((await evaluate({ store: a.store, alerts: a.alerts, config, log })).alerts).toEqual([]);

    console.info(
      `${target.database.startsWith('postgres') ? 'postgres' : 'sqlite'}: ${ids.length} alerts; created by A ${ta?.created.length}, B ${tb?.created.length}; ` +
        `sent by A ${ta?.sent} in ${ta?.messages} messages (${ta?.passes} passes), B ${tb?.sent} in ${tb?.messages} (${tb?.passes} passes); ` +
        `claimed by the other first: A ${ta?.claimedElsewhere}, B ${tb?.claimedElsewhere}; webhook requests ${receiver.received.length}; duplicates ${duplicates}`,
    );
  }, 300_000);
});
