/**
 * `npm run bench`, part 4: the API and the dashboard, served by the real `vigil serve` process
 * (bin/vigil.js, built) over the 300k-record store. Appends to bench/RESULTS.md.
 *
 * Targets (issue #4): `GET /api/v1/cves/{id}` p99 ≤ 10 ms at ≥ 2,000 requests/s; search p95
 * ≤ 50 ms; dashboard JavaScript ≤ 300 KB gzipped; first meaningful paint ≤ 1 s on loopback.
 *
 * Environment: `BENCH_STORE=FILE` serves that store (built there first when missing, kept
 * afterwards) instead of building one in a temp folder; `BENCH_CPU_PROF=DIR` runs the server
 * with `--cpu-prof` into DIR; `BENCH_NO_WRITE=1` leaves RESULTS.md alone.
 */
import { type ChildProcess, execFileSync, spawn } from 'node:child_process';
import { appendFileSync, existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import os from 'node:os';
import path from 'node:path';
import { createInterface } from 'node:readline';
import { pathToFileURL } from 'node:url';
import { gzipSync } from 'node:zlib';
import { hashPassword, newApiToken, tokenHash } from '../src/api/auth/credentials.ts';
import { openStores } from '../src/store/index.ts';
import { CHROMIUM, launchChromium } from '../src/testing/browser.ts';
import { importScaleStore, pct, replicateInput } from './scale.ts';

/** The part of autocannon's programmatic API used here (the package ships no types). */
interface AutocannonOptions {
  url: string;
  connections: number;
  duration: number;
  overallRate?: number;
  headers: Record<string, string>;
  requests: { method: string; setupRequest: (req: Record<string, unknown>) => Record<string, unknown> }[];
  setupClient: (client: { on(event: 'response', fn: (status: number, bytes: number, durationMs: number) => void): void }) => void;
}
type Autocannon = (o: AutocannonOptions) => Promise<{ duration: number; non2xx: number; errors: number; timeouts: number }>;
const autocannon = createRequire(import.meta.url)('autocannon') as Autocannon;

const tmp = mkdtempSync(path.join(os.tmpdir(), 'vigil-bench-api-'));
// Also when only imported for its helpers (bench/search-load.ts, bench/pg.ts): serve() writes its config here.
process.once('exit', () => rmSync(tmp, { recursive: true, force: true }));
const lines: string[] = [];
const say = (s = '') => {
  console.log(s);
  lines.push(s);
};
const ms = (x: number) => (x < 10 ? x.toFixed(2) : x.toFixed(1));
const USER = 'bench-analyst';
const PASSWORD = 'bench password, loopback only';
/** Realistic searches: vendors, products, weakness classes and attack words. */
export const QUERIES = [
  'microsoft|apache|wordpress plugin|remote code execution|sql injection|cross-site scripting|linux kernel|google chrome|openssl|buffer overflow',
  'privilege escalation|denial of service|fortinet fortios|cisco ios|palo alto pan-os|ivanti|jenkins|gitlab|log4j|apache struts|path traversal',
  'authentication bypass|use after free|deserialization|server-side request forgery|php|android|vmware|citrix|exchange server',
]
  .join('|')
  .split('|');

/** The store to serve: `BENCH_STORE`, or the 300k store built from the corpus (bench/scale.ts). */
export async function storeFile(): Promise<string> {
  const file = process.env.BENCH_STORE ?? path.join(tmp, 'big.db');
  if (existsSync(file)) return file;
  console.log(`building the 300k-record store in ${file} (a few minutes)…`);
  replicateInput(tmp);
  await importScaleStore(tmp, file);
  return file;
}

/**
 * Adds the analyst account and a read-scoped API token to `database` (a SQLite file or a
 * PostgreSQL URL); returns 31,000 random ids (1,000 hot, 30,000 cold) and the token.
 */
export async function prepare(database: string): Promise<{ ids: string[]; token: string; cves: number }> {
  const stores = await openStores(database);
  try {
    await stores.alerts.upsertUser({ name: USER, email: null, handles: {} });
    await stores.auth.upsertAccount({ name: USER, role: 'analyst', passwordHash: await hashPassword(PASSWORD) });
    const token = newApiToken();
    await stores.auth.createToken({
      user: USER,
      name: `bench ${new Date().toISOString()}`,
      tokenHash: tokenHash(token),
      prefix: token.slice(0, 8),
      scopes: ['read'],
      expiresAt: null,
    });
    // 1,000 ids requested over and over (views cached after their first answer), then 30,000 others
    // each requested at most once (every answer built from the store: the cache's worst case).
    const sample = 'SELECT cve_id FROM vulns ORDER BY random() LIMIT 31000';
    const ids = stores.pg
      ? (await stores.pg.query<{ cve_id: string }>(sample)).map((r) => r.cve_id)
      : (stores.sqlite!.db.prepare(sample).pluck().all() as string[]);
    return { ids, token, cves: (await stores.store.stats()).vulnerabilities };
  } finally {
    await stores.close();
  }
}

/** A running `vigil serve` process. */
export interface Server {
  base: string;
  child: ChildProcess;
  /** CPU seconds (user + system) the server has used so far, from /proc. */
  cpu(): number;
  /** Resident and peak resident memory, MB, from /proc. */
  memory(): { rss: number; peak: number };
  stop(): Promise<void>;
}

/**
 * Starts `vigil serve` on a free loopback port (the address is its first stdout line). With
 * `stores`, bench/serve-stores.ts instead: the API alone over `openStores(file, { readers })`
 * (the SQLite reader pool, or a PostgreSQL URL as `file`); `stores.script` runs another script
 * taking the same arguments (bench/intel-api-server.ts).
 */
export async function serve(file: string, webDir: string | null, stores?: { readers: number; script?: string }): Promise<Server> {
  const config = path.join(tmp, 'vigil.config.yaml');
  // The limiter still runs on every request (its cost is measured); only its ceiling is raised.
  writeFileSync(config, 'server:\n  rateLimitPerMinute: 100000000\n  loginRateLimitPerMinute: 1000\n');
  const prof = process.env.BENCH_CPU_PROF ? ['--cpu-prof', `--cpu-prof-dir=${process.env.BENCH_CPU_PROF}`] : [];
  const args = stores
    ? [...prof, '--max-old-space-size=320', '--import', 'tsx', stores.script ?? 'bench/serve-stores.ts', config, file, String(stores.readers)]
    : [...prof, '--max-old-space-size=320', 'bin/vigil.js', '--config', config, '--db', file, 'serve', '--no-daemon', '--no-import', '--port', '0'];
  if (webDir && !stores) args.push('--web-dir', webDir);
  const child = spawn(process.execPath, args, { stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, VIGIL_LOG_LEVEL: 'warn' } });
  let stderr = '';
  child.stderr?.on('data', (d: Buffer) => {
    stderr += d.toString();
  });
  const first = await new Promise<string>((resolve, reject) => {
    const rl = createInterface({ input: child.stdout as NodeJS.ReadableStream });
    rl.once('line', resolve);
    child.once('exit', (code) => reject(new Error(`vigil serve exited (${code}): ${stderr.slice(0, 2000)}`)));
  });
  const base = /Vigil is serving (http:\/\/[^/\s]+)\//.exec(first)?.[1];
  if (!base) throw new Error(`unexpected first line of vigil serve: ${first}`);
  const proc = (name: string) => readFileSync(`/proc/${child.pid}/${name}`, 'utf8');
  const tick = 100; // USER_HZ on Linux
  return {
    base,
    child,
    cpu: () => {
      const f = proc('stat').split(') ')[1]?.split(' ') ?? [];
      return (Number(f[11]) + Number(f[12])) / tick;
    },
    memory: () => {
      const kb = (key: string) => Number(new RegExp(`${key}:\\s+(\\d+)`).exec(proc('status'))?.[1] ?? Number.NaN) / 1024;
      return { rss: kb('VmRSS'), peak: kb('VmHWM') };
    },
    stop: () =>
      new Promise<void>((resolve) => {
        const kill = setTimeout(() => child.kill('SIGKILL'), 15_000);
        child.once('exit', () => {
          clearTimeout(kill);
          resolve();
        });
        child.kill('SIGTERM');
      }),
  };
}

