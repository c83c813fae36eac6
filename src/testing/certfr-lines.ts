/**
 * Test helper: real CERT-FR bulletins (the corpus's JSON Lines of every avis, 2000-2026) as
 * {@link Advisory} values through a small mapping of their own, so that store and pipeline tests
 * do not depend on the CERT-FR source (sources/certfr), which maps far more.
 */
import { readFileSync } from 'node:fs';
import { gunzipSync } from 'node:zlib';
import type { Advisory } from '../model/advisory.ts';
import { corpusPath } from './corpus.ts';

/** The fields of a CERT-FR JSON document the mapping reads (https://www.cert.ssi.gouv.fr/openapi.json). */
interface CertFrLine {
  reference: string;
  title: string;
  summary?: string | null;
  content?: string | null;
  revisions: { description: string; revision_date: string }[];
  cves?: { name: string }[];
  risks?: { description: string }[];
  affected_systems?: { description?: string; product: { name: string; vendor: { name: string; scada?: boolean } } }[];
  vendor_advisories?: { title: string; url: string; published_at?: string | null }[];
}

/** The corpus file of all CERT-FR avis (16.5k lines, minus the 5 % held out). */
export const CERTFR_ALL = ['cert-fr', 'certfr-avis-all-2000-2026.DERIVED.jsonl.gz'];

/** `2026-02-20T00:00:00.000000` (CERT-FR, no zone: UTC) → `2026-02-20T00:00:00.000Z`. */
function iso(date: string): string {
  return new Date(/[zZ]|[+-]\d\d:?\d\d$/.test(date) ? date : `${date}Z`).toISOString();
}

/** One CERT-FR document as an Advisory. */
export function certFrAdvisory(d: CertFrLine): Advisory {
  const dates = d.revisions.map((r) => iso(r.revision_date)).sort();
  const na = (s: string) => (s === 'N/A' ? undefined : s);
  return {
    id: d.reference,
    source: 'certfr',
    kind: d.reference.includes('-ALE-') ? 'alert' : 'bulletin',
    title: d.title,
    ...(d.summary ? { summary: d.summary } : {}),
    ...(d.content ? { details: d.content } : {}),
    ...(dates[0] ? { published: dates[0] } : {}),
    modified: dates.at(-1) ?? '1970-01-01T00:00:00.000Z',
    revisions: d.revisions.map((r) => ({ date: iso(r.revision_date), description: r.description })),
    aliases: [],
    cves: (d.cves ?? []).map((c) => ({ id: c.name.toUpperCase(), origin: 'listed' as const })),
    affected: (d.affected_systems ?? []).map((s) => {
      const vendor = na(s.product.vendor.name);
      const product = na(s.product.name);
      return {
        status: 'affected' as const,
        ...(vendor ? { vendor } : {}),
        ...(product ? { product } : {}),
        ...(s.description ? { description: s.description } : {}),
        ...(s.product.vendor.scada ? { scada: true } : {}),
      };
    }),
    risks: (d.risks ?? []).map((r) => r.description),
    references: [],
    vendorAdvisories: (d.vendor_advisories ?? []).map((v) => ({ url: v.url, title: v.title, ...(v.published_at ? { published: v.published_at } : {}) })),
    url: `https://www.cert.ssi.gouv.fr/${d.reference.includes('-ALE-') ? 'alerte' : 'avis'}/${d.reference}/`,
  };
}

/** Every CERT-FR avis of the corpus as Advisory values, in file order. */
export function certFrAdvisories(): Advisory[] {
  const text = gunzipSync(readFileSync(corpusPath(...CERTFR_ALL))).toString('utf8');
  return text
    .split('\n')
    .filter((l) => l.trim())
    .map((l) => certFrAdvisory(JSON.parse(l) as CertFrLine));
}
