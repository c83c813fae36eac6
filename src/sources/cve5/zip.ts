/**
 * Reading cvelistV5 release zips (yauzl for the zip structure, https://github.com/thejoshwolfe/yauzl).
 * A daily bundle holds ~300,000 small entries, so the per-entry cost decides the speed: reads
 * go through a block cache (one 1 MiB disk read serves hundreds of directory records, local
 * headers and entries, which lie in file order) and small entries are inflated in one call,
 * instead of yauzl's stream per entry (~10× faster). Nested zips (the daily bundle's
 * `cves.zip`) are streamed to a temp file, never inflated in memory.
 */
import { createWriteStream, promises as fs } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { inflateRawSync } from 'node:zlib';
import yauzl from 'yauzl';
import type { RawUnit } from './readers.ts';

/** A file name cvelistV5 uses for a record. */
export const CVE_FILE = /^CVE-\d{4}-\d+\.json$/;
const BLOCK = 1 << 20;
const CACHED_BLOCKS = 4;
/** Entries larger than this are not CVE records (the largest real ones are a few MB). */
const MAX_ENTRY_BYTES = 64 << 20;
/** Units per batch handed on. */
const BATCH = 128;

/** Random access to a zip file through a small cache of 1 MiB blocks. */
class BlockReader extends yauzl.RandomAccessReader {
  readonly #handle: fs.FileHandle;
  readonly #blocks = new Map<number, Buffer>();

  constructor(handle: fs.FileHandle) {
    super();
    this.#handle = handle;
  }

  async #block(index: number): Promise<Buffer> {
    const hit = this.#blocks.get(index);
    if (hit) return hit;
    const { bytesRead, buffer } = await this.#handle.read(Buffer.allocUnsafe(BLOCK), 0, BLOCK, index * BLOCK);
    const block = buffer.subarray(0, bytesRead);
    if (this.#blocks.size >= CACHED_BLOCKS) this.#blocks.delete(this.#blocks.keys().next().value as number);
    this.#blocks.set(index, block);
    return block;
  }

  /** `length` bytes at `position` (fewer at the end of the file). */
  async bytes(position: number, length: number): Promise<Buffer> {
    const first = Math.floor(position / BLOCK);
    const last = Math.floor((position + length - 1) / BLOCK);
    if (length > 0 && first === last) {
      const block = await this.#block(first);
      return block.subarray(position - first * BLOCK, position - first * BLOCK + length);
    }
    const { bytesRead, buffer } = await this.#handle.read(Buffer.allocUnsafe(length), 0, length, position);
    return buffer.subarray(0, bytesRead);
  }

  override read(buffer: Buffer, offset: number, length: number, position: number, callback: (err: Error | null, bytesRead?: number) => void): void {
    this.bytes(position, length).then(
      (data) => {
        data.copy(buffer, offset);
        callback(null, data.length);
      },
      (err: Error) => callback(err),
    );
  }

  /** A stream of a byte range (a nested zip). Not `fs.createReadStream({fd})`: destroying that closes the shared fd. */
  override _readStreamForRange(start: number, end: number): Readable {
    const handle = this.#handle;
    let position = start;
    return new Readable({
      highWaterMark: BLOCK,
      read() {
        const length = Math.min(BLOCK, end - position);
        if (length <= 0) {
          this.push(null);
          return;
        }
        handle.read(Buffer.allocUnsafe(length), 0, length, position).then(
          ({ bytesRead, buffer }) => {
            if (bytesRead === 0) return this.destroy(new Error('unexpected end of file'));
            position += bytesRead;
            this.push(buffer.subarray(0, bytesRead));
          },
          (err: Error) => this.destroy(err),
        );
      },
    });
  }

  override close(callback: (err: Error | null) => void): void {
    this.#handle.close().then(() => callback(null), callback);
  }
}

/** An open zip. */
interface Zip {
  zip: yauzl.ZipFile;
  reader: BlockReader;
}

async function openZip(file: string): Promise<Zip> {
  const handle = await fs.open(file, 'r');
  try {
    const { size } = await handle.stat();
    const reader = new BlockReader(handle);
    const zip = await yauzl.fromRandomAccessReaderPromise(reader, size, { autoClose: false, lazyEntries: true, strictFileNames: false });
    return { zip, reader };
  } catch (e) {
    await handle.close();
    throw e;
  }
}

