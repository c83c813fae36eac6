/**
 * Reading upstream files offline: transparent gunzip (by magic bytes, not by name), line
 * streaming, and recursive listing of a folder tree. Streams keep memory flat however large
 * the file.
 */
import { createReadStream, promises as fs } from 'node:fs';
import path from 'node:path';
import { createInterface } from 'node:readline';
import type { Readable } from 'node:stream';
import { promisify } from 'node:util';
import { constants as zlibConstants, createGunzip, gunzip, gunzipSync } from 'node:zlib';
import { VigilError } from '../errors.ts';

const gunzipAsync = promisify(gunzip);

/**
 * Largest single record accepted, in bytes (UTF-16 code units for text already decoded). The
 * largest real records are a few hundred KB (NVD's Log4Shell entry: 133 KB); anything far beyond
 * is damage or abuse and is rejected by id/line instead of being held in memory.
 */
export const MAX_RECORD_BYTES = 16 * 1024 * 1024;

/** Whether a file starts with the gzip magic bytes (RFC 1952 §2.3.1: 1f 8b). */
export async function isGzip(file: string): Promise<boolean> {
  const handle = await fs.open(file, 'r');
  try {
    const { bytesRead, buffer } = await handle.read(Buffer.alloc(2), 0, 2, 0);
    return bytesRead === 2 && buffer[0] === 0x1f && buffer[1] === 0x8b;
  } finally {
    await handle.close();
  }
}

/** What {@link readHead} found at the start of a file. */
export interface FileHead {
  /** The file starts with the gzip magic bytes. */
  gzip: boolean;
  /** The first content bytes (gunzipped when gzip, without a UTF-8 byte-order mark), or null when the gzip data cannot be decoded. */
  head: Buffer | null;
}

/**
 * Reads the start of a file's content, for telling its format before importing it: at most
 * `bytes` bytes, gunzipped when the file is gzip (only the first 16 KiB of the file are read).
 * @throws {VigilError} VIGIL_INPUT_UNREADABLE when the file cannot be read.
 */
export async function readHead(file: string, bytes = 4096): Promise<FileHead> {
  let raw: Buffer;
  try {
    const handle = await fs.open(file, 'r');
    try {
      const { bytesRead, buffer } = await handle.read(Buffer.alloc(16 * 1024), 0, 16 * 1024, 0);
      raw = buffer.subarray(0, bytesRead);
    } finally {
      await handle.close();
    }
  } catch (cause) {
    throw new VigilError('VIGIL_INPUT_UNREADABLE', [file, (cause as Error).message], { cause });
  }
  const gzip = raw.length >= 2 && raw[0] === 0x1f && raw[1] === 0x8b;
  let head: Buffer | null = raw;
  if (gzip) {
    try {
      // Z_SYNC_FLUSH: decode what the first 16 KiB hold instead of failing on the missing rest.
      head = gunzipSync(raw, { finishFlush: zlibConstants.Z_SYNC_FLUSH });
    } catch (err) {
      if (!(err instanceof Error && typeof (err as NodeJS.ErrnoException).code === 'string')) throw err;
      head = null; // corrupt gzip: the importer reports it with the records it could read
    }
  }
  if (head && head[0] === 0xef && head[1] === 0xbb && head[2] === 0xbf) head = head.subarray(3);
  return { gzip, head: head === null ? null : head.subarray(0, bytes) };
}

/**
 * How the start of a file looks, for an error message: printable text quoted, else its first bytes in hex.
 * @example describeHead(Buffer.from([0x7f, 0x45, 0x4c, 0x46])) // 'it starts with bytes 7f 45 4c 46'
 */
export function describeHead(head: Buffer): string {
  if (head.length === 0) return 'it is empty';
  const text = head.subarray(0, 40).toString('utf8');
  if (/^[\t\n\r\x20-\x7e\u00a0-\uffff]*$/.test(text) && !text.includes('\ufffd')) return `it starts with ${JSON.stringify(text.trim().slice(0, 30))}`;
  return `it starts with bytes ${[...head.subarray(0, 8)].map((b) => b.toString(16).padStart(2, '0')).join(' ')}`;
}

/**
 * Opens a file for reading, gunzipping it when it is gzip. `onBytes` reports compressed bytes
 * read (for progress against the file size).
 * @throws {VigilError} VIGIL_INPUT_UNREADABLE when the file cannot be opened.
 */
export async function openInput(file: string, onBytes?: (n: number) => void): Promise<Readable> {
  let gz: boolean;
  try {
    gz = await isGzip(file);
  } catch (cause) {
    throw new VigilError('VIGIL_INPUT_UNREADABLE', [file, (cause as Error).message], { cause });
  }
  const raw = createReadStream(file, { highWaterMark: 1 << 20 });
  if (onBytes) raw.on('data', (chunk: Buffer | string) => onBytes(chunk.length));
  if (!gz) return raw;
  // 1 MiB output chunks: the 16 KiB default makes gunzip about three times slower.
  const gunzip = createGunzip({ chunkSize: 1 << 20 });
  raw.on('error', (err) => gunzip.destroy(err));
  return raw.pipe(gunzip);
}

/**
 * Decodes a whole upstream file or response body to text: gunzipped when it starts with the gzip
 * magic bytes (whatever its name), UTF-8, without a byte-order mark.
 * @throws {Error} from zlib when the gzip data is truncated or corrupt.
 */
export async function decodeText(bytes: Buffer): Promise<string> {
  const gz = bytes.length >= 2 && bytes[0] === 0x1f && bytes[1] === 0x8b;
  return (gz ? await gunzipAsync(bytes) : bytes).toString('utf8').replace(/^\uFEFF/, '');
}

/**
 * Reads a whole file (small upstream files: a KEV catalog, an EPSS day).
 * @throws {VigilError} VIGIL_INPUT_UNREADABLE naming the file.
 */
export async function readWholeFile(file: string): Promise<Buffer> {
  try {
    return await fs.readFile(file);
  } catch (cause) {
    throw new VigilError('VIGIL_INPUT_UNREADABLE', [file, (cause as Error).message], { cause });
  }
}

/** Yields the lines of a (possibly gzipped) text file, without line terminators. */
export async function* readLines(file: string, onBytes?: (n: number) => void): AsyncGenerator<string> {
  const input = await openInput(file, onBytes);
  const rl = createInterface({ input, crlfDelay: Number.POSITIVE_INFINITY });
  try {
    for await (const line of rl) yield line;
  } finally {
    rl.close();
    input.destroy();
  }
}

/** Lists the files under `root` (recursively, sorted), or `[root]` when it is a file. */
export async function listFiles(root: string, accept: (file: string) => boolean = () => true): Promise<string[]> {
  const stat = await fs.stat(root).catch((cause: Error) => {
    throw new VigilError('VIGIL_INPUT_UNREADABLE', [root, cause.message], { cause });
  });
  if (!stat.isDirectory()) return [root];
  const entries = await fs.readdir(root, { recursive: true, withFileTypes: true });
  return entries
    .filter((e) => e.isFile())
    .map((e) => path.join(e.parentPath, e.name))
    .filter(accept)
    .sort();
}
