/**
 * EPSS source: FIRST's daily Exploit Prediction Scoring System scores (https://www.first.org/epss/),
 * one {@link EpssDay} per score date, yielded as one `{type:'epss'}` event.
 *
 * Offline, {@link epssSource.importFiles} reads the official daily files, EMBA's `;` files and
 * EPSS API JSON pages (see parse.ts). Live, {@link epssSource.sync} fetches the official daily
 * files `{baseUrl}/epss_scores-YYYY-MM-DD.csv.gz` after the cursor (the last stored score date).
 */
import { promises as fs } from 'node:fs';
import { VigilError } from '../../errors.ts';
import type { EpssDay } from '../../model/vulnerability.ts';
import type { ImportOptions, Source, SourceContext, SourceEvent, SyncContext } from '../types.ts';
import { assembleEpssApiPages, type EpssApiPage, parseEpssApiPage } from './api.ts';
import { decodeText, describeHead, readHead, readWholeFile } from '../files.ts';
import { detectEpssLayout, parseEpssCsv } from './parse.ts';
import { type EpssConfig, EpssConfigSchema, EpssDate } from './schema.ts';

export { EpssConfigSchema, type EpssConfig, checkEpssRow, explainEpssRow } from './schema.ts';
export { dateFromFileName, detectEpssLayout, parseEpssCsv, MAX_ROW_REJECTIONS } from './parse.ts';
export type { EpssFileResult, EpssLayout, EpssParseOptions, EpssRejection } from './parse.ts';
export { assembleEpssApiPages, parseEpssApiPage } from './api.ts';
export type { EpssApiPage } from './api.ts';

const SOURCE_ID = 'epss';

/**
 * Imports EPSS files (each gzipped or not, told by content): one `epss` event per complete
 * day, `rejected` events for bad rows (file, line, field) and for whole files that cannot make
 * a day (truncated gzip, unknown layout, no date). API pages are collected over all `paths` and
 * joined at the end (one file per page is the usual way to save them).
 * @param options.date score date for files that carry none (EMBA layout), `YYYY-MM-DD`.
 * @throws {VigilError} VIGIL_CONFIG_INVALID when `options.date` is not `YYYY-MM-DD`;
 *   VIGIL_INPUT_UNREADABLE when a file cannot be read at all; VIGIL_INPUT_FORMAT, before anything
 *   is yielded, when a file is in no EPSS layout at all (the wrong file, not a damaged one).
 * @example
 *   for await (const e of epssSource.importFiles(['epss_scores-2025-03-14.csv.gz'], { log })) …
 */
export async function* importEpssFiles(paths: string[], ctx: SourceContext, options: ImportOptions = {}): AsyncGenerator<SourceEvent> {
  if (options.date !== undefined && !EpssDate.safeParse(options.date).success) {
    throw new VigilError('VIGIL_CONFIG_INVALID', [`--date "${options.date}": expected YYYY-MM-DD`]);
  }
  for (const file of paths) {
    const { head } = await readHead(file);
    if (head !== null && detectEpssLayout(head.toString('utf8')) === null) {
      throw new VigilError('VIGIL_INPUT_FORMAT', [file, `not an EPSS file: "#model_version:…", "cve,epss,percentile" or "CVE-…;epss;percentile" expected on the first line (${describeHead(head)})`]);
    }
  }
  const pages: EpssApiPage[] = [];
  const sizes = await Promise.all(paths.map((p) => fs.stat(p).then((s) => s.size, () => 0)));
  const total = sizes.reduce((a, b) => a + b, 0);
  let done = 0;
  for (const [i, file] of paths.entries()) {
    ctx.signal?.throwIfAborted();
    const bytes = await readWholeFile(file);
    let text: string;
    try {
      text = await decodeText(bytes);
    } catch (cause) {
      yield { type: 'rejected', where: { origin: file }, reason: `truncated or corrupt gzip (${(cause as Error).message}): no day stored from this file` };
      continue;
    }
    if (detectEpssLayout(text) === 'api') {
      const { page, rejected } = parseEpssApiPage(text, file);
      for (const r of rejected) yield { type: 'rejected', ...r };
      if (page) pages.push(page);
    } else {
      const started = performance.now();
      const { day, rejected, warnings } = parseEpssCsv(text, file, options);
      for (const w of warnings) ctx.log.warn(w);
      for (const r of rejected) yield { type: 'rejected', ...r };
      if (day) {
        ctx.log.debug({ file, date: day.date, rows: day.scores.length, ms: Math.round(performance.now() - started) }, 'epss file parsed');
        yield { type: 'epss', day };
      }
    }
    done += sizes[i] ?? 0;
    yield { type: 'progress', done, total, unit: 'bytes', label: file };
  }
  if (pages.length > 0) {
    const { days, rejected } = assembleEpssApiPages(pages);
    for (const r of rejected) yield { type: 'rejected', ...r };
    for (const day of days) yield { type: 'epss', day };
  }
}

