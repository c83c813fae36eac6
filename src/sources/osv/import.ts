/**
 * Offline import of OSV data (`vigil import osv <path…>`): single OSV JSON files (or arrays of
 * records), folders walked recursively (the github/advisory-database tree, golang/vulndb's
 * `data/osv`), JSON Lines (gzip told by magic bytes) and osv.dev `all.zip` exports.
 */
import { promises as fs } from 'node:fs';
import { VigilError } from '../../errors.ts';
import type { Advisory } from '../../model/advisory.ts';
import { decodeText, describeHead, listFiles, MAX_RECORD_BYTES, readHead, readLines, readWholeFile } from '../files.ts';
import type { SourceContext, SourceEvent } from '../types.ts';
import { type OsvParseResult, notOsvReason, parseOsvText, parseOsvValue, sniffOsv } from './parse.ts';
import { readOsvZip } from './zip.ts';

/** Advisories per `advisories` event. */
export const OSV_BATCH = 1000;
/** Files a folder walk takes: JSON, JSON Lines and zips, gzipped or not. */
const OSV_FILE = /\.(json|jsonl|ndjson|zip)(\.gz)?$/i;

/** Collects advisories into batches of {@link OSV_BATCH}; rejections pass straight through. */
export class AdvisoryBatcher {
  #records: Advisory[] = [];

  /** Adds results; returns the events to yield now (rejections, and a full batch). */
  add(results: Iterable<OsvParseResult>): SourceEvent[] {
    const out: SourceEvent[] = [];
    for (const r of results) {
      if (r.rejection) out.push({ type: 'rejected', ...r.rejection });
      else this.#records.push(r.advisory);
    }
    if (this.#records.length >= OSV_BATCH) out.push(...this.flush());
    return out;
  }

  /** The pending batch as an event, if any. */
  flush(): SourceEvent[] {
    if (this.#records.length === 0) return [];
    const records = this.#records;
    this.#records = [];
    return [{ type: 'advisories', records }];
  }
}

/**
 * Imports OSV files and folders. Yields `advisories` batches of at most 1,000, `progress` events
 * (files of a folder, bytes of a JSON Lines file, entries of a zip), and a `rejected` event for
 * every bad record (by id and field) or unreadable file; the records beside them go on.
 * @param source Vigil source id stored with the advisories (default `osv`).
 * @throws {VigilError} VIGIL_INPUT_UNREADABLE when a path cannot be read; VIGIL_INPUT_FORMAT, before
 *   anything is yielded, when a file named on the command line is not OSV. Files inside folders
 *   that are not OSV are `rejected` events instead (a repository tree holds other JSON).
 * @example
 *   for await (const e of importOsvFiles(['advisory-database/advisories'], { log })) …
 */
export async function* importOsvFiles(paths: string[], ctx: SourceContext, source = 'osv'): AsyncGenerator<SourceEvent> {
  const units: { file: string; inFolder: boolean; total: number; index: number }[] = [];
  for (const root of paths) {
    const files = await listFiles(root, (f) => OSV_FILE.test(f));
    const isFolder = (await fs.stat(root)).isDirectory();
    if (!isFolder) {
      const { head } = await readHead(root);
      if (head !== null && sniffOsv(head) === null) throw new VigilError('VIGIL_INPUT_FORMAT', [root, `${notOsvReason(head)} (${describeHead(head)})`]);
    }
    for (const [index, file] of files.entries()) units.push({ file, inFolder: isFolder, total: files.length, index });
  }
  const batcher = new AdvisoryBatcher();
  for (const { file, inFolder, total, index } of units) {
    ctx.signal?.throwIfAborted();
    yield* importOne(file, source, batcher, ctx);
    if (inFolder && ((index + 1) % 500 === 0 || index + 1 === total)) {
      yield { type: 'progress', done: index + 1, total, unit: 'records', label: file };
    }
  }
  yield* batcher.flush();
}

/** One file, by its sniffed layout. */
async function* importOne(file: string, source: string, batcher: AdvisoryBatcher, ctx: SourceContext): AsyncGenerator<SourceEvent> {
  const { head } = await readHead(file);
  if (head === null) {
    yield { type: 'rejected', where: { origin: file }, reason: 'corrupt gzip: its start cannot be decoded' };
    return;
  }
  const layout = sniffOsv(head);
  if (layout === null) {
    yield { type: 'rejected', where: { origin: file }, reason: `${notOsvReason(head)} (${describeHead(head)})` };
    return;
  }
  if (layout === 'zip') {
    for await (const unit of readOsvZip(file)) {
      ctx.signal?.throwIfAborted();
      if (unit.kind === 'json') yield* batcher.add(parseOsvText(unit.text, unit.origin, source));
      else if (unit.kind === 'damage') yield { type: 'rejected', where: { origin: unit.origin }, reason: unit.reason };
      else yield { type: 'progress', done: unit.done, total: unit.total, unit: 'records', label: file };
    }
    return;
  }
  if (layout === 'document') {
    let text: string;
    try {
      text = await decodeText(await readWholeFile(file));
    } catch (cause) {
      if (cause instanceof VigilError) throw cause;
      yield { type: 'rejected', where: { origin: file }, reason: `truncated or corrupt gzip (${(cause as Error).message})` };
      return;
    }
    yield* batcher.add(parseOsvText(text, file, source));
    return;
  }
  yield* importLines(file, source, batcher, ctx);
}

/** JSON Lines: one record per line; a bad line is rejected by line number (and id when it has one). */
async function* importLines(file: string, source: string, batcher: AdvisoryBatcher, ctx: SourceContext): AsyncGenerator<SourceEvent> {
  const { size } = await fs.stat(file);
  let bytes = 0;
  let n = 0;
  try {
    for await (const line of readLines(file, (b) => (bytes += b))) {
      n++;
      if (line.trim() === '') continue;
      const origin = `${file}:${n}`;
      if (line.length > MAX_RECORD_BYTES) {
        yield { type: 'rejected', where: { origin, record: `line ${n}` }, reason: `line ${n} is ${line.length} characters, too long for an OSV record` };
        continue;
      }
      let value: unknown;
      try {
        value = JSON.parse(line);
      } catch (cause) {
        yield { type: 'rejected', where: { origin, record: `line ${n}` }, reason: `line ${n} is not valid JSON: ${(cause as Error).message}` };
        continue;
      }
      yield* batcher.add([parseOsvValue(value, origin, source)]);
      if (n % 1000 === 0) {
        ctx.signal?.throwIfAborted();
        yield { type: 'progress', done: bytes, total: size, unit: 'bytes', label: file };
      }
    }
  } catch (cause) {
    if (cause instanceof VigilError || ctx.signal?.aborted) throw cause;
    yield {
      type: 'rejected',
      where: { origin: file, record: `line ${n + 1}` },
      reason: `file breaks off after line ${n} (truncated or corrupt gzip): ${(cause as Error).message}`,
    };
  }
  yield { type: 'progress', done: bytes, total: size, unit: 'bytes', label: file };
}
