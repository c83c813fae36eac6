/**
 * Advisories benchmark (issue 11), the last step of `npm run bench`:
 *   (a) the CERT-FR corpus (every avis 2000-2026, 15.7k bulletins, 174k CVE links) through the
 *       certfr source and the pipeline into a new store (target: well over 5,000 documents/s),
 *       with its halves apart: the source alone (read, validate, map), and `saveAdvisories` alone;
 *   (b) every corpus advisory step (osv, exploitdb, certfr, certeu, csaf: the registry's corpus
 *       plan) into a new store, wall time per source and in all;
 *   (c) on the 300k-record store of bench/scale.ts with 50k more advisories (real ones copied
 *       under new ids, their CVE ids moved into the replicated records' ranges): a CVE view's
 *       reads, `getVulnerability` + `advisoriesForCve`, and the advisory lists.
 * Replaces the "5. Advisories" section of bench/RESULTS.md.
 * Usage: node --import tsx bench/advisories.ts [--no-scale]   (--no-scale: parts a and b only)
 */
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { createLogger } from '../src/log.ts';
import type { Advisory } from '../src/model/advisory.ts';
import { corpusPlan } from '../src/sources/registry.ts';
import { findSource } from '../src/sources/registry.ts';
import { openSqliteStore, type SqliteStore } from '../src/store/sqlite/index.ts';
import { ThreadedSqliteStore } from '../src/store/sqlite/threaded.ts';
import type { AdvisoryQuery } from '../src/store/types.ts';
import { corpusDir } from '../src/testing/corpus.ts';
import { importScaleStore, importStep, pct, replicateInput, timed } from './scale.ts';

const ADVISORY_SOURCES = new Set(['osv', 'exploitdb', 'certfr', 'certeu', 'csaf']);
const log = createLogger('silent');
const tmp = mkdtempSync(path.join(os.tmpdir(), 'vigil-bench-advisories-'));
const lines: string[] = [];
const say = (s = '') => {
  console.log(s);
  lines.push(s);
};
const rate = (n: number, s: number) => Math.round(n / s).toLocaleString('en-US');
/** CPU seconds of the whole process (every thread: the store worker's too). */
const cpu = () => {
  const u = process.cpuUsage();
  return (u.user + u.system) / 1e6;
};

/** Runs `fn`, with its wall and CPU seconds (the machine is shared: CPU time is the steadier figure). */
async function measured<T>(fn: () => Promise<T>): Promise<{ value: T; seconds: number; cpu: number }> {
  const c0 = cpu();
  const { value, seconds } = await timed(fn);
  return { value, seconds, cpu: cpu() - c0 };
}

/** Every advisory the certfr source yields for its corpus files, and how long reading them took. */
async function readCertfr(paths: string[]): Promise<{ advisories: Advisory[]; rejected: number }> {
  const advisories: Advisory[] = [];
  let rejected = 0;
  for await (const ev of findSource('certfr').source.importFiles(paths, { log })) {
    if (ev.type === 'advisories') advisories.push(...ev.records);
    else if (ev.type === 'rejected') rejected++;
  }
  return { advisories, rejected };
}

