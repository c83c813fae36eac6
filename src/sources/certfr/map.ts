/**
 * CERT-FR bulletin → {@link Advisory} (field mapping: readme.md), and the check that tells a
 * CERT-FR document from anything else before an import starts.
 */
import { mergeCveLists } from '../../analysis/cve-text.ts';
import type { Advisory, AdvisoryAffected, AdvisoryReference } from '../../model/advisory.ts';
import type { RecordLocation } from '../types.ts';
import { CertfrBulletin, type CertfrBulletinJson } from './schema.ts';

/** The site whose pages `Advisory.url` points to. */
export const CERTFR_SITE = 'https://www.cert.ssi.gouv.fr';

/** What ANSSI writes when it names no product or vendor. */
const NONE = 'N/A';

/**
 * A CERT-FR `revision_date` (`2026-01-02T00:00:00.000000`, no zone: UTC is meant) as ISO 8601
 * UTC with milliseconds (`2026-01-02T00:00:00.000Z`); a stated zone is honoured. `null` when the
 * date does not exist (`2026-02-30`).
 */
export function certfrDateToIso(value: string): string | null {
  // Every corpus date is midnight without zone: skip Date for them (16,000 bulletins per import).
  if (value.length === 26 && value.endsWith('T00:00:00.000000')) {
    const day = value.slice(0, 10);
    const t = Date.parse(`${day}T00:00:00Z`);
    return Number.isNaN(t) || new Date(t).toISOString().slice(0, 10) !== day ? null : `${day}T00:00:00.000Z`;
  }
  const m = /^(\d{4}-\d{2}-\d{2})T(\d{2}:\d{2}:\d{2})(?:\.(\d{1,9}))?(Z|[+-]\d{2}:?\d{2})?$/.exec(value);
  if (!m) return null;
  const [, day, time, fraction = '', zone = 'Z'] = m as unknown as [string, string, string, string | undefined, string | undefined];
  const t = Date.parse(`${day}T${time}.${fraction.padEnd(3, '0').slice(0, 3)}${zone}`);
  if (Number.isNaN(t) || new Date(Date.parse(`${day}T00:00:00Z`)).toISOString().slice(0, 10) !== day) return null;
  return new Date(t).toISOString();
}

/** The bulletin's page: `/avis/<REF>/` for bulletins, `/alerte/<REF>/` for alerts. */
export function certfrPageUrl(reference: string, site = CERTFR_SITE): string {
  return `${site}/${reference.includes('-ALE-') ? 'alerte' : 'avis'}/${reference}/`;
}

function named(value: string | null | undefined): string | undefined {
  const v = value?.trim();
  return v && v !== NONE ? v : undefined;
}

/**
 * Maps a validated bulletin to the model. Dates were checked by {@link parseCertfrBulletin};
 * vendor advisories without a URL (`null`, `""` or the text `"None"`: 5,491 of the corpus's 34,861,
 * mostly before 2018) are left out, as the model's references need one.
 */
export function certfrToAdvisory(b: CertfrBulletinJson, dates: string[]): Advisory {
  const affected: AdvisoryAffected[] = b.affected_systems.map((s) => {
    const a: AdvisoryAffected = { status: 'affected' };
    const vendor = named(s.product.vendor.name);
    const product = named(s.product.name);
    const description = s.description?.trim();
    if (vendor) a.vendor = vendor;
    if (product) a.product = product;
    if (description) a.description = description;
    if (s.product.vendor.scada !== undefined) a.scada = s.product.vendor.scada;
    return a;
  });
  const references: AdvisoryReference[] = [];
  for (const l of b.links) {
    if (!l.url) continue;
    references.push(l.title ? { url: l.url, title: l.title } : { url: l.url });
  }
  const vendorAdvisories: AdvisoryReference[] = [];
  for (const v of b.vendor_advisories) {
    if (!v.url || v.url === 'None') continue;
    // CERTA-era quirk: a null printed before the URL ("Nonehttp://h20000.www2.hp.com/…", once).
    const r: AdvisoryReference = { url: v.url.replace(/^None(?=https?:\/\/)/i, '') };
    if (v.title) r.title = v.title;
    if (v.published_at) r.published = v.published_at;
    vendorAdvisories.push(r);
  }
  const advisory: Advisory = {
    id: b.reference,
    source: 'certfr',
    kind: b.reference.includes('-ALE-') ? 'alert' : 'bulletin',
    title: b.title,
    published: dates[0] as string,
    modified: dates.reduce((a, d) => (d > a ? d : a)),
    revisions: b.revisions.map((r, i) => ({ date: dates[i] as string, description: r.description ?? '' })),
    aliases: [],
    cves: mergeCveLists(
      b.cves.map((c) => c.name),
      [b.title, b.summary, b.content, b.affected_systems_content],
    ),
    affected,
    risks: b.risks.flatMap((r) => (r.description?.trim() ? [r.description.trim()] : [])),
    references,
    vendorAdvisories,
    url: certfrPageUrl(b.reference),
  };
  if (b.summary) advisory.summary = b.summary;
  if (b.content) advisory.details = b.content;
  return advisory;
}

/** A bulletin that failed: where and why, for a `rejected` event. */
export interface CertfrRejection {
  where: RecordLocation;
  reason: string;
}

/**
 * Validates one document and maps it. The rejection names the bulletin by `reference` when it
 * has a usable one (else `fallback`, e.g. `line 12`) and the first failing field
 * (`cves.3.name`, `revisions.0.revision_date`).
 */
export function parseCertfrBulletin(value: unknown, origin: string, fallback?: string): { advisory: Advisory } | { rejected: CertfrRejection } {
  const ref = (value as { reference?: unknown } | null)?.reference;
  const record = typeof ref === 'string' && ref.length > 0 && ref.length < 64 ? ref : fallback;
  const where = (field?: string): RecordLocation => ({ origin, ...(record !== undefined ? { record } : {}), ...(field ? { field } : {}) });
  if (value === null || typeof value !== 'object' || Array.isArray(value)) return { rejected: { where: where(), reason: 'not a JSON object' } };
  const r = CertfrBulletin.safeParse(value);
  if (!r.success) {
    const issue = r.error.issues[0];
    return { rejected: { where: where(issue?.path.join('.') || undefined), reason: issue?.message ?? 'invalid' } };
  }
  const dates: string[] = [];
  for (const [i, rev] of r.data.revisions.entries()) {
    const iso = certfrDateToIso(rev.revision_date);
    if (iso === null) return { rejected: { where: where(`revisions.${i}.revision_date`), reason: `not a date: "${rev.revision_date}"` } };
    dates.push(iso);
  }
  return { advisory: certfrToAdvisory(r.data, dates) };
}

/**
 * Whether the start of a file looks like CERT-FR bulletins: JSON whose first bytes carry the
 * site's `$ref` (`https://www.cert.ssi.gouv.fr/openapi.json`, the first key of every bulletin the
 * site serves), or the keys of a bulletin (`affected_systems`, `reference` with a CERT-FR id).
 * The third-party alert summary `cert-fr-ale_with_cves.json` (`[{alert, published_at, cves}]`)
 * is not: it has no bulletin text to import.
 */
export function looksLikeCertfr(head: string): boolean {
  const text = head.replace(/^\uFEFF/, '').trimStart();
  if (!text.startsWith('{') && !text.startsWith('[')) return false;
  if (text.includes('cert.ssi.gouv.fr/openapi.json')) return true;
  return text.includes('"affected_systems"') || /"reference"\s*:\s*"(?:CERTA|CERTFR)-\d{4}-/.test(text);
}
