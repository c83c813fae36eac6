/**
 * A loopback news site and forum for intel-collection tests, replaying real corpus feeds:
 *
 * - each feed is served at its upstream path (`/feed/` for BleepingComputer's
 *   `https://www.bleepingcomputer.com/feed/`), its links to the upstream host rewritten to this
 *   server, with `ETag`/`Last-Modified` and 304 answers to conditional GETs;
 * - each item's link serves an article page: the item's own HTML body (`content:encoded`, else
 *   its description) inside page boilerplate a real site has (navigation, cookie banner, sidebar of
 *   other stories, footer, scripts), so extraction has something to remove;
 * - `/forum/` is a thread list linking to `/forum/thread/N`, each thread a post per item of the
 *   forum feed (a dark-web forum's shape: no feed, CSS selectors `h1.thread-title`,
 *   `div.post-body`, `time.posted`).
 *
 * Every request is recorded (path and `Host` header) so tests can tell which name was asked for.
 */
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { type FeedItem, parseFeed } from '../intel/feeds/parse.ts';

/** A corpus feed to serve. */
export interface SiteFeed {
  /** Path of the corpus file. */
  file: string;
  /** The upstream origin its links use (`https://www.bleepingcomputer.com`). */
  origin: string;
  /** Path the feed is served at (`/feed/`). */
  path: string;
}

/** A running site. */
export interface IntelSite {
  /** `http://127.0.0.1:PORT` */
  baseUrl: string;
  /** Feed URL of each served feed, by corpus file. */
  feedUrl(file: string): string;
  /** The items of each feed as parsed from the corpus (links still upstream). */
  items(file: string): FeedItem[];
  /** The forum's threads: path → the item it shows. */
  threads: { path: string; item: FeedItem }[];
  /** Every request: path and Host header. */
  requests: { path: string; host: string }[];
  close(): Promise<void>;
}

const esc = (s: string) => s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');

function articlePage(item: FeedItem, canonical: string, others: FeedItem[]): string {
  const body = item.contentHtml ?? (item.summary ? `<p>${esc(item.summary)}</p>` : '');
  return `<!doctype html><html lang="en"><head><meta charset="utf-8"><title>${esc(item.title ?? '')} | News</title>
<link rel="canonical" href="${esc(canonical)}">
${item.published ? `<meta property="article:published_time" content="${item.published}">` : ''}
<script>window.dataLayer=[];function gtag(){dataLayer.push(arguments)}</script><style>.nav{display:flex}</style></head>
<body><header><nav class="nav"><a href="/">Home</a> <a href="/news/">News</a> <a href="/downloads/">Downloads</a> <a href="/deals/">Deals</a> <a href="/forums/">Forums</a></nav></header>
<div class="cookie-banner">We use cookies to improve your experience. <button>Accept all cookies</button></div>
<main><article><h1>${esc(item.title ?? '')}</h1><div class="byline">By ${esc(item.author ?? 'Staff')}</div>
<div class="article-body">${body}</div></article>
<aside class="sidebar"><h3>Popular stories</h3><ul>${others.map((o) => `<li><a href="/related/${createHash('sha1').update(o.guid).digest('hex').slice(0, 8)}">${esc(o.title ?? '')}</a></li>`).join('')}</ul></aside></main>
<footer>Copyright © 2003 - 2025 News Media LLC - All Rights Reserved. <a href="/privacy/">Privacy</a> <a href="/terms/">Terms</a></footer>
<script>console.log('analytics')</script></body></html>`;
}

function forumList(threads: { path: string; item: FeedItem }[]): string {
  return `<!doctype html><html><head><title>Forum</title></head><body><div class="menu"><a href="/forum/">Index</a> <a href="/forum/rules">Rules</a></div>
<table class="threads">${threads.map((t) => `<tr><td><a class="thread" href="${t.path}">${esc(t.item.title ?? '')}</a></td><td>${esc(t.item.author ?? 'anon')}</td></tr>`).join('')}</table>
<div class="footer">Forum software 1.0</div></body></html>`;
}

