/**
 * CERT-FR live sync against a loopback upstream serving REAL bulletins at the site's paths
 * (`/avis/<REF>/json/`). The corpus holds no RSS file, so the feed is built here from the real
 * bulletins: the 40 newest of 2026 (about what the site's feed lists), each item linking its page
 * on www.cert.ssi.gouv.fr with its last revision date as `pubDate`. Faults: 429 + Retry-After,
 * 503, a cut-off body, malformed JSON, a wrong Content-Type, schema drift, a feed that is not RSS.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { afterEach, describe, expect, it } from 'vitest';
import { SourceUnavailableError, VigilError } from '../../errors.ts';
import { createLogger } from '../../log.ts';
import { corpusPath, hasCorpus } from '../../testing/corpus.ts';
import { startUpstream, type Upstream } from '../../testing/upstream.ts';
import { HttpClient } from '../http.ts';
import type { SourceEvent } from '../types.ts';
import { CertfrConfigSchema, certfrSource } from './index.ts';

const log = createLogger('silent');
const dir = () => corpusPath('cert-fr', 'avis', '2026');

/** The 40 newest real bulletins of 2026: reference, file, last revision date. */
function newest(): { ref: string; file: string; date: string }[] {
  return readdirSync(dir())
    .sort()
    .slice(-40)
    .map((name) => {
      const file = `${dir()}/${name}`;
      const doc = JSON.parse(readFileSync(file, 'utf8'));
      return { ref: doc.reference as string, file, date: (doc.revisions.at(-1).revision_date as string).slice(0, 10) };
    });
}

/** RSS 2.0 as the site publishes it: newest first, RFC 822 dates in +0000. */
function rss(items: { ref: string; date: string }[]): string {
  const rfc822 = (day: string) => new Date(`${day}T00:00:00Z`).toUTCString().replace('GMT', '+0000');
  const body = [...items]
    .reverse()
    .map(
      (i) =>
        `<item><title>${i.ref}</title><link>https://www.cert.ssi.gouv.fr/avis/${i.ref}/</link><guid>https://www.cert.ssi.gouv.fr/avis/${i.ref}/</guid><pubDate>${rfc822(i.date)}</pubDate></item>`,
    )
    .join('');
  return `<?xml version="1.0" encoding="utf-8"?><rss version="2.0"><channel><title>CERT-FR avis</title><link>https://www.cert.ssi.gouv.fr/avis/</link>${body}</channel></rss>`;
}

