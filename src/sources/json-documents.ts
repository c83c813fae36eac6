/**
 * Offline import of sources whose upstream serves one JSON document per record (CERT-FR
 * `…/avis/<REF>/json/`, CERT-EU `…/security-advisories/<YYYY-NNN>/json`): single documents, JSON
 * arrays of them, folders of either, and JSON Lines; gzip is told by content. JSON Lines are
 * streamed line by line, so a file of any size keeps memory flat.
 */
import { promises as fs } from 'node:fs';
import { VigilError } from '../errors.ts';
import { decodeText, listFiles, MAX_RECORD_BYTES, readLines, readWholeFile } from './files.ts';

/** One document read, or why a line/file could not be: `where` locates it for a `rejected` event. */
export type JsonDocument =
  | { value: unknown; origin: string; line?: number; index?: number }
  | { error: string; origin: string; line?: number };

/** How a file holds its documents. */
export type JsonLayout = 'json' | 'jsonl';

/** File names a folder import reads (anything else in a folder, e.g. a README, is skipped). */
export const JSON_DOCUMENT_FILE = /\.(?:json|jsonl|ndjson)(?:\.gz)?$/i;

/**
 * Expands folders (recursively, sorted) to the JSON files in them; files named on the command
 * line are kept whatever their name.
 * @throws {VigilError} VIGIL_INPUT_UNREADABLE when a path does not exist.
 */
export async function expandJsonPaths(paths: string[]): Promise<string[]> {
  const out: string[] = [];
  for (const p of paths) {
    const stat = await fs.stat(p).catch(() => null);
    out.push(...(stat?.isDirectory() ? await listFiles(p, (f) => JSON_DOCUMENT_FILE.test(f)) : await listFiles(p)));
  }
  return out;
}

/**
 * Tells a file's layout from its first bytes: `[` or a lone `{` on the first line is one JSON
 * document (pretty-printed or an array); a first line that is a whole JSON value, or longer than
 * the head, is JSON Lines (a compact single document is a one-line JSON Lines file).
 */
export function detectJsonLayout(head: string): JsonLayout {
  const text = head.replace(/^\uFEFF/, '').trimStart();
  if (text.startsWith('[')) return 'json';
  const nl = text.indexOf('\n');
  if (nl < 0) return 'jsonl';
  const first = text.slice(0, nl).trim();
  if (first === '{') return 'json';
  try {
    JSON.parse(first);
    return 'jsonl';
  } catch {
    return 'json';
  }
}

/**
 * Reads the documents of one file in `layout`: for JSON Lines one per non-blank line (`line`
 * 1-based); for JSON the document, or each element of a top-level array (`index` 0-based).
 * Unparseable lines and files become `{error}` items; reading goes on after a bad line.
 * `onBytes` reports bytes of the file read (compressed size for gzip), for progress.
 * @throws {VigilError} VIGIL_INPUT_UNREADABLE when the file cannot be opened.
 */
export async function* readJsonDocuments(file: string, layout: JsonLayout, onBytes?: (n: number) => void): AsyncGenerator<JsonDocument> {
  if (layout === 'jsonl') {
    let line = 0;
    try {
      for await (const text of readLines(file, onBytes)) {
        line++;
        if (text.length > MAX_RECORD_BYTES) {
          yield { error: `line longer than ${MAX_RECORD_BYTES} characters`, origin: file, line };
          continue;
        }
        if (text.trim() === '') continue;
        try {
          yield { value: JSON.parse(text), origin: file, line };
        } catch (cause) {
          yield { error: `not valid JSON (${(cause as Error).message})`, origin: file, line };
        }
      }
    } catch (cause) {
      if (cause instanceof VigilError) throw cause;
      // A gzip stream cut off mid-way: the lines before it were read.
      yield { error: `truncated or corrupt file after line ${line} (${(cause as Error).message})`, origin: file };
    }
    return;
  }
  const bytes = await readWholeFile(file);
  onBytes?.(bytes.length);
  let value: unknown;
  try {
    value = JSON.parse(await decodeText(bytes));
  } catch (cause) {
    yield { error: `not valid JSON (truncated?): ${(cause as Error).message}`, origin: file };
    return;
  }
  if (!Array.isArray(value)) {
    yield { value, origin: file };
    return;
  }
  for (const [index, item] of value.entries()) yield { value: item, origin: file, index };
}