async function partA(): Promise<void> {
  const step = corpusPlan(corpusDir).find((s) => s.source === 'certfr');
  if (!step) throw new Error('the registry has no certfr corpus step');
  say('### (a) CERT-FR bulletins');
  say();
  const read = await measured(() => readCertfr(step.paths));
  const docs = read.value.advisories;
  const links = docs.reduce((n, a) => n + a.cves.length, 0);
  const alone = openSqliteStore(path.join(tmp, 'save-alone.db'));
  const save = await measured(async () => {
    for (let i = 0; i < docs.length; i += 1000) await alone.saveAdvisories(docs.slice(i, i + 1000));
  });
  await alone.close();
  const store = new ThreadedSqliteStore(path.join(tmp, 'certfr.db'));
  await store.stats(); // the worker started (from source, tsx loads it: seconds on a busy machine) before the clock
  const first = await measured(() => importStep(store, 'certfr', step.paths));
  const again = await measured(() => importStep(store, 'certfr', step.paths));
  await store.close();
  const row = (label: string, n: number, m: { seconds: number; cpu: number }, bold = false) => {
    const r = rate(n, m.seconds);
    return `| ${label} | ${n} | ${m.seconds.toFixed(2)} | ${bold ? `**${r}**` : r} | ${m.cpu.toFixed(2)} | ${rate(n, m.cpu)} |`;
  };
  say('| step | documents | seconds | documents/s | CPU seconds (all threads) | documents per CPU second |');
  say('|---|---|---|---|---|---|');
  say(row(`certfr source alone: read, validate, map (${read.value.rejected} rejected)`, docs.length, read));
  say(row('`saveAdvisories` alone (in-process store, batches of 1,000)', docs.length, save));
  say(row('**end to end**: `importFiles` (certfr source → pipeline → store worker)', first.value.summary.read, first, true));
  say(row(`re-import (all unchanged: ${again.value.summary.unchanged})`, again.value.summary.read, again));
  say();
  say(`${docs.length} bulletins with ${links} CVE links (listed and found in text). Target: well over 5,000 documents/s end to end.`);
  say();
}

async function partB(): Promise<void> {
  say('### (b) Every corpus advisory source, into a new store');
  say();
  const store = new ThreadedSqliteStore(path.join(tmp, 'all-advisories.db'));
  await store.stats();
  say('| source | documents read | stored | rejected | seconds | documents/s |');
  say('|---|---|---|---|---|---|');
  let total = 0;
  let docs = 0;
  for (const step of corpusPlan(corpusDir).filter((s) => ADVISORY_SOURCES.has(s.source))) {
    const { summary, seconds } = await importStep(store, step.source, step.paths);
    if (summary.error) throw new Error(`${step.source}: ${summary.error}`);
    total += seconds;
    docs += summary.read;
    say(`| ${step.source} | ${summary.read} | ${summary.stored} | ${summary.rejected.length} | ${seconds.toFixed(2)} | ${rate(summary.read, seconds)} |`);
  }
  const stats = await store.stats();
  await store.close();
  say();
  say(`All corpus advisories: **${docs} documents in ${total.toFixed(2)} s** (${rate(docs, total)}/s); stored per kind: ${JSON.stringify(stats.advisories)}.`);
  say();
}

/** Real advisories copied under new ids, CVE ids moved by `year + 100·k` (as bench/replicate.ts moves records). */
function synthetic(real: string[], count: number): Advisory[] {
  const out: Advisory[] = [];
  for (let k = 1; out.length < count; k++) {
    for (const json of real) {
      if (out.length >= count) break;
      const copy = JSON.parse(
        json.replace(/CVE-(\d{4})-(\d+)/g, (_m, y: string, n: string) => `CVE-${Number(y) + 100 * (((k - 1) % 4) + 1)}-${n}`),
      ) as Advisory;
      out.push({ ...copy, id: `${copy.id}-SYN${k}` });
    }
  }
  return out;
}

async function latency(label: string, runs: number, fn: (i: number) => Promise<unknown>): Promise<string> {
  const t: number[] = [];
  for (let i = 0; i < runs; i++) {
    const t0 = performance.now();
    await fn(i);
    t.push(performance.now() - t0);
  }
  return `| ${label} | median ${pct(t, 50).toFixed(2)} ms, p95 ${pct(t, 95).toFixed(2)} ms, max ${Math.max(...t).toFixed(2)} ms |`;
}

