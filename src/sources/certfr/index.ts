/**
 * CERT-FR (ANSSI) security bulletins (`avis`, `…-AVI-…`) and alerts (`alerte`, `…-ALE-…`) as
 * {@link Advisory} records: offline from the per-bulletin JSON the site serves (files, folders,
 * JSON Lines), live from the RSS feeds and each new item's `json/` (sync.ts). Upstream URLs,
 * limits, cursor rules and the field mapping: readme.md.
 */
import { promises as fs } from 'node:fs';
import { VigilError } from '../../errors.ts';
import type { Advisory } from '../../model/advisory.ts';
import { describeHead, readHead } from '../files.ts';
import { detectJsonLayout, expandJsonPaths, type JsonLayout, readJsonDocuments } from '../json-documents.ts';
import type { Source, SourceContext, SourceEvent } from '../types.ts';
import { looksLikeCertfr, parseCertfrBulletin } from './map.ts';
import { type CertfrConfig, CertfrConfigSchema } from './schema.ts';
import { syncCertfr } from './sync.ts';

export { CertfrConfigSchema, type CertfrConfig, CertfrBulletin, type CertfrBulletinJson, CERTFR_REFERENCE } from './schema.ts';
export { certfrDateToIso, certfrPageUrl, certfrToAdvisory, looksLikeCertfr, parseCertfrBulletin } from './map.ts';
export { syncCertfr } from './sync.ts';

const SOURCE_ID = 'certfr';

/** Advisories per `advisories` event (the pipeline stores each event in one transaction). */
export const BATCH_SIZE = 1000;

/**
 * Tells every file's layout before anything is imported, so that a wrong file fails the whole
 * import up front instead of after part of it is stored.
 * @throws {VigilError} VIGIL_INPUT_FORMAT naming the first file that is not CERT-FR bulletins,
 *   or when the paths hold no JSON file.
 */
async function planFiles(paths: string[]): Promise<{ file: string; layout: JsonLayout }[]> {
  const files = await expandJsonPaths(paths);
  if (files.length === 0) throw new VigilError('VIGIL_INPUT_FORMAT', [paths.join(', '), 'no .json, .jsonl or .ndjson file (gzipped or not) to import']);
  const plan: { file: string; layout: JsonLayout }[] = [];
  for (const file of files) {
    const { head } = await readHead(file, 16 * 1024);
    // A gzip that cannot be decoded at all is reported by readJsonDocuments with what it could read.
    if (head === null) {
      plan.push({ file, layout: 'jsonl' });
      continue;
    }
    const text = head.toString('utf8');
    if (!looksLikeCertfr(text)) {
      throw new VigilError('VIGIL_INPUT_FORMAT', [file, `not CERT-FR bulletins: JSON from https://www.cert.ssi.gouv.fr/avis/<REF>/json/ (or JSON Lines of it) expected (${describeHead(head)})`]);
    }
    plan.push({ file, layout: detectJsonLayout(text) });
  }
  return plan;
}

/**
 * Imports CERT-FR bulletins: per-bulletin JSON files (`CERTFR-2026-AVI-0196.json`, as
 * `…/avis/<REF>/json/` serves it), JSON arrays of them, folders of either (recursively), and JSON
 * Lines (one bulletin per line); gzip is told by content. Yields `advisories` batches of
 * ≤ {@link BATCH_SIZE}, `progress` (bytes) after each, and one `rejected` per bad bulletin
 * (reference and field) or unreadable line/file; the good ones beside it go on.
 * @throws {VigilError} VIGIL_INPUT_FORMAT, before anything is yielded, when a file is not CERT-FR
 *   bulletins; VIGIL_INPUT_UNREADABLE when a path cannot be read.
 * @example
 *   for await (const e of certfrSource.importFiles(['certfr-avis-all-2000-2026.DERIVED.jsonl.gz'], { log })) …
 */
export async function* importCertfrFiles(paths: string[], ctx: SourceContext): AsyncGenerator<SourceEvent> {
  const plan = await planFiles(paths);
  for (const { file, layout } of plan) {
    ctx.signal?.throwIfAborted();
    const total = (await fs.stat(file)).size;
    let done = 0;
    let batch: Advisory[] = [];
    const counts = { read: 0, rejected: 0 };
    for await (const doc of readJsonDocuments(file, layout, (n) => {
      done += n;
    })) {
      const fallback = doc.line !== undefined ? `line ${doc.line}` : 'index' in doc && doc.index !== undefined ? `[${doc.index}]` : undefined;
      if ('error' in doc) {
        counts.rejected++;
        yield { type: 'rejected', where: { origin: file, ...(fallback ? { record: fallback } : {}) }, reason: doc.error };
        continue;
      }
      const r = parseCertfrBulletin(doc.value, file, fallback);
      if ('rejected' in r) {
        counts.rejected++;
        yield { type: 'rejected', ...r.rejected };
        continue;
      }
      counts.read++;
      batch.push(r.advisory);
      if (batch.length >= BATCH_SIZE) {
        ctx.signal?.throwIfAborted();
        yield { type: 'advisories', records: batch };
        yield { type: 'progress', done, total, unit: 'bytes', label: file };
        batch = [];
      }
    }
    if (batch.length > 0) yield { type: 'advisories', records: batch };
    yield { type: 'progress', done: total, total, unit: 'bytes', label: file };
    ctx.log.info({ file, ...counts }, 'certfr: imported');
  }
}

/** The CERT-FR source (id `certfr`). */
export const certfrSource: Source<CertfrConfig> = {
  id: SOURCE_ID,
  title: 'CERT-FR (ANSSI) bulletins and alerts',
  importFiles: importCertfrFiles,
  sync: (config, ctx) => syncCertfr(CertfrConfigSchema.parse(config), ctx),
};