/** Figures of one load run. */
export interface Load {
  responses: number;
  seconds: number;
  non2xx: number;
  errors: number;
  latencies: number[];
  serverCpu: number;
  clientCpu: number;
}

/**
 * Runs autocannon against `server`, each request's path from `next()`. `rate` caps the total
 * requests per second (autocannon spreads it over the connections); without it, as fast as
 * the connections go. Latencies are every response's own, in ms.
 */
export async function load(server: Server, token: string, next: () => string, o: { connections: number; seconds: number; rate?: number }): Promise<Load> {
  const latencies: number[] = [];
  const cpu0 = server.cpu();
  const client0 = process.cpuUsage();
  const result = await autocannon({
    url: server.base,
    connections: o.connections,
    duration: o.seconds,
    ...(o.rate ? { overallRate: o.rate } : {}),
    headers: { authorization: `Bearer ${token}` },
    requests: [{ method: 'GET', setupRequest: (req) => ({ ...req, path: next() }) }],
    setupClient: (client) => {
      client.on('response', (_status: number, _bytes: number, duration: number) => latencies.push(duration));
    },
  });
  const client = process.cpuUsage(client0);
  return {
    responses: latencies.length,
    seconds: result.duration,
    non2xx: result.non2xx,
    errors: result.errors + result.timeouts,
    latencies,
    serverCpu: server.cpu() - cpu0,
    clientCpu: (client.user + client.system) / 1e6,
  };
}

