/**
 * OPML import/export of sources: slugs and suffixes, categories → tags, guard refusals reported
 * per outline, round trips, and imports of the real corpus lists (news/feedlists) with exact counts.
 */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { corpusPath, hasCorpus } from '../../testing/corpus.ts';
import { categoryTags, slugName, sourcesFromOpml, sourcesToOpml } from './opml.ts';
import { validateSource } from './schema.ts';

const policy = { allowHosts: [] as string[], torProxy: 'socks5h://127.0.0.1:9050' };
const now = new Date('2026-12-06T01:00:00.000Z');

describe('slugName / categoryTags', () => {
  it.each([
    ['Krebs on Security', 'krebs-on-security'],
    ['CERT-EU Security Advisories', 'cert-eu-security-advisories'],
    ['Ars Technica – Security', 'ars-technica-security'],
    ['Adam Doupé', 'adam-doupe'],
    ['  ..Hidden_name.  ', 'hidden_name'],
    ['cisa.gov', 'cisa.gov'],
    ['奇安信攻防社区', ''],
    ['a'.repeat(80), 'a'.repeat(64)],
  ])('%s → %s', (title, slug) => {
    expect(slugName(title)).toBe(slug);
  });

  it('makes one tag per category level', () => {
    expect(categoryTags('Government, CERT & Advisories')).toEqual(['government-cert-advisories']);
    expect(categoryTags('News / EU / News')).toEqual(['news', 'eu']);
    expect(categoryTags('安全 / Pwn')).toEqual(['安全', 'pwn']);
    expect(categoryTags(null)).toEqual([]);
  });
});

describe('sourcesFromOpml on a built list', () => {
  const text = `<?xml version="1.0"?><opml version="2.0"><head><title>t</title></head><body>
  <outline text="Gov / CERT"><outline text="CERTs">
    <outline type="rss" text="CERT-EU" xmlUrl="https://cert.europa.eu/publications/security-advisories-rss"/>
    <outline type="rss" text="CERT EU" xmlUrl="https://cert.europa.eu/other-rss"/>
    <outline type="rss" text="CERT EU!" xmlUrl="https://cert.europa.eu/third-rss"/>
  </outline></outline>
  <outline type="rss" text="奇安信" xmlUrl="https://www.qianxin.example/feed"/>
  <outline type="rss" text="Metadata" xmlUrl="http://169.254.169.254/latest/"/>
  <outline type="rss" text="Hidden" xmlUrl="http://abcdefghijklmnop.onion/rss"/>
  <outline type="rss" text="Intranet" xmlUrl="http://intranet.localhost/rss"/>
  <outline type="rss" text="Again" xmlUrl="https://cert.europa.eu/other-rss"/>
</body></opml>`;

  it('slugs names with -2/-3 suffixes, categories as tags, refusals reported not thrown', () => {
    const r = sourcesFromOpml(text, 'built.opml', policy, now);
    expect(r.sources.map((s) => [s.name, s.url, s.tags])).toEqual([
      ['cert-eu', 'https://cert.europa.eu/publications/security-advisories-rss', ['gov', 'cert', 'certs']],
      ['cert-eu-2', 'https://cert.europa.eu/other-rss', ['gov', 'cert', 'certs']],
      ['cert-eu-3', 'https://cert.europa.eu/third-rss', ['gov', 'cert', 'certs']],
      ['qianxin.example', 'https://www.qianxin.example/feed', []],
    ]);
    expect(r.sources.every((s) => s.kind === 'feed' && s.enabled && s.createdAt === now.toISOString())).toBe(true);
    expect(r.rejected).toEqual([
      { where: { origin: 'built.opml', record: 'outline 8 ("Again")', field: 'xmlUrl' }, reason: 'duplicate of outline 2' },
      {
        where: { origin: 'built.opml', record: '"Metadata" <http://169.254.169.254/latest/>', field: 'xmlUrl' },
        reason: expect.stringMatching(/address 169\.254\.169\.254 is in link-local 169\.254\.0\.0\/16 \(cloud metadata\)/),
      },
      {
        where: { origin: 'built.opml', record: '"Hidden" <http://abcdefghijklmnop.onion/rss>', field: 'xmlUrl' },
        reason: expect.stringMatching(/\.onion hosts/),
      },
      { where: { origin: 'built.opml', record: '"Intranet" <http://intranet.localhost/rss>', field: 'xmlUrl' }, reason: expect.stringMatching(/loopback/) },
    ]);
  });

  it('takes what intel.allowHosts lets through', () => {
    const r = sourcesFromOpml(text, 'built.opml', { ...policy, allowHosts: ['169.254.169.254', 'intranet.localhost'] }, now);
    expect(r.sources.map((s) => s.name)).toEqual(['cert-eu', 'cert-eu-2', 'cert-eu-3', 'qianxin.example', 'metadata', 'intranet']);
    expect(r.rejected).toHaveLength(2);
  });

  it('refuses a document that is not OPML', () => {
    expect(() => sourcesFromOpml('<rss/>', 'x.xml', policy, now)).toThrow(/x\.xml: not OPML/);
  });
});

