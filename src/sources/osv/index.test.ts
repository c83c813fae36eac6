import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { gunzipSync, gzipSync } from 'node:zlib';
import { afterAll, describe, expect, it } from 'vitest';
import { VigilError } from '../../errors.ts';
import { createLogger } from '../../log.ts';
import type { Advisory } from '../../model/advisory.ts';
import { corpusPath, hasCorpus } from '../../testing/corpus.ts';
import { zipOf } from '../cve5/test-bundles.ts';
import { listFiles } from '../files.ts';
import type { SourceEvent } from '../types.ts';
import { osvSource } from './index.ts';

const log = createLogger('silent');
const tmp = mkdtempSync(path.join(os.tmpdir(), 'vigil-osv-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));
const goJsonl = () => corpusPath('osv', 'go-vulndb-osv-all.jsonl.gz');
const goFolder = () => corpusPath('osv', 'go-vulndb');
const ghsaTree = () => corpusPath('ghsa', 'advisories');

async function collect(paths: string[]): Promise<SourceEvent[]> {
  const events: SourceEvent[] = [];
  for await (const e of osvSource.importFiles(paths, { log })) events.push(e);
  return events;
}
const advisoriesOf = (events: SourceEvent[]): Advisory[] => events.flatMap((e) => (e.type === 'advisories' ? e.records : []));
const rejectedOf = (events: SourceEvent[]) => events.flatMap((e) => (e.type === 'rejected' ? [e] : []));
function write(name: string, content: string | Buffer): string {
  const file = path.join(tmp, name);
  writeFileSync(file, content);
  return file;
}
const byId = (list: Advisory[]) => new Map(list.map((a) => [a.id, a]));

describe.skipIf(!hasCorpus())('osv import on the real Go vulndb export', () => {
  it('imports all 4,291 records of the JSON Lines export (gzip) with 0 rejected, in batches of at most 1,000', async () => {
    const events = await collect([goJsonl()]);
    expect(rejectedOf(events)).toEqual([]);
    const batches = events.filter((e) => e.type === 'advisories').map((e) => (e.type === 'advisories' ? e.records.length : 0));
    expect(batches).toEqual([1000, 1000, 1000, 1000, 291]);
    const all = advisoriesOf(events);
    expect(new Set(all.map((a) => a.id)).size).toBe(4291);
    expect(all.every((a) => a.kind === 'package' && a.source === 'osv' && a.id.startsWith('GO-'))).toBe(true);
    // PROVENANCE: 3,988 records carry a GHSA alias; none is lost, and no GHSA id is taken for a CVE.
    expect(all.filter((a) => a.aliases.some((x) => x.startsWith('GHSA-')))).toHaveLength(3988);
    expect(all.flatMap((a) => a.cves).every((c) => /^CVE-\d{4}-\d{4,}$/.test(c.id) && c.origin === 'listed')).toBe(true);
    const progress = events.filter((e) => e.type === 'progress');
    expect(progress.at(-1)).toMatchObject({ unit: 'bytes', done: readFileSync(goJsonl()).length, total: readFileSync(goJsonl()).length });
  });

  it('maps a Go record: CVE and GHSA aliases, golang purl, SEMVER range, pkg.go.dev page, withdrawn', async () => {
    const all = byId(advisoriesOf(await collect([goJsonl()])));
    expect(all.get('GO-2022-0298')).toEqual({
      id: 'GO-2022-0298',
      source: 'osv',
      kind: 'package',
      title: 'Command injection in gh-ost in github.com/github/gh-ost',
      summary: 'Command injection in gh-ost in github.com/github/gh-ost',
      details: 'Command injection in gh-ost in github.com/github/gh-ost',
      modified: '0001-01-01T00:00:00.000Z',
      aliases: ['GHSA-rrp4-2xx3-mv29'],
      cves: [{ id: 'CVE-2022-21687', origin: 'listed' }],
      affected: [
        {
          status: 'affected',
          ecosystem: 'Go',
          packageName: 'github.com/github/gh-ost',
          purl: 'pkg:golang/github.com/github/gh-ost',
          ranges: [{ type: 'SEMVER', events: [{ introduced: '0' }, { fixed: '1.1.3' }] }],
        },
      ],
      references: [
        { type: 'ADVISORY', url: 'https://github.com/github/gh-ost/security/advisories/GHSA-rrp4-2xx3-mv29' },
        { type: 'ADVISORY', url: 'https://nvd.nist.gov/vuln/detail/CVE-2022-21687' },
        { type: 'FIX', url: 'https://github.com/github/gh-ost/commit/a91ab042de013cfd8fbb633763438932d9080d8f' },
      ],
      url: 'https://pkg.go.dev/vuln/GO-2022-0298',
    });
    expect(all.get('GO-2026-6173')?.withdrawn).toBe('2026-08-18T20:23:02.000Z');
    expect([...all.values()].filter((a) => a.withdrawn)).toHaveLength(17);
  });

  it('the 300 single files, the same files in a zip, and the JSON Lines export agree record by record', async () => {
    const fromLines = byId(advisoriesOf(await collect([goJsonl()])));
    const folder = await collect([goFolder()]);
    expect(rejectedOf(folder)).toEqual([]);
    const fromFiles = advisoriesOf(folder);
    expect(fromFiles).toHaveLength(300);
    const files = await listFiles(goFolder());
    const zip = write('go-all.zip', await zipOf(files.map((f) => [path.basename(f), readFileSync(f)])));
    const zipped = await collect([zip]);
    expect(rejectedOf(zipped)).toEqual([]);
    expect(advisoriesOf(zipped)).toEqual(fromFiles);
    for (const a of fromFiles) expect(a, a.id).toEqual(fromLines.get(a.id));
  });
});

describe.skipIf(!hasCorpus())('osv import on the real GitHub advisory-database files', () => {
  it('walks the tree: 12 advisories over 8 ecosystems, 0 rejected', async () => {
    const events = await collect([ghsaTree()]);
    expect(rejectedOf(events)).toEqual([]);
    const all = advisoriesOf(events);
    expect(all).toHaveLength(12);
    expect(new Set(all.flatMap((a) => a.affected.map((x) => x.ecosystem))).size).toBe(8);
    expect(all.every((a) => a.url === `https://github.com/advisories/${a.id}`)).toBe(true);
    expect(events.at(-2)).toMatchObject({ type: 'progress', done: 12, total: 12, unit: 'records' });
  });

  it('Spring4Shell (GHSA-36p3-wjmg-h94x): 10 affected entries over 5 Maven packages, maven purls, fixed 5.3.18 / 5.2.20.RELEASE', async () => {
    const a = byId(advisoriesOf(await collect([ghsaTree()]))).get('GHSA-36p3-wjmg-h94x') as Advisory;
    expect(a.affected).toHaveLength(10);
    expect(new Set(a.affected.map((x) => x.packageName)).size).toBe(5);
    expect(a.affected.every((x) => x.ecosystem === 'Maven' && x.status === 'affected')).toBe(true);
    expect(a.affected.map((x) => x.purl)).toContain('pkg:maven/org.springframework/spring-webmvc');
    const webmvc = a.affected.filter((x) => x.packageName === 'org.springframework:spring-webmvc').map((x) => x.ranges);
    expect(webmvc).toEqual([
      [{ type: 'ECOSYSTEM', events: [{ introduced: '0' }, { fixed: '5.2.20.RELEASE' }] }],
      [{ type: 'ECOSYSTEM', events: [{ introduced: '5.3.0' }, { fixed: '5.3.18' }] }],
    ]);
    expect(a).toMatchObject({
      title: 'Remote Code Execution in Spring Framework',
      severity: 'CRITICAL',
      cves: [{ id: 'CVE-2022-22965', origin: 'listed' }],
      aliases: [],
      cwes: ['CWE-74', 'CWE-94'],
      cvss: [{ vector: 'CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H', score: 9.8 }],
      published: '2022-03-31T18:30:50.000Z',
      modified: '2022-06-01T22:15:49.000Z',
    });
  });

  it('keeps GHSA-5crp-9r3c-p9vr, which names no CVE and states no CVSS', async () => {
    const a = byId(advisoriesOf(await collect([ghsaTree()]))).get('GHSA-5crp-9r3c-p9vr') as Advisory;
    expect(a).toMatchObject({ cves: [], aliases: [], severity: 'LOW', cwes: ['CWE-755'] });
    expect(a.cvss).toBeUndefined();
    expect(a.affected).toEqual([
      {
        status: 'affected',
        ecosystem: 'NuGet',
        packageName: 'Newtonsoft.Json',
        purl: 'pkg:nuget/Newtonsoft.Json',
        ranges: [{ type: 'ECOSYSTEM', events: [{ introduced: '0' }, { fixed: '13.0.1' }] }],
      },
    ]);
  });

  it('scores CVSS v3.1 and v4.0 vectors (serve-static) and derives a purl per ecosystem', async () => {
    const all = byId(advisoriesOf(await collect([ghsaTree()])));
    expect(all.get('GHSA-cm22-4g7w-348p')?.cvss).toEqual([
      { vector: 'CVSS:3.1/AV:N/AC:H/PR:N/UI:R/S:U/C:L/I:L/A:L', score: 5 },
      { vector: 'CVSS:4.0/AV:N/AC:L/AT:P/PR:N/UI:P/VC:N/VI:N/VA:N/SC:L/SI:L/SA:L', score: 2.3 },
    ]);
    const purls = Object.fromEntries([...all.values()].map((a) => [a.id, a.affected[0]?.purl]));
    expect(purls).toMatchObject({
      'GHSA-p6mc-m468-83gw': 'pkg:npm/lodash',
      'GHSA-j8r2-6x86-q33q': 'pkg:pypi/requests',
      'GHSA-2326-pfpj-vx3h': 'pkg:cargo/lexical-core',
      'GHSA-4p75-5p53-65m9': 'pkg:composer/contao/core-bundle',
      'GHSA-6f62-3596-g6w7': 'pkg:gem/webrick',
      'GHSA-jfh8-c2jp-5v3q': 'pkg:maven/org.apache.logging.log4j/log4j-core',
    });
    expect(all.get('GHSA-6xx4-x46f-f897')?.affected.map((x) => x.purl)).toEqual([
      'pkg:golang/github.com/spectolabs/hoverfly',
      'pkg:golang/github.com/SpectoLabs/hoverfly',
    ]);
  });
});

describe.skipIf(!hasCorpus())('osv import: formats and damage', () => {
  const goLines = (): string[] => gunzipSync(readFileSync(goJsonl())).toString('utf8').split('\n').filter(Boolean);

  it('refuses a file that is not OSV before importing anything (VIGIL_INPUT_FORMAT), and says where GitHub REST JSON goes', async () => {
    const kev = corpusPath('cisa-kev', 'known_exploited_vulnerabilities.json');
    await expect(collect([goJsonl(), kev])).rejects.toMatchObject({ code: 'VIGIL_INPUT_FORMAT' });
    const rest = write('rest.json', JSON.stringify([{ ghsa_id: 'GHSA-36p3-wjmg-h94x', id: 1 }]));
    const err = await collect([rest]).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(VigilError);
    expect(String((err as Error).message)).toContain('vigil import ghsa');
  });

  it('rejects a record with a wrong-typed field by id and field; the records beside it are stored', async () => {
    const lines = goLines();
    const bad = JSON.parse(lines[1] as string);
    bad.affected[0].ranges[0].type = 42;
    const worse = JSON.parse(lines[2] as string);
    worse.modified = 'yesterday';
    const file = write('drift.jsonl', [lines[0], JSON.stringify(bad), JSON.stringify(worse), '{not json', lines[3]].join('\n'));
    const events = await collect([file]);
    expect(advisoriesOf(events).map((a) => a.id)).toEqual([JSON.parse(lines[0] as string).id, JSON.parse(lines[3] as string).id]);
    expect(rejectedOf(events).map((r) => r.where)).toEqual([
      { origin: `${file}:2`, record: bad.id, field: 'affected.0.ranges.0.type' },
      { origin: `${file}:3`, record: worse.id, field: 'modified' },
      { origin: `${file}:4`, record: 'line 4' },
    ]);
  });

  it('a truncated gzip keeps the records before the break and reports it', async () => {
    const gz = readFileSync(goJsonl());
    const file = write('cut.jsonl.gz', gz.subarray(0, Math.floor(gz.length / 2)));
    const events = await collect([file]);
    const n = advisoriesOf(events).length;
    expect(n).toBeGreaterThan(1000);
    expect(n).toBeLessThan(4291);
    expect(rejectedOf(events)).toHaveLength(1);
    expect(rejectedOf(events)[0]?.reason).toMatch(/breaks off/);
  });

  it('a zip cut short is one rejection naming it; an entry that is not OSV JSON is rejected by entry name', async () => {
    const files = (await listFiles(goFolder())).slice(0, 3);
    const zip = await zipOf([
      ...files.map((f): [string, Buffer] => [path.basename(f), readFileSync(f)]),
      ['notes.json', Buffer.from('{"title": "not a record"}')],
    ]);
    const whole = await collect([write('four.zip', zip)]);
    expect(advisoriesOf(whole)).toHaveLength(3);
    expect(rejectedOf(whole).map((r) => r.where.origin)).toEqual([`${path.join(tmp, 'four.zip')}!notes.json`]);
    const cut = await collect([write('cut.zip', zip.subarray(0, zip.length - 40))]);
    expect(advisoriesOf(cut)).toEqual([]);
    expect(rejectedOf(cut)).toEqual([
      expect.objectContaining({ where: { origin: path.join(tmp, 'cut.zip') }, reason: expect.stringMatching(/not a readable zip/) }),
    ]);
  });

  it('reads a pretty-printed file, an array of records, and a gzipped single record alike', async () => {
    const spring = readFileSync(corpusPath('ghsa/advisories/github-reviewed/2022/03/GHSA-36p3-wjmg-h94x/GHSA-36p3-wjmg-h94x.json'), 'utf8');
    const go = goLines()[0] as string;
    const arr = write('two.json', `[\n${spring},\n${go}\n]`);
    const gz = write('one.json.gz', gzipSync(spring));
    const [fromArray, fromGz] = [advisoriesOf(await collect([arr])), advisoriesOf(await collect([gz]))];
    expect(fromArray.map((a) => a.id)).toEqual(['GHSA-36p3-wjmg-h94x', JSON.parse(go).id]);
    expect(fromGz).toEqual([fromArray[0]]);
  });
});
