/**
 * Readers for the file layouts of CVE 5 records, each turning its input into batches of
 * {@link RawUnit}s (record texts, damage reports, progress) for `events.ts`: a single record
 * `.json` (or a JSON array of records), a cvelistV5 tree (`cves/YYYY/Nxxx/CVE-….json`) and JSON
 * Lines (`.jsonl`, `.jsonl.gz`, `.ndjson`). Release zips are read by `zip.ts`. Memory stays flat:
 * JSON Lines are streamed, tree files read a few at a time.
 */
import { promises as fs } from 'node:fs';
import path from 'node:path';
import { listFiles, MAX_RECORD_BYTES, openInput } from '../files.ts';
import { CVE_FILE } from './zip.ts';

/** One thing a reader found. `origin` names the file, `zip!entry` or `file:line`. */
export type RawUnit =
  /** One JSON text: a record (or, in a `.json` file, possibly an array of records). */
  | { kind: 'json'; origin: string; line?: number; text: string }
  /** Input that could not be read (truncated gzip/zip, bad entry). Good records before it stand. */
  | { kind: 'damage'; origin: string; line?: number; reason: string }
  | { kind: 'progress'; done: number; total?: number; unit: 'bytes' | 'records'; label: string };

const ZIP_MAGIC = [0x50, 0x4b];
const READ_AHEAD = 8;

/** How a path will be read. */
export type InputKind = 'tree' | 'zip' | 'jsonl' | 'json';

/**
 * Tells the layout of a path: a folder is a tree; a file starting `PK` is a zip; `.jsonl`/`.ndjson`
 * (optionally `.gz`) is JSON Lines; anything else one JSON document.
 * @throws {Error} when the path cannot be read (the caller reports it).
 */
export async function inputKind(file: string): Promise<InputKind> {
  const stat = await fs.stat(file);
  if (stat.isDirectory()) return 'tree';
  const handle = await fs.open(file, 'r');
  try {
    const { bytesRead, buffer } = await handle.read(Buffer.alloc(2), 0, 2, 0);
    if (bytesRead === 2 && buffer[0] === ZIP_MAGIC[0] && buffer[1] === ZIP_MAGIC[1]) return 'zip';
  } finally {
    await handle.close();
  }
  return /\.(?:jsonl|ndjson)(?:\.gz)?$/i.test(file) ? 'jsonl' : 'json';
}

/**
 * Streams a JSON Lines file (gzipped or not), one unit per non-blank line, with the 1-based
 * line number. A gzip stream that breaks off is reported as damage after the lines before it.
 */
export async function* readJsonLines(file: string): AsyncGenerator<RawUnit[]> {
  const total = (await fs.stat(file)).size;
  let read = 0;
  const input = await openInput(file, (n) => {
    read += n;
  });
  let carry: Buffer | undefined;
  let line = 0;
  /** Inside a line longer than MAX_RECORD_BYTES: dropped up to its end. */
  let oversized = false;
  try {
    for await (const chunk of input as AsyncIterable<Buffer>) {
      const units: RawUnit[] = [];
      const buf = carry ? Buffer.concat([carry, chunk]) : chunk;
      let start = 0;
      for (let nl = buf.indexOf(10, start); nl !== -1; nl = buf.indexOf(10, start)) {
        line++;
        if (oversized || nl - start > MAX_RECORD_BYTES) {
          oversized = false;
          units.push({ kind: 'damage', origin: file, line, reason: `line ${line} is longer than ${MAX_RECORD_BYTES} bytes: record skipped` });
          start = nl + 1;
          continue;
        }
        const end = nl > start && buf[nl - 1] === 13 ? nl - 1 : nl;
        // Decoding each line on its own keeps ASCII lines one-byte strings: JSON.parse is faster on them.
        if (end > start) units.push({ kind: 'json', origin: file, line, text: buf.toString('utf8', start, end) });
        start = nl + 1;
      }
      carry = start < buf.length ? buf.subarray(start) : undefined;
      if (carry && carry.length > MAX_RECORD_BYTES) {
        oversized = true;
        carry = undefined;
      }
      units.push({ kind: 'progress', done: read, total, unit: 'bytes', label: file });
      yield units;
    }
  } catch (cause) {
    yield [{ kind: 'damage', origin: file, line: line + 1, reason: `input breaks off after line ${line}: ${(cause as Error).message}` }];
    return;
  } finally {
    input.destroy();
  }
  if (carry?.toString('utf8').trim()) yield [{ kind: 'json', origin: file, line: line + 1, text: carry.toString('utf8') }];
}


/** Reads one JSON document (gzipped or not). */
export async function* readJsonFile(file: string): AsyncGenerator<RawUnit[]> {
  const input = await openInput(file);
  const chunks: Buffer[] = [];
  try {
    for await (const chunk of input as AsyncIterable<Buffer>) chunks.push(chunk);
  } catch (cause) {
    yield [{ kind: 'damage', origin: file, reason: `cannot read: ${(cause as Error).message}` }];
    return;
  }
  yield [{ kind: 'json', origin: file, text: Buffer.concat(chunks).toString('utf8') }];
}

/**
 * Reads every `CVE-YYYY-N….json` under a folder (the cvelistV5 `cves/` tree or any subfolder),
 * sorted by path; `delta.json`, `deltaLog.json` and other files are ignored.
 */
export async function* readTree(root: string): AsyncGenerator<RawUnit[]> {
  const files = await listFiles(root, (f) => CVE_FILE.test(path.basename(f)));
  const pending: Promise<RawUnit>[] = [];
  const load = (file: string): Promise<RawUnit> =>
    fs.readFile(file, 'utf8').then(
      (text): RawUnit => ({ kind: 'json', origin: file, text }),
      (cause: Error): RawUnit => ({ kind: 'damage', origin: file, reason: `cannot read: ${cause.message}` }),
    );
  let next = 0;
  let done = 0;
  while (done < files.length) {
    while (pending.length < READ_AHEAD && next < files.length) pending.push(load(files[next++] as string));
    const units: RawUnit[] = [];
    // Take what is ready, in order, while the next reads run.
    do {
      units.push(await (pending.shift() as Promise<RawUnit>));
      done++;
    } while (pending.length > 0 && units.length < 100);
    units.push({ kind: 'progress', done, total: files.length, unit: 'records', label: root });
    yield units;
  }
}