describe('sourcesToOpml', () => {
  it('writes feed sources only and round-trips names, URLs and tags', () => {
    const sources = [
      validateSource({ name: 'krebs', kind: 'feed', url: 'https://krebsonsecurity.com/feed/', tags: ['news'] }, policy, now),
      validateSource({ name: 'forum', kind: 'page', url: 'https://forum.example/', tags: ['forum'] }, policy, now),
      validateSource({ name: 'cert-eu', kind: 'feed', url: 'https://cert.europa.eu/x?a=1&b=<2>', tags: ['cert', 'eu'] }, policy, now),
      validateSource({ name: 'plain', kind: 'feed', url: 'https://plain.example/rss' }, policy, now),
    ];
    const opml = sourcesToOpml(sources);
    expect(opml).not.toContain('forum');
    expect(opml).toContain('xmlUrl="https://cert.europa.eu/x?a=1&amp;b=&lt;2&gt;"');
    const back = sourcesFromOpml(opml, 'export', policy, now);
    expect(back.rejected).toEqual([]);
    expect(back.sources).toEqual(sources.filter((s) => s.kind === 'feed'));
  });
});

describe.runIf(hasCorpus())('sourcesFromOpml on the corpus feed lists', () => {
  const lists = [
    { file: 'clivoa_awesome-security-feeds/sec_feeds_active.xml', sources: 826, rejected: 0, tags: 11, suffixed: 17 },
    { file: 'cyberfeedbites/cybersecnews-sources.opml', sources: 56, rejected: 0, tags: 1, suffixed: 0 },
    { file: 'allinfosecnews2opml/allinfosecnews.opml', sources: 255, rejected: 3, tags: 1, suffixed: 0 },
    { file: 'zer0yu_CyberSecurityRSS/tiny.opml', sources: 495, rejected: 0, tags: 9, suffixed: 146 },
  ];
  it.each(lists)('$file: $sources sources, $rejected rejected, $tags tags', ({ file, sources, rejected, tags, suffixed }) => {
    const r = sourcesFromOpml(readFileSync(corpusPath('news/feedlists', file), 'utf8'), file, policy, now);
    expect(r.sources).toHaveLength(sources);
    expect(r.rejected).toHaveLength(rejected);
    expect(new Set(r.sources.map((s) => s.name)).size).toBe(sources);
    expect(new Set(r.sources.map((s) => s.url)).size).toBe(sources);
    expect(new Set(r.sources.flatMap((s) => s.tags)).size).toBe(tags);
    // Repeated titles: named -2, -3… (no title in these lists ends in -N itself).
    expect(r.sources.filter((s) => /-\d+$/.test(s.name))).toHaveLength(suffixed);
    // Exported and read again: the same sources.
    expect(sourcesFromOpml(sourcesToOpml(r.sources), 'again', policy, now).sources).toEqual(r.sources);
  });

  it('clivoa active: the 11 categories become 11 tags', () => {
    const r = sourcesFromOpml(readFileSync(corpusPath('news/feedlists/clivoa_awesome-security-feeds/sec_feeds_active.xml'), 'utf8'), 'clivoa', policy, now);
    const counts = new Map<string, number>();
    for (const s of r.sources) for (const t of s.tags) counts.set(t, (counts.get(t) ?? 0) + 1);
    expect([...counts.keys()].sort()).toEqual([
      'crypto-blockchain-security',
      'cybercrime-darknet-leaks',
      'dfir-forensics',
      'general-security-blogs',
      'government-cert-advisories',
      'leaks-breaches',
      'malware-threat-research',
      'osint-communities-subreddits',
      'podcasts-youtube',
      'vendors-product-blogs',
      'vulnerabilities-cves-exploits',
    ]);
    expect([...counts.values()].reduce((a, b) => a + b, 0)).toBe(826);
  });
});
