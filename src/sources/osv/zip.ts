/**
 * Reading an osv.dev export zip (`<ecosystem>/all.zip`, https://google.github.io/osv.dev/data/):
 * one `<id>.json` entry per record, no folders. yauzl reads the zip structure
 * (https://github.com/thejoshwolfe/yauzl); entries are inflated one at a time, so memory holds
 * one record however large the zip (npm's is ~200,000 entries).
 */
import { buffer } from 'node:stream/consumers';
import yauzl from 'yauzl';

/** Entries larger than this are not OSV records (the largest real ones are a few hundred KB). */
const MAX_ENTRY_BYTES = 16 << 20;

/** One unit read from a zip: a record's text, damage (named), or progress. */
export type OsvZipUnit =
  | { kind: 'json'; origin: string; text: string }
  | { kind: 'damage'; origin: string; reason: string }
  | { kind: 'progress'; done: number; total: number };

/**
 * Reads the `.json` entries of a zip, in zip order. A zip that cannot be opened, or whose
 * directory breaks off, is one `damage` unit (the entries read before it stand); an entry that
 * cannot be inflated is a `damage` unit naming it. A `progress` unit follows every 500 entries.
 * @param label shown in `origin` instead of the path (`<label>!<entry>`), e.g. the download URL.
 */
export async function* readOsvZip(file: string, label = file): AsyncGenerator<OsvZipUnit> {
  let zip: yauzl.ZipFile;
  try {
    zip = await yauzl.openPromise(file, { lazyEntries: true, autoClose: false, strictFileNames: false });
  } catch (cause) {
    yield { kind: 'damage', origin: label, reason: `not a readable zip (truncated?): ${(cause as Error).message}` };
    return;
  }
  let seen = 0;
  try {
    for await (const entry of zip.eachEntry()) {
      seen++;
      if (seen % 500 === 0) yield { kind: 'progress', done: seen, total: zip.entryCount };
      if (!entry.fileName.toLowerCase().endsWith('.json')) continue;
      const origin = `${label}!${entry.fileName}`;
      if (entry.uncompressedSize > MAX_ENTRY_BYTES) {
        yield { kind: 'damage', origin, reason: `entry is ${entry.uncompressedSize} bytes, too large for an OSV record` };
        continue;
      }
      let text: string;
      try {
        text = (await buffer(await zip.openReadStreamPromise(entry))).toString('utf8');
      } catch (cause) {
        yield { kind: 'damage', origin, reason: `cannot inflate entry: ${(cause as Error).message}` };
        continue;
      }
      yield { kind: 'json', origin, text };
    }
  } catch (cause) {
    yield { kind: 'damage', origin: label, reason: `zip directory breaks off after ${seen} entries: ${(cause as Error).message}` };
  } finally {
    zip.close();
  }
  yield { kind: 'progress', done: seen, total: zip.entryCount };
}
