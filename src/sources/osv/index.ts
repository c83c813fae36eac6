/**
 * OSV source (`osv`): package advisories in the Open Source Vulnerability format
 * (https://ossf.github.io/osv-schema/) from osv.dev's per-ecosystem exports, Go's vulndb and the
 * GitHub advisory-database tree, as `kind: 'package'` advisories. See readme.md.
 */
import type { Source, SourceContext, SourceEvent } from '../types.ts';
import { importOsvFiles } from './import.ts';
import type { OsvConfig } from './schema.ts';
import { syncOsv } from './sync.ts';

export { OsvConfigSchema, type OsvConfig, OsvRecord, type OsvRecordData, DEFAULT_OSV_ECOSYSTEMS, IsoTimestamp } from './schema.ts';
export { advisoryUrl, cvssOf, osvToAdvisory, purlOf, splitIds, titleOf } from './normalise.ts';
export { parseOsvText, parseOsvValue, sniffOsv, type OsvParseResult, type OsvRejection } from './parse.ts';
export { AdvisoryBatcher, importOsvFiles, OSV_BATCH } from './import.ts';
export { fetchOsvVulnerability, modifiedSince, parseOsvCursor, syncOsv, type OsvCursor, type OsvLookupOptions } from './sync.ts';

/** The osv source. */
export const osvSource: Source<OsvConfig> = {
  id: 'osv',
  title: 'OSV package advisories (osv.dev per-ecosystem all.zip, OSV JSON)',
  importFiles: (paths: string[], ctx: SourceContext): AsyncIterable<SourceEvent> => importOsvFiles(paths, ctx, 'osv'),
  sync: syncOsv,
};
