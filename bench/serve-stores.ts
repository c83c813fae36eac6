/**
 * `node --import tsx bench/serve-stores.ts CONFIG DATABASE [READERS]`: the API alone (no daemon,
 * no dashboard) over `openStores(DATABASE, { readers: READERS })`, on a free loopback port; prints
 * `Vigil is serving http://…/` first, as `vigil serve` does, so bench/api.ts's `serve` can drive it.
 * For measuring the SQLite reader pool and PostgreSQL before `vigil serve` takes the option.
 */
import { buildApp } from '../src/api/app.ts';
import { loadConfig } from '../src/config.ts';
import { createLogger } from '../src/log.ts';
import { openStores } from '../src/store/index.ts';

const [configFile, database, readers] = process.argv.slice(2);
if (!configFile || !database) throw new Error('usage: bench/serve-stores.ts CONFIG DATABASE [READERS]');
const config = { ...loadConfig(configFile), database };
const log = createLogger('warn');
const stores = await openStores(database, { readers: Number(readers ?? 0) });
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
console.log(`Vigil is serving ${address}/ui/ (bench server, ${readers ?? 0} reader(s))`);
const stop = async () => {
  await app.close();
  await stores.close();
  process.exit(0);
};
process.once('SIGTERM', stop);
process.once('SIGINT', stop);
