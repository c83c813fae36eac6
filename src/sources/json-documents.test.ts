/**
 * The JSON document reader under the CERT-FR and CERT-EU imports: layouts told by content, JSON
 * Lines split by bytes (CRLF, blank lines, no final newline, UTF-8 across read chunks, gzip), a
 * bad line rejected by number, a bad file by name.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { gzipSync } from 'node:zlib';
import { afterAll, describe, expect, it } from 'vitest';
import { createLogger } from '../log.ts';
import type { Advisory } from '../model/advisory.ts';
import { detectJsonLayout, importJsonDocuments, type JsonDocument, readJsonDocuments } from './json-documents.ts';
import type { SourceEvent } from './types.ts';

const tmp = mkdtempSync(path.join(os.tmpdir(), 'vigil-jsondocs-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

async function read(name: string, content: string | Buffer, layout: 'json' | 'jsonl'): Promise<JsonDocument[]> {
  const file = path.join(tmp, name);
  writeFileSync(file, content);
  const out: JsonDocument[] = [];
  for await (const d of readJsonDocuments(file, layout)) out.push({ ...d, origin: name });
  return out;
}

describe('detectJsonLayout', () => {
  it.each([
    ['pretty object', '{\n  "$ref": "https://www.cert.ssi.gouv.fr/openapi.json",\n', 'json'],
    ['array', '[{"a":1},\n{"a":2}]', 'json'],
    ['JSON Lines', '{"a":1}\n{"a":2}\n', 'jsonl'],
    ['one long line (no newline in the head)', '{"a":"xxxxxxxx', 'jsonl'],
    ['pretty object opening on its first line', '{ "a": 1,\n  "b": 2 }', 'json'],
    ['byte-order mark', '\uFEFF{"a":1}\n', 'jsonl'],
  ])('%s', (_name, head, layout) => {
    expect(detectJsonLayout(head)).toBe(layout);
  });
});

describe('readJsonDocuments', () => {
  it('splits JSON Lines on LF and CRLF, skips blank lines, reads a last line without newline, numbers lines', async () => {
    const docs = await read('a.jsonl', '{"n":1}\r\n\n{"n":2}\n{"n":3}', 'jsonl');
    expect(docs).toEqual([
      { value: { n: 1 }, origin: 'a.jsonl', line: 1 },
      { value: { n: 2 }, origin: 'a.jsonl', line: 3 },
      { value: { n: 3 }, origin: 'a.jsonl', line: 4 },
    ]);
  });

  it('keeps multi-byte characters whole across read chunks (1 MiB) and gunzips by content', async () => {
    // "é" is 2 bytes: 'x' * (1 MiB - 10) puts one across the first chunk boundary.
    const long = { t: `${'x'.repeat((1 << 20) - 10)}${'é'.repeat(20)}` };
    const text = `${JSON.stringify(long)}\n{"n":2}\n`;
    for (const [name, body] of [
      ['b.jsonl', text],
      ['b.bin', gzipSync(text)],
    ] as const) {
      const docs = await read(name, body, 'jsonl');
      expect(docs.map((d) => ('value' in d ? d.value : d))).toEqual([long, { n: 2 }]);
    }
  });

  it('rejects a bad line by number and goes on; a bad JSON file by name; reads arrays by index', async () => {
    expect(await read('c.jsonl', '{"n":1}\n{"n":\n{"n":3}\n', 'jsonl')).toEqual([
      { value: { n: 1 }, origin: 'c.jsonl', line: 1 },
      { error: expect.stringMatching(/^not valid JSON/), origin: 'c.jsonl', line: 2 },
      { value: { n: 3 }, origin: 'c.jsonl', line: 3 },
    ]);
    expect(await read('d.json', '{\n "n": 1', 'json')).toEqual([{ error: expect.stringMatching(/^not valid JSON \(truncated\?\)/), origin: 'd.json' }]);
    expect(await read('e.json', '[\n{"n":1},\n{"n":2}\n]', 'json')).toEqual([
      { value: { n: 1 }, origin: 'e.json', index: 0 },
      { value: { n: 2 }, origin: 'e.json', index: 1 },
    ]);
  });
});

describe('importJsonDocuments', () => {
  const file = path.join(tmp, 'many.jsonl');
  writeFileSync(file, Array.from({ length: 50 }, (_, i) => JSON.stringify({ n: i + 1 })).join('\n'));
  const opts = (onParse?: (n: number) => void) => ({
    sourceId: 'test',
    looksLike: (head: string) => head.startsWith('{"n"'),
    expected: 'numbers',
    batchSize: 10,
    parse(value: unknown, origin: string, fallback?: string) {
      const n = (value as { n: number }).n;
      onParse?.(n);
      if (n % 7 === 0) return { rejected: { where: { origin, record: fallback ?? '?', field: 'n' }, reason: 'multiple of 7' } };
      return {
        advisory: {
          id: `N-${n}`,
          source: 'test',
          kind: 'bulletin',
          title: String(n),
          modified: '2026-01-01T00:00:00.000Z',
          aliases: [],
          cves: [],
          affected: [],
          references: [],
        } satisfies Advisory,
      };
    },
  });

  it('yields batches, rejections and progress in file order (reading ahead of the consumer)', async () => {
    const events: SourceEvent[] = [];
    for await (const e of importJsonDocuments([file], { log: createLogger('silent') }, opts())) events.push(e);
    const kinds = events.map((e) => (e.type === 'advisories' ? `a${e.records.length}` : e.type === 'rejected' ? `r:${e.where.record}` : e.type));
    expect(kinds).toEqual([
      'r:line 7',
      'a10',
      'progress',
      'r:line 14',
      'r:line 21',
      'a10',
      'progress',
      'r:line 28',
      'a10',
      'progress',
      'r:line 35',
      'r:line 42',
      'a10',
      'progress',
      'r:line 49',
      'a3',
      'progress',
    ]);
    expect(events.flatMap((e) => (e.type === 'advisories' ? e.records.map((a) => a.id) : []))).toHaveLength(43);
  });

  it('stops reading soon after the consumer stops', async () => {
    let parsed = 0;
    for await (const e of importJsonDocuments(
      [file],
      { log: createLogger('silent') },
      opts(() => parsed++),
    )) {
      if (e.type === 'advisories') break;
    }
    // The first batch (10 advisories, one rejection) plus at most the read-ahead of 4 events.
    expect(parsed).toBeGreaterThanOrEqual(11);
    expect(parsed).toBeLessThan(50);
  });
});
