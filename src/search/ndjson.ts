/**
 * `vigil export es` files (issue 15, docs/elasticsearch.md): per kind, the composable index template
 * (`templates/<prefix>-<kind>.json`, the body of `PUT _index_template/<prefix>-<kind>`) and the bulk
 * NDJSON (`<prefix>-<kind>.0001.ndjson`, …): an action line `{"index":{"_index":…,"_id":…}}` then the
 * document, each line ending with `\n` as the bulk API requires
 * (https://www.elastic.co/guide/en/elasticsearch/reference/current/docs-bulk.html). A file is closed
 * past {@link DEFAULT_CHUNK_BYTES} so each stays under the engines' default 100 MB request limit
 * (`http.max_content_length`); `load.sh` PUTs the templates then POSTs each file with curl.
 * Written while read from the store, batch by batch (flat memory), honouring back-pressure.
 */
import { createWriteStream, mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import type { Writable } from 'node:stream';
import type { Stores } from '../store/index.ts';
import { allDocs, type SearchDoc } from './documents.ts';
import { indexName, indexTemplate, type SearchKind } from './mappings.ts';

/** Bytes after which the next document starts a new NDJSON file (40 MiB). */
export const DEFAULT_CHUNK_BYTES = 40 * 1024 * 1024;

/** The two lines of one document, each with its `\n`. */
export function bulkPair(index: string, doc: SearchDoc): string {
  return `${JSON.stringify({ index: { _index: index, _id: doc.id } })}\n${JSON.stringify(doc.source)}\n`;
}

/** Writes `text`, waiting for `drain` when the stream's buffer is full. */
async function write(out: Writable, text: string): Promise<void> {
  if (!out.write(text))
    await new Promise<void>((resolve, reject) => {
      const onError = (err: Error) => reject(err);
      out.once('error', onError);
      out.once('drain', () => {
        out.off('error', onError);
        resolve();
      });
    });
}

async function end(out: Writable): Promise<void> {
  await new Promise<void>((resolve, reject) => {
    out.once('error', reject);
    out.end(() => resolve());
  });
}

/** Options of the writers below. */
export interface EsExportOptions {
  /** Index prefix (`search.elasticsearch.indexPrefix`, default `vigil`). */
  prefix: string;
  /** Documents written so far for `kind` (progress). */
  onDocs?: (kind: SearchKind, done: number) => void;
}

/** Streams every document of `kind` as bulk NDJSON to `out` (left open). @returns documents written. */
export async function writeBulk(stores: Stores, kind: SearchKind, out: Writable, options: EsExportOptions): Promise<number> {
  const index = indexName(options.prefix, kind);
  let n = 0;
  for await (const docs of allDocs(stores, kind)) {
    await write(out, docs.map((d) => bulkPair(index, d)).join(''));
    n += docs.length;
    options.onDocs?.(kind, n);
  }
  return n;
}

/** What {@link writeEsExport} wrote for one kind. */
export interface KindFiles {
  kind: SearchKind;
  index: string;
  template: string;
  files: string[];
  documents: number;
}

/**
 * Writes into `dir` (created if needed): `templates/<index>.json` and `<index>.NNNN.ndjson` per
 * kind, and `load.sh` (curl: the templates, then each file to `_bulk`).
 */
export async function writeEsExport(
  stores: Stores,
  kinds: readonly SearchKind[],
  dir: string,
  options: EsExportOptions & { chunkBytes?: number },
): Promise<KindFiles[]> {
  const chunkBytes = options.chunkBytes ?? DEFAULT_CHUNK_BYTES;
  mkdirSync(path.join(dir, 'templates'), { recursive: true });
  const out: KindFiles[] = [];
  for (const kind of kinds) {
    const index = indexName(options.prefix, kind);
    const template = path.join('templates', `${index}.json`);
    writeFileSync(path.join(dir, template), `${JSON.stringify(indexTemplate(options.prefix, kind), null, 2)}\n`);
    const files: string[] = [];
    let stream: Writable | null = null;
    let bytes = 0;
    let n = 0;
    for await (const docs of allDocs(stores, kind)) {
      for (const d of docs) {
        const pair = bulkPair(index, d);
        if (!stream || bytes >= chunkBytes) {
          if (stream) await end(stream);
          const name = `${index}.${String(files.length + 1).padStart(4, '0')}.ndjson`;
          files.push(name);
          stream = createWriteStream(path.join(dir, name));
          bytes = 0;
        }
        await write(stream, pair);
        bytes += Buffer.byteLength(pair);
      }
      n += docs.length;
      options.onDocs?.(kind, n);
    }
    if (stream) await end(stream);
    out.push({ kind, index, template, files, documents: n });
  }
  writeFileSync(path.join(dir, 'load.sh'), loadScript(out), { mode: 0o755 });
  return out;
}

/** `load.sh`: `ES=https://host:9200 [CURL_OPTS='-u user:pass'] ./load.sh`. */
function loadScript(kinds: readonly KindFiles[]): string {
  const lines = [
    '#!/bin/sh',
    '# Loads this export into Elasticsearch 8/9 or OpenSearch 2 (written by `vigil export es`).',
    "# Usage: ES=https://es.example.org:9200 CURL_OPTS='-u elastic:secret' ./load.sh",
    '# (or CURL_OPTS="-H \'Authorization: ApiKey …\'"). Each response is printed: check "errors":false.',
    'set -eu',
    'cd "$(dirname "$0")"',
    // biome-ignore lint/suspicious/noTemplateCurlyInString: shell parameter expansion
    ': "${ES:?set ES to the cluster URL}"',
    // biome-ignore lint/suspicious/noTemplateCurlyInString: shell parameter expansion
    'CURL_OPTS="${CURL_OPTS:-}"',
  ];
  for (const k of kinds) {
    lines.push(`curl -sS -f $CURL_OPTS -X PUT -H 'Content-Type: application/json' --data-binary @${k.template} "$ES/_index_template/${k.index}"; echo`);
    for (const f of k.files)
      lines.push(
        `curl -sS -f $CURL_OPTS -X POST -H 'Content-Type: application/x-ndjson' --data-binary @${f} "$ES/_bulk?filter_path=took,errors,items.*.error" ; echo`,
      );
  }
  return `${lines.join('\n')}\n`;
}
