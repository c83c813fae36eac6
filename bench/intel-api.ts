/**
 * Intel collection vs the API (issue 13): "a collection cycle over 50 sources does not block the
 * API (p99 unchanged within noise)".
 *
 * - A loopback news site in its own process (this file with `--site`): 6 instances of
 *   src/testing/intel-site.ts `startIntelSite`, each serving the 9 real corpus feeds of
 *   news/feeds with an article page per item, so 54 feeds on 6 origins (different article URLs);
 *   the first 50 become intel feed sources (`fetchArticles: 'always'`: every item's page is fetched
 *   and read by readability; `minDelaySeconds: 0`).
 * - The API in its own process (bench/intel-api-server.ts through bench/api.ts `serve`), which
 *   also runs the collection of the 50 sources in the same process on a signal, as `vigil serve`'s
 *   daemon does.
 * - autocannon in this process: `GET /api/v1/cves/{id}` over 1,000 ids at a fixed rate, 15 s
 *   each: baseline, then with the collection started at the same moment, then baseline again.
 *
 * Store: `BENCH_STORE=FILE` (the 300k-record store of bench/api.ts, built there when missing), else
 * the real corpus imported into a temporary file (corpusPlan, ~30 s).
 * Usage: node --import tsx bench/intel-api.ts [--rate N] [--seconds N]
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { createInterface } from 'node:readline';
import { corpusPlan } from '../src/cli/demo.ts';
import { parseFeed } from '../src/intel/feeds/parse.ts';
import { validateSource } from '../src/intel/sources/schema.ts';
import { openStores } from '../src/store/index.ts';
import { corpusDir, corpusPath } from '../src/testing/corpus.ts';
import { type IntelSite, startIntelSite } from '../src/testing/intel-site.ts';
import { type Load, load, prepare, type Server, serve, storeFile } from './api.ts';
import { importStep, pct } from './scale.ts';

const SITES = 6;
const SOURCES = 50;

function arg(name: string, fallback: number): number {
  const i = process.argv.indexOf(name);
  return i > 0 ? Number(process.argv[i + 1]) : fallback;
}

/** The corpus feeds: file, upstream origin (of its first item's link) and the path served. */
function corpusFeeds(): { file: string; origin: string; path: string }[] {
  const dirs = ['tsummey_cyberdash', 'b2ngyon_ainews_fixtures'];
  return dirs.flatMap((d) =>
    readdirSync(corpusPath('news/feeds', d))
      .filter((f) => f.endsWith('.xml'))
      .map((f) => {
        const file = corpusPath('news/feeds', d, f);
        const first = parseFeed(readFileSync(file), 'https://example.com/').items.find((i) => i.url)?.url ?? 'https://example.com/';
        return { file, origin: new URL(first).origin, path: `/feeds/${f.replace(/\.xml$/, '')}` };
      }),
  );
}

/** `--site`: starts the sites, prints their feed URLs as one JSON line, serves until killed. */
async function siteMain(): Promise<void> {
  const feeds = corpusFeeds();
  const sites: IntelSite[] = [];
  for (let i = 0; i < SITES; i++) sites.push(await startIntelSite(feeds));
  const urls = sites.flatMap((s) => feeds.map((f) => s.feedUrl(f.file)));
  const items = feeds.reduce((n, f) => n + (sites[0]?.items(f.file).length ?? 0), 0);
  console.log(JSON.stringify({ urls, itemsPerSite: items }));
  process.once('SIGTERM', () => void Promise.all(sites.map((s) => s.close())).then(() => process.exit(0)));
}

/** The site process and its feed URLs. */
async function startSites(): Promise<{ child: ChildProcess; urls: string[]; itemsPerSite: number }> {
  const child = spawn(process.execPath, ['--import', 'tsx', 'bench/intel-api.ts', '--site'], { stdio: ['ignore', 'pipe', 'inherit'] });
  const line = await new Promise<string>((resolve, reject) => {
    createInterface({ input: child.stdout as NodeJS.ReadableStream }).once('line', resolve);
    child.once('exit', (code) => reject(new Error(`site process exited (${code})`)));
  });
  return { child, ...(JSON.parse(line) as { urls: string[]; itemsPerSite: number }) };
}

/** The store served: BENCH_STORE (300k records), else the real corpus in a temporary file. */
async function benchStore(dir: string): Promise<{ file: string; label: string }> {
  if (process.env.BENCH_STORE) return { file: await storeFile(), label: `BENCH_STORE ${process.env.BENCH_STORE}` };
  const file = path.join(dir, 'corpus.db');
  const stores = await openStores(file);
  try {
    for (const step of corpusPlan(corpusDir)) await importStep(stores.store, step.source, step.paths);
  } finally {
    await stores.close();
  }
  return { file, label: 'the real corpus (corpusPlan) in a temporary SQLite file' };
}

/** Adds the feed sources (validated as `vigil intel sources add` does, loopback allowed). */
async function addSources(file: string, urls: string[]): Promise<void> {
  const stores = await openStores(file);
  try {
    const policy = { allowHosts: ['127.0.0.1'], torProxy: 'socks5h://127.0.0.1:9050' };
    for (const [i, url] of urls.entries())
      await stores.intel.saveSource(
        validateSource({ name: `bench-${i + 1}`, kind: 'feed', url, fetchArticles: 'always', minDelaySeconds: 0, minContentLength: 100 }, policy, new Date()),
      );
  } finally {
    await stores.close();
  }
}

