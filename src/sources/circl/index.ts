/**
 * CIRCL vulnerability-lookup source (https://vulnerability.circl.lu): an alternative upstream for
 * CVE records and a look-up service. It yields `{type:'vulns'}` observations only — each CVE 5
 * record as a `cve5` observation and the NVD record it embeds as an `nvd` one, exactly as the
 * cve5 and nvd sources would — so the store keeps the newest per feed whichever way a record came.
 * Off by default (registry): an instance of one's own, or CIRCL's, must be chosen.
 */
import { VigilError } from '../../errors.ts';
import type { VulnObservation } from '../../model/vulnerability.ts';
import { decodeText, describeHead, readHead, readWholeFile } from '../files.ts';
import type { Source, SourceContext, SourceEvent, SyncContext } from '../types.ts';
import { type CirclApi, getCirclLast, getCirclVulnerability } from './api.ts';
import { type CirclRecordResult, readCirclRecord, recordsOfDocument, SOURCE_ID } from './parse.ts';
import { type CirclConfig, CirclConfigSchema } from './schema.ts';

export { CirclConfigSchema, type CirclConfig, CirclDbInfo, CirclMeta, CirclSearchResponse, CirclVendorList, CirclProductList, CirclRecordList } from './schema.ts';
export { getCirclDbInfo, getCirclLast, getCirclVendorProducts, getCirclVendors, getCirclVulnerability, searchCirclVendorProduct } from './api.ts';
export type { CirclApi, CirclRecords, CirclSearchResult } from './api.ts';
export { isCve5Shaped, META_KEY, readCirclRecord, recordsOfDocument } from './parse.ts';
export type { CirclRecordResult, CirclRejection } from './parse.ts';

/** Observations per `vulns` event. */
export const BATCH_SIZE = 1000;

/**
 * Imports saved vulnerability-lookup API responses (JSON, gzipped or not): one record
 * (`/api/vulnerability/<id>`), an array (`/api/last`), a search result (`/api/search/…`) or a
 * `{metadata, data}` list. Per file: `rejected` events for bad records (by CVE id and field) and
 * `vulns` batches; records of other feeds (GHSA, CSAF, …) are skipped and counted in the log.
 * A file whose JSON is cut off is one `rejected` event naming it.
 * @throws {VigilError} VIGIL_INPUT_UNREADABLE when a file cannot be read; VIGIL_INPUT_FORMAT,
 *   before anything is yielded, when a file is not JSON or is JSON of another shape.
 * @example for await (const e of circlSource.importFiles(['CVE-2024-3400.json'], { log })) …
 */
export async function* importCirclFiles(paths: string[], ctx: SourceContext): AsyncGenerator<SourceEvent> {
  const documents: { file: string; pairs: [string, unknown][] | null; damage?: string }[] = [];
  for (const file of paths) {
    const { head } = await readHead(file);
    if (head !== null && !/^\s*[[{]/.test(head.toString('utf8'))) {
      throw new VigilError('VIGIL_INPUT_FORMAT', [file, `not a vulnerability-lookup API response: JSON expected (${describeHead(head)})`]);
    }
    let value: unknown;
    try {
      value = JSON.parse(await decodeText(await readWholeFile(file)));
    } catch (cause) {
      if (cause instanceof VigilError) throw cause;
      documents.push({ file, pairs: null, damage: `truncated or malformed (${(cause as Error).message})` });
      continue;
    }
    const pairs = recordsOfDocument(value);
    if (pairs === null) throw new VigilError('VIGIL_INPUT_FORMAT', [file, 'not a vulnerability-lookup API response: expected a CVE record, an array of records (last) or a search result']);
    documents.push({ file, pairs });
  }
  for (const { file, pairs, damage } of documents) {
    ctx.signal?.throwIfAborted();
    if (!pairs) {
      yield { type: 'rejected', where: { origin: file }, reason: damage ?? 'unreadable' };
      continue;
    }
    yield* eventsOf(
      pairs.map(([label, record]) => readCirclRecord(record, file, label)),
      ctx,
      file,
    );
  }
}

/**
 * Live sync: reads `last` (`/api/last/<lastCount>?page=N`, newest update first) back to the
 * cursor, at most `maxPages` pages (a first sync reads one page), then looks up each of
 * `config.cves` with its enrichment. Cursor: the newest CVE 5 `dateUpdated` seen (ISO 8601 UTC);
 * records updated at or before it are not yielded again.
 * @throws {SourceUnavailableError} (from the HttpClient) on 429/5xx/network failures after
 *   retries, and on a 404 of `last`.
 * @throws {VigilError} VIGIL_SOURCE_BAD_PAYLOAD when a response is not JSON or not of its shape.
 */
export async function* syncCircl(config: CirclConfig, ctx: SyncContext): AsyncGenerator<SourceEvent> {
  const { baseUrl, cves, lastCount, maxPages } = CirclConfigSchema.parse(config);
  const api: CirclApi = { http: ctx.http, baseUrl, signal: ctx.signal };
  const since = ctx.cursor;
  let newest = since;
  for (let page = 1; page <= maxPages; page++) {
    const { records } = await getCirclLast(api, { count: lastCount, page });
    const fresh = records.filter((r) => !r.dateUpdated || since === null || r.dateUpdated > since);
    yield* eventsOf(fresh, ctx, `${baseUrl} last page ${page}`);
    for (const r of records) if (r.dateUpdated && (newest === null || r.dateUpdated > newest)) newest = r.dateUpdated;
    const dated = records.flatMap((r) => (r.dateUpdated ? [r.dateUpdated] : []));
    const oldest = dated.sort()[0];
    if (since === null || records.length < lastCount || (oldest !== undefined && oldest <= since)) break;
    if (page === maxPages) ctx.log.warn({ since, pages: maxPages }, 'circl: last did not reach back to the cursor; older updates are left to the cve5/nvd sources');
  }
  const looked: CirclRecordResult[] = [];
  for (const id of cves) {
    const r = await getCirclVulnerability(api, id);
    if (r) looked.push(r);
    else ctx.log.warn({ cveId: id }, 'circl: the instance does not know this CVE');
  }
  yield* eventsOf(looked, ctx, `${baseUrl} look-ups`);
  // No CVE record in `last` yet (a page of other feeds only): no cursor, the next sync reads page 1 again.
  if (newest !== null) yield { type: 'cursor', cursor: newest };
}

/** Rejections, then the observations in batches; skipped records are counted in the log. */
function* eventsOf(records: CirclRecordResult[], ctx: SourceContext, what: string): Generator<SourceEvent> {
  let batch: VulnObservation[] = [];
  let skipped = 0;
  for (const r of records) {
    if (r.skipped) skipped++;
    for (const rej of r.rejected) yield { type: 'rejected', ...rej };
    batch.push(...r.observations);
    if (batch.length >= BATCH_SIZE) {
      yield { type: 'vulns', records: batch };
      batch = [];
    }
  }
  if (batch.length) yield { type: 'vulns', records: batch };
  if (skipped) ctx.log.info({ skipped, what }, 'circl: records of other feeds than CVE 5 left alone');
}

/** The CIRCL vulnerability-lookup source (id `circl`). */
export const circlSource: Source<CirclConfig> = {
  id: SOURCE_ID,
  title: 'CIRCL vulnerability-lookup (alternative upstream and look-up)',
  importFiles: importCirclFiles,
  sync: syncCircl,
};
