/**
 * `npm run bench`, part 3: alerting. Appends to bench/RESULTS.md.
 *
 * Targets (issue #3): matching 10,000 watchlist entries against 1,000 changed CVEs ≤ 1 s; from a
 * sync that brings a new matching CVE to the alert leaving Vigil ≤ 2 s.
 */
import { appendFileSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { createChannels } from '../src/alerts/channels/registry.ts';
import { evaluate } from '../src/alerts/engine.ts';
import { MatchIndex } from '../src/alerts/match.ts';
import { buildView } from '../src/analysis/view.ts';
import { loadConfig } from '../src/config.ts';
import { Daemon } from '../src/daemon.ts';
import { createLogger } from '../src/log.ts';
import type { WatchEntry } from '../src/model/alert.ts';
import type { VulnerabilityView } from '../src/model/record.ts';
import { importFiles } from '../src/pipeline.ts';
import { HttpClient } from '../src/sources/http.ts';
import { nvdApi } from '../src/sources/nvd/testing.ts';
import { findSource } from '../src/sources/registry.ts';
import { SqliteAlertStore } from '../src/store/sqlite/alerts.ts';
import { openSqliteStore } from '../src/store/sqlite/index.ts';
import { ThreadedSqliteStore } from '../src/store/sqlite/threaded.ts';
import { corpusPath } from '../src/testing/corpus.ts';
import { startReceiver } from '../src/testing/receiver.ts';
import { startUpstream } from '../src/testing/upstream.ts';

const log = createLogger('silent');
const tmp = mkdtempSync(path.join(os.tmpdir(), 'vigil-bench-alerts-'));
const lines: string[] = [];
const say = (s = '') => {
  console.log(s);
  lines.push(s);
};
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)] ?? Number.NaN;