/** Inflates one small entry in a single call; checks its size against the directory. */
async function entryBytes({ zip, reader }: Zip, entry: yauzl.Entry): Promise<Buffer> {
  if (entry.isEncrypted()) throw new Error('entry is encrypted');
  if (entry.uncompressedSize > MAX_ENTRY_BYTES) throw new Error(`entry is ${entry.uncompressedSize} bytes, too large for a CVE record`);
  const { fileDataStart } = await zip.readLocalFileHeaderPromise(entry, { minimal: true });
  const stored = await reader.bytes(fileDataStart, entry.compressedSize);
  if (stored.length < entry.compressedSize) throw new Error('entry data cut off');
  let data: Buffer;
  if (entry.compressionMethod === 0) data = stored;
  else if (entry.compressionMethod === 8) data = inflateRawSync(stored, { maxOutputLength: Math.max(1, entry.uncompressedSize) });
  else throw new Error(`unsupported compression method ${entry.compressionMethod}`);
  if (data.length !== entry.uncompressedSize) throw new Error(`inflated to ${data.length} bytes, directory says ${entry.uncompressedSize}`);
  return data;
}

/** Options of {@link readZip}. */
export interface ZipReadOptions {
  /** Name shown in `origin` instead of the file path (a URL for downloaded bundles). */
  label?: string;
  /** Folder for nested zips extracted while reading (default: the OS temp folder). */
  tempDir?: string;
}

/**
 * Reads the CVE records of a cvelistV5 zip: entries named `CVE-….json` anywhere in it, and nested
 * `.zip` entries (the daily bundle's `cves.zip`), streamed to a temp file and read the same way.
 * An unreadable zip or entry is reported as damage; the entries before it stand.
 */
export async function* readZip(file: string, options: ZipReadOptions = {}): AsyncGenerator<RawUnit[]> {
  const label = options.label ?? file;
  let z: Zip;
  try {
    z = await openZip(file);
  } catch (cause) {
    yield [{ kind: 'damage', origin: label, reason: `not a readable zip (truncated?): ${(cause as Error).message}` }];
    return;
  }
  let tempDir: string | undefined;
  try {
    let seen = 0;
    let units: RawUnit[] = [];
    const progress = (): RawUnit => ({ kind: 'progress', done: seen, total: z.zip.entryCount, unit: 'records', label });
    try {
      for await (const entry of z.zip.eachEntry()) {
        seen++;
        const name = entry.fileName;
        const base = path.posix.basename(name);
        const origin = `${label}!${name}`;
        if (CVE_FILE.test(base)) {
          // One entry at a time: reading ahead (many reads and inflates in flight) measured 2-3× slower.
          try {
            units.push({ kind: 'json', origin, text: (await entryBytes(z, entry)).toString('utf8') });
          } catch (cause) {
            units.push({ kind: 'damage', origin, reason: `cannot inflate entry: ${(cause as Error).message}` });
          }
          if (units.length >= BATCH) {
            units.push(progress());
            yield units;
            units = [];
          }
        } else if (base.toLowerCase().endsWith('.zip')) {
          if (units.length) yield units;
          units = [];
          tempDir ??= await fs.mkdtemp(path.join(options.tempDir ?? os.tmpdir(), 'vigil-cve5-'));
          const inner = path.join(tempDir, `${seen}.zip`);
          try {
            await pipeline(await z.zip.openReadStreamPromise(entry), createWriteStream(inner));
          } catch (cause) {
            yield [{ kind: 'damage', origin, reason: `cannot inflate nested zip: ${(cause as Error).message}` }];
            continue;
          }
          yield* readZip(inner, { ...options, label: origin });
          await fs.rm(inner, { force: true });
        }
      }
    } catch (cause) {
      units.push({ kind: 'damage', origin: label, reason: `zip directory breaks off after ${seen} entries: ${(cause as Error).message}` });
    }
    units.push(progress());
    yield units;
  } finally {
    z.zip.close();
    if (tempDir) await fs.rm(tempDir, { recursive: true, force: true });
  }
}
