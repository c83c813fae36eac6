/**
 * Test helpers: cvelistV5 release zips built at test time from corpus records (yazl), in the
 * upstream layouts (see bundles.ts): the daily `…_all_CVEs_at_midnight.zip.zip` (an outer zip
 * holding `cves.zip`, which holds `cves/YYYY/Nxxx/CVE-….json` plus `delta.json`/`deltaLog.json`)
 * and the delta zips (`deltaCves/CVE-….json`). Used by the tests only.
 */
import { promises as fs } from 'node:fs';
import path from 'node:path';
import yazl from 'yazl';
import { listFiles } from '../files.ts';
import { CVE_FILE } from './zip.ts';

/** A zip of the given entries, in order. */
export async function zipOf(entries: [name: string, data: Buffer | string][]): Promise<Buffer> {
  const zip = new yazl.ZipFile();
  for (const [name, data] of entries) zip.addBuffer(Buffer.isBuffer(data) ? data : Buffer.from(data), name);
  zip.end();
  const chunks: Buffer[] = [];
  for await (const chunk of zip.outputStream as AsyncIterable<Buffer>) chunks.push(chunk);
  return Buffer.concat(chunks);
}

/** The CVE record files of a cvelistV5-style tree, sorted (absolute paths). */
export async function recordFiles(root: string): Promise<string[]> {
  return listFiles(root, (f) => CVE_FILE.test(path.basename(f)));
}

/** A daily baseline bundle of the records under `root` (paths kept relative to it, under `cves/`). */
export async function dailyBundle(root: string, files?: string[]): Promise<Buffer> {
  const entries: [string, Buffer | string][] = [];
  for (const file of files ?? (await recordFiles(root))) {
    entries.push([`cves/${path.relative(root, file).split(path.sep).join('/')}`, await fs.readFile(file)]);
  }
  entries.push(['cves/delta.json', JSON.stringify({ fetchTime: '2024-10-24T00:00:00.000Z', numberOfChanges: 0, new: [], updated: [] })]);
  entries.push(['cves/deltaLog.json', '[]']);
  return zipOf([['cves.zip', await zipOf(entries)]]);
}

/** An hourly or end-of-day delta bundle of the given record files. */
export async function deltaBundle(files: string[]): Promise<Buffer> {
  const entries: [string, Buffer | string][] = [];
  for (const file of files) entries.push([`deltaCves/${path.basename(file)}`, await fs.readFile(file)]);
  return zipOf(entries);
}