/** A table row of one load run's figures (see the header in {@link apiSection}). */
export function loadRow(label: string, r: Load): string {
  const l = r.latencies;
  return `| ${label} | ${r.responses} | ${(r.responses / r.seconds).toFixed(0)} | ${ms(pct(l, 50))} | ${ms(pct(l, 90))} | ${ms(pct(l, 95))} | ${ms(pct(l, 99))} | ${ms(l.reduce((a, b) => Math.max(a, b), 0))} | ${r.non2xx} | ${r.errors} | ${((1000 * r.serverCpu) / r.responses).toFixed(2)} | ${((100 * r.serverCpu) / r.seconds).toFixed(0)} % / ${((100 * r.clientCpu) / r.seconds).toFixed(0)} % |`;
}

/** One timed GET, ms, with the response's size. @throws {Error} on a non-2xx answer. */
export async function timedGet(base: string, token: string, route: string): Promise<{ ms: number; bytes: number }> {
  const t0 = performance.now();
  const res = await fetch(base + route, { headers: { authorization: `Bearer ${token}` } });
  const body = await res.arrayBuffer();
  const took = performance.now() - t0;
  if (!res.ok) throw new Error(`GET ${route}: ${res.status} ${Buffer.from(body).toString('utf8').slice(0, 300)}`);
  return { ms: took, bytes: body.byteLength };
}

/** The built dashboard (dist/web, made by `npm run build`; built here when missing), or null without web/. */
function dashboardDir(): string | null {
  const out = path.resolve('dist', 'web');
  if (existsSync(path.join(out, 'index.html'))) return out;
  if (!existsSync('web/vite.config.ts')) return null;
  execFileSync(process.execPath, ['node_modules/vite/bin/vite.js', 'build', '--config', 'web/vite.config.ts', '--logLevel', 'warn'], { stdio: 'inherit' });
  return out;
}

/** Every file under `dir`, recursively. */
function filesUnder(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) => (e.isDirectory() ? filesUnder(path.join(dir, e.name)) : [path.join(dir, e.name)]));
}

/** First paints of the overview in Chromium: 5 cold loads (fresh profile each) and 5 reloads. */
async function paints(base: string): Promise<{ cold: Paint[]; warm: Paint[] }> {
  const res = await fetch(`${base}/api/v1/auth/login`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ username: USER, password: PASSWORD }),
  });
  if (!res.ok) throw new Error(`sign-in failed: ${res.status}`);
  const tokens = (await res.json()) as { accessToken: string; refreshToken: string };
  const browser = await launchChromium();
  const cold: Paint[] = [];
  const warm: Paint[] = [];
  try {
    for (let i = 0; i < 5; i++) {
      const context = await browser.newContext({ viewport: { width: 1280, height: 800 } });
      // The session the dashboard keeps after signing in (web/src/api.ts): one sign-in, many loads.
      await context.addInitScript((t) => {
        sessionStorage.setItem('vigil.access', t.accessToken);
        sessionStorage.setItem('vigil.refresh', t.refreshToken);
      }, tokens);
      await context.addInitScript(WATCH_PAINTS);
      const page = await context.newPage();
      await page.goto(`${base}/ui/`, { waitUntil: 'commit' });
      cold.push(await paintOf(page));
      if (i === 0)
        for (let j = 0; j < 5; j++) {
          await page.reload({ waitUntil: 'commit' });
          warm.push(await paintOf(page));
        }
      await context.close();
    }
  } finally {
    await browser.close();
  }
  return { cold, warm };
}

