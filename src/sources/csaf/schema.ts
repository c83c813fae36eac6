/**
 * Schemas for CSAF 2.0 (https://docs.oasis-open.org/csaf/csaf/v2.0/os/csaf-v2.0-os.html): the
 * document (§3), the provider metadata (§7.1.7) and the ROLIE feed (§7.1.20). They check what
 * Vigil reads and the types of what it reads, and are lenient where the spec is or where real
 * providers stray from it: members the spec makes required but Vigil does not need
 * (`publisher`, `tracking.status`, `revision_history`, …) may be missing; unknown members are
 * ignored; date-times with an offset or more than 3 fraction digits are accepted.
 */
import { z } from 'zod';
import { ConfiguredUrl } from '../../net/url-policy.ts';

/** CISA's provider metadata (https://github.com/cisagov/CSAF README: "CISA CSAF Provider Metadata"). */
export const DEFAULT_PROVIDER = 'https://www.cisa.gov/sites/default/files/csaf/provider-metadata.json';

/** Settings of the live csaf sync. */
export const CsafConfigSchema = z.object({
  /** provider-metadata.json URLs (CSAF §7.1.7), each read for its ROLIE feeds. */
  providers: z.array(ConfiguredUrl).default([DEFAULT_PROVIDER]),
  /** ROLIE feed URLs read as well, without provider metadata (a mirror, a feed the metadata does not list). */
  feeds: z.array(ConfiguredUrl).default([]),
  /** TLP labels of the feeds read (`tlp_label` of §7.1.7); other feeds need credentials Vigil does not have. */
  tlp: z.array(z.string().toUpperCase()).default(['WHITE', 'CLEAR']),
  /** First sync of a feed (no cursor, nothing stored): only entries updated in the last this many days; 0 = the whole feed. */
  initialDays: z.number().int().min(0).default(90),
});

/** Live csaf settings after defaults. */
export type CsafConfig = z.output<typeof CsafConfigSchema>;

/**
 * A CSAF/ROLIE date-time (`2024-10-24T19:23:12.425167Z`, `2025-12-18T11:16:21+00:00`) → ISO 8601
 * UTC with milliseconds. Fraction digits past the third are dropped (JavaScript dates hold ms).
 */
export const CsafDateTime = z.string().transform((s, ctx) => {
  const trimmed = s.trim().replace(/(\.\d{3})\d+/, '$1');
  const withZone = /(?:Z|[+-]\d{2}:?\d{2})$/i.test(trimmed) ? trimmed : `${trimmed}Z`;
  const t = Date.parse(withZone);
  if (Number.isNaN(t)) {
    ctx.addIssue({ code: 'custom', message: `not a date-time: "${s}"` });
    return z.NEVER;
  }
  return new Date(t).toISOString();
});

const Text = z.string();
const NonEmpty = z.string().trim().min(1, 'empty');

/** §3.1.8 `product_identification_helper` (only the members Vigil reads). */
const ProductIdentificationHelper = z.object({ cpe: Text.optional(), purl: Text.optional() });

/** §3.1.3 `full_product_name_t`. */
export const FullProductName = z.object({
  name: Text,
  product_id: NonEmpty,
  product_identification_helper: ProductIdentificationHelper.optional(),
});
export type FullProductName = z.output<typeof FullProductName>;

/** §3.1.2 `branches_t` (recursive): `vendor` → `product_family`/`product_name` → `product_version`/`product_version_range`, …. */
export interface CsafBranch {
  category: string;
  name: string;
  product?: FullProductName;
  branches?: CsafBranch[];
}
export const CsafBranch: z.ZodType<CsafBranch> = z.lazy(() =>
  z.object({
    category: Text,
    name: Text,
    product: FullProductName.optional(),
    branches: z.array(CsafBranch).optional(),
  }),
);

/** §3.2.2 `product_tree`. */
export const ProductTree = z.object({
  branches: z.array(CsafBranch).optional(),
  full_product_names: z.array(FullProductName).optional(),
  relationships: z
    .array(
      z.object({
        category: Text,
        full_product_name: FullProductName,
        product_reference: NonEmpty,
        relates_to_product_reference: NonEmpty,
      }),
    )
    .optional(),
});
export type ProductTree = z.output<typeof ProductTree>;

/** §3.1.5 `notes_t` item. */
const Note = z.object({ category: Text, text: Text, title: Text.optional() });
/** §3.1.7 `references_t` item. */
const Reference = z.object({ url: NonEmpty, category: Text.optional(), summary: Text.optional() });

/** §3.2.3.12 `scores[]` item: CVSS v3.0/v3.1 and v2 objects (FIRST's JSON schemas), only the members Vigil reads. */
const Score = z.object({
  products: z.array(Text).optional(),
  cvss_v3: z.object({ vectorString: NonEmpty, baseScore: z.number().min(0).max(10), baseSeverity: Text.optional() }).optional(),
  cvss_v2: z.object({ vectorString: NonEmpty, baseScore: z.number().min(0).max(10) }).optional(),
});

