/**
 * Live CERT-EU sync: the security-advisories RSS feed, then `…/<YYYY-NNN>/json` of every item
 * published since the cursor (feed-documents.ts holds the cursor rules).
 */
import { syncFeedDocuments } from '../feed-documents.ts';
import type { SourceEvent, SyncContext } from '../types.ts';
import { certeuId, parseCerteuAdvisory } from './map.ts';
import type { CerteuConfig } from './schema.ts';

const SOURCE_ID = 'certeu';

/** The path of an advisory page: `/publications/security-advisories/2026-001` (trailing slash or not). */
const PAGE_PATH = /^\/publications\/security-advisories\/(\d{4}-\d{3,4})\/?$/;

/**
 * Syncs from `config.baseUrl`: GETs `/publications/security-advisories-rss` (RSS 2.0, items
 * linking `https://cert.europa.eu/publications/security-advisories/<YYYY-NNN>`), then
 * `<baseUrl>/publications/security-advisories/<YYYY-NNN>/json` for each item published at or
 * after the cursor. The JSON URL is built from the configured base and the serial number, so a
 * feed cannot send requests elsewhere. Cursor: ISO 8601 `pubDate` up to which everything is stored.
 * @throws {SourceUnavailableError} on 429/5xx/network failures after retries, or a feed 404.
 * @throws {VigilError} VIGIL_SOURCE_BAD_PAYLOAD when the feed is not RSS.
 */
export function syncCerteu(config: CerteuConfig, ctx: SyncContext): AsyncGenerator<SourceEvent> {
  const base = config.baseUrl.replace(/\/+$/, '');
  return syncFeedDocuments(
    {
      sourceId: SOURCE_ID,
      feeds: [`${base}/publications/security-advisories-rss`],
      rateLimit: config.rateLimit,
      target(item) {
        const serial = PAGE_PATH.exec(new URL(item.link).pathname)?.[1];
        if (!serial) return { problem: `not a CERT-EU security advisory page (…/publications/security-advisories/<YYYY-NNN>): ${item.link}` };
        return { record: serial, jsonUrl: `${base}/publications/security-advisories/${serial}/json` };
      },
      parse(value, origin, record) {
        const r = parseCerteuAdvisory(value, origin, record);
        if ('advisory' in r && r.advisory.id !== certeuId(record)) {
          return { rejected: { where: { origin, record, field: 'serial_number' }, reason: `the JSON is advisory ${r.advisory.id}, not ${certeuId(record)}` } };
        }
        return r;
      },
    },
    ctx,
  );
}
