import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../../config.ts';
import { corpusPath, hasCorpus } from '../../testing/corpus.ts';
import type { IocType, Warninglists } from '../types.ts';
import { createIocExtractor, loadWarninglists, warninglistsDir } from './index.ts';

const present = hasCorpus();

describe.skipIf(!present)('MISP warninglists on the real corpus lists', () => {
  let wl: Warninglists;
  beforeAll(async () => {
    wl = await loadWarninglists(corpusPath('misp-warninglists'));
  });

  it('loads every list of the corpus (plain and gzipped)', () => {
    expect(wl.lists.length).toBe(136);
    expect(wl.lists.find((l) => l.list === 'public-dns-v4')?.entries).toBeGreaterThan(1000);
  });

  const rows: [why: string, type: IocType, value: string, list: string | null][] = [
    ['public DNS resolver (cidr)', 'ipv4', '8.8.8.8', 'public-dns-v4'],
    ['public DNS resolver, IPv6 (cidr)', 'ipv6', '2001:4860:4860::8888', 'public-dns-v6'],
    ['private address inside a listed network', 'ipv4', '10.20.30.40', 'rfc1918'],
    ['top domain (hostname)', 'domain', 'google.com', 'alexa'],
    ['subdomain of a top domain (parent walk)', 'domain', 'docs.google.com', 'alexa'],
    ['URL host of a top domain', 'url', 'https://docs.google.com/document/d/x', 'alexa'],
    ['empty-file MD5 (string)', 'md5', 'd41d8cd98f00b204e9800998ecf8427e', 'common-ioc-false-positive'],
    ['abuse mailbox (regex)', 'email', 'abuse@example.net', 'common-contact-emails'],
    ['random domain', 'domain', 'qzx7-kd9w2-payload.com', null],
    ['C2 address from an ESET report', 'ipv4', '43.251.105.218', null],
    ['VPN/datacenter range', 'ipv4', '45.77.1.2', 'vpn-ipv4'],
    ['IP lists do not apply to domains', 'domain', '8.8.8.8', null],
    ['EICAR test file SHA-1', 'sha1', '3395856ce81f2b7382dee72602f798b642f14140', 'eicar.com'],
    ['Emotet sample SHA-1 (ESET)', 'sha1', 'cecc5bba6193d744837e689e68bc25c43eda7235', null],
  ];
  it.each(rows)('%s', (_why, type, value, list) => {
    expect(wl.match(type, value)?.list ?? null).toBe(list);
  });

  it('flags IOCs extracted from text, keeping them', () => {
    const iocs = createIocExtractor(wl).extract('resolver 8[.]8[.]8[.]8, C2 hxxp://qzx7-kd9w2-payload[.]com/gate.php');
    expect(iocs.find((i) => i.value === '8.8.8.8')?.warning?.list).toBe('public-dns-v4');
    expect(iocs.find((i) => i.type === 'domain')?.warning).toBeUndefined();
  });
});

describe('loading', () => {
  let dir: string;
  beforeAll(async () => {
    dir = await mkdtemp(path.join(tmpdir(), 'vigil-wl-'));
    const list = (name: string, body: unknown) =>
      mkdir(path.join(dir, 'lists', name), { recursive: true }).then(() => writeFile(path.join(dir, 'lists', name, 'list.json'), JSON.stringify(body)));
    await list('good', { name: 'Good', description: 'd', version: 1, type: 'cidr', matching_attributes: ['ip-src', 'ip-dst'], list: ['192.0.2.0/24'] });
    await list('no-version', { name: 'Bad', description: 'd', type: 'string', list: ['x'] });
    await mkdir(path.join(dir, 'lists', 'not-json'));
    await writeFile(path.join(dir, 'lists', 'not-json', 'list.json'), '{ nope');
    await list('sub', { name: 'Sub', description: 'd', version: 2, type: 'substring', matching_attributes: ['url'], list: ['/wp-admin/'] });
  });
  afterAll(() => rm(dir, { recursive: true, force: true }));

  it('skips a bad list with a warning naming its file and keeps the others', async () => {
    const warnings: string[] = [];
    const wl = await loadWarninglists(dir, { onWarning: (m) => warnings.push(m) });
    expect(wl.lists.map((l) => l.list)).toEqual(['good', 'sub']);
    expect(warnings).toHaveLength(2);
    expect(warnings.join('\n')).toContain(path.join('no-version', 'list.json'));
    expect(warnings.join('\n')).toContain(path.join('not-json', 'list.json'));
    expect(wl.match('ipv4', '192.0.2.77')?.list).toBe('good');
    expect(wl.match('url', 'http://x.org/wp-admin/a')?.list).toBe('sub');
    expect(wl.match('domain', 'wp-admin.org')).toBeNull();
  });

  it('warninglistsDir: setting, then <modelDir>/misp-warninglists, then <dataDir>/misp-warninglists', async () => {
    const base = loadConfig(undefined, {});
    const modelDir = path.join(dir, 'models');
    const none = { ...base, dataDir: path.join(dir, 'nodata'), nlp: { ...base.nlp, modelDir, warninglistsDir: null } };
    expect(warninglistsDir(none)).toBeNull();
    await mkdir(path.join(dir, 'data', 'misp-warninglists', 'lists'), { recursive: true });
    expect(warninglistsDir({ ...none, dataDir: path.join(dir, 'data') })).toBe(path.join(dir, 'data', 'misp-warninglists'));
    await mkdir(path.join(modelDir, 'misp-warninglists', 'lists'), { recursive: true });
    expect(warninglistsDir(none)).toBe(path.join(modelDir, 'misp-warninglists'));
    expect(warninglistsDir({ ...none, nlp: { ...none.nlp, warninglistsDir: '/elsewhere' } })).toBe('/elsewhere');
  });
});
