import { readFileSync } from 'node:fs';
import { gunzipSync, gzipSync } from 'node:zlib';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { SourceUnavailableError, VigilError } from '../../errors.ts';
import { createLogger } from '../../log.ts';
import { corpusPath, hasCorpus } from '../../testing/corpus.ts';
import { startUpstream, type Upstream } from '../../testing/upstream.ts';
import { HttpClient } from '../http.ts';
import type { SourceEvent } from '../types.ts';
import { type EpssConfig, EpssConfigSchema, epssSource } from './index.ts';

const log = createLogger('silent');

/** Official-layout daily files made from real corpus rows: date -> gzip bytes. */
const files = new Map<string, Buffer>();
let rowsByDate: Map<string, string[][]>;

function officialFile(date: string, rows: string[][]): Buffer {
  const body = rows.map(([c, e, p]) => `${c},${Number(e).toFixed(5)},${Number(p).toFixed(5)}`).join('\n');
  return gzipSync(`#model_version:v2025.03.14,score_date:${date}T12:55:00Z\ncve,epss,percentile\n${body}\n`);
}

let upstream: Upstream | undefined;
async function serve(available: Record<string, Buffer>): Promise<Upstream> {
  upstream = await startUpstream({
    '/epss_scores-': (_req, res, url) => {
      const body = available[url.pathname.slice(1)];
      if (!body) return false;
      // setHeader + end (not writeHead): the upstream's truncate fault rewrites the length header.
      res.setHeader('content-type', 'application/gzip');
      res.end(body);
      return true;
    },
  });
  return upstream;
}
afterEach(async () => {
  await upstream?.close();
  upstream = undefined;
});

async function run(up: Upstream, cursor: string | null, now: string, extra: Partial<EpssConfig> = {}): Promise<{ events: SourceEvent[]; error?: unknown }> {
  const events: SourceEvent[] = [];
  const config = EpssConfigSchema.parse({ baseUrl: up.baseUrl, ...extra });
  const ctx = { log, cursor, http: new HttpClient({ minBackoffSeconds: 0.01, retries: 3 }), now: () => new Date(now) };
  try {
    for await (const e of epssSource.sync(config, ctx)) events.push(e);
  } catch (error) {
    return { events, error };
  }
  return { events };
}
const summary = (events: SourceEvent[]) =>
  events.flatMap((e) => (e.type === 'epss' ? [`epss ${e.day.date} ${e.day.scores.length}`] : e.type === 'cursor' ? [`cursor ${e.cursor}`] : e.type === 'rejected' ? [`rejected ${e.where.record}`] : []));

