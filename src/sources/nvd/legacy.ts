/**
 * The legacy NVD JSON 1.1 feeds (`nvdcve-1.1-YYYY.json.gz`, `-recent`, `-modified`), retired by
 * NVD in 2023 but still the only full-year files many air-gapped sites hold. Schema:
 * https://csrc.nist.gov/schema/nvd/feed/1.1/nvd_cve_feed_json_1.1.schema. Each `CVE_Items[]`
 * entry is validated by {@link NvdLegacyCveItem} and normalised by {@link normalizeLegacyCveItem}.
 */
import { z } from 'zod';
import type { CpeMatch, CvssMetric, CvssVersion, VulnObservation } from '../../model/vulnerability.ts';
import { addCwe, checkedCvss, englishText, type FieldProblem, isRejectText, mergeReferences, type NormalizedCve, toCpeMatch, toIso } from './normalize.ts';
import { CveId, LangString, NvdCvssData, NvdSeverity, NvdTimestamp } from './schema.ts';

/** The scorer of every metric in a 1.1 feed: NVD itself (the feeds carry no CNA metrics). */
const NVD_SCORER = 'nvd@nist.gov';

/** A 1.1 `cpe_match[]` entry (`cpe23Uri` is the CPE 2.3 match string; `cpe_name` is not read). */
export const NvdLegacyCpeMatch = z.looseObject({
  vulnerable: z.boolean(),
  cpe23Uri: z.string(),
  versionStartIncluding: z.string().optional(),
  versionStartExcluding: z.string().optional(),
  versionEndIncluding: z.string().optional(),
  versionEndExcluding: z.string().optional(),
});

/** A 1.1 configuration node: CPE matches and nested `children` nodes joined by `operator`. */
export interface NvdLegacyNode {
  operator?: string | undefined;
  children?: unknown[] | undefined;
  cpe_match?: z.output<typeof NvdLegacyCpeMatch>[] | undefined;
}

function nodeSchema<C extends z.ZodType<unknown[]>>(children: C) {
  return z.looseObject({ operator: z.string().optional(), children: children.optional(), cpe_match: z.array(NvdLegacyCpeMatch).optional() });
}

/**
 * A 1.1 configuration node and its children, two levels deep (NVD uses one: an AND node over OR
 * children). Deeper levels are validated with this same schema while flattening: a recursive zod
 * schema costs a cycle check on every object and halves validation speed.
 */
export const NvdLegacyNode = nodeSchema(z.array(nodeSchema(z.array(z.unknown()))));

/** One `CVE_Items[]` entry of a 1.1 feed (compiled: see schema.ts on `.validate()`). */
export const NvdLegacyCveItem = z.compile(
  z.looseObject({
    cve: z.looseObject({
      CVE_data_meta: z.looseObject({ ID: CveId, ASSIGNER: z.string().optional() }),
      problemtype: z.looseObject({ problemtype_data: z.array(z.looseObject({ description: z.array(LangString) })) }).optional(),
      references: z.looseObject({ reference_data: z.array(z.looseObject({ url: z.string(), tags: z.array(z.string()).optional() })) }).optional(),
      description: z.looseObject({ description_data: z.array(LangString) }),
    }),
    configurations: z.looseObject({ nodes: z.array(NvdLegacyNode) }).optional(),
    impact: z
      .looseObject({
        baseMetricV3: z.looseObject({ cvssV3: NvdCvssData }).optional(),
        baseMetricV2: z.looseObject({ cvssV2: NvdCvssData, severity: NvdSeverity.optional() }).optional(),
      })
      .optional(),
    publishedDate: NvdTimestamp,
    lastModifiedDate: NvdTimestamp,
  }),
);
export type NvdLegacyCveItem = z.output<typeof NvdLegacyCveItem>;

/** Flattens configuration nodes into `out`, validating nodes nested deeper than the schema goes. */
function flattenNodes(nodes: readonly unknown[], field: string, out: CpeMatch[], problems: FieldProblem[], levels: number): void {
  for (let i = 0; i < nodes.length; i++) {
    let node = nodes[i] as NvdLegacyNode;
    let left = levels;
    if (left <= 0) {
      const parsed = NvdLegacyNode.safeParse(node);
      if (!parsed.success) {
        problems.push({ field: `${field}[${i}]`, reason: `configuration node fails the schema: ${parsed.error.issues[0]?.message}` });
        continue;
      }
      node = parsed.data;
      left = 2;
    }
    for (const m of node.cpe_match ?? []) out.push(toCpeMatch(m.cpe23Uri, m));
    if (node.children?.length) flattenNodes(node.children, `${field}[${i}].children`, out, problems, left - 1);
  }
}

function legacyV3Version(version: string): CvssVersion | null {
  return version === '3.0' || version === '3.1' ? version : null;
}

/**
 * Normalises one validated 1.1 `CVE_Items[]` entry. The 1.1 format has no `vulnStatus` and no
 * KEV fields; rejection shows only as a `** REJECT **` description. A malformed CVSS vector drops
 * that metric only and is reported in `problems`.
 */
export function normalizeLegacyCveItem(item: NvdLegacyCveItem): NormalizedCve {
  const problems: FieldProblem[] = [];
  const { cve } = item;
  const description = englishText(cve.description.description_data);

  const cvss: CvssMetric[] = [];
  const v3 = item.impact?.baseMetricV3?.cvssV3;
  if (v3) {
    const version = legacyV3Version(v3.version);
    const field = 'impact.baseMetricV3.cvssV3.vectorString';
    if (!version) problems.push({ field: 'impact.baseMetricV3.cvssV3.version', reason: `not a CVSS 3.x version: "${v3.version}"` });
    else {
      const metric = checkedCvss(
        { version, vector: v3.vectorString, baseScore: v3.baseScore, baseSeverity: v3.baseSeverity, scorer: NVD_SCORER, type: 'Primary', field },
        problems,
      );
      if (metric) cvss.push(metric);
    }
  }
  const v2 = item.impact?.baseMetricV2;
  if (v2) {
    const field = 'impact.baseMetricV2.cvssV2.vectorString';
    const metric = checkedCvss(
      { version: '2.0', vector: v2.cvssV2.vectorString, baseScore: v2.cvssV2.baseScore, baseSeverity: v2.severity, scorer: NVD_SCORER, type: 'Primary', field },
      problems,
    );
    if (metric) cvss.push(metric);
  }

  const cwes: string[] = [];
  const problemTypes = cve.problemtype?.problemtype_data ?? [];
  for (let i = 0; i < problemTypes.length; i++) {
    const descriptions = (problemTypes[i] as (typeof problemTypes)[number]).description;
    for (let j = 0; j < descriptions.length; j++) {
      addCwe(cwes, (descriptions[j] as { value: string }).value, problems, 'cve.problemtype.problemtype_data', i, j);
    }
  }

  const cpeMatches: CpeMatch[] = [];
  if (item.configurations) flattenNodes(item.configurations.nodes, 'configurations.nodes', cpeMatches, problems, 2);

  const observation: VulnObservation = {
    cveId: cve.CVE_data_meta.ID,
    source: 'nvd',
    state: isRejectText(description) ? 'REJECTED' : 'PUBLISHED',
    published: toIso(item.publishedDate),
    lastModified: toIso(item.lastModifiedDate),
    cvss,
    cwes,
    cpeMatches,
    affected: [],
    references: mergeReferences(cve.references?.reference_data ?? []),
  };
  if (cve.CVE_data_meta.ASSIGNER !== undefined) observation.assigner = cve.CVE_data_meta.ASSIGNER;
  if (description !== undefined) observation.description = description;
  return { observation, problems };
}
