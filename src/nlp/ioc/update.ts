/**
 * `vigil warninglists update`: downloads the MISP warninglists repository as a zip, validates every
 * `lists/<name>/list.json` with {@link MispWarninglist}, and installs the valid ones atomically into
 * `<modelDir>/misp-warninglists` (written to a temporary folder beside it, then renamed over the
 * old one). A failed download or a zip without one valid list leaves the installed lists as they were.
 */
import { createWriteStream } from 'node:fs';
import { mkdir, rename, rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { Readable, Transform } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { fetch } from 'undici';
import yauzl from 'yauzl';
import { MispWarninglist } from './warninglists.ts';

/** The official repository's main branch as a zip (GitHub codeload). */
export const DEFAULT_WARNINGLISTS_URL = 'https://codeload.github.com/MISP/misp-warninglists/zip/refs/heads/main';

/** Options of {@link updateWarninglists}. */
export interface UpdateWarninglistsOptions {
  /** Zip to download (default {@link DEFAULT_WARNINGLISTS_URL}). */
  url?: string;
  /** Called as bytes arrive: `done` bytes so far, `total` from Content-Length when the server sent it. */
  onProgress?: (done: number, total: number | undefined) => void;
  /** Called once per list left out, with a message naming the zip entry. */
  onWarning?: (message: string) => void;
}

/** What an update installed. */
export interface UpdateWarninglistsResult {
  dir: string;
  lists: number;
  skipped: number;
  bytes: number;
}

const ENTRY = /^[^/]+\/lists\/([A-Za-z0-9_.-]+)\/list\.json$/;

function openZip(file: string): Promise<yauzl.ZipFile> {
  return new Promise((resolve, reject) => {
    yauzl.open(file, { lazyEntries: true, autoClose: true }, (err, zip) => (err || !zip ? reject(err ?? new Error('no zip')) : resolve(zip)));
  });
}

function readEntry(zip: yauzl.ZipFile, entry: yauzl.Entry): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    zip.openReadStream(entry, (err, stream) => {
      if (err || !stream) return reject(err ?? new Error(`cannot read ${entry.fileName}`));
      const chunks: Buffer[] = [];
      stream.on('data', (c: Buffer) => chunks.push(c));
      stream.on('end', () => resolve(Buffer.concat(chunks)));
      stream.on('error', reject);
    });
  });
}

/** Extracts and validates the lists of a downloaded zip into `outDir/lists/<name>/list.json`. */
async function extractLists(zipFile: string, outDir: string, warn: (m: string) => void): Promise<{ lists: number; skipped: number }> {
  const zip = await openZip(zipFile);
  let lists = 0;
  let skipped = 0;
  await new Promise<void>((resolve, reject) => {
    zip.on('error', reject);
    zip.on('end', () => resolve());
    zip.on('entry', (entry: yauzl.Entry) => {
      const m = ENTRY.exec(entry.fileName);
      if (!m?.[1]) {
        zip.readEntry();
        return;
      }
      const name = m[1];
      readEntry(zip, entry)
        .then(async (buf) => {
          let parsed: ReturnType<typeof MispWarninglist.safeParse> | null = null;
          try {
            parsed = MispWarninglist.safeParse(JSON.parse(buf.toString('utf8')));
          } catch (err) {
            warn(`warninglist ${entry.fileName} skipped: ${(err as Error).message}`);
          }
          if (parsed && !parsed.success) {
            const issue = parsed.error.issues[0];
            warn(`warninglist ${entry.fileName} skipped: ${issue?.path.join('.') || '(root)'}: ${issue?.message ?? 'invalid'}`);
          }
          if (!parsed?.success) {
            skipped++;
            return;
          }
          await mkdir(path.join(outDir, 'lists', name), { recursive: true });
          await writeFile(path.join(outDir, 'lists', name, 'list.json'), buf);
          lists++;
        })
        .then(() => zip.readEntry(), reject);
    });
    zip.readEntry();
  });
  return { lists, skipped };
}

/**
 * Downloads, validates and installs the warninglists into `<modelDir>/misp-warninglists`.
 * @throws Error when the download fails (HTTP status or network error, with `cause`), the file is
 *   not a zip, or it holds no valid list; the installed lists are then left unchanged.
 * @example await updateWarninglists(config.nlp.modelDir, { onProgress: (n) => console.log(n) })
 */
export async function updateWarninglists(modelDir: string, options: UpdateWarninglistsOptions = {}): Promise<UpdateWarninglistsResult> {
  const url = options.url ?? DEFAULT_WARNINGLISTS_URL;
  const warn = options.onWarning ?? ((m: string) => console.warn(m));
  const target = path.join(modelDir, 'misp-warninglists');
  const tmp = path.join(modelDir, `.misp-warninglists-${process.pid}-${Date.now()}`);
  await mkdir(tmp, { recursive: true });
  const zipFile = `${tmp}.zip`;
  try {
    let res: Awaited<ReturnType<typeof fetch>>;
    try {
      res = await fetch(url, { redirect: 'follow' });
    } catch (err) {
      const inner = (err as Error & { cause?: Error }).cause?.message;
      throw new Error(`warninglists download from ${url} failed: ${(err as Error).message}${inner ? ` (${inner})` : ''}`, { cause: err });
    }
    if (!res.ok || !res.body) throw new Error(`warninglists download from ${url} failed: HTTP ${res.status}`);
    const total = Number(res.headers.get('content-length')) || undefined;
    let bytes = 0;
    const count = new Transform({
      transform(chunk: Buffer, _enc, cb) {
        bytes += chunk.length;
        options.onProgress?.(bytes, total);
        cb(null, chunk);
      },
    });
    await pipeline(Readable.fromWeb(res.body as import('node:stream/web').ReadableStream), count, createWriteStream(zipFile));
    const { lists, skipped } = await extractLists(zipFile, tmp, warn);
    if (lists === 0) throw new Error(`warninglists download from ${url} holds no valid lists/<name>/list.json`);
    const old = `${target}.old-${process.pid}`;
    await rename(target, old).catch((err: NodeJS.ErrnoException) => {
      if (err.code !== 'ENOENT') throw err;
    });
    try {
      await rename(tmp, target);
    } catch (err) {
      // Put the previous lists back: a failed install must not leave the folder empty.
      await rename(old, target).catch(() => {});
      throw err;
    }
    await rm(old, { recursive: true, force: true });
    return { dir: target, lists, skipped, bytes };
  } finally {
    await rm(tmp, { recursive: true, force: true });
    await rm(zipFile, { force: true });
  }
}
