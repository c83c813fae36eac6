/**
 * `npm run bench`: import throughput, memory and query latency on the real corpus, then on a
 * 300k-record store built by replicating real records under new CVE ids (the ids are rewritten,
 * nothing else). Writes bench/RESULTS.md with the machine's details.
 *
 * Part 3 (alerting) is bench/alerts.ts.
 *
 * Targets (issue #2): ≥ 10,000 CVE records/s end to end; peak RSS ≤ 512 MB, flat as files grow;
 * one EPSS day ≤ 3 s; `show` and `top` ≤ 50 ms on the 300k store.
 */
import { spawnSync } from 'node:child_process';
import { appendFileSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { buildView } from '../src/analysis/view.ts';
import { corpusPlan } from '../src/cli/demo.ts';
import { createLogger } from '../src/log.ts';
import { importFiles } from '../src/pipeline.ts';
import { findSource } from '../src/sources/registry.ts';
import { openSqliteStore, type SqliteStore } from '../src/store/sqlite/index.ts';
import { ThreadedSqliteStore } from '../src/store/sqlite/threaded.ts';
import { corpusDir } from '../src/testing/corpus.ts';
import { importScaleStore, importStep, pct, replicateInput, timed } from './scale.ts';

const log = createLogger('silent');
const tmp = mkdtempSync(path.join(os.tmpdir(), 'vigil-bench-'));
const lines: string[] = [];
const say = (s = '') => {
  console.log(s);
  lines.push(s);
};
const rssMb = () => process.memoryUsage().rss / 1e6;
let peakRss = 0;
const sampler = setInterval(() => {
  peakRss = Math.max(peakRss, rssMb());
}, 20);

async function queryLatency(store: SqliteStore): Promise<string[]> {
  const ids = store.db.prepare('SELECT cve_id FROM vulns ORDER BY random() LIMIT 200').pluck().all() as string[];
  ids.unshift('CVE-2024-3400');
  const show: number[] = [];
  for (const id of ids) {
    const t0 = performance.now();
    const s = await store.getVulnerability(id);
    if (s) JSON.stringify(buildView(s));
    show.push(performance.now() - t0);
  }
  const queries = [
    { name: 'top --limit 20', q: { limit: 20 } },
    { name: 'top --kev --limit 20', q: { kev: true, limit: 20 } },
    { name: 'top --vendor microsoft --limit 20', q: { vendor: 'microsoft', limit: 20 } },
    { name: 'top --min-epss 0.5 --since 2024-01-01', q: { minEpss: 0.5, since: '2024-01-01', limit: 20 } },
    { name: 'search "remote code execution"', q: { text: 'remote code execution', limit: 20 } },
  ];
  const out = [`| \`show\` (get + view + JSON), ${ids.length} random ids | median ${pct(show, 50).toFixed(2)} ms, p95 ${pct(show, 95).toFixed(2)} ms, max ${Math.max(...show).toFixed(2)} ms |`];
  for (const { name, q } of queries) {
    const t: number[] = [];
    for (let i = 0; i < 30; i++) {
      const t0 = performance.now();
      await store.rank(q);
      t.push(performance.now() - t0);
    }
    out.push(`| \`${name}\` (30 runs) | median ${pct(t, 50).toFixed(2)} ms, p95 ${pct(t, 95).toFixed(2)} ms |`);
  }
  return out;
}

/** Prints the latency table of the store in `file`, read in-process as `vigil show`/`top` do. */
async function latencySection(file: string, title: string): Promise<void> {
  const reader = openSqliteStore(file, { readonly: true });
  say(title);
  say();
  say('| query | latency |');
  say('|---|---|');
  for (const l of await queryLatency(reader)) say(l);
  await reader.close();
}

async function main(part: string): Promise<void> {
  if (part === 'scale') return scale();
  const cpu = os.cpus()[0]?.model ?? 'unknown CPU';
  say('# Benchmark results');
  say();
  say(`Measured ${new Date().toISOString()} with \`npm run bench\` on ${os.cpus().length} × ${cpu}, ${(os.totalmem() / 2 ** 30).toFixed(0)} GiB RAM, ${os.type()} ${os.release()}, Node ${process.version}.`);
  say('Peak RSS (main thread + store worker, one process) is sampled every 20 ms; imports write through the store worker thread, as `vigil import` does.');
  say('Where a target is missed, bench/NOTES.md says why and what was tried.');
  say();

  // 1. The real corpus.
  const db1 = path.join(tmp, 'corpus.db');
  // Imports write through the store worker, as `vigil import` does.
  const store = new ThreadedSqliteStore(db1);
  say('## 1. Import of the real corpus (../shared/data)');
  say();
  say('| step | records read | stored | seconds | records/s | peak RSS so far |');
  say('|---|---|---|---|---|---|');
  let cveRecords = 0;
  let cveSeconds = 0;
  const epssTimes: string[] = [];
  for (const step of corpusPlan(corpusDir)) {
    if (step.source === 'epss') {
      for (const p of step.paths) {
        const { summary, seconds } = await importStep(store, 'epss', [p]);
        epssTimes.push(`${path.basename(p)}: ${summary.read} rows in ${seconds.toFixed(2)} s`);
        say(`| epss ${path.basename(p)} | ${summary.read} | ${summary.stored} | ${seconds.toFixed(2)} | ${(summary.read / seconds).toFixed(0)} | ${peakRss.toFixed(0)} MB |`);
      }
      continue;
    }
    const { summary, seconds } = await importStep(store, step.source, step.paths);
    if (step.source === 'nvd' || step.source === 'cve5') {
      cveRecords += summary.read;
      cveSeconds += seconds;
    }
    say(`| ${step.source} | ${summary.read} | ${summary.stored} | ${seconds.toFixed(2)} | ${(summary.read / seconds).toFixed(0)} | ${peakRss.toFixed(0)} MB |`);
  }
  const corpusPeak = peakRss;
  say();
  say(`CVE records (NVD + CVE 5), end to end (parse, validate, merge, score, store, index): **${cveRecords} in ${cveSeconds.toFixed(2)} s = ${(cveRecords / cveSeconds).toFixed(0)} records/s** (target ≥ 10,000).`);
  say(`EPSS days (target ≤ 3 s each): ${epssTimes.join('; ')}.`);
  say(`Peak RSS: **${corpusPeak.toFixed(0)} MB** (target ≤ 512 MB).`);
  const { seconds: again } = await timed(async () => {
    for (const step of corpusPlan(corpusDir)) await importFiles(findSource(step.source).source, step.paths, { store, log });
  });
  say(`Re-import of the whole corpus (idempotent, nothing written): ${again.toFixed(2)} s.`);
  say();
  await store.close();
  await latencySection(db1, 'Query latency on the corpus store:');
  say();
  finishPart(false);
}

/** Part 2, in a fresh process (so its peak RSS is its own): the 300k-record store. */
async function scale(): Promise<void> {
  // The replicated input is written by another process, before measuring starts.
  replicateInput(tmp);
  say('## 2. 300k-record store');
  say();
  say('The real records are replicated under new ids: each copy k moves every CVE id to year + 100·k');
  say('(CVE-2024-1234 → CVE-2124-1234, …); the record contents are the real ones.');
  say();
  peakRss = rssMb();
  const big = path.join(tmp, 'big.db');
  say('| step | records read | seconds | records/s | peak RSS so far |');
  say('|---|---|---|---|---|');
  let bigRecords = 0;
  let bigSeconds = 0;
  const bigStats = await importScaleStore(tmp, big, ({ label, source, summary, seconds }) => {
    if (source === 'nvd' || source === 'cve5') {
      bigRecords += summary.read;
      bigSeconds += seconds;
    }
    say(`| ${label} | ${summary.read} | ${seconds.toFixed(2)} | ${(summary.read / seconds).toFixed(0)} | ${peakRss.toFixed(0)} MB |`);
  });
  say();
  say(`Store: **${bigStats.vulnerabilities} CVEs**, ${bigStats.bytes === null ? '?' : (bigStats.bytes / 1e6).toFixed(0)} MB on disk.`);
  say(`CVE records end to end: **${bigRecords} in ${bigSeconds.toFixed(2)} s = ${(bigRecords / bigSeconds).toFixed(0)} records/s**; peak RSS of this run **${peakRss.toFixed(0)} MB** (compare with part 1: memory stays flat while the input grows 6×).`);
  say();
  await latencySection(big, 'Query latency on the 300k store (in-process; target ≤ 50 ms):');
  const cliTimes: number[] = [];
  for (const args of [['show', 'CVE-2024-3400', '--json'], ['top', '--kev', '--limit', '20']]) {
    const t0 = performance.now();
    const r = spawnSync(process.execPath, ['bin/vigil.js', '--db', big, ...args], { encoding: 'utf8' });
    cliTimes.push(performance.now() - t0);
    if (r.status !== 0) say(`(CLI ${args.join(' ')} failed: ${r.stderr.slice(0, 200)})`);
  }
  say();
  say(`Whole CLI process for comparison (Node start-up included, built bin/vigil.js): \`vigil show CVE-2024-3400 --json\` ${cliTimes[0]?.toFixed(0)} ms, \`vigil top --kev --limit 20\` ${cliTimes[1]?.toFixed(0)} ms.`);
  finishPart(true);
}

function finishPart(append: boolean): void {
  clearInterval(sampler);
  rmSync(tmp, { recursive: true, force: true });
  if (process.env.BENCH_NO_WRITE) return;
  const file = path.join('bench', 'RESULTS.md');
  if (append) appendFileSync(file, `${lines.join('\n')}\n`);
  else writeFileSync(file, `${lines.join('\n')}\n`);
}

await main(process.argv[2] ?? 'corpus');
