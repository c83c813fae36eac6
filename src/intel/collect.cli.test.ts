/**
 * Issue 13's "done when", end to end through the CLI: a loopback feed and a loopback `.onion`
 * forum reached only through a real SOCKS5 server (which alone can resolve the name), collected
 * into a store; every item stored once with clean text and its CVE ids; a second collection
 * stores nothing; metadata and private addresses refused with a clear message.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { type AddressInfo, connect } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { createServer as createSocksServer } from '@pondwader/socks5-server';
import { afterAll, beforeAll, describe, expect, it, onTestFinished } from 'vitest';
import { openStores } from '../store/index.ts';
import { findCveIds } from './extract/cves.ts';
import { htmlToText } from './feeds/parse.ts';
import { corpusPath, hasCorpus } from '../testing/corpus.ts';
import { runCli } from '../testing/cli.ts';
import { type IntelSite, startIntelSite } from '../testing/intel-site.ts';
import { testDatabase, type TestDatabase } from '../testing/store.ts';
import type { CollectReport } from './collect.ts';
import type { IntelSummary, StoredIntelDocument } from './types.ts';

const ONION = 'vigilforumq7hx3tk2mzrdw4yq6ilb5gsn4lp2xhke3fvjzcaq5tuyd.onion';
const FEED = corpusPath('news/feeds/tsummey_cyberdash/bleepingcomputer.xml');
const FORUM = corpusPath('news/feeds/tsummey_cyberdash/cybersecurity-advisories.xml');

describe.skipIf(!hasCorpus())('vigil intel: a loopback feed and a loopback .onion forum through SOCKS5', () => {
  let site: IntelSite;
  let socks: ReturnType<typeof createSocksServer>;
  let socksPort = 0;
  const usernames: string[] = [];
  let db: TestDatabase;
  let dir: string;
  let config: string;
  const vigil = (...args: string[]) => runCli(['--config', config, '--db', db.database, ...args]);

  beforeAll(async () => {
    site = await startIntelSite([{ file: FEED, origin: 'https://www.bleepingcomputer.com', path: '/feed/' }], { file: FORUM });
    const sitePort = Number(new URL(site.baseUrl).port);
    socks = createSocksServer();
    socks.setAuthHandler((conn) => {
      usernames.push(conn.username);
      return true;
    });
    // The proxy alone knows the onion name (as Tor does); everything else it refuses.
    socks.setConnectionHandler((conn, sendStatus) => {
      if (conn.destAddress !== ONION) return sendStatus('HOST_UNREACHABLE');
      const upstream = connect(sitePort, '127.0.0.1', () => {
        sendStatus('REQUEST_GRANTED');
        conn.socket.pipe(upstream).pipe(conn.socket);
      });
      upstream.on('error', () => sendStatus('GENERAL_FAILURE'));
      conn.socket.on('error', () => upstream.destroy());
    });
    await new Promise<void>((resolve) => socks.listen(0, '127.0.0.1', () => resolve()));
    socksPort = ((socks as unknown as { server: { address(): AddressInfo } }).server.address() as AddressInfo).port;
    db = testDatabase();
    dir = mkdtempSync(path.join(tmpdir(), 'vigil-intel-'));
    config = path.join(dir, 'vigil.config.json');
    writeFileSync(config, JSON.stringify({ intel: { allowHosts: ['127.0.0.1'], minDelaySeconds: 0 } }));
  });

  afterAll(async () => {
    await site?.close();
    await new Promise<void>((resolve) => (socks ? socks.close(() => resolve()) : resolve()));
    await db?.drop();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it('adds both, collects every item once with clean text and its CVE ids, and a second collection stores nothing', async () => {
    const feed = await vigil('intel', 'sources', 'add', 'bleeping', '--kind', 'feed', '--url', site.feedUrl(FEED), '--delay', '0', '--min-length', '100');
    expect(feed.stderr).toBe('');
    expect(feed.status).toBe(0);
    const forum = await vigil(
      'intel',
      'sources',
      'add',
      'forum',
      '--kind',
      'page',
      '--url',
      `http://${ONION}/forum/`,
      '--proxy',
      `socks5h://127.0.0.1:${socksPort}`,
      '--selector-title',
      'h1.thread-title',
      '--selector-content',
      'div.post-body',
      '--selector-date',
      'time.posted',
      '--follow',
      '/forum/thread/[0-9]+$',
      '--max-pages',
      '50',
      '--delay',
      '0',
      '--tag',
      'darkweb',
    );
    expect(forum.stderr).toBe('');
    expect(forum.status).toBe(0);

    const preview = await vigil('intel', 'sources', 'test', 'forum', '--json');
    expect(preview.status).toBe(0);
    expect((JSON.parse(preview.stdout) as CollectReport).documents).toBe(site.threads.length);

    const first = await vigil('intel', 'collect', '--json');
    expect(first.stderr).toBe('');
    expect(first.status).toBe(0);
    const reports = JSON.parse(first.stdout) as { source: string; report: CollectReport }[];
    const items = site.items(FEED);
    expect(reports.map((r) => [r.source, r.report.created, r.report.errors.length])).toEqual([
      ['bleeping', items.length, 0],
      ['forum', site.threads.length, 0],
    ]);

    const listed = JSON.parse((await vigil('intel', 'list', '--json', '--limit', '500')).stdout) as IntelSummary[];
    expect(listed).toHaveLength(items.length + site.threads.length);
    const one = JSON.parse((await vigil('intel', 'show', listed[0]?.id ?? '', '--json')).stdout) as StoredIntelDocument;
    expect(Object.keys(one)).toEqual(expect.arrayContaining(['id', 'source', 'url', 'title', 'published', 'text', 'cves', 'cluster']));
    const stores = await openStores(db.database);
    onTestFinished(() => stores.close());
    // Each forum thread: its post's text only, and the CVE ids the post names.
    for (const t of site.threads) {
      const doc = listed.find((d) => d.url.endsWith(t.path));
      expect(doc, t.path).toBeDefined();
      const shown = (await stores.intel.getDocument(doc?.id ?? '')) as StoredIntelDocument;
      expect(shown.source).toBe('forum');
      expect(shown.title).toBe(t.item.title);
      expect(shown.cves).toEqual(findCveIds(`${t.item.title} ${htmlToText(t.item.contentHtml ?? t.item.summary ?? '')}`));
      expect(shown.text).not.toMatch(/Escrow accepted|Forum software|Index\s+Rules/);
      expect(shown.tags).toContain('darkweb');
    }
    // Each feed item: the article without the page's boilerplate.
    for (const item of items) {
      const doc = listed.find((d) => d.title === item.title);
      expect(doc, item.title ?? '').toBeDefined();
      const shown = (await stores.intel.getDocument(doc?.id ?? '')) as StoredIntelDocument;
      expect(shown.text).not.toMatch(/Accept all cookies|Popular stories|All Rights Reserved/);
      expect(shown.text.length).toBeGreaterThan(100);
    }
    // The onion name reached the site only through the proxy, under the source's own SOCKS user.
    const forumRequests = site.requests.filter((r) => r.path.startsWith('/forum/'));
    expect(forumRequests.length).toBeGreaterThan(site.threads.length);
    expect(new Set(forumRequests.map((r) => r.host.replace(/:\d+$/, '')))).toEqual(new Set([ONION]));
    expect(new Set(usernames).size).toBe(1);

    const second = await vigil('intel', 'collect', '--json');
    expect(second.status).toBe(0);
    const again = JSON.parse(second.stdout) as { source: string; report: CollectReport }[];
    expect(again.map((r) => [r.source, r.report.created, r.report.changed])).toEqual([
      ['bleeping', 0, 0],
      ['forum', 0, 0],
    ]);
    expect(JSON.parse((await vigil('intel', 'list', '--json', '--limit', '500')).stdout)).toHaveLength(listed.length);
    expect((await vigil('status')).stdout).toContain(`intel: 2 source(s), 2 enabled; ${listed.length} document(s)`);
  });

  it('refuses cloud metadata, private and unlisted loopback addresses with a clear message', async () => {
    const metadata = await vigil('intel', 'sources', 'add', 'meta', '--kind', 'page', '--url', 'http://169.254.169.254/latest/meta-data/');
    expect(metadata.status).not.toBe(0);
    expect(metadata.stderr).toMatch(/169\.254\.169\.254/);
    expect(metadata.stderr).toMatch(/link-local/);
    const lan = await vigil('intel', 'sources', 'add', 'lan', '--kind', 'feed', '--url', 'http://10.1.2.3/feed.xml');
    expect(lan.status).not.toBe(0);
    expect(lan.stderr).toMatch(/10\.1\.2\.3.*private|private.*10\.1\.2\.3/);
    const bare = await runCli(['--db', db.database, 'intel', 'sources', 'add', 'local', '--kind', 'feed', '--url', site.feedUrl(FEED)]);
    expect(bare.status).not.toBe(0);
    expect(bare.stderr).toMatch(/127\.0\.0\.1.*loopback|loopback.*127\.0\.0\.1/);
    expect(bare.stderr).toMatch(/intel\.allowHosts/);
    const onion = await vigil('intel', 'sources', 'add', 'direct-onion', '--kind', 'page', '--url', `http://${ONION}/forum/`);
    expect(onion.status).not.toBe(0);
    expect(onion.stderr).toMatch(/socks5h|Tor/i);
    const names = (JSON.parse((await vigil('intel', 'sources', 'list', '--json')).stdout) as { name: string }[]).map((s) => s.name);
    expect(names).toEqual(['bleeping', 'forum']);
  });
});