/** Paint times of one load, ms from navigation start. */
interface Paint {
  fcp: number;
  /** First meaningful paint: the frame in which the overview's headline cards and top-priority list are in the page. */
  content: number;
  /** The frame in which the first chart (severity) has its canvas: ECharts is loaded on demand. */
  charts: number;
}

/**
 * Waits for the overview to be drawn on `page` and reads its paint times. Every animation frame
 * is checked from navigation on (an init script), so each time is that of the first frame in
 * which the content is there.
 */
async function paintOf(page: import('playwright-core').Page): Promise<Paint> {
  const times = (await (
    await page.waitForFunction(
      () => {
        const w = window as unknown as { __paint?: { content?: number; charts?: number } };
        return w.__paint?.content !== undefined && w.__paint.charts !== undefined ? w.__paint : false;
      },
      null,
      { polling: 100, timeout: 30_000 },
    )
  ).jsonValue()) as { content: number; charts: number };
  const fcp = await page.evaluate(() => performance.getEntriesByName('first-contentful-paint')[0]?.startTime ?? Number.NaN);
  return { fcp, ...times };
}

/**
 * Init script: records the first frame with the overview's content and the first with a chart.
 * A string, not a function: tsx (esbuild keepNames) would wrap named inner functions in a
 * `__name` helper that does not exist in the page.
 */
const WATCH_PAINTS = `
  window.__paint = {};
  const frame = (now) => {
    const p = window.__paint;
    if (p.content === undefined && document.querySelector('[data-testid="overview-cards"]') && document.querySelector('[data-testid="top-priority"]')) p.content = now;
    if (p.charts === undefined && document.querySelector('[data-testid="chart-severity"] canvas')) p.charts = now;
    if (p.content === undefined || p.charts === undefined) requestAnimationFrame(frame);
  };
  requestAnimationFrame(frame);
`;

/** Requests `paths` one at a time (one in flight, no queueing): the service time alone. */
async function oneAtATime(server: Server, token: string, paths: string[]): Promise<Load> {
  const latencies: number[] = [];
  const cpu0 = server.cpu();
  const client0 = process.cpuUsage();
  const t0 = performance.now();
  for (const p of paths) latencies.push((await timedGet(server.base, token, p)).ms);
  const seconds = (performance.now() - t0) / 1000;
  const client = process.cpuUsage(client0);
  return {
    responses: latencies.length,
    seconds,
    non2xx: 0,
    errors: 0,
    latencies,
    serverCpu: server.cpu() - cpu0,
    clientCpu: (client.user + client.system) / 1e6,
  };
}