function forumThread(item: FeedItem): string {
  return `<!doctype html><html><head><title>${esc(item.title ?? '')}</title></head><body><div class="menu"><a href="/forum/">Index</a> <a href="/forum/rules">Rules</a></div>
<h1 class="thread-title">${esc(item.title ?? '')}</h1><div class="post"><div class="author">${esc(item.author ?? 'anon')}</div>
<time class="posted" datetime="${item.published ?? ''}">${item.published ?? ''}</time>
<div class="post-body">${item.contentHtml ?? `<p>${esc(item.summary ?? '')}</p>`}</div></div>
<div class="signature">PGP key on request. Escrow accepted.</div><div class="footer">Forum software 1.0</div></body></html>`;
}

/**
 * Starts the site on an ephemeral loopback port.
 * @param feeds corpus feeds to serve; `forum`: the corpus feed whose items become forum threads.
 */
export async function startIntelSite(feeds: SiteFeed[], forum?: { file: string }): Promise<IntelSite> {
  const requests: { path: string; host: string }[] = [];
  const pages = new Map<string, () => string>();
  const feedBodies = new Map<string, { body: string; etag: string; type: string }>();
  const parsed = new Map<string, FeedItem[]>();
  const server: Server = createServer((req, res) => {
    const url = new URL(req.url ?? '/', 'http://127.0.0.1');
    requests.push({ path: url.pathname + url.search, host: req.headers.host ?? '' });
    const feed = feedBodies.get(url.pathname);
    if (feed) {
      if (req.headers['if-none-match'] === feed.etag) {
        res.writeHead(304, { etag: feed.etag }).end();
        return;
      }
      res.writeHead(200, { 'content-type': feed.type, etag: feed.etag, 'last-modified': 'Thu, 24 Jul 2025 21:00:00 GMT' }).end(feed.body);
      return;
    }
    const page = pages.get(url.pathname);
    if (page) {
      res.writeHead(200, { 'content-type': 'text/html; charset=utf-8' }).end(page());
      return;
    }
    res.writeHead(404, { 'content-type': 'text/plain' }).end('not found');
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const baseUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  for (const f of feeds) {
    const raw = readFileSync(f.file, 'utf8');
    const items = parseFeed(raw, f.origin).items;
    parsed.set(f.file, items);
    const body = raw.split(f.origin).join(baseUrl);
    feedBodies.set(f.path, {
      body,
      etag: `"${createHash('sha1').update(body).digest('hex')}"`,
      type: raw.trimStart().startsWith('{') ? 'application/feed+json' : 'application/rss+xml; charset=utf-8',
    });
    for (const item of items) {
      if (!item.url?.startsWith(f.origin)) continue;
      const local = new URL(item.url.replace(f.origin, baseUrl));
      const others = items.filter((o) => o !== item).slice(0, 5);
      pages.set(local.pathname, () => articlePage(item, local.toString(), others));
    }
  }
  const threads: { path: string; item: FeedItem }[] = [];
  if (forum) {
    const items = parseFeed(readFileSync(forum.file), 'forum').items;
    items.forEach((item, i) => {
      const path = `/forum/thread/${i + 1}`;
      threads.push({ path, item });
      pages.set(path, () => forumThread(item));
    });
    pages.set('/forum/', () => forumList(threads));
    pages.set('/forum/rules', () => '<html><body><h1>Rules</h1><p>Be nice.</p></body></html>');
  }
  return {
    baseUrl,
    feedUrl: (file) => {
      const f = feeds.find((x) => x.file === file);
      if (!f) throw new Error(`not served: ${file}`);
      return `${baseUrl}${f.path}`;
    },
    items: (file) => parsed.get(file) ?? [],
    threads,
    requests,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}
