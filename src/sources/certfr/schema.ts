/**
 * Schemas of CERT-FR (ANSSI) bulletins as `https://www.cert.ssi.gouv.fr/avis/<REF>/json/` serves
 * them (the site's OpenAPI document is `https://www.cert.ssi.gouv.fr/openapi.json`, each bulletin's
 * `$ref`). Lean on purpose: only the fields Vigil maps are checked, because a full import is
 * 16,000 bulletins and must run at thousands per second (readme.md, "Speed").
 */
import { z } from 'zod';
import { ConfiguredUrl } from '../../net/url-policy.ts';

/** Settings of the live CERT-FR sync. */
export const CertfrConfigSchema = z.object({
  /** The site (or a mirror with the same paths): feeds at `/avis/feed/`, `/alerte/feed/`; bulletins at `/<section>/<REF>/json/`. */
  baseUrl: ConfiguredUrl.default('https://www.cert.ssi.gouv.fr'),
  /** Which feeds to follow: `avis` (security bulletins, `…-AVI-…`) and `alerte` (alerts, `…-ALE-…`). */
  feeds: z
    .array(z.enum(['avis', 'alerte']))
    .min(1)
    .default(['avis', 'alerte']),
  /** Request-rate cap (ANSSI states no limit; a sync makes one request per new bulletin, so stay polite). */
  rateLimit: z.object({ requests: z.number().int().min(1), perSeconds: z.number().positive() }).default({ requests: 2, perSeconds: 1 }),
});

/** Live CERT-FR settings after defaults. */
export type CertfrConfig = z.output<typeof CertfrConfigSchema>;

/** `CERTA-2012-AVI-373` (2000–2013), `CERTFR-2016-AVI-123`, `CERTFR-2026-AVI-0196`, `CERTFR-2024-ALE-001`. */
export const CERTFR_REFERENCE = /^(?:CERTA|CERTFR)-\d{4}-(?:AVI|ALE)-\d{3,5}$/;

/** `2026-01-02T00:00:00.000000`: ISO 8601 local date-time (the site gives no zone: UTC is meant), optional fraction and zone. */
const REVISION_DATE = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(?:\.\d{1,9})?(?:Z|[+-]\d{2}:?\d{2})?$/;

const Nullable = z.string().nullable().optional();

/** `affected_systems[]`: product and vendor names are `"N/A"` when ANSSI names none. */
const CertfrAffectedSystem = z.object({
  description: Nullable,
  product: z.object({
    name: Nullable,
    vendor: z.object({ name: Nullable, scada: z.boolean().optional() }),
  }),
});

/**
 * One bulletin (avis or alerte). Required: `reference`, `title`, at least one revision. Arrays
 * may be absent (taken as empty) but must be arrays when present; `summary`,
 * `affected_systems_content` and link/vendor-advisory URLs may be null (the site has them so).
 */
export const CertfrBulletin = z.object({
  reference: z.string().regex(CERTFR_REFERENCE, 'expected CERTFR-YYYY-AVI-NNNN, CERTFR-YYYY-ALE-NNN or CERTA-YYYY-AVI-NNN'),
  title: z.string().min(1, 'empty'),
  summary: Nullable,
  content: Nullable,
  affected_systems_content: Nullable,
  affected_systems: z.array(CertfrAffectedSystem).default([]),
  cves: z.array(z.object({ name: z.string().regex(/^CVE-\d{4}-\d{4,19}$/i, 'expected CVE-YYYY-NNNN') })).default([]),
  links: z.array(z.object({ title: Nullable, url: Nullable })).default([]),
  revisions: z
    .array(z.object({ description: Nullable, revision_date: z.string().regex(REVISION_DATE, 'expected YYYY-MM-DDTHH:MM:SS[.ffffff]') }))
    .min(1, 'no revision: the bulletin has no date'),
  risks: z.array(z.object({ description: Nullable })).default([]),
  vendor_advisories: z
    .array(
      z.object({
        published_at: z
          .string()
          .regex(/^\d{4}-\d{2}-\d{2}$/, 'expected YYYY-MM-DD')
          .nullable()
          .optional(),
        title: Nullable,
        url: Nullable,
      }),
    )
    .default([]),
});

/** A bulletin as validated (before mapping to the Advisory model). */
export type CertfrBulletinJson = z.output<typeof CertfrBulletin>;
