/**
 * KEV source: CISA's Known Exploited Vulnerabilities catalog
 * (https://www.cisa.gov/known-exploited-vulnerabilities-catalog), one `{type:'kev'}` event per
 * catalog version. Which entries are new since the previous version is for the store to find
 * (it knows what it holds); this source only yields whole catalogs.
 */
import { VigilError, SourceUnavailableError } from '../../errors.ts';
import type { Source, SourceContext, SourceEvent, SyncContext } from '../types.ts';
import { decodeText, describeHead, readHead, readWholeFile } from '../files.ts';
import { detectKevLayout, parseKevCatalog } from './parse.ts';
import { type KevConfig, KevConfigSchema } from './schema.ts';

export { KevConfigSchema, type KevConfig, KevVulnerability, KevCatalogJson } from './schema.ts';
export { detectKevLayout, parseKevCatalog, parseKevCsv, parseKevJson } from './parse.ts';
export type { KevParseResult, KevRejection } from './parse.ts';

const SOURCE_ID = 'kev';

/**
 * Imports KEV feed files (JSON or CSV, gzipped or not, told by content): per file, `rejected`
 * events for bad entries (by cveID and field) and then one `kev` event with the rest. A file
 * that cannot make a catalog (truncated JSON, unknown layout, no valid entry) is one `rejected`
 * event naming it.
 * @throws {VigilError} VIGIL_INPUT_UNREADABLE when a file cannot be read at all; VIGIL_INPUT_FORMAT,
 *   before anything is yielded, when a file is not a KEV feed at all (neither JSON nor the CSV).
 * @example
 *   for await (const e of kevSource.importFiles(['known_exploited_vulnerabilities.json'], { log })) …
 */
export async function* importKevFiles(paths: string[], ctx: SourceContext): AsyncGenerator<SourceEvent> {
  for (const file of paths) {
    const { head } = await readHead(file);
    if (head !== null && detectKevLayout(head.toString('utf8')) === null) {
      throw new VigilError('VIGIL_INPUT_FORMAT', [file, `not a KEV feed: the JSON catalog or a CSV starting with "cveID," expected (${describeHead(head)})`]);
    }
  }
  for (const file of paths) {
    ctx.signal?.throwIfAborted();
    const bytes = await readWholeFile(file);
    let text: string;
    try {
      text = await decodeText(bytes);
    } catch (cause) {
      yield { type: 'rejected', where: { origin: file }, reason: `truncated or corrupt gzip (${(cause as Error).message})` };
      continue;
    }
    const { catalog, rejected } = parseKevCatalog(text, file);
    for (const r of rejected) yield { type: 'rejected', ...r };
    if (catalog) yield { type: 'kev', catalog };
  }
}

/**
 * Live sync: GETs the feed (`config.url`). Cursor: the `catalogVersion` (`YYYY.MM.DD`) of the
 * last catalog stored. When the feed's version equals the cursor, nothing but that cursor is
 * yielded; when it is older (a stale cache upstream) the same, with a warning. Otherwise
 * rejected entries, the catalog, then its version as the cursor.
 * @throws {SourceUnavailableError} on 429/5xx/network failures after retries, and on a 404.
 * @throws {VigilError} VIGIL_SOURCE_BAD_PAYLOAD when the body is not a usable catalog.
 */
export async function* syncKev(config: KevConfig, ctx: SyncContext): AsyncGenerator<SourceEvent> {
  const { url } = KevConfigSchema.parse(config);
  const res = await ctx.http.get(url, { sourceId: SOURCE_ID, signal: ctx.signal });
  if (!res) throw new SourceUnavailableError(SOURCE_ID, `GET ${url}: HTTP 404 (has the feed moved?)`);
  let text: string;
  try {
    text = await decodeText(res.body);
  } catch (cause) {
    throw new VigilError('VIGIL_SOURCE_BAD_PAYLOAD', [SOURCE_ID, `${url}: truncated or corrupt gzip (${(cause as Error).message})`], { cause });
  }
  const { catalog, rejected } = parseKevCatalog(text, url);
  if (!catalog) throw new VigilError('VIGIL_SOURCE_BAD_PAYLOAD', [SOURCE_ID, rejected.map((r) => r.reason).join('; ')]);
  if (ctx.cursor !== null && catalog.catalogVersion <= ctx.cursor) {
    if (catalog.catalogVersion < ctx.cursor) ctx.log.warn({ served: catalog.catalogVersion, cursor: ctx.cursor }, 'kev: upstream served an older catalog than the one stored; ignored');
    else ctx.log.info({ catalogVersion: catalog.catalogVersion }, 'kev: catalog unchanged');
    yield { type: 'cursor', cursor: ctx.cursor };
    return;
  }
  for (const r of rejected) yield { type: 'rejected', ...r };
  yield { type: 'kev', catalog };
  yield { type: 'cursor', cursor: catalog.catalogVersion };
}

/** The KEV source (id `kev`). */
export const kevSource: Source<KevConfig> = {
  id: SOURCE_ID,
  title: 'CISA Known Exploited Vulnerabilities catalog',
  importFiles: importKevFiles,
  sync: syncKev,
};