/** A deterministic pseudo-random sequence (mulberry32), so every run uses the same entries. */
function random(seed: number): () => number {
  let a = seed;
  return () => {
    a = (a + 0x6d2b79f5) | 0;
    let t = Math.imul(a ^ (a >>> 15), 1 | a);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

say();
say('## 3. Alerting');
say();
say(`Measured ${new Date().toISOString()} (\`node --import tsx bench/alerts.ts\`, the last step of \`npm run bench\`) on the same machine.`);
say();

// --- Matching -------------------------------------------------------------------------------
const db = path.join(tmp, 'match.db');
const store = openSqliteStore(db);
for (const [source, paths] of [
  ['cve5', [corpusPath('cve5', 'records'), corpusPath('cve5', 'vulnrichment-2024-cve5.jsonl.gz')]],
  ['nvd', [corpusPath('nvd', 'nvdcve-1.1-recent.json.gz'), corpusPath('nvd', 'api2')]],
] as const)
  await importFiles(findSource(source).source, [...paths], { store, log });
const rnd = random(42);
const pick = <T>(xs: T[]): T => xs[Math.floor(rnd() * xs.length)] as T;
const pairs = store.db.prepare('SELECT DISTINCT vendor_key AS vendor, product_key AS product FROM vuln_products').all() as { vendor: string; product: string }[];
const ids = store.db.prepare('SELECT cve_id FROM vulns ORDER BY cve_id').pluck().all() as string[];
// Keywords are distinct title words, leaving out the 300 commonest ("vulnerability", "remote",
// …): a watchlist names products and technologies, not the vocabulary of every advisory.
const counts = new Map<string, number>();
for (const t of store.db.prepare('SELECT title FROM vulns WHERE title IS NOT NULL').pluck().all() as string[])
  for (const w of t.toLowerCase().split(/\s+/)) if (/^[a-z]{5,}$/.test(w)) counts.set(w, (counts.get(w) ?? 0) + 1);
const titles = [...counts].sort((a, b) => b[1] - a[1]).slice(300).map(([w]) => w);
const entries: WatchEntry[] = [];
const add = (e: Omit<WatchEntry, 'id' | 'watchlist' | 'thresholds'>) => entries.push({ ...e, id: entries.length + 1, watchlist: `w${entries.length % 500}`, thresholds: {} });
for (let i = 0; i < 4000; i++) {
  const p = pick(pairs);
  add({ kind: 'product', value: p.product, vendor: p.vendor, ...(i % 4 === 0 ? { version: `>=1.0 <${1 + (i % 20)}.0` } : {}) });
}
for (let i = 0; i < 2000; i++) add({ kind: 'vendor', value: pick(pairs).vendor });
for (let i = 0; i < 1500; i++) {
  const p = pick(pairs);
  add({ kind: 'cpe', value: `cpe:2.3:a:${p.vendor}:${p.product}:*:*:*:*:*:*:*:*` });
}
for (let i = 0; i < 1000; i++) add({ kind: 'keyword', value: pick(titles) });
for (let i = 0; i < 500; i++) add({ kind: 'purl', value: `pkg:npm/${pick(pairs).product}@1.0.0` });
for (let i = 0; i < 900; i++) add({ kind: 'cve', value: pick(ids) });
for (let i = 0; i < 100; i++) add({ kind: 'regex', value: `${pick(titles)}\\s+\\w+` });
const changed: VulnerabilityView[] = [];
for (let i = 0; i < 1000; i++) {
  const stored = await store.getVulnerability(pick(ids));
  if (stored) changed.push(buildView(stored));
}
const byKind = new Map<string, number>();
for (const e of entries) byKind.set(e.kind, (byKind.get(e.kind) ?? 0) + 1);
const kinds = [...byKind].map(([k, n]) => `${n} ${k}`).join(', ');
const runs: { build: number; match: number; matches: number; invalid: number }[] = [];
for (let r = 0; r < 5; r++) {
  const t0 = performance.now();
  const index = new MatchIndex(entries);
  const t1 = performance.now();
  let matches = 0;
  for (const v of changed) matches += index.match(v).length;
  runs.push({ build: t1 - t0, match: performance.now() - t1, matches, invalid: index.invalid.length });
}
const total = median(runs.map((r) => r.build + r.match));
say(`Matching **${entries.length} entries** (${kinds}; real vendor/product names, title words and CVE ids of the store) against **${changed.length} real CVEs** (merged records of the corpus):`);
say(`median of 5 runs: index build ${median(runs.map((r) => r.build)).toFixed(0)} ms + matching ${median(runs.map((r) => r.match)).toFixed(0)} ms = **${total.toFixed(0)} ms** (target ≤ 1,000 ms); ${runs[0]?.matches} matches; ${runs[0]?.invalid} entries refused (CPEs built from non-ASCII names).`);

// The whole evaluation: change feed → views → matching → alerts stored, for ~1,000 changed CVEs.
const alerts = new SqliteAlertStore(store);
const cfgFile = path.join(tmp, 'vigil.config.yaml');
writeFileSync(cfgFile, 'alerts:\n  channels:\n    hook: { type: webhook, url: "http://127.0.0.1:9/x", secret: "bench-secret-0123456789" }\n');
const config = loadConfig(cfgFile, {});
await alerts.upsertUser({ name: 'bench', email: null, handles: {} });
for (let w = 0; w < 500; w++) {
  await alerts.upsertWatchlist({ name: `w${w}`, owner: { user: 'bench' }, description: null });
  await alerts.upsertSubscription({ watchlist: `w${w}`, channel: 'hook', target: null, events: ['new', 'changed'], mode: 'daily', quietHours: null, timezone: 'UTC', epssAbove: 0.1, epssJump: 0.1 });
}
for (const e of entries) await alerts.addEntry({ ...e });
const lastId = await alerts.lastChangeId();
const firstOfLast1000 = store.db.prepare('SELECT min(id) FROM (SELECT min(id) AS id FROM changes GROUP BY cve_id ORDER BY id DESC LIMIT 1000)').pluck().get() as number;
await alerts.setState('changes', String(firstOfLast1000 - 1));
const ev = await evaluate({ store, alerts, config: config.alerts, log });
say(`Full evaluation of the change feed for ${ev.cves} changed CVEs (${ev.changes} change rows up to #${lastId}; views built from the store, ${entries.length} entries in 500 watchlists, alerts stored): **${ev.durationMs} ms**, ${ev.alerts.length} alerts.`);
await store.close();

// --- Sync → alert latency -------------------------------------------------------------------
const receiver = await startReceiver({ webhookSecret: 'bench-secret-0123456789' });
const record = JSON.parse(readFileSync(corpusPath('nvd', 'api2', 'records', 'CVE-2024-1709.json'), 'utf8')) as Record<string, unknown>;
let served: Record<string, unknown>[] = [];
const upstream = await startUpstream({ '/rest/json/cves/2.0': nvdApi(() => served as never, { apiKeys: [] }) });
const cfg2 = path.join(tmp, 'latency.yaml');
writeFileSync(
  cfg2,
  `database: ${path.join(tmp, 'latency.db')}
sources:
  nvd: { baseUrl: "${upstream.baseUrl}/rest/json/cves/2.0", since: "${new Date(Date.now() - 3600e3).toISOString()}", rateLimit: { requests: 100, perSeconds: 1 } }
alerts:
  channels:
    hook: { type: webhook, url: "${receiver.baseUrl}/webhook/bench", secret: "bench-secret-0123456789" }
`,
);
const c2 = loadConfig(cfg2, {});
const reader = openSqliteStore(c2.database);
const writer = new ThreadedSqliteStore(c2.database);
const a2 = new SqliteAlertStore(reader);
for (const [source, paths] of [
  ['cve5', [corpusPath('cve5', 'records')]],
  ['nvd', [corpusPath('nvd', 'api2')]],
] as const)
  await importFiles(findSource(source).source, [...paths], { store: writer, log });
await a2.upsertUser({ name: 'bench', email: null, handles: {} });
await a2.upsertWatchlist({ name: 'remote-access', owner: { user: 'bench' }, description: null });
await a2.addEntry({ watchlist: 'remote-access', kind: 'product', value: 'screenconnect', vendor: 'connectwise', thresholds: {} });
await a2.upsertSubscription({ watchlist: 'remote-access', channel: 'hook', target: null, events: ['new'], mode: 'immediate', quietHours: null, timezone: 'UTC', epssAbove: 0.1, epssJump: 0.1 });
const channels = createChannels(c2.alerts.channels);
const daemon = new Daemon({ config: c2, log, writer, reader, alerts: a2, channels, http: new HttpClient() });
await daemon.alertPass(); // baseline: the corpus import itself is not measured
const latencies: { sync: number; toAlert: number }[] = [];
for (let i = 0; i < 5; i++) {
  // The previous sync's cursor is its start time: wait past it, then publish a record just before now.
  await new Promise((r) => setTimeout(r, 1200));
  const before = receiver.received.length;
  const stamp = new Date(Date.now() - 300).toISOString().slice(0, 23);
  served = [{ ...record, id: `CVE-2099-${String(9000 + i)}`, published: stamp, lastModified: stamp }];
  const t0 = performance.now();
  const sync = daemon.syncOne('nvd');
  while (receiver.received.length === before) await new Promise((r) => setTimeout(r, 1));
  const t1 = performance.now();
  await sync;
  latencies.push({ sync: t1 - t0, toAlert: t1 - t0 });
}
say(`From \`vigil run\` starting an NVD sync (loopback NVD API serving one new real record, CVE-2024-1709's, under a new id) to the signed webhook received: median **${median(latencies.map((l) => l.toAlert)).toFixed(0)} ms**, max ${Math.max(...latencies.map((l) => l.toAlert)).toFixed(0)} ms over ${latencies.length} runs (target ≤ 2,000 ms; includes the NVD request, merge, store, evaluation and the plain-HTTP POST on loopback).`);
say();
await daemon.stop();
await writer.close();
await reader.close();
for (const c of channels.values()) await c.close();
await Promise.all([receiver.close(), upstream.close()]);
rmSync(tmp, { recursive: true, force: true });
if (!process.env.BENCH_NO_WRITE) appendFileSync(path.join('bench', 'RESULTS.md'), `${lines.join('\n')}\n`);
