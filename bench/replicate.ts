/**
 * Writes the 300k-record benchmark input: real records replicated under new CVE ids (copy k moves
 * every id to year + 100·k; contents unchanged). Runs as its own process so that its memory does
 * not count in the import's peak RSS.
 * Usage: node --import tsx bench/replicate.ts OUT_DIR [CVE5_COPIES NVD_2018_COPIES NVD_2025_COPIES]
 * (default 6 4 4: 312k records with the real corpus; 30 8 8 gives the 1M-record store of bench/pg.ts).
 */
import { createWriteStream, readFileSync } from 'node:fs';
import path from 'node:path';
import { createInterface } from 'node:readline';
import type { Writable } from 'node:stream';
import { createGzip, gunzipSync } from 'node:zlib';
import { openInput } from '../src/sources/files.ts';
import { corpusPath } from '../src/testing/corpus.ts';

const out = process.argv[2];
if (!out) throw new Error('usage: replicate.ts OUT_DIR');
const move = (text: string, k: number) => text.replace(/CVE-(\d{4})-(\d+)/g, (_m, y: string, n: string) => `CVE-${Number(y) + 100 * k}-${n}`);

async function write(stream: Writable, chunk: string): Promise<void> {
  if (!stream.write(chunk)) await new Promise<void>((r) => stream.once('drain', () => r()));
}

async function finish(gz: Writable, file: Writable): Promise<void> {
  gz.end();
  await new Promise<void>((r) => file.once('finish', () => r()));
}

async function cve5(copies: number): Promise<void> {
  const gz = createGzip({ level: 1 });
  const file = gz.pipe(createWriteStream(path.join(out as string, 'cve5-replicated.jsonl.gz')));
  for (let k = 1; k <= copies; k++) {
    for await (const line of createInterface({ input: await openInput(corpusPath('cve5', 'vulnrichment-2024-cve5.jsonl.gz')) })) {
      if (line) await write(gz, `${move(line, k)}\n`);
    }
  }
  await finish(gz, file);
}

async function nvd(feed: string, copies: number): Promise<void> {
  const doc = JSON.parse(gunzipSync(readFileSync(corpusPath('nvd', feed))).toString('utf8')) as { CVE_Items: unknown[] };
  const gz = createGzip({ level: 1 });
  const file = gz.pipe(createWriteStream(path.join(out as string, `replicated-${feed}`)));
  await write(gz, `{"CVE_data_type":"CVE","CVE_data_format":"MITRE","CVE_data_version":"4.0","CVE_data_numberOfCVEs":"${doc.CVE_Items.length * copies}","CVE_data_timestamp":"2025-05-15T07:00Z","CVE_Items":[`);
  let first = true;
  for (let k = 1; k <= copies; k++) {
    for (const item of doc.CVE_Items) {
      await write(gz, `${first ? '' : ','}${move(JSON.stringify(item), k)}`);
      first = false;
    }
  }
  await write(gz, ']}');
  await finish(gz, file);
}

const [c5, n18, n25] = [3, 4, 5].map((i, j) => Number(process.argv[i] ?? [6, 4, 4][j]));
await cve5(c5 as number);
await nvd('nvdcve-1.1-2018.json.gz', n18 as number);
await nvd('nvdcve-1.1-2025.json.gz', n25 as number);
