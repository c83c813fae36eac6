/**
 * CERT-FR (ANSSI) security bulletins (`avis`, `…-AVI-…`) and alerts (`alerte`, `…-ALE-…`) as
 * {@link Advisory} records: offline from the per-bulletin JSON the site serves (files, folders,
 * JSON Lines), live from the RSS feeds and each new item's `json/` (sync.ts). Upstream URLs,
 * limits, cursor rules and the field mapping: readme.md.
 */
import { importJsonDocuments } from '../json-documents.ts';
import type { Source, SourceContext, SourceEvent } from '../types.ts';
import { looksLikeCertfr, parseCertfrBulletin } from './map.ts';
import { type CertfrConfig, CertfrConfigSchema } from './schema.ts';
import { syncCertfr } from './sync.ts';

export { certfrDateToIso, certfrPageUrl, certfrToAdvisory, looksLikeCertfr, parseCertfrBulletin } from './map.ts';
export { CERTFR_REFERENCE, CertfrBulletin, type CertfrBulletinJson, type CertfrConfig, CertfrConfigSchema } from './schema.ts';
export { syncCertfr } from './sync.ts';

const SOURCE_ID = 'certfr';

/**
 * Imports CERT-FR bulletins: per-bulletin JSON files (`CERTFR-2026-AVI-0196.json`, as
 * `…/avis/<REF>/json/` serves it), JSON arrays of them, folders of either (recursively), and JSON
 * Lines (one bulletin per line); gzip is told by content. Yields `advisories` batches of
 * ≤ 1,000, `progress` (bytes) after each, and one `rejected` per bad bulletin (reference and
 * field) or unreadable line/file; the good ones beside it go on.
 * @throws {VigilError} VIGIL_INPUT_FORMAT, before anything is yielded, when a file is not CERT-FR
 *   bulletins (or no JSON file is found); VIGIL_INPUT_UNREADABLE when a path cannot be read.
 * @example
 *   for await (const e of certfrSource.importFiles(['certfr-avis-all-2000-2026.DERIVED.jsonl.gz'], { log })) …
 */
export function importCertfrFiles(paths: string[], ctx: SourceContext): AsyncGenerator<SourceEvent> {
  return importJsonDocuments(paths, ctx, {
    sourceId: SOURCE_ID,
    looksLike: looksLikeCertfr,
    expected: 'CERT-FR bulletins: JSON from https://www.cert.ssi.gouv.fr/avis/<REF>/json/ (or JSON Lines of it) expected',
    parse: parseCertfrBulletin,
  });
}

/** The CERT-FR source (id `certfr`). */
export const certfrSource: Source<CertfrConfig> = {
  id: SOURCE_ID,
  title: 'CERT-FR (ANSSI) bulletins and alerts',
  importFiles: importCertfrFiles,
  sync: (config, ctx) => syncCertfr(CertfrConfigSchema.parse(config), ctx),
};
