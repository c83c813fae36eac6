/**
 * The `cve5` source: CVE Records in the CVE Record Format 5.x (https://github.com/CVEProject/cve-schema),
 * with the CISA ADP "Vulnrichment" container (SSVC, KEV, CVSS, CWE, CPE). Offline it imports
 * single records, cvelistV5 trees, JSON Lines and cvelistV5 release zips; live it follows the
 * cvelistV5 release bundles (`sync.ts`); `fetchCveRecord` reads one record from CVE Services.
 * Upstream URLs, layouts, cursor rules and the field mapping: readme.md.
 */
import type { Logger } from 'pino';
import { VigilError } from '../../errors.ts';
import type { VulnObservation } from '../../model/vulnerability.ts';
import type { HttpClient } from '../http.ts';
import type { Source, SourceContext, SourceEvent } from '../types.ts';
import { unitsToEvents } from './events.ts';
import { normalizeCve5Record } from './normalize.ts';
import { inputKind, type RawUnit, readJsonFile, readJsonLines, readTree } from './readers.ts';
import { CVE_ID_PATTERN, type Cve5Config } from './schema.ts';
import { syncFromReleases } from './sync.ts';
import { readZip } from './zip.ts';

export { BATCH_SIZE } from './events.ts';
export { type Cve5Normalized, type FieldProblem, normalizeCve5Record } from './normalize.ts';
export { CVE_ID_PATTERN, type Cve5Config, Cve5ConfigSchema, Cve5Record, toIsoUtc } from './schema.ts';

const SOURCE_ID = 'cve5';

/**
 * Imports CVE 5 records from files, each path being a single record `.json` (or a JSON array of
 * records), a folder in the cvelistV5 layout (`cves/YYYY/Nxxx/CVE-….json`), JSON Lines
 * (`.jsonl`, `.jsonl.gz`, `.ndjson`), or a cvelistV5 release zip (daily bundle with its nested
 * `cves.zip`, hourly or end-of-day delta). Yields `vulns` batches of ≤ 1,000, `progress`, and
 * `rejected` for each bad record (origin `file`, `file:line` or `zip!entry`; CVE id; field) or
 * unreadable file; never throws on bad data.
 * @example
 * for await (const e of cve5Source.importFiles(['2024-10-24_all_CVEs_at_midnight.zip.zip'], { log })) …
 */
async function* importFiles(paths: string[], ctx: SourceContext): AsyncGenerator<SourceEvent> {
  for (const file of paths) {
    ctx.signal?.throwIfAborted();
    let units: AsyncIterable<RawUnit[]>;
    try {
      const kind = await inputKind(file);
      units = kind === 'tree' ? readTree(file) : kind === 'zip' ? readZip(file) : kind === 'jsonl' ? readJsonLines(file) : readJsonFile(file);
      ctx.log.info({ file, kind }, 'cve5: importing');
    } catch (cause) {
      yield { type: 'rejected', where: { origin: file }, reason: `cannot read: ${(cause as Error).message}` };
      continue;
    }
    const counts = { records: 0, rejected: 0 };
    for await (const event of unitsToEvents(units, { sourceId: SOURCE_ID }, counts)) {
      ctx.signal?.throwIfAborted();
      yield event;
    }
    ctx.log.info({ file, ...counts }, 'cve5: imported');
  }
}

/** The `cve5` source (CVE Record Format 5.x; cvelistV5 bundles; CVE Services). */
export const cve5Source: Source<Cve5Config> = {
  id: SOURCE_ID,
  title: 'CVE List (CVE Record Format 5.x, cvelistV5 releases, with CISA ADP Vulnrichment)',
  importFiles,
  sync: syncFromReleases,
};

/**
 * Fetches one CVE record from CVE Services (`GET {apiUrl}/cve/{id}`, public, no key) and
 * normalises it. Invalid array items are dropped (logged when `log` is given).
 * @returns the observation, or `null` when CVE Services has no record (404; e.g. a RESERVED id).
 * @throws {VigilError} VIGIL_INVALID_CVE_ID for a malformed id; VIGIL_SOURCE_BAD_PAYLOAD when the
 *   answer is not JSON, fails the schema, or is another CVE's record.
 * @throws {SourceUnavailableError} when CVE Services keeps failing (429/5xx/network).
 * @example
 * const obs = await fetchCveRecord('CVE-2024-3400', config, http); // obs?.cvss[0]?.baseScore === 10
 */
export async function fetchCveRecord(
  id: string,
  config: Pick<Cve5Config, 'apiUrl' | 'apiRateLimit'>,
  http: HttpClient,
  log?: Logger,
): Promise<VulnObservation | null> {
  const cveId = id.trim().toUpperCase();
  if (!CVE_ID_PATTERN.test(cveId)) throw new VigilError('VIGIL_INVALID_CVE_ID', [id]);
  const url = `${config.apiUrl.replace(/\/+$/, '')}/cve/${cveId}`;
  const res = await http.get(url, { sourceId: SOURCE_ID, rateLimit: config.apiRateLimit, headers: { accept: 'application/json' } });
  if (!res) return null;
  let value: unknown;
  try {
    value = JSON.parse(res.body.toString('utf8'));
  } catch (cause) {
    throw new VigilError('VIGIL_SOURCE_BAD_PAYLOAD', [SOURCE_ID, `${url}: not JSON: ${(cause as Error).message}`], { cause });
  }
  const r = normalizeCve5Record(value);
  if (!r.ok) {
    const detail = r.problems.map((p) => (p.field ? `${p.field}: ${p.reason}` : p.reason)).join('; ');
    throw new VigilError('VIGIL_SOURCE_BAD_PAYLOAD', [SOURCE_ID, `${url}: ${detail}`]);
  }
  if (r.cveId !== cveId) throw new VigilError('VIGIL_SOURCE_BAD_PAYLOAD', [SOURCE_ID, `${url}: answered with ${r.cveId}`]);
  for (const d of r.dropped) log?.warn({ cveId, field: d.field, reason: d.reason }, 'cve5: dropped an invalid item');
  return r.observation;
}
