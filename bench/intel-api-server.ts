/**
 * `node --import tsx bench/intel-api-server.ts CONFIG DATABASE [READERS]`: the API over
 * `openStores(DATABASE)` as bench/serve-stores.ts serves it, plus what `vigil serve`'s daemon does
 * for intel: on SIGUSR2 it collects every enabled intel source IN THIS PROCESS (intel/service.ts
 * `collectSources` with the server's stores), then prints one line `COLLECTED {json}`: documents,
 * created, errors, seconds, and the event loop's delay (perf_hooks monitorEventLoopDelay, ms)
 * during the collection. Intel settings: `allowHosts: ['127.0.0.1']`, `minDelaySeconds: 0`.
 * Driven by bench/intel-api.ts.
 */
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { buildApp } from '../src/api/app.ts';
import { loadConfig } from '../src/config.ts';
import { collectSources } from '../src/intel/service.ts';
import { createLogger } from '../src/log.ts';
import { openStores } from '../src/store/index.ts';

const [configFile, database, readers] = process.argv.slice(2);
if (!configFile || !database) throw new Error('usage: bench/intel-api-server.ts CONFIG DATABASE [READERS]');
const loaded = loadConfig(configFile);
const config = { ...loaded, database, intel: { ...loaded.intel, allowHosts: ['127.0.0.1'], minDelaySeconds: 0 } };
const log = createLogger('warn');
const stores = await openStores(database, { readers: Number(readers ?? 0), writer: true });
const app = await buildApp({
  config,
  log,
  store: stores.store,
  alerts: stores.alerts,
  auth: stores.auth,
  triage: stores.triage,
  stats: stores.stats,
  intel: stores.intel,
  iocs: stores.iocs,
  sync: () => Promise.reject(new Error('no syncs in the bench server')),
  daemon: false,
  now: () => new Date(),
});
const address = await app.listen({ host: '127.0.0.1', port: 0 });
console.log(`Vigil is serving ${address}/ui/ (bench server with intel collection on SIGUSR2)`);

const delay = monitorEventLoopDelay({ resolution: 1 });
delay.enable();
process.on('SIGUSR2', () => {
  void (async () => {
    delay.reset();
    const cpu0 = process.cpuUsage();
    const t0 = performance.now();
    const outcomes = await collectSources({ intel: stores.intelWriter, store: stores.writer, config: config.intel, log, now: () => new Date() }, []);
    const seconds = (performance.now() - t0) / 1000;
    const cpu = process.cpuUsage(cpu0);
    const sum = (f: (o: (typeof outcomes)[number]) => number) => outcomes.reduce((s, o) => s + f(o), 0);
    const ms = (ns: number) => Math.round(ns / 1e4) / 100;
    const result = {
      sources: outcomes.length,
      failed: outcomes.filter((o) => o.error).length,
      documents: sum((o) => o.report?.documents ?? 0),
      created: sum((o) => o.report?.created ?? 0),
      requests: sum((o) => o.report?.requests ?? 0),
      itemErrors: sum((o) => o.report?.errors.length ?? 0),
      firstError: outcomes.find((o) => o.error)?.error?.message ?? outcomes.flatMap((o) => o.report?.errors ?? [])[0]?.message ?? null,
      seconds,
      cpuSeconds: (cpu.user + cpu.system) / 1e6,
      loopDelayMs: { p50: ms(delay.percentile(50)), p99: ms(delay.percentile(99)), max: ms(delay.max) },
    };
    console.log(`COLLECTED ${JSON.stringify(result)}`);
  })();
});
const stop = async () => {
  await app.close();
  await stores.close();
  process.exit(0);
};
process.once('SIGTERM', stop);
process.once('SIGINT', stop);
