/**
 * Offline import of CSAF 2.0 documents (`vigil import csaf <path…>`): documents, folders of them
 * (a provider's directory tree, CSAF 2.0 §7.1.14) and ROLIE feed files whose entries are resolved
 * to documents beside the feed (§7.1.20). A sibling `<file>.sha512` (§7.1.18) is checked.
 */
import { existsSync, promises as fs } from 'node:fs';
import path from 'node:path';
import type { Advisory } from '../../model/advisory.ts';
import { VigilError } from '../../errors.ts';
import { decodeText, describeHead, listFiles, readHead, readWholeFile } from '../files.ts';
import type { RecordLocation, SourceContext, SourceEvent } from '../types.ts';
import { type CsafFileKind, parseCsafDocument, sniffCsaf, verifySha512 } from './parse.ts';
import { RolieEntry, RolieFeed } from './schema.ts';

/** Advisories per `advisories` event (Red Hat documents are large: keep batches modest). */
export const IMPORT_BATCH = 100;

/** A ROLIE feed read offline: the documents found beside it, and how many entries had none. */
export interface OfflineFeed {
  /** Local files of entries, in feed order. */
  files: string[];
  /** Entries whose document is not beside the feed (a partial mirror). */
  absent: number;
  rejected: { where: RecordLocation; reason: string }[];
}

/** The link an entry's document is at: `content.src`, else the `self` link. */
export function entryDocumentUrl(entry: RolieEntry): string | undefined {
  return entry.content?.src ?? entry.link.find((l) => (l.rel ?? l.ref) === 'self')?.href;
}

/**
 * Reads a ROLIE feed file and finds each entry's document on disk: the entry URL's path relative
 * to the feed's own URL (its `self` link), under the feed's folder
 * (`…/OT/white/2024/icsa-24-291-03.json` with feed `…/OT/white/feed.json` → `<feed dir>/2024/icsa-24-291-03.json`);
 * without a usable self link, the last one to four path segments of the entry URL, the first that exists.
 */
export async function readOfflineFeed(file: string): Promise<OfflineFeed> {
  const out: OfflineFeed = { files: [], absent: 0, rejected: [] };
  let json: unknown;
  try {
    json = JSON.parse(await decodeText(await readWholeFile(file)));
  } catch (cause) {
    if (cause instanceof VigilError) throw cause;
    out.rejected.push({ where: { origin: file }, reason: `not valid JSON (truncated?): ${(cause as Error).message}` });
    return out;
  }
  const feed = RolieFeed.safeParse(json);
  if (!feed.success) {
    const issue = feed.error.issues[0];
    out.rejected.push({ where: { origin: file, field: issue?.path.join('.') }, reason: `not a ROLIE feed: ${issue?.path.join('.')}: ${issue?.message}` });
    return out;
  }
  const dir = path.dirname(file);
  const self = feed.data.feed.link.find((l) => (l.rel ?? l.ref) === 'self')?.href;
  const base = self ? self.slice(0, self.lastIndexOf('/') + 1) : undefined;
  feed.data.feed.entry.forEach((raw, i) => {
    const entry = RolieEntry.safeParse(raw);
    const rawId = (raw as { id?: unknown } | null)?.id;
    const record = typeof rawId === 'string' ? rawId : `entry[${i}]`;
    if (!entry.success) {
      const field = entry.error.issues[0]?.path.join('.');
      out.rejected.push({ where: { origin: file, record, ...(field ? { field } : {}) }, reason: `${record}: bad ROLIE entry: ${field}: ${entry.error.issues[0]?.message}` });
      return;
    }
    const url = entryDocumentUrl(entry.data);
    const local = url ? localFile(dir, base, url) : undefined;
    if (local) out.files.push(local);
    else out.absent++;
  });
  return out;
}

