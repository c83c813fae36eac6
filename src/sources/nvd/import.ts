/**
 * Offline import of NVD files, gzipped or not, in any of the forms NVD data travels in:
 * - a legacy JSON 1.1 feed `{CVE_Items: [...]}` (`nvdcve-1.1-2018.json.gz`),
 * - an API 2.0 response page `{vulnerabilities: [{cve}], ...}` (or a 2.0 yearly feed, same shape),
 * - a single API 2.0 `cve` object (one file of the fkie-cad/nvd-json-data-feeds mirror),
 * - a JSON array of any of these records.
 * Large files are streamed: records are split off the byte stream one at a time (json-split.ts),
 * so memory stays flat however large the feed.
 */
import { createReadStream, promises as fs } from 'node:fs';
import path from 'node:path';
import type { Readable } from 'node:stream';
import { createGunzip } from 'node:zlib';
import { VigilError } from '../../errors.ts';
import type { VulnObservation } from '../../model/vulnerability.ts';
import { describeHead, isGzip, listFiles, readHead } from '../files.ts';
import type { SourceContext, SourceEvent } from '../types.ts';
import { JsonArraySplitter, JsonStructureError } from './json-split.ts';
import { processRecord, processRecordText, type RecordOutcome, type RecordShape } from './records.ts';

/** Records per `vulns` event. */
export const BATCH_SIZE = 1000;

/** Files below this size are read whole (a mirror of one file per CVE has 300,000 of them). */
const SMALL_FILE_BYTES = 1 << 20;

/** Array keys that hold records, and how those records are wrapped. */
const RECORD_ARRAYS: Record<string, RecordShape> = {
  CVE_Items: 'legacy-item',
  vulnerabilities: 'api-vulnerability',
  '': 'detect',
};

/** Which files of a folder are imported: `*.json` and `*.json.gz`. */
export function isNvdFileName(file: string): boolean {
  return /\.json(?:\.gz)?$/i.test(file);
}

/**
 * Opens a file, gunzipping it when it starts with the gzip magic bytes. Like `openInput` in
 * files.ts, but with 1 MiB gunzip chunks: the default 16 KiB makes reading the 76 MB 2018 feed
 * about three times slower. `consumed()` is the number of file bytes processed so far.
 */
function openFeed(file: string, gzip: boolean): { stream: Readable; consumed: () => number; close: () => void } {
  const raw = createReadStream(file, { highWaterMark: 1 << 20 });
  if (!gzip) {
    let n = 0;
    raw.on('data', (chunk: Buffer | string) => (n += chunk.length));
    return { stream: raw, consumed: () => n, close: () => raw.destroy() };
  }
  const gunzip = createGunzip({ chunkSize: 1 << 20 });
  raw.on('error', (err) => gunzip.destroy(err));
  const close = (): void => {
    gunzip.destroy();
    raw.destroy();
  };
  return { stream: raw.pipe(gunzip), consumed: () => gunzip.bytesWritten, close };
}

/** Errors that mean "this file is damaged" (as opposed to a bug): zlib, I/O and structure errors. */
function isInputDamage(err: unknown): err is Error {
  return err instanceof JsonStructureError || err instanceof SyntaxError || (err instanceof Error && typeof (err as NodeJS.ErrnoException).code === 'string');
}

/** Collects observations into batches and rejections as they come. */
class Collector {
  batch: VulnObservation[] = [];
  events: SourceEvent[] = [];
  add(outcome: RecordOutcome): void {
    if (outcome.observation) this.batch.push(outcome.observation);
    for (const r of outcome.rejected) this.events.push(r);
  }
  /** Drains pending events, with full batches (or everything, when `flush`). */
  *drain(flush = false): Generator<SourceEvent> {
    const events = this.events;
    this.events = [];
    yield* events;
    while (this.batch.length >= BATCH_SIZE || (flush && this.batch.length > 0)) {
      yield { type: 'vulns', records: this.batch.splice(0, BATCH_SIZE) };
    }
  }
}

function labelFor(arrayKey: string | null, index: number): string {
  return `${arrayKey ?? ''}[${index}]`;
}

