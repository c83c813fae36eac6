/**
 * The store's worker thread: owns the SQLite connection and runs the requests of
 * {@link ThreadedSqliteStore} one at a time, in the order they were sent. That order is what makes
 * the pipelined import correct: a `loadForMerge` sent after a save sees that save.
 */
import { parentPort, workerData } from 'node:worker_threads';
import { writeAdvisoryRows } from './advisories.ts';
import { applyEpssDay } from './epss.ts';
import { openSqliteStore } from './index.ts';
import { INTEL_METHODS, SqliteIntelStore } from './intel.ts';
import { IOC_METHODS, SqliteIocStore } from './iocs.ts';
import { writeRows } from './rows.ts';

/** A request from the owning thread. */
export interface WorkerRequest {
  id: number;
  method: string;
  args: unknown[];
}

const { file, readonly } = workerData as { file: string; readonly?: boolean };
const store = openSqliteStore(file, { readonly: readonly ?? false });
// A reader (readers.ts) maps the file instead of copying pages into its own cache: the 30 searches
// of bench/api.ts took 45 % less CPU on the 300k store (0.34 s a round, was 0.62 s). The mapped
// pages are the OS's page cache, shared by every reader (they show in RSS once touched, up to the
// file's size, and the kernel reclaims them under memory pressure).
if (readonly) store.db.pragma('mmap_size = 1073741824');
const port = parentPort;
if (!port) throw new Error('store worker started outside a worker thread');

const methods: Record<string, (...args: never[]) => unknown> = {
  writeRows: (rows: never) => writeRows(store, rows),
  loadObservationRows: (ids: never) => store.loadObservationRows(ids),
  applyEpssDayPacked: (packed: never) => applyEpssDay(store, packed),
  applyKevCatalog: (catalog: never) => store.applyKevCatalog(catalog),
  getVulnerability: (id: never) => store.getVulnerability(id),
  rank: (query: never) => store.rank(query),
  countRanked: (query: never) => store.countRanked(query),
  getSourceState: (source: never) => store.getSourceState(source),
  saveSourceState: (state: never) => store.saveSourceState(state),
  listSourceStates: () => store.listSourceStates(),
  newestLastModified: (source: never) => store.newestLastModified(source),
  stats: () => store.stats(),
  writeAdvisoryRows: (rows: never) => writeAdvisoryRows(store, rows),
  getAdvisory: (id: never) => store.getAdvisory(id),
  listAdvisories: (query: never) => store.listAdvisories(query),
  countAdvisories: (query: never) => store.countAdvisories(query),
  advisoriesForCve: (id: never) => store.advisoriesForCve(id),
  close: () => store.close(),
};
// The intel store's methods, as `intel.<name>` (ThreadedIntelStore).
const intel = new SqliteIntelStore(store);
for (const name of INTEL_METHODS) methods[`intel.${name}`] = (...args: never[]) => (intel[name] as (...a: never[]) => unknown)(...args);
// The IOC store's, as `iocs.<name>` (threadedIocStore).
const iocs = new SqliteIocStore(store);
for (const name of IOC_METHODS) methods[`iocs.${name}`] = (...args: never[]) => (iocs[name] as (...a: never[]) => unknown)(...args);

port.on('message', async ({ id, method, args }: WorkerRequest) => {
  try {
    const fn = methods[method];
    if (!fn) throw new Error(`unknown store method ${method}`);
    port.postMessage({ id, result: await fn(...(args as never[])) });
  } catch (err) {
    const e = err as Error & { code?: string };
    port.postMessage({ id, error: { message: e.message, name: e.name, code: e.code, stack: e.stack } });
  }
});