/** The API: reference requests, then the load runs. */
async function apiSection(server: Server, token: string, ids: string[]): Promise<void> {
  // Reference requests: the first is cold (right after start), then the median of 5.
  say('| request | first (cold) | warm, median of 5 | response size |');
  say('|---|---|---|---|');
  const routes = [`/api/v1/cves/${ids[0]}`, '/api/v1/cves?kev=true&limit=50', '/api/v1/cves?limit=50', '/stats', '/api/v1/search?q=remote%20code%20execution'];
  for (const route of routes) {
    const first = await timedGet(server.base, token, route);
    const warm: number[] = [];
    for (let i = 0; i < 5; i++) warm.push((await timedGet(server.base, token, route)).ms);
    say(`| \`GET ${route}\` | ${ms(first.ms)} ms | ${ms(pct(warm, 50))} ms | ${(first.bytes / 1024).toFixed(1)} KB |`);
  }
  say();
  const hot = ids.slice(0, 1000);
  const cold = ids.slice(1000);
  let n = 0;
  const record = () => `/api/v1/cves/${hot[n++ % hot.length]}`;
  let c = 0;
  const coldRecord = () => `/api/v1/cves/${cold[c++ % cold.length]}`;
  await load(server, token, record, { connections: 10, seconds: 3, rate: 2000 }); // warm-up, not reported
  const capped = await load(server, token, record, { connections: 10, seconds: 15, rate: 2000 });
  const max = await load(server, token, record, { connections: 10, seconds: 15 });
  const single = await load(server, token, record, { connections: 1, seconds: 10 });
  const uncached = await load(server, token, coldRecord, { connections: 10, seconds: 15, rate: 2000 });
  const uncachedSingle = await load(server, token, coldRecord, { connections: 1, seconds: 5 });
  let q = 0;
  const search = () => `/api/v1/search?q=${encodeURIComponent(QUERIES[q++ % QUERIES.length] as string)}`;
  const searches = await load(server, token, search, { connections: 4, seconds: 20, rate: 15 });
  const rounds = [0, 1, 2].flatMap(() => QUERIES.map((text) => `/api/v1/search?q=${encodeURIComponent(text)}`));
  const alone = await oneAtATime(server, token, rounds);
  const relevance = await oneAtATime(
    server,
    token,
    rounds.map((r) => `${r}&sort=relevance`),
  );
  say('| load | responses | req/s | p50 ms | p90 ms | p95 ms | p99 ms | max ms | non-2xx | errors | server CPU ms per response | CPU use server / client |');
  say('|---|---|---|---|---|---|---|---|---|---|---|---|');
  say(
    loadRow(
      '`GET /api/v1/cves/{id}`, 1,000 random ids asked over and over (views cached after their first answer), 10 connections, capped at 2,000/s, 15 s',
      capped,
    ),
  );
  say(loadRow('same, uncapped (maximum throughput), 15 s', max));
  say(loadRow('same, 1 connection (one request in flight), 10 s', single));
  say(loadRow('`GET /api/v1/cves/{id}`, 30,000 other ids each asked once (no cached view), 10 connections, capped at 2,000/s, 15 s', uncached));
  say(loadRow('same uncached ids, 1 connection, 5 s', uncachedSingle));
  say(loadRow(`\`GET /api/v1/search?q=…\`, ${QUERIES.length} queries in turn, 4 connections, capped at 15/s, 20 s`, searches));
  say(loadRow(`same queries one at a time (3 rounds, fetch)`, alone));
  say(loadRow(`same queries with \`sort=relevance\` (FTS5 bm25), one at a time`, relevance));
  say();
  const mem = server.memory();
  say(
    `Targets: record p99 **${ms(pct(capped.latencies, 99))} ms at ${(capped.responses / capped.seconds).toFixed(0)} req/s** with cached views, **${ms(pct(uncached.latencies, 99))} ms at ${(uncached.responses / uncached.seconds).toFixed(0)} req/s** without (target ≤ 10 ms at ≥ 2,000/s); search p95 **${ms(pct(searches.latencies, 95))} ms** with 4 connections, **${ms(pct(alone.latencies, 95))} ms** one at a time (target ≤ 50 ms). Server RSS after the runs ${mem.rss.toFixed(0)} MB (peak ${mem.peak.toFixed(0)} MB).`,
  );
  // Slowest queries (median of their 3 one-at-a-time runs).
  const byQuery = QUERIES.map((text, i) => ({
    text,
    t: pct(
      [0, 1, 2].map((r) => alone.latencies[r * QUERIES.length + i] ?? Number.NaN),
      50,
    ),
  })).sort((a, b) => b.t - a.t);
  const slow = byQuery.slice(0, 6).map((s) => `"${s.text}" ${ms(s.t)} ms`);
  say(`Slowest searches alone (median of 3): ${slow.join(', ')}; ${byQuery.filter((s) => s.t > 50).length} of ${QUERIES.length} queries take over 50 ms.`);
  say(
    "autocannon (in the bench process, warmed up 3 s first) times each response; the one-at-a-time rows use fetch. autocannon caps a rate per connection per second: each connection sends back to back until its share of the second is used, so a capped run's latencies are those of bursts at full speed, not of evenly spaced requests.",
  );
  say();
}