describe.skipIf(!hasCorpus())('EPSS live sync against a fake upstream serving files made from the corpus', () => {
  beforeAll(() => {
    // Three real score sets (first 3,000 rows of each corpus day) served under consecutive dates.
    rowsByDate = new Map();
    for (const [corpusDay, servedAs] of [['2026-06-14', '2026-08-14'], ['2026-08-09', '2026-08-15'], ['2026-08-16', '2026-08-16']] as const) {
      const text = gunzipSync(readFileSync(corpusPath('epss', `emba-epss-${corpusDay}.ssv.gz`))).toString('utf8');
      const rows = text.split('\n', 3000).map((l) => l.split(';'));
      rowsByDate.set(servedAs, rows);
      files.set(servedAs, officialFile(servedAs, rows));
    }
  });
  const dated = (...dates: string[]) => Object.fromEntries(dates.map((d) => [`epss_scores-${d}.csv.gz`, files.get(d) as Buffer]));

  it('first sync (no cursor) takes only the current file, dated by its comment line', async () => {
    const up = await serve({ 'epss_scores-current.csv.gz': files.get('2026-08-16') as Buffer, ...dated('2026-08-14', '2026-08-15') });
    const { events, error } = await run(up, null, '2026-08-16T15:00:00Z');
    expect(error).toBeUndefined();
    expect(summary(events)).toEqual(['epss 2026-08-16 3000', 'cursor 2026-08-16']);
    expect(up.requests).toEqual(['/epss_scores-current.csv.gz']);
    const day = events.find((e) => e.type === 'epss');
    expect(day?.type === 'epss' && day.day.scores[0]).toEqual({ cveId: 'CVE-1999-1593', epss: 0.18126, percentile: 0.96946 });
    expect(day?.type === 'epss' && day.day.modelVersion).toBe('v2025.03.14');
  });

  it('fetches each day after the cursor; today\'s 404 (not yet published) ends quietly', async () => {
    const up = await serve(dated('2026-08-14', '2026-08-15', '2026-08-16'));
    const { events, error } = await run(up, '2026-08-13', '2026-08-17T06:00:00Z');
    expect(error).toBeUndefined();
    expect(summary(events)).toEqual(['epss 2026-08-14 3000', 'cursor 2026-08-14', 'epss 2026-08-15 3000', 'cursor 2026-08-15', 'epss 2026-08-16 3000', 'cursor 2026-08-16']);
    expect(up.requests).toEqual(['/epss_scores-2026-08-14.csv.gz', '/epss_scores-2026-08-15.csv.gz', '/epss_scores-2026-08-16.csv.gz', '/epss_scores-2026-08-17.csv.gz']);
    // Served values are the real 2026-06-14 rows.
    const first = events.find((e) => e.type === 'epss');
    const [cve, epss, pct] = rowsByDate.get('2026-08-14')?.[0] ?? [];
    expect(first?.type === 'epss' && first.day.scores[0]).toEqual({ cveId: cve, epss: Number(epss), percentile: Number(pct) });
  });

  it('an up-to-date cursor fetches only today and yields nothing when it is not out yet', async () => {
    const up = await serve(dated('2026-08-16'));
    const { events } = await run(up, '2026-08-16', '2026-08-17T06:00:00Z');
    expect(events).toEqual([]);
    expect(up.requests).toEqual(['/epss_scores-2026-08-17.csv.gz']);
  });

  it('retries 503 and 429 (Retry-After) and a body cut off mid-transfer', async () => {
    const up = await serve(dated('2026-08-15', '2026-08-16'));
    up.fault({ kind: 'status', status: 503, pathPrefix: '/epss_scores-2026-08-15' });
    up.fault({ kind: 'status', status: 429, retryAfter: 1, pathPrefix: '/epss_scores-2026-08-16' });
    up.fault({ kind: 'truncate', bytes: 1000, pathPrefix: '/epss_scores-2026-08-16' });
    const { events, error } = await run(up, '2026-08-14', '2026-08-16T20:00:00Z');
    expect(error).toBeUndefined();
    expect(summary(events)).toEqual(['epss 2026-08-15 3000', 'cursor 2026-08-15', 'epss 2026-08-16 3000', 'cursor 2026-08-16']);
    expect(up.requests.filter((r) => r.includes('2026-08-15'))).toHaveLength(2);
    expect(up.requests.filter((r) => r.includes('2026-08-16'))).toHaveLength(3);
  });

  it('gives up with SourceUnavailableError when the upstream stays down, keeping earlier days', async () => {
    const up = await serve(dated('2026-08-15', '2026-08-16'));
    for (let i = 0; i < 4; i++) up.fault({ kind: 'status', status: 503, pathPrefix: '/epss_scores-2026-08-16' });
    const { events, error } = await run(up, '2026-08-14', '2026-08-16T20:00:00Z');
    expect(error).toBeInstanceOf(SourceUnavailableError);
    expect(summary(events)).toEqual(['epss 2026-08-15 3000', 'cursor 2026-08-15']);
  });

  it('a truncated gzip fails that day clearly without advancing the cursor past it', async () => {
    const whole = files.get('2026-08-15') as Buffer;
    const up = await serve({ ...dated('2026-08-14', '2026-08-16'), 'epss_scores-2026-08-15.csv.gz': whole.subarray(0, whole.length - 2000) });
    const { events, error } = await run(up, '2026-08-13', '2026-08-16T20:00:00Z');
    expect(error).toBeInstanceOf(VigilError);
    expect((error as VigilError).code).toBe('VIGIL_SOURCE_BAD_PAYLOAD');
    expect((error as Error).message).toMatch(/epss_scores-2026-08-15\.csv\.gz: truncated or corrupt gzip/);
    expect(summary(events)).toEqual(['epss 2026-08-14 3000', 'cursor 2026-08-14']);
    expect(up.requests).not.toContain('/epss_scores-2026-08-16.csv.gz');
  });

  it('passes over a past day the upstream never published, and keeps at most maxDays', async () => {
    const up = await serve(dated('2026-08-14', '2026-08-16'));
    const { events } = await run(up, '2026-07-01', '2026-08-16T20:00:00Z', { maxDays: 3 });
    expect(summary(events)).toEqual(['epss 2026-08-14 3000', 'cursor 2026-08-14', 'epss 2026-08-16 3000', 'cursor 2026-08-16']);
    expect(up.requests).toEqual(['/epss_scores-2026-08-14.csv.gz', '/epss_scores-2026-08-15.csv.gz', '/epss_scores-2026-08-16.csv.gz']);
  });

  it('yields rejected rows of a served file before its day, the rest kept', async () => {
    const rows = [...(rowsByDate.get('2026-08-16') ?? []).slice(0, 10), ['CVE-2026-99999', '1.7', '0.5']];
    const up = await serve({ 'epss_scores-2026-08-16.csv.gz': officialFile('2026-08-16', rows) });
    const { events } = await run(up, '2026-08-15', '2026-08-16T20:00:00Z');
    expect(summary(events)).toEqual(['rejected line 13', 'epss 2026-08-16 10', 'cursor 2026-08-16']);
    expect(events[0]).toMatchObject({ where: { origin: `${up.baseUrl}/epss_scores-2026-08-16.csv.gz`, field: 'epss' } });
  });
});
