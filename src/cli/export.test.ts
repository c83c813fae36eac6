/**
 * `vigil export stix|misp` and `vigil vt lookup` end to end: two real feed items stored with the
 * BlackLotus indicators of ESET's IOC repository as their sightings, exported by the CLI and
 * validated against the OASIS schemas; a look-up against a loopback VirusTotal replaying a real
 * answer.
 */
import { createHash } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadStixValidator } from '../export/stix-validate.ts';
import { simhash } from '../intel/dedupe/simhash.ts';
import { htmlToText, parseFeed } from '../intel/feeds/parse.ts';
import type { IntelDocument } from '../intel/types.ts';
import type { Ioc } from '../nlp/types.ts';
import { openStores } from '../store/index.ts';
import { runCli } from '../testing/cli.ts';
import { corpusPath, hasCorpus } from '../testing/corpus.ts';
import { type TestDatabase, testDatabase } from '../testing/store.ts';
import { startUpstream, type Upstream } from '../testing/upstream.ts';

const MICROSOFT = corpusPath('news', 'feeds', 'tsummey_cyberdash', 'microsoftsecurity.xml');
const SCHEMAS = corpusPath('stix2', 'schemas');

/** The feed's first two items as stored documents. */
function documents(): IntelDocument[] {
  const sha256 = (text: string) => createHash('sha256').update(text).digest('hex');
  const feed = parseFeed(readFileSync(MICROSOFT), 'https://www.microsoft.com/en-us/security/blog/feed/');
  return feed.items.slice(0, 2).map((item) => {
    const url = item.url ?? item.guid;
    const text = item.contentHtml ? htmlToText(item.contentHtml) : (item.summary ?? '');
    return {
      id: `intel-${sha256(url).slice(0, 20)}`,
      source: 'ms-blog',
      url,
      canonicalUrl: url,
      title: item.title ?? '',
      author: item.author,
      published: item.published,
      fetchedAt: '2026-08-01T10:00:00.000Z',
      language: 'en',
      text,
      summary: text.slice(0, 500) || null,
      contentHash: sha256(text),
      simhash: simhash(text),
      tags: [],
      cves: ['CVE-2022-21894'],
    };
  });
}

describe.skipIf(!hasCorpus())('vigil export and vigil vt', () => {
  let db: TestDatabase;
  let dir: string;
  let config: string;
  let vt: Upstream;
  const hashes = [...new Set(readFileSync(corpusPath('iocs', 'eset-malware-ioc', 'blacklotus', 'README.adoc'), 'utf8').match(/\b[0-9a-f]{40}\b/g) ?? [])];
  const vigil = (...args: string[]) => runCli(['--config', config, '--db', db.database, ...args]);

  beforeAll(async () => {
    const ip = readFileSync(corpusPath('api-fixtures', 'virustotal-v3', 'xsoar-GoogleThreatIntelligence-ip.json'), 'utf8');
    vt = await startUpstream({
      '/api/v3/ip_addresses/8.8.8.8': (req: IncomingMessage, res: ServerResponse) => {
        res.writeHead(req.headers['x-apikey'] === 'cli-key' ? 200 : 401, { 'content-type': 'application/json' }).end(ip);
        return true;
      },
    });
    db = testDatabase();
    dir = mkdtempSync(path.join(tmpdir(), 'vigil-export-cli-'));
    config = path.join(dir, 'vigil.config.json');
    writeFileSync(config, JSON.stringify({ nlp: { modelDir: path.join(dir, 'models') }, virustotal: { apiKey: 'cli-key', baseUrl: `${vt.baseUrl}/api/v3` } }));
    const stores = await openStores(db.database);
    try {
      const docs = documents();
      await stores.intel.saveDocuments(docs);
      const iocs: Ioc[] = [
        ...hashes.map((h) => ({ type: 'sha1' as const, value: h, original: h, start: 0, end: 40 })),
        {
          type: 'registry',
          value: 'HKLM\\SYSTEM\\CurrentControlSet\\Control\\CI',
          original: 'HKLM\\SYSTEM\\CurrentControlSet\\Control\\CI',
          start: 0,
          end: 10,
        },
        { type: 'domain', value: 'microsoft.com', original: 'microsoft.com', start: 0, end: 13, warning: { list: 'tranco', name: 'Tranco top' } },
      ];
      for (const d of docs) {
        await stores.iocs.saveDocumentIocs({ documentId: d.id, source: d.source, seen: d.published ?? d.fetchedAt, tlp: 'clear', iocs, cves: d.cves });
      }
    } finally {
      await stores.close();
    }
  }, 180_000);
  afterAll(async () => {
    await vt?.close();
    await db?.drop();
    if (dir) rmSync(dir, { recursive: true, force: true });
  }, 180_000);

  it('writes a STIX bundle that passes --validate and the schemas, with every indicator', async () => {
    const r = await vigil('export', 'stix', '--since', '2000-01-01', '--validate', SCHEMAS);
    expect(r.status, r.stderr).toBe(0);
    const bundle = JSON.parse(r.stdout) as { objects: { type: string; name?: string }[] };
    expect(loadStixValidator(SCHEMAS).validate(bundle)).toEqual([]);
    const names = new Set(bundle.objects.filter((o) => o.type === 'indicator').map((o) => o.name));
    for (const h of hashes) expect(names).toContain(h);
    expect(bundle.objects.filter((o) => o.type === 'report')).toHaveLength(2);
  }, 180_000);

  it('writes a MISP event with the warninglisted domain not for IDS, and the indicators as CSV', async () => {
    const r = await vigil('export', 'misp');
    expect(r.status, r.stderr).toBe(0);
    const attrs = (JSON.parse(r.stdout) as { Event: { Attribute: { value: string; type: string; to_ids: boolean }[] } }).Event.Attribute;
    expect(attrs.find((a) => a.value === 'microsoft.com')).toMatchObject({ type: 'domain', to_ids: false });
    expect(attrs.filter((a) => a.type === 'sha1')).toHaveLength(hashes.length);
    expect(attrs.find((a) => a.type === 'regkey')?.to_ids).toBe(true);
    const csv = await vigil('iocs', 'export', '--since', '2000-01-01');
    expect(csv.status, csv.stderr).toBe(0);
    expect(csv.stdout.split('\n')[0]).toMatch(/^type,value,first_seen/);
    for (const h of hashes) expect(csv.stdout).toContain(`sha1,${h},`);
  }, 180_000);

  it('looks an IP address up on VirusTotal, then from the cache', async () => {
    const r = await vigil('vt', 'lookup', '8.8.8.8');
    expect(r.status, r.stderr).toBe(0);
    expect(r.stdout).toMatch(/detections: 5 malicious, 2 suspicious, 72 harmless/);
    const again = await vigil('vt', 'lookup', '8.8.8.8', '--json');
    expect(JSON.parse(again.stdout)).toMatchObject({ type: 'ipv4', cached: true, found: true });
    expect(vt.requests).toHaveLength(1);
  }, 180_000);
});
