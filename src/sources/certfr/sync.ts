/**
 * Live CERT-FR sync: the `avis` and `alerte` RSS feeds, then `<section>/<REF>/json/` of every
 * item published since the cursor (feed-documents.ts holds the cursor rules).
 */
import { syncFeedDocuments } from '../feed-documents.ts';
import type { SourceEvent, SyncContext } from '../types.ts';
import { parseCertfrBulletin } from './map.ts';
import type { CertfrConfig } from './schema.ts';

const SOURCE_ID = 'certfr';

/** The path of a bulletin page: `/avis/CERTFR-2026-AVI-0196/`, `/alerte/CERTFR-2024-ALE-001/`. */
const PAGE_PATH = /^\/(avis|alerte)\/((?:CERTA|CERTFR)-\d{4}-(?:AVI|ALE)-\d{3,5})\/?$/;

/**
 * Syncs from `config.baseUrl`: GETs `/avis/feed/` and `/alerte/feed/` (RSS 2.0, items linking
 * `https://www.cert.ssi.gouv.fr/avis/<REF>/`), then `<baseUrl>/<section>/<REF>/json/` for each
 * item published at or after the cursor. The JSON URL is built from the configured base and the
 * link's path, so a feed cannot send requests elsewhere; a link that is not a bulletin page is
 * rejected. Cursor: ISO 8601 `pubDate` up to which everything is stored.
 * @throws {SourceUnavailableError} on 429/5xx/network failures after retries, or a feed 404.
 * @throws {VigilError} VIGIL_SOURCE_BAD_PAYLOAD when a feed is not RSS.
 */
export function syncCertfr(config: CertfrConfig, ctx: SyncContext): AsyncGenerator<SourceEvent> {
  const base = config.baseUrl.replace(/\/+$/, '');
  return syncFeedDocuments(
    {
      sourceId: SOURCE_ID,
      feeds: config.feeds.map((f) => `${base}/${f}/feed/`),
      rateLimit: config.rateLimit,
      target(item) {
        const m = PAGE_PATH.exec(new URL(item.link).pathname);
        if (!m) return { problem: `not a CERT-FR bulletin page (…/avis/<REF>/ or …/alerte/<REF>/): ${item.link}` };
        return { record: m[2] as string, jsonUrl: `${base}/${m[1]}/${m[2]}/json/` };
      },
      parse(value, origin, record) {
        const r = parseCertfrBulletin(value, origin, record);
        if ('advisory' in r && r.advisory.id !== record) {
          return { rejected: { where: { origin, record, field: 'reference' }, reason: `the JSON is bulletin ${r.advisory.id}, not ${record}` } };
        }
        return r;
      },
    },
    ctx,
  );
}
