/**
 * Schemas for the CISA Known Exploited Vulnerabilities catalog
 * (https://www.cisa.gov/known-exploited-vulnerabilities-catalog), after CISA's own JSON Schema
 * (https://www.cisa.gov/sites/default/files/feeds/known_exploited_vulnerabilities_schema.json).
 * The catalog is small (≈1,400 entries), so every entry crosses zod.
 */
import { z } from 'zod';
import { ConfiguredUrl } from '../../net/url-policy.ts';
import type { KevEntry } from '../../model/vulnerability.ts';

/** Settings of the live KEV sync. */
export const KevConfigSchema = z.object({
  /** The JSON feed (the CSV feed's URL works too: the layout is told by content). */
  url: ConfiguredUrl.default('https://www.cisa.gov/sites/default/files/feeds/known_exploited_vulnerabilities.json'),
});

/** Live KEV settings after defaults. */
export type KevConfig = z.output<typeof KevConfigSchema>;

/** CISA schema: `^CVE-[0-9]{4}-[0-9]{4,19}$`. */
const CveId = z.string().regex(/^CVE-\d{4}-\d{4,19}$/, 'expected CVE-YYYY-NNNN');
/** CISA schema: `^CWE-([0-9])+$`. */
const CweId = z.string().regex(/^CWE-\d+$/, 'expected CWE-NNN');
const Text = z.string().trim().min(1, 'empty');

/**
 * One catalog entry (`vulnerabilities[]`, or one CSV row). Required as in CISA's schema:
 * cveID, vendorProject, product, vulnerabilityName, dateAdded, shortDescription,
 * requiredAction, dueDate (vendorProject and product must also be non-empty: alerts match on
 * them). Optional there and defaulted here (older catalogs lack them):
 * `knownRansomwareCampaignUse` → `Unknown`, `notes` → `''`, `cwes` → `[]`.
 */
export const KevVulnerability = z
  .object({
    cveID: CveId,
    vendorProject: Text,
    product: Text,
    vulnerabilityName: z.string(),
    dateAdded: z.iso.date(),
    shortDescription: z.string(),
    requiredAction: z.string(),
    dueDate: z.iso.date(),
    knownRansomwareCampaignUse: z.enum(['Known', 'Unknown']).default('Unknown'),
    notes: z.string().default(''),
    cwes: z.array(CweId).default([]),
  })
  .transform(
    (v): KevEntry => ({
      cveId: v.cveID,
      vendorProject: v.vendorProject,
      product: v.product,
      vulnerabilityName: v.vulnerabilityName,
      dateAdded: v.dateAdded,
      shortDescription: v.shortDescription,
      requiredAction: v.requiredAction,
      dueDate: v.dueDate,
      knownRansomwareCampaignUse: v.knownRansomwareCampaignUse,
      notes: v.notes,
      cwes: v.cwes,
    }),
  );

/** `2025-08-25T17:04:19.9796Z` → `2025-08-25T17:04:19.979Z` (UTC, milliseconds; a missing zone means UTC). */
const IsoTimestamp = z
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

/**
 * The JSON feed's envelope. `vulnerabilities` items are checked one by one with
 * {@link KevVulnerability} so that a bad entry is dropped and reported, never sinking the catalog.
 */
export const KevCatalogJson = z.object({
  title: z.string().optional(),
  /** `YYYY.MM.DD`, the release date; several releases a day get the same version. */
  catalogVersion: z.string().regex(/^\d{4}\.\d{2}\.\d{2}/, 'expected YYYY.MM.DD'),
  dateReleased: IsoTimestamp,
  count: z.number().int().nonnegative(),
  vulnerabilities: z.array(z.unknown()),
});

/** The CSV feed's columns that must be present (the header row, in any order). */
export const KevCsvColumns = z
  .array(z.string())
  .refine((cols) => ['cveID', 'vendorProject', 'product', 'dateAdded', 'dueDate'].every((c) => cols.includes(c)), {
    message: 'expected a KEV CSV header with at least cveID, vendorProject, product, dateAdded, dueDate',
  });