/** §3.2.3.9 `product_status`: lists of product ids per status. */
export const PRODUCT_STATUSES = [
  'first_affected', 'first_fixed', 'fixed', 'known_affected', 'known_not_affected', 'last_affected', 'recommended', 'under_investigation',
] as const;
const ProductStatus = z.object(Object.fromEntries(PRODUCT_STATUSES.map((s) => [s, z.array(Text).optional()])) as Record<(typeof PRODUCT_STATUSES)[number], z.ZodOptional<z.ZodArray<z.ZodString>>>);

/** §3.2.3 `vulnerabilities[]` item. */
export const CsafVulnerability = z.object({
  /** §3.2.3.2: `^CVE-[0-9]{4}-[0-9]{4,}$`. */
  cve: z.string().regex(/^CVE-\d{4}-\d{4,}$/, 'expected CVE-YYYY-NNNN').optional(),
  /** §3.2.3.3: `^CWE-[1-9]\d{0,5}$`. */
  cwe: z.object({ id: z.string().regex(/^CWE-[1-9]\d*$/, 'expected CWE-NNN'), name: Text.optional() }).optional(),
  title: Text.optional(),
  notes: z.array(Note).optional(),
  product_status: ProductStatus.optional(),
  references: z.array(Reference).optional(),
  remediations: z.array(z.object({ category: Text, details: Text.optional(), url: Text.optional(), date: CsafDateTime.optional() })).optional(),
  scores: z.array(Score).optional(),
});
export type CsafVulnerability = z.output<typeof CsafVulnerability>;

/** A CSAF 2.0 document (§3): `document`, `product_tree`, `vulnerabilities`. */
export const CsafDocument = z.object({
  document: z.object({
    /** §3.2.1.2: `csaf_base`, `csaf_security_advisory`, `csaf_vex`, `csaf_informational_advisory`, … */
    category: NonEmpty,
    /** §3.2.1.5: `2.0` (2.x accepted: 2.1 keeps these members). */
    csaf_version: z.string().regex(/^2\./, 'expected 2.0'),
    title: NonEmpty,
    aggregate_severity: z.object({ text: NonEmpty }).optional(),
    distribution: z.object({ tlp: z.object({ label: Text }).optional() }).optional(),
    notes: z.array(Note).optional(),
    references: z.array(Reference).optional(),
    tracking: z.object({
      id: NonEmpty,
      aliases: z.array(Text).optional(),
      initial_release_date: CsafDateTime,
      current_release_date: CsafDateTime,
      revision_history: z.array(z.object({ date: CsafDateTime, number: Text.optional(), summary: Text.optional() })).optional(),
      status: Text.optional(),
      version: Text.optional(),
    }),
  }),
  product_tree: ProductTree.optional(),
  vulnerabilities: z.array(CsafVulnerability).optional(),
});
export type CsafDocument = z.output<typeof CsafDocument>;

/** A ROLIE link (RFC 8322 / Atom); CISA's IT feed writes `ref` for `rel` on some links, read as `rel`. */
export const RolieLink = z.object({ href: NonEmpty, rel: Text.optional(), ref: Text.optional() });

/** One ROLIE feed entry (§7.1.20): a CSAF document with its links. */
export const RolieEntry = z.object({
  id: NonEmpty,
  title: Text.optional(),
  link: z.array(RolieLink).default([]),
  published: CsafDateTime.optional(),
  updated: CsafDateTime,
  content: z.object({ src: NonEmpty, type: Text.optional() }).optional(),
});
export type RolieEntry = z.output<typeof RolieEntry>;

/** A ROLIE feed (§7.1.20): `{feed: {id, title, updated, link[], entry[]}}`; entries are checked one by one with {@link RolieEntry}. */
export const RolieFeed = z.object({
  feed: z.object({
    id: Text.optional(),
    title: Text.optional(),
    updated: CsafDateTime.optional(),
    link: z.array(RolieLink).default([]),
    entry: z.array(z.unknown()).default([]),
  }),
});

/** provider-metadata.json (§7.1.7), the members §7.3 retrieval reads. */
export const ProviderMetadata = z.object({
  canonical_url: Text.optional(),
  publisher: z.object({ name: Text.optional() }).optional(),
  distributions: z
    .array(
      z.object({
        directory_url: Text.optional(),
        rolie: z.object({ feeds: z.array(z.object({ tlp_label: Text, url: NonEmpty, summary: Text.optional() })) }).optional(),
      }),
    )
    .default([]),
});
export type ProviderMetadata = z.output<typeof ProviderMetadata>;