/** Imports one file into `out`, yielding as it goes (events not yet yielded stay in `out`). */
async function* importFile(file: string, out: Collector, ctx: SourceContext): AsyncGenerator<SourceEvent> {
  const size = await fs.stat(file).then(
    (st) => st.size,
    (cause: Error) => {
      throw new VigilError('VIGIL_INPUT_UNREADABLE', [file, cause.message], { cause });
    },
  );
  const splitter = new JsonArraySplitter(Object.keys(RECORD_ARRAYS).filter(Boolean));
  let records = 0;
  const takeRecords = (): void => {
    const shape = RECORD_ARRAYS[splitter.arrayKey ?? ''] ?? 'detect';
    for (const el of splitter.take()) {
      records++;
      const label = labelFor(splitter.arrayKey, el.index);
      if (el.text === null) {
        out.add({ rejected: [{ type: 'rejected', where: { origin: file, record: label }, reason: 'array element is not a JSON object' }] });
      } else out.add(processRecordText(el.text, shape, file, label));
    }
  };
  const label = path.basename(file);
  try {
    const gzip = await isGzip(file);
    if (size < SMALL_FILE_BYTES && !gzip) {
      splitter.feed(await fs.readFile(file));
      takeRecords();
    } else {
      const { stream, consumed, close } = openFeed(file, gzip);
      try {
        for await (const chunk of stream) {
          ctx.signal?.throwIfAborted();
          splitter.feed(chunk as Buffer);
          takeRecords();
          yield* out.drain();
          yield { type: 'progress', done: Math.min(consumed(), size), total: size, unit: 'bytes', label };
        }
      } finally {
        close();
      }
    }
    const document = splitter.end();
    if (document !== undefined) out.add(processDocument(document, file));
  } catch (err) {
    if (!isInputDamage(err)) throw err;
    takeRecords();
    ctx.log.warn({ file, err: err.message, records }, 'nvd: damaged input file');
    out.events.push({
      type: 'rejected',
      where: { origin: file },
      reason: `file is truncated or malformed: ${err.message} (the ${records} record(s) before the damage were read)`,
    });
  }
  yield* out.drain();
  yield { type: 'progress', done: size, total: size, unit: 'bytes', label };
}

/** A document without a record array: one bare record, or an envelope whose array is missing. */
function processDocument(text: string, file: string): RecordOutcome {
  const value: unknown = JSON.parse(text);
  if (typeof value === 'object' && value !== null && ('vulnerabilities' in value || 'CVE_Items' in value)) {
    const key = 'vulnerabilities' in value ? 'vulnerabilities' : 'CVE_Items';
    return { rejected: [{ type: 'rejected', where: { origin: file, field: key }, reason: `"${key}" is not an array` }] };
  }
  return processRecord(value, 'detect', file, path.basename(file));
}

/**
 * Why a file is not NVD data at all (it neither is nor holds JSON), or null when it may be.
 * A gzip file whose data cannot be decoded is left to the import, which reports the damage.
 * @throws {VigilError} VIGIL_INPUT_UNREADABLE when the file cannot be read.
 */
export async function nvdFormatProblem(file: string): Promise<string | null> {
  const { gzip, head } = await readHead(file);
  if (head === null) return null;
  const first = head.toString('utf8').trimStart()[0];
  if (first === '{' || first === '[') return null;
  return `not an NVD feed: gzip or JSON expected (${gzip ? 'gzip, but ' : ''}${describeHead(head)})`;
}

/**
 * Imports NVD files and folders (recursively: `*.json`, `*.json.gz`).
 * Yields `vulns` batches of up to {@link BATCH_SIZE}, `progress` in bytes per file, and `rejected`
 * for each bad record (file, CVE id or array index, field) and for a truncated or malformed file
 * (after the good records before the damage).
 * @throws {VigilError} VIGIL_INPUT_UNREADABLE when a path does not exist; VIGIL_INPUT_FORMAT,
 *   before anything is yielded, when a file named in `paths` is not NVD data at all (random
 *   bytes, a CSV): the wrong file, not a damaged one.
 */
export async function* importNvdFiles(paths: string[], ctx: SourceContext): AsyncGenerator<SourceEvent> {
  const out = new Collector();
  const listed = await Promise.all(paths.map((root) => listFiles(root, isNvdFileName)));
  for (const [i, root] of paths.entries()) {
    if (listed[i]?.[0] !== root) continue; // a folder: its *.json(.gz) files are imported as found
    const problem = await nvdFormatProblem(root);
    if (problem) throw new VigilError('VIGIL_INPUT_FORMAT', [root, problem]);
  }
  for (const files of listed) {
    for (const file of files) {
      ctx.signal?.throwIfAborted();
      yield* importFile(file, out, ctx);
    }
  }
  yield* out.drain(true);
}
