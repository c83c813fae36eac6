/**
 * Live sync from the cvelistV5 release bundles (https://github.com/CVEProject/cvelistV5/releases).
 * The cursor is the ISO hour the store is complete up to (`2024-10-24T05:00:00.000Z`):
 *
 * - no cursor, an unreadable one, or one older than `maxDeltaHours`: apply the latest midnight
 *   baseline (today's, or yesterday's just after midnight); cursor = that midnight;
 * - while the cursor's day is over: apply that day's end-of-day delta; cursor = next midnight;
 * - on the current day: apply the newest hourly delta published after the cursor (each holds all
 *   of the day's changes so far); cursor = its hour.
 *
 * A `cursor` event follows each bundle once all its records are yielded. A bundle not published
 * yet (404) ends the sync quietly; a failed, truncated or malformed bundle throws, and the cursor
 * stays where it was.
 */
import { promises as fs } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { SourceUnavailableError } from '../../errors.ts';
import type { SourceEvent, SyncContext } from '../types.ts';
import { type Bundle, baselineCandidates, endOfDayBundle, hourlyDeltaCandidates, parseCursor, previousDay, utcDay } from './bundles.ts';
import { unitsToEvents } from './events.ts';
import type { Cve5Config } from './schema.ts';
import { readZip } from './zip.ts';

const SOURCE_ID = 'cve5';

/** Runs one sync; see the module comment for the cursor rules. */
export async function* syncFromReleases(config: Cve5Config, ctx: SyncContext): AsyncGenerator<SourceEvent> {
  const dir = await fs.mkdtemp(path.join(config.tempDir ?? os.tmpdir(), 'vigil-cve5-'));
  try {
    yield* run(config, ctx, dir);
  } finally {
    await fs.rm(dir, { recursive: true, force: true });
  }
}

async function* run(config: Cve5Config, ctx: SyncContext, dir: string): AsyncGenerator<SourceEvent> {
  const now = ctx.now();
  const today = utcDay(now);
  let cursor = parseCursor(ctx.cursor);
  if (ctx.cursor && !cursor) ctx.log.warn({ cursor: ctx.cursor }, 'cve5: unreadable cursor, re-baselining');
  if (cursor && cursor.getTime() > now.getTime()) {
    ctx.log.warn({ cursor: ctx.cursor }, 'cve5: cursor is in the future, nothing to do');
    return;
  }
  if (cursor && now.getTime() - cursor.getTime() > config.maxDeltaHours * 3_600_000) {
    ctx.log.info({ cursor: ctx.cursor, maxDeltaHours: config.maxDeltaHours }, 'cve5: cursor too old for deltas, re-baselining');
    cursor = null;
  }
  const fetcher = { config, ctx, dir };

  if (!cursor) {
    const found =
      (await firstPublished(baselineCandidates(config.releasesUrl, today, now), fetcher)) ??
      (await firstPublished(baselineCandidates(config.releasesUrl, previousDay(today), now), fetcher));
    if (!found) {
      throw new SourceUnavailableError(SOURCE_ID, `no midnight baseline published for ${today} or ${previousDay(today)} under ${config.releasesUrl}`);
    }
    yield* applyBundle(found.bundle, found.file, fetcher);
    cursor = new Date(found.bundle.cursor);
  }

  while (utcDay(cursor) < today) {
    const bundle = endOfDayBundle(config.releasesUrl, utcDay(cursor));
    const file = await download(bundle, fetcher);
    if (!file) {
      ctx.log.info({ url: bundle.url }, 'cve5: end-of-day delta not published yet; stopping here');
      return;
    }
    yield* applyBundle(bundle, file, fetcher);
    cursor = new Date(bundle.cursor);
  }

  const found = await firstPublished(hourlyDeltaCandidates(config.releasesUrl, today, cursor.getUTCHours(), now), fetcher);
  if (!found) {
    ctx.log.info({ cursor: cursor.toISOString() }, 'cve5: no newer hourly delta published yet');
    return;
  }
  yield* applyBundle(found.bundle, found.file, fetcher);
}

interface Fetcher {
  config: Cve5Config;
  ctx: SyncContext;
  /** Temp folder of this run. */
  dir: string;
}

/** The first candidate the upstream has (404s skipped), downloaded. */
async function firstPublished(candidates: Bundle[], f: Fetcher): Promise<{ bundle: Bundle; file: string } | null> {
  for (const bundle of candidates) {
    const file = await download(bundle, f);
    if (file) return { bundle, file };
  }
  return null;
}

/**
 * Downloads a bundle to a temp file (so its bytes are not held while it is read).
 * @returns the file, or `null` on 404 (not published).
 * @throws {SourceUnavailableError} when the upstream keeps failing (429/5xx/cut-off body).
 */
async function download(bundle: Bundle, f: Fetcher): Promise<string | null> {
  f.ctx.log.debug({ url: bundle.url }, 'cve5: GET bundle');
  const file = path.join(f.dir, bundle.asset);
  const res = await f.ctx.http.download(bundle.url, file, { sourceId: SOURCE_ID, rateLimit: f.config.releasesRateLimit, signal: f.ctx.signal });
  return res ? file : null;
}

/** Reads a downloaded bundle strictly (any damage throws), yields its records, then its cursor. */
async function* applyBundle(bundle: Bundle, file: string, f: Fetcher): AsyncGenerator<SourceEvent> {
  try {
    const counts = { records: 0, rejected: 0 };
    yield* unitsToEvents(readZip(file, { label: bundle.url, tempDir: f.dir }), { strict: true, sourceId: SOURCE_ID }, counts);
    f.ctx.log.info({ bundle: bundle.asset, ...counts, cursor: bundle.cursor }, 'cve5: bundle applied');
  } finally {
    await fs.rm(file, { force: true });
  }
  yield { type: 'cursor', cursor: bundle.cursor };
}
