/**
 * Plain daemons sharing one PostgreSQL store (two `vigil run` or `vigil serve` started at once):
 * only the holder of the schedules lock fires schedules, so a source is synced once, not twice;
 * when the leader goes, a follower takes over. PostgreSQL only (advisory locks; a SQLite store
 * has one daemon), so it runs on PostgreSQL whatever VIGIL_TEST_DB says.
 */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../config.ts';
import { Daemon } from '../daemon.ts';
import { createLogger } from '../log.ts';
import { HttpClient } from '../sources/http.ts';
import { openStores, type Stores } from '../store/index.ts';
import { corpusPath, hasCorpus } from '../testing/corpus.ts';
import { otherSourcesOff } from '../testing/sources.ts';
import { TEST_BACKEND, testDatabase } from '../testing/store.ts';
import { startUpstream } from '../testing/upstream.ts';
import { electLeader } from './leader.ts';

const dir = mkdtempSync(path.join(tmpdir(), 'vigil-leader-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
const log = createLogger('silent');
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

// PostgreSQL by nature (the job queue): runs in the PostgreSQL pass (npm run test:pg), not again in the SQLite one.
describe.skipIf(TEST_BACKEND !== 'postgres')('schedules leadership on PostgreSQL', () => {
  it('one process leads; when it goes, a follower takes over', async () => {
    const target = testDatabase('postgres');
    const changes: string[] = [];
    const a = await electLeader(target.database, log, { retrySeconds: 0.2, onChange: (v) => changes.push(`a:${v}`) });
    const b = await electLeader(target.database, log, { retrySeconds: 0.2, onChange: (v) => changes.push(`b:${v}`) });
    // Another store's schema in the same database has its own lock.
    const other = testDatabase('postgres');
    const c = await electLeader(other.database, log, { retrySeconds: 0.2 });
    try {
      expect([a.isLeader, b.isLeader, c.isLeader]).toEqual([true, false, true]);
      await a.close();
      for (let i = 0; i < 50 && !b.isLeader; i++) await sleep(100);
      expect(b.isLeader).toBe(true);
      expect(changes).toEqual(['a:true', 'b:true']);
    } finally {
      await Promise.all([a.close(), b.close(), c.close()]);
      await Promise.all([target.drop(), other.drop()]);
    }
  });

  it.skipIf(!hasCorpus())('two daemons started at once sync a source once', async () => {
    const upstream = await startUpstream({
      '/kev.json': (_req, res) => {
        res.setHeader('content-type', 'application/json');
        res.end(readFileSync(corpusPath('cisa-kev', 'known_exploited_vulnerabilities.json')));
        return true;
      },
    });
    const target = testDatabase('postgres');
    const file = path.join(dir, 'vigil.config.yaml');
    writeFileSync(file, `database: "${target.database}"\nsources:\n  kev: { url: "${upstream.baseUrl}/kev.json" }\n${otherSourcesOff(['kev'])}`);
    const config = loadConfig(file, {});
    const opened: Stores[] = [];
    const daemons: Daemon[] = [];
    try {
      for (let i = 0; i < 2; i++) {
        const stores = await openStores(target.database);
        opened.push(stores);
        daemons.push(new Daemon({ config, log, writer: stores.writer, reader: stores.store, alerts: stores.alerts, channels: new Map(), http: new HttpClient() }));
      }
      for (const d of daemons) d.start();
      const store = opened[0]?.store;
      for (let i = 0; i < 300 && !(await store?.getSourceState('kev'))?.lastSuccess; i++) await sleep(100);
      expect((await store?.getSourceState('kev'))?.lastSuccess).toBeTruthy();
      await sleep(1500);
      expect(upstream.requests.filter((r) => r.startsWith('/kev.json'))).toHaveLength(1);
      expect(daemons.map((d) => d.leads).sort()).toEqual([false, true]);
    } finally {
      for (const d of daemons) await d.stop();
      for (const s of opened) await s.close();
      await Promise.all([target.drop(), upstream.close()]);
    }
  }, 120_000);
});
