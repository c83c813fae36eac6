/**
 * csaf source: CSAF 2.0 vendor and coordinator advisories and VEX documents
 * (https://docs.oasis-open.org/csaf/csaf/v2.0/os/csaf-v2.0-os.html), read from providers' ROLIE
 * feeds (live) or from files (offline), yielded as `advisories` events of kind `vendor` or `vex`.
 * Upstream, formats, cursor and field mapping: readme.md.
 */
import type { Source } from '../types.ts';
import { importCsafFiles } from './import.ts';
import type { CsafConfig } from './schema.ts';
import { syncCsaf } from './sync.ts';

export { CsafConfigSchema, type CsafConfig, CsafDocument, RolieFeed, ProviderMetadata, DEFAULT_PROVIDER } from './schema.ts';
export { parseCsafDocument, sniffCsaf, verifySha512, parseHashFile } from './parse.ts';
export { flattenProductTree, affectedEntries, splitPurl, toCpe23 } from './products.ts';
export { importCsafFiles, readOfflineFeed } from './import.ts';
export { syncCsaf, discoverListings, type Listing } from './sync.ts';

/** The csaf source (id `csaf`). */
export const csafSource: Source<CsafConfig> = {
  id: 'csaf',
  title: 'CSAF 2.0 vendor advisories and VEX (provider metadata, ROLIE)',
  importFiles: (paths, ctx) => importCsafFiles(paths, ctx),
  sync: syncCsaf,
};
