/**
 * CERT-EU live sync against a loopback upstream serving the REAL sample advisories at the site's
 * paths (`/publications/security-advisories/<YYYY-NNN>/json`). The corpus holds no RSS file, so
 * the feed is built here from those records: links to cert.europa.eu, `pubDate` from each
 * `publish_date` written in CET (+0100), as the site's Brussels clock would. Faults: 429 +
 * Retry-After, 503, a cut-off body, malformed JSON, schema drift.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { afterEach, describe, expect, it } from 'vitest';
import { createLogger } from '../../log.ts';
import { corpusPath, hasCorpus } from '../../testing/corpus.ts';
import { startUpstream, type Upstream } from '../../testing/upstream.ts';
import { HttpClient } from '../http.ts';
import type { SourceEvent } from '../types.ts';
import { CerteuConfigSchema, certeuSource } from './index.ts';

const log = createLogger('silent');

interface Sample {
  serial: string;
  file: string;
  /** RFC 822 in CET. */
  pubDate: string;
  /** The same instant, ISO 8601 UTC. */
  iso: string;
}

/** The 25 real sample advisories, oldest first. */
function samples(): Sample[] {
  const dir = corpusPath('cert-eu', 'samples');
  return readdirSync(dir)
    .sort()
    .map((name) => {
      const file = `${dir}/${name}`;
      const doc = JSON.parse(readFileSync(file, 'utf8'));
      const [d, m, y, hh, mm, ss] = (doc.publish_date as string).split(/[- :]/) as [string, string, string, string, string, string];
      const utc = new Date(Date.UTC(Number(y), Number(m) - 1, Number(d), Number(hh), Number(mm), Number(ss)));
      // Written as Brussels winter time: one hour ahead of the UTC instant.
      const local = new Date(utc.getTime() + 3600_000).toUTCString().replace('GMT', 'CET');
      return { serial: doc.serial_number as string, file, pubDate: local, iso: utc.toISOString() };
    });
}

function rss(items: Sample[]): string {
  const body = [...items]
    .reverse()
    .map(
      (i) =>
        `<item><title><![CDATA[Advisory ${i.serial}]]></title><link>https://cert.europa.eu/publications/security-advisories/${i.serial}</link><pubDate>${i.pubDate}</pubDate></item>`,
    )
    .join('\n');
  return `<?xml version="1.0" encoding="UTF-8"?>\n<rss version="2.0"><channel><title>CERT-EU Security Advisories</title>\n${body}\n</channel></rss>`;
}

describe.skipIf(!hasCorpus())('CERT-EU live sync against a fake upstream', () => {
  let upstream: Upstream | undefined;
  afterEach(async () => {
    await upstream?.close();
    upstream = undefined;
  });
  const drift = new Map<string, unknown>();
  async function serve(items = samples()): Promise<Upstream> {
    const files = new Map(items.map((i) => [i.serial, i.file]));
    upstream = await startUpstream({
      '/publications/security-advisories-rss': (_req, res) => {
        res.writeHead(200, { 'content-type': 'application/rss+xml; charset=utf-8' }).end(rss(items));
        return true;
      },
      '/publications/security-advisories/': (_req, res, url) => {
        const serial = /^\/publications\/security-advisories\/([^/]+)\/json$/.exec(url.pathname)?.[1];
        const file = serial && files.get(serial);
        if (!serial || !file) return false;
        res.writeHead(200, { 'content-type': 'application/json' }).end(drift.has(serial) ? JSON.stringify(drift.get(serial)) : readFileSync(file));
        return true;
      },
    });
    return upstream;
  }
  async function run(up: Upstream, cursor: string | null): Promise<{ events: SourceEvent[]; error?: unknown }> {
    const events: SourceEvent[] = [];
    const ctx = {
      log,
      cursor,
      http: new HttpClient({ minBackoffSeconds: 0.01, maxBackoffSeconds: 1, retries: 2 }),
      now: () => new Date('2026-02-22T00:00:00Z'),
    };
    try {
      for await (const e of certeuSource.sync(CerteuConfigSchema.parse({ baseUrl: up.baseUrl, rateLimit: { requests: 1000, perSeconds: 1 } }), ctx))
        events.push(e);
    } catch (error) {
      return { events, error };
    }
    return { events };
  }
  const ids = (events: SourceEvent[]) => events.flatMap((e) => (e.type === 'advisories' ? e.records.map((a) => a.id) : []));
  const cursors = (events: SourceEvent[]) => events.flatMap((e) => (e.type === 'cursor' ? [e.cursor] : []));

  it('fetches every item oldest first with CET dates read as UTC instants; then only from the cursor on', async () => {
    const items = samples();
    const up = await serve(items);
    const first = await run(up, null);
    expect(first.error).toBeUndefined();
    expect(ids(first.events)).toEqual(items.map((i) => `CERT-EU-SA${i.serial}`));
    expect(cursors(first.events)).toEqual([items.at(-1)?.iso]);
    const second = await run(up, items[20]?.iso ?? null);
    expect(ids(second.events)).toEqual(items.slice(20).map((i) => `CERT-EU-SA${i.serial}`));
    expect(up.requests.filter((r) => r.endsWith('/json'))).toHaveLength(25 + 5);
  });

  it('retries 429 with Retry-After, 503 and a cut-off body', async () => {
    const items = samples();
    const up = await serve(items);
    const at = (i: number) => `/publications/security-advisories/${items[i]?.serial}/`;
    up.fault({ kind: 'status', status: 429, retryAfter: 1, pathPrefix: at(2) });
    up.fault({ kind: 'status', status: 503, pathPrefix: at(9) });
    up.fault({ kind: 'truncate', bytes: 300, pathPrefix: at(15) });
    const { events, error } = await run(up, null);
    expect(error).toBeUndefined();
    expect(events.filter((e) => e.type === 'rejected')).toEqual([]);
    expect(ids(events)).toHaveLength(25);
  });

  it('schema drift is rejected by serial number and field; malformed JSON stops the cursor before it', async () => {
    const items = samples();
    const drifted = items[5] as Sample;
    const doc = JSON.parse(readFileSync(drifted.file, 'utf8'));
    doc.publish_date = '2017-06-28T09:34:00Z';
    drift.set(drifted.serial, doc);
    try {
      const up = await serve(items);
      const broken = items[12] as Sample;
      up.fault({
        kind: 'body',
        body: '{"file_item": {"filepath": "security-advisories", "filen',
        pathPrefix: `/publications/security-advisories/${broken.serial}/`,
      });
      const { events } = await run(up, null);
      const rejected = events.flatMap((e) => (e.type === 'rejected' ? [e] : []));
      expect(rejected.map((r) => [r.where.record, r.where.field ?? null])).toEqual([
        [drifted.serial, 'publish_date'],
        [broken.serial, null],
      ]);
      expect(ids(events)).toHaveLength(23);
      expect(cursors(events).at(-1)).toBe(items[11]?.iso);
      const next = await run(up, cursors(events).at(-1) ?? null);
      expect(ids(next.events)).toContain(`CERT-EU-SA${broken.serial}`);
    } finally {
      drift.clear();
    }
  });
});
