/**
 * `node --import tsx bench/import-cve.ts [db]`: times the corpus's CVE steps (CVE 5 then NVD) alone
 * into a new SQLite store, through the store worker as `vigil import` does. A quick probe for
 * profiling the import (run with `--cpu-prof`); bench/run.ts measures the whole corpus. Prints the
 * process's and the main thread's CPU seconds; `BENCH_THREADS=1` also each thread's (from
 * /proc/self/task, Linux), which holds still on a shared machine where wall-clock rates do not.
 */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { corpusPlan } from '../src/cli/demo.ts';
import { ThreadedSqliteStore } from '../src/store/sqlite/threaded.ts';
import { corpusDir } from '../src/testing/corpus.ts';
import { importStep } from './scale.ts';

const tmp = mkdtempSync(path.join(os.tmpdir(), 'vigil-import-'));
const file = process.argv[2] ?? path.join(tmp, 'cve.db');
/** CPU seconds (user + system) of the calling thread, from /proc (Linux). */
function threadCpu(): number {
  const f = readFileSync('/proc/thread-self/stat', 'utf8').split(') ')[1]?.split(' ') ?? [];
  return (Number(f[11]) + Number(f[12])) / 100;
}
const cpu0 = process.cpuUsage();
const main0 = threadCpu();
const store = new ThreadedSqliteStore(file);
let records = 0;
let seconds = 0;
for (const step of corpusPlan(corpusDir)) {
  if (step.source !== 'cve5' && step.source !== 'nvd') continue;
  const r = await importStep(store, step.source, step.paths);
  records += r.summary.read;
  seconds += r.seconds;
  console.log(`${step.source}: ${r.summary.read} read, ${r.summary.stored} stored in ${r.seconds.toFixed(2)} s = ${(r.summary.read / r.seconds).toFixed(0)}/s`);
}
if (process.env.BENCH_THREADS) {
  const { readdirSync } = await import('node:fs');
  for (const tid of readdirSync('/proc/self/task')) {
    const st = readFileSync(`/proc/self/task/${tid}/stat`, 'utf8');
    const f = st.split(') ')[1]?.split(' ') ?? [];
    const cpu = (Number(f[11]) + Number(f[12])) / 100;
    if (cpu > 0.05) console.log(`thread ${tid} ${st.slice(st.indexOf('('), st.indexOf(')') + 1)}: ${cpu.toFixed(2)} s`);
  }
}
const t0 = performance.now();
await store.close();
const closeS = (performance.now() - t0) / 1000;
const cpu = process.cpuUsage(cpu0);
console.log(`CPU: process ${((cpu.user + cpu.system) / 1e6).toFixed(2)} s, main thread ${(threadCpu() - main0).toFixed(2)} s`);
console.log(`total ${records} in ${seconds.toFixed(2)} s = ${(records / seconds).toFixed(0)}/s (close ${closeS.toFixed(2)} s)`);
if (!process.argv[2]) rmSync(tmp, { recursive: true, force: true });