interface Collected {
  sources: number;
  failed: number;
  documents: number;
  created: number;
  requests: number;
  itemErrors: number;
  firstError: string | null;
  seconds: number;
  cpuSeconds: number;
  loopDelayMs: { p50: number; p99: number; max: number };
}

/** Starts the collection in the server (SIGUSR2); resolves with its `COLLECTED` line. */
function collect(server: Server): Promise<Collected> {
  const done = new Promise<Collected>((resolve) => {
    const rl = createInterface({ input: server.child.stdout as NodeJS.ReadableStream });
    rl.on('line', (line) => {
      if (!line.startsWith('COLLECTED ')) return;
      rl.close();
      resolve(JSON.parse(line.slice('COLLECTED '.length)) as Collected);
    });
  });
  server.child.kill('SIGUSR2');
  return done;
}

const f2 = (x: number) => (x < 10 ? x.toFixed(2) : x.toFixed(1));
function row(label: string, r: Load, loadAvg: number): string {
  const l = r.latencies;
  return `| ${label} | ${r.responses} | ${(r.responses / r.seconds).toFixed(0)} | ${f2(pct(l, 50))} | ${f2(pct(l, 90))} | ${f2(pct(l, 99))} | ${f2(l.reduce((a, b) => Math.max(a, b), 0))} | ${r.non2xx + r.errors} | ${Number.isNaN(r.serverCpu) ? '–' : `${((100 * r.serverCpu) / r.seconds).toFixed(0)} %`} | ${loadAvg.toFixed(1)} |`;
}

async function main(): Promise<void> {
  const rate = arg('--rate', 1000);
  const seconds = arg('--seconds', 15);
  const dir = mkdtempSync(path.join(os.tmpdir(), 'vigil-bench-intel-api-'));
  const sites = await startSites();
  let server: Server | null = null;
  try {
    const store = await benchStore(dir);
    const { ids, token, cves } = await prepare(store.file);
    await addSources(store.file, sites.urls.slice(0, SOURCES));
    server = await serve(store.file, null, { readers: 0, script: 'bench/intel-api-server.ts' });
    const hot = ids.slice(0, 1000);
    let n = 0;
    const next = () => `/api/v1/cves/${hot[n++ % hot.length]}`;
    const o = { connections: 10, seconds, rate };
    console.log(
      `Intel collection vs API, Node ${process.version}, ${os.availableParallelism()} cores; load average ${os.loadavg()[0]?.toFixed(1)} at the start`,
    );
    console.log(
      `store: ${store.label}, ${cves} CVEs; ${SOURCES} feed sources over ${SITES} loopback sites × 9 corpus feeds (${sites.itemsPerSite} items per site)`,
    );
    await load(server, token, next, { ...o, seconds: 3 }); // warm-up, not reported
    const l0 = os.loadavg()[0] ?? 0;
    const before = await load(server, token, next, o);
    const l1 = os.loadavg()[0] ?? 0;
    const collection = collect(server);
    const during = await load(server, token, next, o);
    const l2 = os.loadavg()[0] ?? 0;
    const c = await collection;
    const after = await load(server, token, next, o);
    const l3 = os.loadavg()[0] ?? 0;
    console.log('');
    console.log(
      `| \`GET /api/v1/cves/{id}\`, 1,000 ids, 10 connections, ${rate}/s, ${seconds} s | responses | req/s | p50 ms | p90 ms | p99 ms | max ms | errors | server CPU | load avg |`,
    );
    console.log('|---|---|---|---|---|---|---|---|---|---|');
    console.log(row('baseline', before, (l0 + l1) / 2));
    console.log(row(`during the collection (started with the run; it took ${c.seconds.toFixed(1)} s)`, during, (l1 + l2) / 2));
    // At a fixed rate responses come in order of time: the first seconds × rate of them are those of the collection.
    const share = Math.min(during.responses, Math.round(c.seconds * rate));
    const overlap: Load = { ...during, responses: share, seconds: share / rate, latencies: during.latencies.slice(0, share), serverCpu: Number.NaN };
    console.log(row(`same run, its first ${share} responses (~ the collection's ${c.seconds.toFixed(1)} s)`, overlap, (l1 + l2) / 2));
    console.log(row('baseline again, after it', after, (l2 + l3) / 2));
    console.log('');
    console.log(
      `collection: ${c.sources} sources (${c.failed} failed), ${c.requests} requests, ${c.documents} documents (${c.created} created), ${c.itemErrors} item errors${c.firstError ? ` (first: ${c.firstError})` : ''}; ${c.seconds.toFixed(1)} s wall, ${c.cpuSeconds.toFixed(1)} s CPU of the server process (${(c.documents / c.seconds).toFixed(0)} documents/s)`,
    );
    console.log(`server event loop delay during the collection: p50 ${c.loopDelayMs.p50} ms, p99 ${c.loopDelayMs.p99} ms, max ${c.loopDelayMs.max} ms`);
  } finally {
    await server?.stop();
    sites.child.kill('SIGTERM');
    rmSync(dir, { recursive: true, force: true });
  }
}

if (process.argv.includes('--site')) await siteMain();
else await main();