/** The dashboard: JavaScript size and paint times of the overview. */
async function dashboardSection(server: Server, webDir: string | null): Promise<void> {
  if (!webDir) {
    say('Dashboard: web/vite.config.ts is missing, nothing measured.');
    return;
  }
  const js = filesUnder(webDir).filter((f) => f.endsWith('.js'));
  const raw = js.reduce((s, f) => s + statSync(f).size, 0);
  const gz = js.reduce((s, f) => s + gzipSync(readFileSync(f)).length, 0);
  say(
    `Dashboard (dist/web, built by \`npm run build\` with Vite): **${js.length} JavaScript file(s), ${(raw / 1024).toFixed(0)} KB, ${(gz / 1024).toFixed(0)} KB gzipped** (sum over the files, zlib default level; target ≤ 300 KB).`,
  );
  if (!existsSync(CHROMIUM)) {
    say(`First paint: ${CHROMIUM} is missing (apt-get install chromium), not measured.`);
    return;
  }
  const { cold, warm } = await paints(server.base);
  const med = (p: Paint[], k: keyof Paint) =>
    pct(
      p.map((x) => x[k]),
      50,
    ).toFixed(0);
  const row = (label: string, p: Paint[]) =>
    `| ${label} | ${p.map((x) => `${x.fcp.toFixed(0)} / ${x.content.toFixed(0)} / ${x.charts.toFixed(0)}`).join(', ')} | **${med(p, 'fcp')}** | **${med(p, 'content')}** | **${med(p, 'charts')}** |`;
  say();
  say(
    'Overview page in headless Chromium (Debian build, playwright-core), 1280×800, signed in (the session in sessionStorage, as after a sign-in), ms from navigation start:',
  );
  say();
  say(
    '| load | each load: first contentful paint / first meaningful paint / charts drawn | median FCP | median first meaningful paint | median charts drawn |',
  );
  say('|---|---|---|---|---|');
  say(row('fresh browser profile (empty cache), 5 loads', cold));
  say(row('reload in the same profile (cached files), 5 loads', warm));
  say();
  say(
    '"First meaningful paint" is the animation frame in which the headline cards and the top-priority list are in the page (figures from `GET /stats`, already computed by the requests above); target ≤ 1,000 ms. "Charts drawn" is the frame in which the first chart has its canvas: ECharts is a separate file fetched after the first render, so the figures do not wait for it.',
  );
  say();
}

async function main(): Promise<void> {
  if (!existsSync('dist/vigil.js')) throw new Error('dist/vigil.js is missing: run `npm run build` first (bin/vigil.js serves the built bundle)');
  const file = await storeFile();
  const { ids, token, cves } = await prepare(file);
  const webDir = dashboardDir();
  const server = await serve(file, webDir);
  try {
    say();
    say('## 4. API and dashboard');
    say();
    const cpu = `${os.cpus().length} × ${os.cpus()[0]?.model ?? 'unknown CPU'}`;
    say(
      `Measured ${new Date().toISOString()} (\`node --import tsx bench/api.ts\`) on ${cpu}, Node ${process.version}; load average ${os.loadavg()[0]?.toFixed(1)} at the start.`,
    );
    say(
      `Store: a 300k-record store built as in part 2 by bench/scale.ts (**${cves} CVEs**: the real corpus, then real records replicated under new ids; contents unchanged), served by the built \`vigil serve --no-daemon\` (bin/vigil.js) in its own process on loopback.`,
    );
    say(
      "The load generator and the server share the machine's 2 cores. Requests carry an analyst's read-scoped API token; the rate limiter runs with its ceiling raised (config `server.rateLimitPerMinute`), so its per-request cost is in the figures.",
    );
    say();
    await apiSection(server, token, ids);
    await dashboardSection(server, webDir);
  } finally {
    await server.stop();
    rmSync(tmp, { recursive: true, force: true });
  }
  if (!process.env.BENCH_NO_WRITE) appendFileSync(path.join('bench', 'RESULTS.md'), `${lines.join('\n')}\n`);
}

// Run as a script (`node --import tsx bench/api.ts`); imported, it only lends its helpers.
if (process.argv[1] && import.meta.url === pathToFileURL(path.resolve(process.argv[1])).href) await main();
