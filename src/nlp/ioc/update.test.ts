import { existsSync, readFileSync } from 'node:fs';
import { mkdtemp, readdir, rm } from 'node:fs/promises';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { gunzipSync } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import yazl from 'yazl';
import { corpusPath, hasCorpus } from '../../testing/corpus.ts';
import { loadWarninglists } from './index.ts';
import { updateWarninglists } from './update.ts';

const present = hasCorpus();
// A few real lists of each kind keep the zip small and the test fast.
const LISTS = ['public-dns-v4', 'alexa', 'rfc1918', 'empty-hashes', 'common-contact-emails'];

function zipOf(files: Record<string, Buffer>): Promise<Buffer> {
  const zip = new yazl.ZipFile();
  for (const [name, body] of Object.entries(files)) zip.addBuffer(body, name);
  zip.end();
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    zip.outputStream.on('data', (c: Buffer) => chunks.push(c));
    zip.outputStream.on('end', () => resolve(Buffer.concat(chunks)));
    zip.outputStream.on('error', reject);
  });
}

describe.skipIf(!present)('vigil warninglists update against a loopback zip server', () => {
  let server: Server;
  let base: string;
  let modelDir: string;
  const routes = new Map<string, Buffer>();
  beforeAll(async () => {
    const files: Record<string, Buffer> = { 'misp-warninglists-main/README.md': Buffer.from('# lists\n') };
    for (const l of LISTS) {
      const plain = corpusPath('misp-warninglists', 'lists', l, 'list.json');
      // The corpus stores lists over 300 KB gzipped; upstream zips hold plain list.json files.
      files[`misp-warninglists-main/lists/${l}/list.json`] = existsSync(plain) ? readFileSync(plain) : gunzipSync(readFileSync(`${plain}.gz`));
    }
    files['misp-warninglists-main/lists/broken/list.json'] = Buffer.from('{"name": "no type, no list"}');
    files['misp-warninglists-main/lists/a b/list.json'] = Buffer.from('{}');
    routes.set('/good.zip', await zipOf(files));
    routes.set('/empty.zip', await zipOf({ 'x/README.md': Buffer.from('nothing') }));
    routes.set('/not-a-zip', Buffer.from('<html>rate limited</html>'));
    server = createServer((req, res) => {
      const body = routes.get(req.url ?? '');
      if (!body) {
        res.writeHead(404).end('not found');
        return;
      }
      res.writeHead(200, { 'content-type': 'application/zip', 'content-length': body.length }).end(body);
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    modelDir = await mkdtemp(path.join(tmpdir(), 'vigil-wl-update-'));
  });
  afterAll(async () => {
    await new Promise((r) => server.close(r));
    await rm(modelDir, { recursive: true, force: true });
  });

  it('downloads, validates and installs the lists, reporting progress and the bad list', async () => {
    const progress: number[] = [];
    const warnings: string[] = [];
    const r = await updateWarninglists(modelDir, { url: `${base}/good.zip`, onProgress: (n) => progress.push(n), onWarning: (m) => warnings.push(m) });
    expect(r).toMatchObject({ dir: path.join(modelDir, 'misp-warninglists'), lists: LISTS.length, skipped: 1 });
    expect(progress.at(-1)).toBe(routes.get('/good.zip')?.length);
    expect(warnings.join('\n')).toContain('lists/broken/list.json');
    const wl = await loadWarninglists(r.dir);
    expect(wl.lists.map((l) => l.list).sort()).toEqual([...LISTS].sort());
    expect(wl.match('ipv4', '8.8.8.8')?.list).toBe('public-dns-v4');
    expect(existsSync(path.join(r.dir, 'lists', 'a b'))).toBe(false);
    // No temporary folder or zip is left beside the lists.
    expect(await readdir(modelDir)).toEqual(['misp-warninglists']);
  });

  it.each([
    ['HTTP 404', '/missing.zip', /HTTP 404/],
    ['not a zip', '/not-a-zip', /./],
    ['no valid list', '/empty.zip', /no valid lists/],
  ])('a failed update (%s) leaves the installed lists', async (_why, route, message) => {
    await expect(updateWarninglists(modelDir, { url: `${base}${route}`, onWarning: () => {} })).rejects.toThrow(message);
    const wl = await loadWarninglists(path.join(modelDir, 'misp-warninglists'));
    expect(wl.lists).toHaveLength(LISTS.length);
    expect(await readdir(modelDir)).toEqual(['misp-warninglists']);
  });
});