async function partC(): Promise<void> {
  say('### (c) A CVE view and advisory lists on the 300k-record store with 50k more advisories');
  say();
  const dir = path.join(tmp, 'scale-input');
  mkdirSync(dir);
  const file = path.join(tmp, 'scale.db');
  replicateInput(dir);
  const built = await timed(() => importScaleStore(dir, file));
  const store: SqliteStore = openSqliteStore(file);
  try {
    const real = store.db.prepare('SELECT data FROM advisories ORDER BY id').pluck().all() as string[];
    const extra = synthetic(real, 50_000);
    const save = await timed(async () => {
      for (let i = 0; i < extra.length; i += 1000) await store.saveAdvisories(extra.slice(i, i + 1000));
    });
    const stats = await store.stats();
    const advisories = Object.values(stats.advisories ?? {}).reduce((a, b) => a + b, 0);
    say(
      `Store: ${stats.vulnerabilities} CVE records (built in ${built.seconds.toFixed(0)} s), ${advisories} advisories (${real.length} real, 50,000 copies saved in ${save.seconds.toFixed(2)} s = ${rate(50_000, save.seconds)}/s into the large store), ${store.db.prepare('SELECT count(*) FROM advisory_cves').pluck().get()} CVE links.`,
    );
    say();
    const named = store.db.prepare('SELECT cve_id FROM (SELECT DISTINCT cve_id FROM advisory_cves) ORDER BY random() LIMIT 200').pluck().all() as string[];
    const any = store.db.prepare('SELECT cve_id FROM vulns ORDER BY random() LIMIT 200').pluck().all() as string[];
    const busiest = store.db.prepare('SELECT cve_id, count(*) AS n FROM advisory_cves GROUP BY cve_id ORDER BY n DESC LIMIT 5').all() as {
      cve_id: string;
      n: number;
    }[];
    const view = async (id: string) => Promise.all([store.getVulnerability(id), store.advisoriesForCve(id)]);
    say('| query | latency |');
    say('|---|---|');
    say(
      await latency(`\`getVulnerability\` + \`advisoriesForCve\`, ${named.length} random CVEs named by advisories`, named.length, (i) =>
        view(named[i] as string),
      ),
    );
    say(await latency(`same, ${any.length} random CVEs of the store`, any.length, (i) => view(any[i] as string)));
    say(
      await latency(`same, the 5 CVEs most advisories name (${busiest.map((b) => `${b.cve_id}: ${b.n}`).join(', ')}), 10 runs each`, 50, (i) =>
        view((busiest[i % busiest.length] as { cve_id: string }).cve_id),
      ),
    );
    const lists: [string, AdvisoryQuery][] = [
      ['`listAdvisories` newest 50', { limit: 50 }],
      ['kind exploit, 50', { kind: 'exploit', limit: 50 }],
      ['source certfr since 2025-01-01, 50', { source: 'certfr', since: '2025-01-01', limit: 50 }],
      ['vendor microsoft, 50', { vendor: 'microsoft', limit: 50 }],
      ['text "exécution de code arbitraire", 50', { text: 'exécution de code arbitraire', limit: 50 }],
    ];
    for (const [label, q] of lists) {
      say(await latency(`${label} (30 runs)`, 30, () => store.listAdvisories(q)));
      say(await latency(`its total, \`countAdvisories\` (30 runs)`, 30, () => store.countAdvisories(q)));
    }
    say(await latency('`top --exploit --limit 20` (30 runs)', 30, () => store.rank({ exploit: true, limit: 20 })));
  } finally {
    await store.close();
  }
  say();
}

const started = new Date().toISOString();
say('## 5. Advisories');
say();
say(
  `Measured ${started} (\`node --import tsx bench/advisories.ts\`) on ${os.cpus().length} × ${os.cpus()[0]?.model.trim() ?? 'CPU'}, ${Math.round(os.totalmem() / 2 ** 30)} GiB RAM, Node ${process.version}; load average ${os.loadavg()[0]?.toFixed(1)} at the start (the machine is shared).`,
);
say();
try {
  await partA();
  await partB();
  if (!process.argv.includes('--no-scale')) await partC();
} finally {
  rmSync(tmp, { recursive: true, force: true });
}

const results = path.join(import.meta.dirname, 'RESULTS.md');
const text = readFileSync(results, 'utf8');
const at = text.indexOf('## 5. Advisories');
const end = at >= 0 ? text.indexOf('\n## ', at + 1) : -1;
const section = `${lines.join('\n')}\n`;
writeFileSync(results, at < 0 ? `${text.trimEnd()}\n\n${section}` : `${text.slice(0, at)}${section}${end >= 0 ? text.slice(end + 1) : ''}`);
