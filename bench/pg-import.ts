/**
 * One importer process of bench/pg.ts: `node --import tsx bench/pg-import.ts DATABASE STEP...`,
 * each STEP `source:path[,path…]`, imported in order through `openStores(DATABASE).writer` as
 * `vigil import` does. Prints one JSON line: `{ read, stored, seconds, steps }`.
 */
import { createLogger } from '../src/log.ts';
import { importFiles } from '../src/pipeline.ts';
import { findSource } from '../src/sources/registry.ts';
import { openStores } from '../src/store/index.ts';

const [database, ...steps] = process.argv.slice(2);
if (!database || !steps.length) throw new Error('usage: bench/pg-import.ts DATABASE source:path[,path…]…');
const log = createLogger('silent');
const stores = await openStores(database, { writer: true });
const t0 = performance.now();
let read = 0;
let stored = 0;
const done: { source: string; read: number; stored: number; seconds: number }[] = [];
try {
  for (const step of steps) {
    const [source, paths] = step.split(/:(.*)/s) as [string, string];
    const s0 = performance.now();
    const summary = await importFiles(findSource(source).source, paths.split(','), { store: stores.writer, log });
    read += summary.read;
    stored += summary.stored;
    done.push({ source, read: summary.read, stored: summary.stored, seconds: (performance.now() - s0) / 1000 });
  }
} finally {
  await stores.close();
}
console.log(JSON.stringify({ read, stored, seconds: (performance.now() - t0) / 1000, steps: done }));
