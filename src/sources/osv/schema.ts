/**
 * Schemas for OSV records (Open Source Vulnerability format, https://ossf.github.io/osv-schema/,
 * versions 1.0–1.7) and the live osv settings. The record schema checks what Vigil stores and
 * lets everything else through (`ecosystem_specific`, `credits`, unknown `database_specific`
 * keys): OSV grows fields every minor version and a new field must never reject a record.
 */
import { z } from 'zod';
import { ConfiguredUrl } from '../../net/url-policy.ts';

/** Ecosystems a live sync follows when the config does not say (the eight GitHub reviews most). */
export const DEFAULT_OSV_ECOSYSTEMS = ['npm', 'PyPI', 'Maven', 'Go', 'crates.io', 'NuGet', 'RubyGems', 'Packagist'] as const;

/** Settings of the live osv sync. */
export const OsvConfigSchema = z.object({
  /** osv.dev's public export bucket, or a mirror with the same layout (`<ecosystem>/all.zip`, `modified_id.csv`, `<id>.json`). */
  baseUrl: ConfiguredUrl.default('https://osv-vulnerabilities.storage.googleapis.com'),
  /** OSV ecosystem names, as osv.dev spells them (`PyPI`, `crates.io`, `Packagist`). */
  ecosystems: z
    .array(z.string().trim().min(1))
    .min(1)
    .default([...DEFAULT_OSV_ECOSYSTEMS]),
  /**
   * Most records fetched one by one in an incremental sync; when more changed since the cursor the
   * ecosystem's `all.zip` is downloaded instead (one request instead of thousands).
   */
  maxIncremental: z.number().int().positive().default(5000),
});

/** Live osv settings after defaults. */
export type OsvConfig = z.output<typeof OsvConfigSchema>;

/**
 * An RFC 3339 timestamp normalised to ISO 8601 UTC with milliseconds
 * (`2024-09-10T19:42:33Z` → `2024-09-10T19:42:33.000Z`); a missing zone means UTC. Go vulndb's
 * zero time `0001-01-01T00:00:00Z` is a valid value and kept.
 */
export const IsoTimestamp = z
  .string()
  .transform((s) => (/(?:Z|[+-]\d{2}:?\d{2})$/i.test(s) ? s : `${s}Z`))
  .transform((s, ctx) => {
    const t = Date.parse(s);
    if (Number.isNaN(t)) {
      ctx.addIssue({ code: 'custom', message: `not a date-time: "${s}"` });
      return z.NEVER;
    }
    return new Date(t).toISOString();
  });

/** OSV `affected[].ranges[].events[]`: exactly one of introduced / fixed / last_affected / limit. */
export const OsvEvent = z
  .object({
    introduced: z.string().optional(),
    fixed: z.string().optional(),
    last_affected: z.string().optional(),
    limit: z.string().optional(),
  })
  .refine((e) => [e.introduced, e.fixed, e.last_affected, e.limit].filter((v) => v !== undefined).length === 1, {
    message: 'an event needs exactly one of introduced, fixed, last_affected, limit',
  });

/** OSV `affected[].ranges[]`. */
export const OsvRange = z.object({
  type: z.enum(['ECOSYSTEM', 'SEMVER', 'GIT']),
  repo: z.string().optional(),
  events: z.array(OsvEvent).min(1),
});

/** OSV `affected[]`. `package` is absent for GIT-only entries. */
export const OsvAffected = z.object({
  package: z
    .object({
      ecosystem: z.string().min(1),
      name: z.string().min(1),
      purl: z.string().optional(),
    })
    .optional(),
  ranges: z.array(OsvRange).nullish(),
  versions: z.array(z.string()).nullish(),
});

/** OSV `severity[]` (and `affected[].severity[]`): `score` is a CVSS vector for the CVSS types. */
export const OsvSeverity = z.object({
  type: z.string(),
  score: z.string(),
});

/**
 * One OSV record. Required by the spec: `id`, `modified`; `schema_version` is optional (defaults
 * to 1.0.0). Nullable arrays: some exporters write `null` for an empty list.
 */
export const OsvRecord = z.object({
  schema_version: z.string().optional(),
  /** `GHSA-…`, `GO-2024-1234`, `PYSEC-…`, `RHSA-2024:1234`, `openSUSE-SU-2024:0001-1`: any non-blank text without `/` (ids name files and URLs). */
  id: z.string().regex(/^[^\s/]+$/, 'expected an OSV id such as GHSA-xxxx-xxxx-xxxx or GO-2024-1234'),
  modified: IsoTimestamp,
  published: IsoTimestamp.optional(),
  withdrawn: IsoTimestamp.optional(),
  aliases: z.array(z.string()).nullish(),
  related: z.array(z.string()).nullish(),
  summary: z.string().optional(),
  details: z.string().optional(),
  severity: z.array(OsvSeverity).nullish(),
  affected: z.array(OsvAffected).nullish(),
  references: z.array(z.object({ type: z.string().optional(), url: z.string().min(1) })).nullish(),
  database_specific: z
    .looseObject({
      /** GitHub's word: LOW, MODERATE, HIGH, CRITICAL. */
      severity: z.string().nullish(),
      /** GitHub's CWE list, `CWE-79` form. */
      cwe_ids: z.array(z.string()).nullish(),
    })
    .nullish(),
});

/** A validated OSV record (before mapping to an Advisory). */
export type OsvRecordData = z.output<typeof OsvRecord>;
