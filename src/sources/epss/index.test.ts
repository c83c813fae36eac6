import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { gunzipSync, gzipSync } from 'node:zlib';
import { afterAll, describe, expect, it } from 'vitest';
import { createLogger } from '../../log.ts';
import { corpusPath, hasCorpus } from '../../testing/corpus.ts';
import type { EpssDay } from '../../model/vulnerability.ts';
import type { ImportOptions, SourceEvent } from '../types.ts';
import { checkEpssRow, epssSource, parseEpssCsv } from './index.ts';

const log = createLogger('silent');
const tmp = mkdtempSync(path.join(os.tmpdir(), 'vigil-epss-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

async function collect(paths: string[], options?: ImportOptions): Promise<SourceEvent[]> {
  const events: SourceEvent[] = [];
  for await (const e of epssSource.importFiles(paths, { log }, options)) events.push(e);
  return events;
}
const daysOf = (events: SourceEvent[]): EpssDay[] => events.flatMap((e) => (e.type === 'epss' ? [e.day] : []));
const rejectedOf = (events: SourceEvent[]) => events.flatMap((e) => (e.type === 'rejected' ? [e] : []));
function write(name: string, content: string | Buffer): string {
  const file = path.join(tmp, name);
  writeFileSync(file, content);
  return file;
}

describe('checkEpssRow (one row per rule)', () => {
  it.each([
    ['CVE-2024-3400', '0.94', '0.99', true],
    ['CVE-2024-1234567', '0', '1', true],
    ['CVE-2024-123', '0.1', '0.5', false],
    ['cve-2024-3400', '0.1', '0.5', false],
    ['CVE-2024-3400', '1.7', '0.5', false],
    ['CVE-2024-3400', '-0.1', '0.5', false],
    ['CVE-2024-3400', '', '0.5', false],
    ['CVE-2024-3400', ' ', '0.5', false],
    ['CVE-2024-3400', '0x1', '0.5', false],
    ['CVE-2024-3400', 'abc', '0.5', false],
    ['CVE-2024-3400', '0.1', '96.5', false],
    ['CVE-2024-3400', 0.25, 0.5, true],
  ])('%s %s %s -> %s', (cve, epss, pct, ok) => {
    expect(checkEpssRow(cve, epss, pct) !== null).toBe(ok);
  });
});

describe.skipIf(!hasCorpus())('EPSS import on the real EMBA corpus', () => {
  const file16 = corpusPath('epss', 'emba-epss-2026-08-16.ssv.gz');

  it('reads the three corpus days with exact row counts and dates from the file names', async () => {
    const files = ['2026-08-16', '2026-08-09', '2026-06-14'].map((d) => corpusPath('epss', `emba-epss-${d}.ssv.gz`));
    const events = await collect(files);
    expect(rejectedOf(events)).toEqual([]);
    const days = daysOf(events);
    expect(days.map((d) => [d.date, d.scores.length, d.modelVersion])).toEqual([
      ['2026-08-16', 360_142, null],
      ['2026-08-09', 356_353, null],
      ['2026-06-14', 341_309, null],
    ]);
    const [d16] = days as [EpssDay];
    expect(d16.scores[0]).toEqual({ cveId: 'CVE-1999-1593', epss: 0.18126, percentile: 0.96946 });
    expect(d16.scores.at(-1)).toEqual({ cveId: 'CVE-2026-0005', epss: 0.00128, percentile: 0.02829 });
    expect(d16.scores.find((s) => s.cveId === 'CVE-1999-0016')).toEqual({ cveId: 'CVE-1999-0016', epss: 0.95739, percentile: 0.99867 });
    expect(events.filter((e) => e.type === 'progress').length).toBe(3);
  });

  it('--date overrides the date of a file that carries none', async () => {
    const days = daysOf(await collect([file16], { date: '2026-08-20' }));
    expect(days.map((d) => d.date)).toEqual(['2026-08-20']);
  });

  it('rejects a dateless file without --date, naming the file, and stores no day', async () => {
    const file = write('emba-epss-latest.ssv.gz', readFileSync(file16));
    const events = await collect([file]);
    expect(daysOf(events)).toEqual([]);
    expect(rejectedOf(events)).toEqual([{ type: 'rejected', where: { origin: file, field: 'date' }, reason: expect.stringContaining('--date') }]);
  });

  it('refuses a --date that is not YYYY-MM-DD', async () => {
    await expect(collect([file16], { date: '16/08/2026' })).rejects.toThrow(/--date "16\/08\/2026"/);
  });

  // Parse time is measured by `npm run bench` (one EPSS day ≤ 3 s), not asserted here.
  it('parses one day of 360,142 rows (gunzip + parse)', () => {
    const result = parseEpssCsv(gunzipSync(readFileSync(file16)).toString('utf8'), file16);
    expect(result.day?.scores.length).toBe(360_142);
    expect(result.day?.date).toBe('2026-08-16');
  });

  it('fails a truncated gzip clearly and yields no partial day', async () => {
    const bytes = readFileSync(file16);
    const file = write('emba-epss-2026-08-16-cut.ssv.gz', bytes.subarray(0, Math.floor(bytes.length / 2)));
    const events = await collect([file]);
    expect(daysOf(events)).toEqual([]);
    expect(rejectedOf(events)).toEqual([{ type: 'rejected', where: { origin: file }, reason: expect.stringMatching(/truncated or corrupt gzip.*unexpected end of file/) }]);
  });
});

/** The first `n` rows of a corpus day, as [cve, epss, percentile] strings (9 decimals). */
function corpusRows(date: string, n = Number.POSITIVE_INFINITY): string[][] {
  const text = gunzipSync(readFileSync(corpusPath('epss', `emba-epss-${date}.ssv.gz`))).toString('utf8');
  const lines = text.trimEnd().split('\n');
  return lines.slice(0, Math.min(n, lines.length)).map((l) => l.split(';'));
}

/** An official daily file, byte for byte the upstream layout: comment, header, 5-decimal rows. */
function officialFile(rows: string[][], comment: string | null): Buffer {
  const body = rows.map(([c, e, p]) => `${c},${Number(e).toFixed(5)},${Number(p).toFixed(5)}`).join('\n');
  return gzipSync(`${comment ? `${comment}\n` : ''}cve,epss,percentile\n${body}\n`);
}

describe.skipIf(!hasCorpus())('EPSS official and API layouts, made from real corpus rows', () => {
  it('an official daily file (comment + header + 5 decimals) gives the same values as the corpus', async () => {
    const rows = corpusRows('2026-08-16');
    const file = write('epss_scores-2026-08-16.csv.gz', officialFile(rows, '#model_version:v2025.03.14,score_date:2026-08-16T12:55:00Z'));
    const [emba] = daysOf(await collect([corpusPath('epss', 'emba-epss-2026-08-16.ssv.gz')]));
    const events = await collect([file], { date: '2026-01-01' });
    const [day] = daysOf(events);
    expect(rejectedOf(events)).toEqual([]);
    expect(day?.date).toBe('2026-08-16');
    expect(day?.modelVersion).toBe('v2025.03.14');
    expect(day?.scores).toEqual(emba?.scores);
  });

  it.each([
    ['#model_version:v2023.03.01,score_date:2024-01-01T00:00:00+0000', 'plain.csv', '2024-01-01', 'v2023.03.01'],
    ['#model_version:v2022.01.01,score_date:2022-06-01', 'plain.csv', '2022-06-01', 'v2022.01.01'],
    [null, 'epss_scores-2021-12-01.csv', '2021-12-01', null],
  ])('header form %s', async (comment, name, date, model) => {
    const rows = corpusRows('2026-06-14', 500);
    const file = write(name, gunzipSync(officialFile(rows, comment)));
    const [day] = daysOf(await collect([file]));
    expect(day).toMatchObject({ date, modelVersion: model });
    expect(day?.scores.length).toBe(500);
    expect(day?.scores[0]?.cveId).toBe(rows[0]?.[0]);
  });

  it('rejects an EPSS v1 file with no percentile column, saying why', async () => {
    const file = write('epss_scores-2021-05-01.csv', 'cve,epss\nCVE-1999-0001,0.01\n');
    const events = await collect([file]);
    expect(daysOf(events)).toEqual([]);
    expect(rejectedOf(events)[0]).toMatchObject({ where: { origin: file, field: 'header' }, reason: expect.stringContaining('no percentile') });
  });

  it('API JSON pages (string numbers) join into the same day', async () => {
    const rows = corpusRows('2026-08-09', 2500);
    const page = (offset: number) => ({
      status: 'OK', 'status-code': 200, version: '1.0', access: 'public', total: 2500, offset, limit: 1000,
      data: rows.slice(offset, offset + 1000).map(([cve, epss, percentile]) => ({ cve, epss, percentile, date: '2026-08-09' })),
    });
    const files = [2000, 0, 1000].map((o) => write(`epss-api-${o}.json`, JSON.stringify(page(o))));
    const events = await collect(files);
    expect(rejectedOf(events)).toEqual([]);
    const [day] = daysOf(events);
    expect(day).toMatchObject({ date: '2026-08-09', modelVersion: null });
    expect(day?.scores.length).toBe(2500);
    expect(day?.scores.slice(0, 1000).map((s) => [s.cveId, s.epss, s.percentile])).toEqual(rows.slice(0, 1000).map(([c, e, p]) => [c, Number(e), Number(p)]));
    // A missing page means an incomplete day: rejected, nothing stored.
    const partial = await collect([files[0] as string, files[1] as string]);
    expect(daysOf(partial)).toEqual([]);
    expect(rejectedOf(partial)[0]?.reason).toMatch(/incomplete EPSS API result \(rows 1000–1999 missing\)/);
  });
});

describe('EPSS bad rows', () => {
  it('rejects bad rows by line and field and keeps the rest of the day', async () => {
    const file = write('epss_scores-2025-03-14.csv', [
      '#model_version:v2025.03.14,score_date:2025-03-14T12:55:00Z',
      'cve,epss,percentile',
      'CVE-1999-0001,0.00383,0.72779',
      'CVE-99-1,0.1,0.2',
      'CVE-2024-3400,1.7,0.99',
      'CVE-2024-3401,0.5',
      'CVE-2024-3402,0.5,',
      'CVE-1999-0001,0.5,0.5',
      'CVE-2024-3400,0.94,0.99',
      '',
    ].join('\r\n'));
    const events = await collect([file]);
    expect(rejectedOf(events).map((r) => [r.where.record, r.where.field])).toEqual([
      ['line 4', 'cve'],
      ['line 5', 'epss'],
      ['line 6', 'percentile'],
      ['line 7', 'percentile'],
      ['line 8', 'cve'],
    ]);
    expect(rejectedOf(events).every((r) => r.where.origin === file)).toBe(true);
    expect(rejectedOf(events)[1]?.reason).toContain('"1.7"');
    expect(daysOf(events)[0]?.scores).toEqual([
      { cveId: 'CVE-1999-0001', epss: 0.00383, percentile: 0.72779 },
      { cveId: 'CVE-2024-3400', epss: 0.94, percentile: 0.99 },
    ]);
  });

  it('rejects API items by CVE id and field', async () => {
    const file = write('api-bad.json', JSON.stringify({ status: 'OK', total: 3, offset: 0, limit: 100, data: [
      { cve: 'CVE-2022-27225', epss: '0.000430000', percentile: '0.120220000', date: '2022-03-05' },
      { cve: 'CVE-2022-27226', epss: 'n/a', percentile: '0.1', date: '2022-03-05' },
      { cve: 'CVE-2022-27227', epss: '0.1', percentile: '0.1', date: '05/03/2022' },
    ] }));
    const events = await collect([file]);
    expect(rejectedOf(events).map((r) => [r.where.record, r.where.field])).toEqual([['CVE-2022-27226', 'epss'], ['CVE-2022-27227', 'date']]);
    expect(daysOf(events)).toEqual([{ date: '2022-03-05', modelVersion: null, scores: [{ cveId: 'CVE-2022-27225', epss: 0.00043, percentile: 0.12022 }] }]);
  });

  it('drops repeated CVE ids, short and long, keeping the first row', () => {
    const text = ['CVE-2024-0001;0.1;0.1', 'CVE-2024-12345678901;0.2;0.2', 'CVE-2024-00001;0.3;0.3', 'CVE-2024-12345678901;0.4;0.4', 'CVE-2024-0001;0.5;0.5', 'CVE-2024-1234567890;0.6;0.6'].join('\n');
    const { day, rejected } = parseEpssCsv(text, 'dups-2024-01-01.ssv');
    expect(day?.scores.map((s) => [s.cveId, s.epss])).toEqual([['CVE-2024-0001', 0.1], ['CVE-2024-12345678901', 0.2], ['CVE-2024-00001', 0.3], ['CVE-2024-1234567890', 0.6]]);
    expect(rejected.map((r) => r.where.record)).toEqual(['line 4', 'line 5']);
  });

  it('rejects a malformed comment line as a whole file', async () => {
    const file = write('epss_scores-2025-03-14.csv', '#model_version:v2025.03.14,score_date:14/03/2025\ncve,epss,percentile\nCVE-1999-0001,0.1,0.2\n');
    const events = await collect([file]);
    expect(daysOf(events)).toEqual([]);
    expect(rejectedOf(events)[0]?.where).toEqual({ origin: file, field: 'score_date' });
  });

  it('refuses a file in no known layout before importing anything (the wrong file, not a damaged one)', async () => {
    const good = write('epss-2025-01-02.ssv', 'CVE-2024-0001;0.1;0.2\n');
    const file = write('notes-2025-01-01.txt', 'hello\n');
    await expect(collect([good, file])).rejects.toMatchObject({ code: 'VIGIL_INPUT_FORMAT', message: expect.stringMatching(/notes-2025-01-01\.txt: not an EPSS file: .*\(it starts with "hello"\)/) });
  });
});