function localFile(dir: string, base: string | undefined, url: string): string | undefined {
  const decoded = (s: string) => {
    try {
      return decodeURIComponent(s);
    } catch {
      return s;
    }
  };
  const clean = url.split(/[?#]/)[0] ?? url;
  if (base && clean.startsWith(base)) {
    const rel = clean.slice(base.length).split('/').map(decoded);
    if (rel.every((p) => p !== '..' && p !== '')) {
      const f = path.join(dir, ...rel);
      return inside(dir, f) && existsSync(f) ? f : undefined;
    }
  }
  const segments = clean.replace(/^[a-z]+:\/\/[^/]*/i, '').split('/').filter(Boolean).map(decoded);
  for (let k = 1; k <= Math.min(4, segments.length); k++) {
    const rel = segments.slice(-k);
    if (rel.includes('..')) break;
    const f = path.join(dir, ...rel);
    if (inside(dir, f) && existsSync(f)) return f;
  }
  return undefined;
}

/**
 * Imports CSAF documents, folders (every `*.json` that is a CSAF document; ROLIE feeds and other
 * JSON inside a folder are skipped, `.asc`/`.sha512` are not documents) and ROLIE feed files
 * (entries resolved by {@link readOfflineFeed}; entries without a local file are counted in the log).
 * Yields `advisories` batches of {@link IMPORT_BATCH}, `rejected` for a bad document (by
 * `tracking.id` and field, or by file) or a SHA-512 mismatch with a sibling `.sha512`, and progress.
 * @throws {VigilError} VIGIL_INPUT_FORMAT, before anything is yielded, when a file named on the
 *   command line is neither a CSAF document nor a ROLIE feed; VIGIL_INPUT_UNREADABLE when a path cannot be read.
 * @example for await (const e of importCsafFiles(['csaf_files/OT/white'], { log })) …
 */
export async function* importCsafFiles(paths: string[], ctx: SourceContext): AsyncGenerator<SourceEvent> {
  const documents: string[] = [];
  const feeds: string[] = [];
  let skipped = 0;
  for (const p of paths) {
    const stat = await fs.stat(p).catch((cause: Error) => {
      throw new VigilError('VIGIL_INPUT_UNREADABLE', [p, cause.message], { cause });
    });
    if (!stat.isDirectory()) {
      const kind = await sniffFile(p);
      if (kind === null) {
        const { head } = await readHead(p);
        throw new VigilError('VIGIL_INPUT_FORMAT', [p, `not a CSAF 2.0 document ({"document": …}) or a ROLIE feed ({"feed": …}) (${head ? describeHead(head) : 'corrupt gzip'})`]);
      }
      (kind === 'feed' ? feeds : documents).push(p);
      continue;
    }
    for (const f of await listFiles(p, (f) => /\.json(?:\.gz)?$/i.test(f))) {
      const kind = await sniffFile(f);
      if (kind === 'document') documents.push(f);
      else skipped++; // a feed inside a walked folder lists documents the walk finds anyway
    }
  }
  if (skipped > 0) ctx.log.debug({ skipped }, 'csaf: JSON files in the folders that are not CSAF documents (ROLIE feeds, provider metadata) skipped');
  for (const feed of feeds) {
    const r = await readOfflineFeed(feed);
    for (const rej of r.rejected) yield { type: 'rejected', ...rej };
    documents.push(...r.files);
    ctx.log.info({ feed, found: r.files.length, absent: r.absent }, 'csaf: ROLIE feed entries resolved to local files');
  }

  const unique = [...new Set(documents.map((f) => path.resolve(f)))];
  let batch: Advisory[] = [];
  for (const [i, file] of unique.entries()) {
    ctx.signal?.throwIfAborted();
    const result = await readDocument(file);
    if ('rejected' in result) yield { type: 'rejected', ...result.rejected };
    else batch.push(result.advisory);
    if (batch.length >= IMPORT_BATCH || i === unique.length - 1) {
      if (batch.length > 0) yield { type: 'advisories', records: batch };
      batch = [];
      yield { type: 'progress', done: i + 1, total: unique.length, unit: 'records', label: 'CSAF documents' };
    }
  }
}

async function sniffFile(file: string): Promise<CsafFileKind> {
  const { head } = await readHead(file, 16 * 1024);
  return head ? sniffCsaf(head.toString('utf8')) : null;
}

async function readDocument(file: string): Promise<ReturnType<typeof parseCsafDocument>> {
  const bytes = await readWholeFile(file);
  const hashFile = `${file}.sha512`;
  if (existsSync(hashFile)) {
    const check = verifySha512(bytes, (await readWholeFile(hashFile)).toString('utf8'));
    if (!check.ok) return { rejected: { where: { origin: file, field: 'sha512' }, reason: `${path.basename(file)}: ${check.reason}` } };
  }
  let text: string;
  try {
    text = await decodeText(bytes);
  } catch (cause) {
    return { rejected: { where: { origin: file }, reason: `truncated or corrupt gzip (${(cause as Error).message})` } };
  }
  return parseCsafDocument(text, file);
}

/** Whether `file` lies under `dir` (a decoded `%2F` in a feed entry's URL must not leave the feed's folder). */
function inside(dir: string, file: string): boolean {
  const rel = path.relative(dir, file);
  return rel !== '' && !rel.startsWith('..') && !path.isAbsolute(rel);
}