/** UTC calendar date of a time, `YYYY-MM-DD`. */
function utcDate(t: Date): string {
  return t.toISOString().slice(0, 10);
}

/** `date` plus `days` calendar days, `YYYY-MM-DD`. */
function addDays(date: string, days: number): string {
  return utcDate(new Date(Date.parse(`${date}T00:00:00Z`) + days * 86_400_000));
}

/**
 * Fetches and parses one official daily file.
 * @returns the day and its row rejections, or `null` when the upstream has no such file (404).
 * @throws {SourceUnavailableError} on transport failures, after the HttpClient's retries.
 * @throws {VigilError} VIGIL_SOURCE_BAD_PAYLOAD when the file cannot make a whole day
 *   (truncated gzip, bad header, no valid row).
 */
async function fetchDay(url: string, ctx: SyncContext): Promise<{ day: EpssDay; events: SourceEvent[] } | null> {
  const res = await ctx.http.get(url, { sourceId: SOURCE_ID, signal: ctx.signal });
  if (!res) return null;
  let text: string;
  try {
    text = await decodeText(res.body);
  } catch (cause) {
    throw new VigilError('VIGIL_SOURCE_BAD_PAYLOAD', [SOURCE_ID, `${url}: truncated or corrupt gzip (${(cause as Error).message})`], { cause });
  }
  const { day, rejected, warnings } = parseEpssCsv(text, url);
  for (const w of warnings) ctx.log.warn(w);
  if (!day) throw new VigilError('VIGIL_SOURCE_BAD_PAYLOAD', [SOURCE_ID, `${url}: ${rejected.map((r) => r.reason).join('; ')}`]);
  return { day, events: rejected.map((r) => ({ type: 'rejected', ...r }) satisfies SourceEvent) };
}

/**
 * Live sync. Cursor: the last stored score date, `YYYY-MM-DD`.
 * - No cursor: fetches `epss_scores-current.csv.gz` only (its date comes from its comment line).
 * - Otherwise: fetches each day after the cursor up to today (UTC, from `ctx.now()`), at most
 *   `maxDays` of the newest ones. A 404 for today means "not yet published" and ends the sync
 *   quietly; a 404 for an earlier day is a gap upstream: logged and passed over.
 * Each day is yielded whole, then a cursor with its date. A file that cannot make a whole day
 * (truncated gzip) ends the sync with an error, its day not stored and the cursor not advanced.
 * @throws {SourceUnavailableError} on transport failures (429, 5xx, network) after retries.
 * @throws {VigilError} VIGIL_SOURCE_BAD_PAYLOAD for a truncated or malformed daily file.
 */
export async function* syncEpss(config: EpssConfig, ctx: SyncContext): AsyncGenerator<SourceEvent> {
  const { baseUrl, maxDays } = EpssConfigSchema.parse(config);
  const base = baseUrl.replace(/\/+$/, '');
  let cursor = ctx.cursor;
  if (cursor !== null && !EpssDate.safeParse(cursor).success) {
    ctx.log.warn({ cursor }, 'epss: saved cursor is not a YYYY-MM-DD date; starting from the current file');
    cursor = null;
  }
  if (cursor === null) {
    const url = `${base}/epss_scores-current.csv.gz`;
    const got = await fetchDay(url, ctx);
    if (!got) {
      ctx.log.warn({ url }, 'epss: no current file upstream (404)');
      return;
    }
    yield* got.events;
    yield { type: 'epss', day: got.day };
    yield { type: 'cursor', cursor: got.day.date };
    return;
  }
  const today = utcDate(ctx.now());
  let from = addDays(cursor, 1);
  const earliest = addDays(today, -(maxDays - 1));
  if (from < earliest) {
    ctx.log.warn({ cursor, from: earliest, maxDays }, 'epss: more than maxDays behind; days before the window are skipped');
    from = earliest;
  }
  for (let date = from; date <= today; date = addDays(date, 1)) {
    const url = `${base}/epss_scores-${date}.csv.gz`;
    const got = await fetchDay(url, ctx);
    if (!got) {
      if (date === today) {
        ctx.log.info({ date }, 'epss: today\'s scores are not published yet');
        return;
      }
      ctx.log.warn({ date, url }, 'epss: no file for this day upstream (404); passed over');
      continue;
    }
    if (got.day.date !== date) ctx.log.warn({ url, scoreDate: got.day.date }, 'epss: file score_date differs from the date in its URL');
    yield* got.events;
    yield { type: 'epss', day: got.day };
    yield { type: 'cursor', cursor: got.day.date };
  }
}

/** The EPSS source (id `epss`). */
export const epssSource: Source<EpssConfig> = {
  id: SOURCE_ID,
  title: 'FIRST EPSS daily exploitation probabilities (0–1) and percentiles',
  importFiles: importEpssFiles,
  sync: syncEpss,
};
