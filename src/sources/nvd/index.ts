/**
 * The NVD source: CVE records as the National Vulnerability Database publishes them, live from
 * the CVE API 2.0 (incremental by `lastModified` windows) and offline from NVD files (legacy JSON
 * 1.1 yearly feeds, API 2.0 pages, single API 2.0 records). See readme.md for URLs, limits,
 * cursor semantics and the field mapping.
 *
 * "This product uses the NVD API but is not endorsed or certified by the NVD."
 */
import type { Source } from '../types.ts';
import type { NvdConfig } from './config.ts';
import { importNvdFiles } from './import.ts';
import { syncNvd } from './sync.ts';

export {
  NVD_CVE_API_URL,
  NVD_MAX_PAGE_SIZE,
  NVD_MAX_WINDOW_DAYS,
  type NvdConfig,
  NvdConfigSchema,
  nvdRateLimit,
} from './config.ts';
export { BATCH_SIZE, importNvdFiles, isNvdFileName } from './import.ts';
export { JsonArraySplitter, JsonStructureError } from './json-split.ts';
export { NvdLegacyCveItem, normalizeLegacyCveItem } from './legacy.ts';
export { type FieldProblem, type NormalizedCve, normalizeNvdCve } from './normalize.ts';
export { processRecord, processRecordText } from './records.ts';
export { CVE_ID_PATTERN, NvdApiCve, NvdCveApiPage, nvdTimestampToIso } from './schema.ts';
export { nvdApiDate, nvdPageUrl, syncNvd } from './sync.ts';

/**
 * The NVD source.
 * @example
 * for await (const e of nvdSource.importFiles(['nvdcve-1.1-2018.json.gz'], { log })) if (e.type === 'vulns') store(e.records);
 */
export const nvdSource: Source<NvdConfig> = {
  id: 'nvd',
  title: 'NVD: CVE API 2.0 (live, by lastModified windows) and NVD JSON files (1.1 feeds, 2.0 pages)',
  importFiles: (paths, ctx) => importNvdFiles(paths, ctx),
  sync: (config, ctx) => syncNvd(config, ctx),
};
