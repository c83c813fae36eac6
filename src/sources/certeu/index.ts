/**
 * CERT-EU security advisories as {@link Advisory} records: offline from the JSON the site serves
 * per advisory (files, folders, JSON Lines), live from its RSS feed and each new item's `/json`
 * (sync.ts). Upstream URLs, limits, cursor rules and the field mapping: readme.md.
 */
import { importJsonDocuments } from '../json-documents.ts';
import type { Source, SourceContext, SourceEvent } from '../types.ts';
import { looksLikeCerteu, parseCerteuAdvisory } from './map.ts';
import { type CerteuConfig, CerteuConfigSchema } from './schema.ts';
import { syncCerteu } from './sync.ts';

export {
  certeuId,
  certeuPageUrl,
  certeuPublishDate,
  certeuToAdvisory,
  historyRevisions,
  htmlToText,
  looksLikeCerteu,
  parseCerteuAdvisory,
  referenceLinks,
  splitFrontMatter,
} from './map.ts';
export { CERTEU_SERIAL, type CerteuAdvisoryData, CerteuAdvisoryJson, type CerteuConfig, CerteuConfigSchema } from './schema.ts';
export { syncCerteu } from './sync.ts';

const SOURCE_ID = 'certeu';

/**
 * Imports CERT-EU security advisories: JSON files as `…/security-advisories/<YYYY-NNN>/json`
 * serves them, JSON arrays of them, folders of either, and JSON Lines; gzip is told by content.
 * Yields `advisories` batches of ≤ 1,000, `progress`, and one `rejected` per bad advisory
 * (serial number and field) or unreadable line/file; the others go on.
 * @throws {VigilError} VIGIL_INPUT_FORMAT, before anything is yielded, when a file is not CERT-EU
 *   advisories (or no JSON file is found); VIGIL_INPUT_UNREADABLE when a path cannot be read.
 * @example
 *   for await (const e of certeuSource.importFiles(['cert-eu/samples'], { log })) …
 */
export function importCerteuFiles(paths: string[], ctx: SourceContext): AsyncGenerator<SourceEvent> {
  return importJsonDocuments(paths, ctx, {
    sourceId: SOURCE_ID,
    looksLike: looksLikeCerteu,
    expected: 'CERT-EU security advisories: JSON from https://cert.europa.eu/publications/security-advisories/<YYYY-NNN>/json (or JSON Lines of it) expected',
    parse: parseCerteuAdvisory,
  });
}

/** The CERT-EU source (id `certeu`). */
export const certeuSource: Source<CerteuConfig> = {
  id: SOURCE_ID,
  title: 'CERT-EU security advisories',
  importFiles: importCerteuFiles,
  sync: (config, ctx) => syncCerteu(CerteuConfigSchema.parse(config), ctx),
};