describe.skipIf(!hasCorpus())('CERT-FR live sync against a fake upstream', () => {
  let upstream: Upstream | undefined;
  afterEach(async () => {
    await upstream?.close();
    upstream = undefined;
  });
  /** Bulletins served with a changed body (schema drift), by reference. */
  const drift = new Map<string, unknown>();
  async function serve(items = newest()): Promise<Upstream> {
    const files = new Map(items.map((i) => [i.ref, i.file]));
    upstream = await startUpstream({
      '/avis/feed/': (_req, res) => {
        res.writeHead(200, { 'content-type': 'application/rss+xml; charset=utf-8' }).end(rss(items));
        return true;
      },
      '/alerte/feed/': (_req, res) => {
        res.writeHead(200, { 'content-type': 'application/rss+xml; charset=utf-8' }).end(rss([]));
        return true;
      },
      '/avis/': (_req, res, url) => {
        const ref = /^\/avis\/([^/]+)\/json\/$/.exec(url.pathname)?.[1];
        const file = ref && files.get(ref);
        if (!ref || !file) return false;
        const body = drift.has(ref) ? JSON.stringify(drift.get(ref)) : readFileSync(file);
        res.writeHead(200, { 'content-type': 'application/json' }).end(body);
        return true;
      },
    });
    return upstream;
  }
  async function run(up: Upstream, cursor: string | null, storedUntil: string | null = null): Promise<{ events: SourceEvent[]; error?: unknown }> {
    const events: SourceEvent[] = [];
    const ctx = {
      log,
      cursor,
      storedUntil,
      http: new HttpClient({ minBackoffSeconds: 0.01, maxBackoffSeconds: 1, retries: 2 }),
      now: () => new Date('2026-02-22T00:00:00Z'),
    };
    const config = CertfrConfigSchema.parse({ baseUrl: up.baseUrl, rateLimit: { requests: 1000, perSeconds: 1 } });
    try {
      for await (const e of certfrSource.sync(config, ctx)) events.push(e);
    } catch (error) {
      return { events, error };
    }
    return { events };
  }
  const ids = (events: SourceEvent[]) => events.flatMap((e) => (e.type === 'advisories' ? e.records.map((a) => a.id) : []));
  const cursors = (events: SourceEvent[]) => events.flatMap((e) => (e.type === 'cursor' ? [e.cursor] : []));
  const jsonRequests = (up: Upstream) => up.requests.filter((r) => r.endsWith('/json/'));

  it('first sync fetches every item oldest first; the next one only those at or after the cursor', async () => {
    const items = newest();
    const up = await serve(items);
    const first = await run(up, null);
    expect(first.error).toBeUndefined();
    expect(ids(first.events)).toEqual(items.map((i) => i.ref));
    const last = items.at(-1)?.date;
    expect(cursors(first.events).at(-1)).toBe(`${last}T00:00:00.000Z`);
    // Both feeds are read; each JSON is fetched at the configured base, not at www.cert.ssi.gouv.fr.
    expect(up.requests.slice(0, 2)).toEqual(['/avis/feed/', '/alerte/feed/']);
    expect(jsonRequests(up)).toHaveLength(40);
    up.requests.length = 0;
    const again = await run(up, cursors(first.events).at(-1) ?? null);
    const sameDay = items.filter((i) => i.date === last).map((i) => i.ref);
    expect(ids(again.events)).toEqual(sameDay);
    expect(cursors(again.events)).toEqual([`${last}T00:00:00.000Z`]);
    // A first sync after an import starts at the newest stored date.
    const afterImport = await run(up, null, `${last}T00:00:00.000Z`);
    expect(ids(afterImport.events)).toEqual(sameDay);
  });

  it('retries 429 with Retry-After, 503 and a cut-off body, and stores everything', async () => {
    const items = newest();
    const up = await serve(items);
    const at = (i: number) => `/avis/${(items[i] as { ref: string }).ref}/`;
    up.fault({ kind: 'status', status: 429, retryAfter: 1, pathPrefix: at(3) });
    up.fault({ kind: 'status', status: 503, pathPrefix: at(17) });
    up.fault({ kind: 'truncate', bytes: 100, pathPrefix: at(31) });
    const { events, error } = await run(up, null);
    expect(error).toBeUndefined();
    expect(events.filter((e) => e.type === 'rejected')).toEqual([]);
    expect(ids(events)).toHaveLength(40);
    expect(jsonRequests(up)).toHaveLength(43);
  });

  it('rejects a drifted bulletin by reference and field and keeps the others; the cursor passes it', async () => {
    const items = newest();
    const victim = items[10] as { ref: string; file: string };
    const doc = JSON.parse(readFileSync(victim.file, 'utf8'));
    doc.cves = doc.cves.map((c: { name: string }) => c.name).join(' ');
    drift.set(victim.ref, doc);
    try {
      const up = await serve(items);
      const { events } = await run(up, null);
      const rejected = events.filter((e) => e.type === 'rejected');
      expect(rejected).toEqual([
        { type: 'rejected', where: { origin: `${up.baseUrl}/avis/${victim.ref}/json/`, record: victim.ref, field: 'cves' }, reason: expect.any(String) },
      ]);
      expect(ids(events)).toEqual(items.filter((i) => i.ref !== victim.ref).map((i) => i.ref));
      expect(cursors(events).at(-1)).toBe(`${items.at(-1)?.date}T00:00:00.000Z`);
    } finally {
      drift.clear();
    }
  });

  it('a malformed JSON answer is rejected and the cursor stops before it, so the next sync fetches it again', async () => {
    const items = newest();
    const up = await serve(items);
    // The 21st JSON request gets a cut JSON body with status 200; the 22nd an HTML page.
    const target = items[20] as { ref: string; date: string };
    up.fault({ kind: 'body', body: '{"$ref": "https://www.cert.ssi.gouv.fr/openapi.json", "affected_sys', pathPrefix: `/avis/${target.ref}/` });
    up.fault({ kind: 'body', body: '<html>maintenance</html>', contentType: 'text/html', pathPrefix: `/avis/${(items[21] as { ref: string }).ref}/` });
    const { events } = await run(up, null);
    const rejected = events.flatMap((e) => (e.type === 'rejected' ? [e] : []));
    expect(rejected.map((r) => [r.where.record, r.reason.replace(/:.*;/, ':…;')])).toEqual([
      [target.ref, 'not valid JSON:…; fetched again next sync'],
      [(items[21] as { ref: string }).ref, 'not JSON (Content-Type "text/html"); fetched again next sync'],
    ]);
    expect(ids(events)).toHaveLength(38);
    const cursor = cursors(events).at(-1) ?? null;
    expect(cursor).toBe(`${(items[19] as { date: string }).date}T00:00:00.000Z`);
    const next = await run(up, cursor);
    expect(ids(next.events)).toContain(target.ref);
    expect(next.events.filter((e) => e.type === 'rejected')).toEqual([]);
  });

  it('a bulletin that keeps failing stops the sync with SourceUnavailableError after yielding what came before', async () => {
    const items = newest();
    const up = await serve(items);
    const target = items[5] as { ref: string };
    for (let i = 0; i < 3; i++) up.fault({ kind: 'status', status: 503, pathPrefix: `/avis/${target.ref}/` });
    const { events, error } = await run(up, null);
    expect(error).toBeInstanceOf(SourceUnavailableError);
    expect(ids(events)).toEqual(items.slice(0, 5).map((i) => i.ref));
    expect(cursors(events)).toEqual([`${(items[4] as { date: string }).date}T00:00:00.000Z`]);
  });

  it('a feed that is not RSS is a bad payload; a feed item that is not a bulletin page is rejected', async () => {
    const up = await serve();
    up.fault({ kind: 'body', body: '{"items": []}', pathPrefix: '/avis/feed/' });
    const bad = await run(up, null);
    expect(bad.error).toBeInstanceOf(VigilError);
    expect((bad.error as VigilError).code).toBe('VIGIL_SOURCE_BAD_PAYLOAD');
    const odd = `<?xml version="1.0"?><rss version="2.0"><channel><item><title>x</title><link>https://www.cert.ssi.gouv.fr/actualite/CERTFR-2026-ACT-001/</link><pubDate>Mon, 02 Feb 2026 10:00:00 +0000</pubDate></item><item><title>y</title><link>https://www.cert.ssi.gouv.fr/avis/CERTFR-2026-AVI-0100/</link><pubDate>someday</pubDate></item></channel></rss>`;
    up.fault({ kind: 'body', body: odd, contentType: 'application/rss+xml', pathPrefix: '/avis/feed/' });
    const { events } = await run(up, '2030-01-01T00:00:00.000Z');
    expect(events.filter((e) => e.type === 'rejected').map((e) => e.type === 'rejected' && [e.where.record, e.where.field])).toEqual([
      ['https://www.cert.ssi.gouv.fr/avis/CERTFR-2026-AVI-0100/', 'pubDate'],
      ['https://www.cert.ssi.gouv.fr/actualite/CERTFR-2026-ACT-001/', 'link'],
    ]);
    expect(cursors(events)).toEqual(['2030-01-01T00:00:00.000Z']);
  });
});
