/**
 * Turns validated NVD CVE API 2.0 records into {@link VulnObservation}s, plus the helpers the
 * legacy 1.1 feed normaliser (`legacy.ts`) shares: CWE clean-up, reference merging and CVSS
 * vector checks. Field mapping: see readme.md.
 */
import { cvssSyntaxProblem } from '../../enrich/cvss-syntax.ts';
import type { CpeMatch, CvssMetric, CvssVersion, KevHint, Reference, Severity, VulnObservation } from '../../model/vulnerability.ts';
import { type NvdApiCve, nvdTimestampToIso } from './schema.ts';

/** A field of a record that was dropped (the record itself is kept). */
export interface FieldProblem {
  /** Dotted path inside the record (`metrics.cvssMetricV31[0].cvssData.vectorString`). */
  field: string;
  reason: string;
}

/** A normalised record and what had to be dropped from it. */
export interface NormalizedCve {
  observation: VulnObservation;
  problems: FieldProblem[];
}

const CWE_ID = /^CWE-\d+$/;
const NVD_CWE_PLACEHOLDERS = new Set(['NVD-CWE-noinfo', 'NVD-CWE-Other']);

/**
 * Adds a CWE id to `out` once, skipping NVD's `NVD-CWE-noinfo`/`NVD-CWE-Other` placeholders;
 * anything that is not `CWE-NNN` is reported in `problems` as `<list>[i].description[j].value`.
 */
export function addCwe(out: string[], value: string, problems: FieldProblem[], list: string, i: number, j: number): void {
  if (NVD_CWE_PLACEHOLDERS.has(value)) return;
  if (!CWE_ID.test(value)) problems.push({ field: `${list}[${i}].description[${j}].value`, reason: `not a CWE id: "${value}"` });
  else if (!out.includes(value)) out.push(value);
}

/** Merges references by URL (first occurrence wins the position), with the union of their tags. */
export function mergeReferences(refs: readonly { url: string; tags?: string[] | undefined }[]): Reference[] {
  // Records hold a handful of references, often each URL twice (once per `source`): a linear
  // search beats a Map at that size; long lists (Log4Shell has hundreds) get the Map.
  const out: Reference[] = [];
  const index = refs.length > 64 ? new Map<string, Reference>() : undefined;
  for (const ref of refs) {
    let seen = index?.get(ref.url);
    if (!index) {
      for (const r of out) {
        if (r.url === ref.url) {
          seen = r;
          break;
        }
      }
    }
    if (!seen) {
      const added = { url: ref.url, tags: ref.tags ? dedupe(ref.tags) : [] };
      out.push(added);
      index?.set(ref.url, added);
    } else if (ref.tags) for (const tag of ref.tags) if (!seen.tags.includes(tag)) seen.tags.push(tag);
  }
  return out;
}

function dedupe(values: readonly string[]): string[] {
  const out: string[] = [];
  for (const v of values) if (!out.includes(v)) out.push(v);
  return out;
}

/** An NVD timestamp as ISO 8601 UTC (`2024-04-12T08:15:06.230Z`); validated upstream by `NvdTimestamp`. */
export function toIso(value: string): string {
  return nvdTimestampToIso(value) ?? value;
}

/** The first English text of a `{lang, value}` list. */
export function englishText(list: readonly { lang: string; value: string }[]): string | undefined {
  let fallback: string | undefined;
  for (const d of list) {
    if (d.lang === 'en') return d.value;
    if (fallback === undefined && d.lang.startsWith('en')) fallback = d.value;
  }
  return fallback;
}

/** Whether a description marks a rejected CVE (`** REJECT **`, the 1.1 feeds' only signal). */
export function isRejectText(description: string | undefined): boolean {
  return description?.startsWith('** REJECT **') ?? false;
}

/** Input of {@link checkedCvss}. */
export interface CvssInput {
  version: CvssVersion;
  vector: string;
  baseScore: number;
  baseSeverity?: Severity | undefined;
  scorer: string;
  type?: 'Primary' | 'Secondary' | undefined;
  /** Where the vector sits in the record, for the problem report. */
  field: string;
}

/**
 * Builds a {@link CvssMetric} after checking the vector's syntax against its version.
 * @returns the metric, or `null` (with a problem pushed) when the vector is malformed.
 */
export function checkedCvss(input: CvssInput, problems: FieldProblem[]): CvssMetric | null {
  const problem = cvssSyntaxProblem(input.vector, input.version);
  if (problem) {
    problems.push({ field: input.field, reason: `${problem}: "${input.vector}"` });
    return null;
  }
  const metric: CvssMetric = { version: input.version, vector: input.vector, baseScore: input.baseScore, scorer: input.scorer };
  if (input.baseSeverity) metric.baseSeverity = input.baseSeverity;
  if (input.type) metric.type = input.type;
  return metric;
}

/** Copies a cpeMatch entry into the model, keeping only the bounds that are set. */
export function toCpeMatch(
  criteria: string,
  m: {
    vulnerable: boolean;
    versionStartIncluding?: string | undefined;
    versionStartExcluding?: string | undefined;
    versionEndIncluding?: string | undefined;
    versionEndExcluding?: string | undefined;
  },
): CpeMatch {
  const out: CpeMatch = { criteria, vulnerable: m.vulnerable };
  if (m.versionStartIncluding !== undefined) out.versionStartIncluding = m.versionStartIncluding;
  if (m.versionStartExcluding !== undefined) out.versionStartExcluding = m.versionStartExcluding;
  if (m.versionEndIncluding !== undefined) out.versionEndIncluding = m.versionEndIncluding;
  if (m.versionEndExcluding !== undefined) out.versionEndExcluding = m.versionEndExcluding;
  return out;
}

/** The API 2.0 metric lists, newest CVSS version first. */
const METRIC_KEYS = [
  ['cvssMetricV40', '4.0'],
  ['cvssMetricV31', '3.1'],
  ['cvssMetricV30', '3.0'],
  ['cvssMetricV2', '2.0'],
] as const satisfies readonly (readonly [string, CvssVersion])[];

/**
 * Normalises one validated API 2.0 `cve` object (see `NvdApiCve` in schema.ts).
 * A malformed CVSS vector drops that metric only and is reported in `problems`.
 * @example normalizeNvdCve(NvdApiCve.parse(json)).observation.cvss[0].baseScore // 10
 */
export function normalizeNvdCve(cve: NvdApiCve): NormalizedCve {
  const problems: FieldProblem[] = [];
  const description = englishText(cve.descriptions);

  const cvss: CvssMetric[] = [];
  for (const [key, version] of METRIC_KEYS) {
    const list = cve.metrics?.[key];
    if (!list) continue;
    for (let i = 0; i < list.length; i++) {
      const m = list[i] as (typeof list)[number];
      const input: CvssInput = {
        version,
        vector: m.cvssData.vectorString,
        baseScore: m.cvssData.baseScore,
        baseSeverity: m.cvssData.baseSeverity ?? m.baseSeverity,
        scorer: m.source,
        type: m.type,
        field: `metrics.${key}[${i}].cvssData.vectorString`,
      };
      const metric = checkedCvss(input, problems);
      if (metric) cvss.push(metric);
    }
  }

  const cwes: string[] = [];
  const weaknesses = cve.weaknesses ?? [];
  for (let i = 0; i < weaknesses.length; i++) {
    const descriptions = (weaknesses[i] as (typeof weaknesses)[number]).description;
    for (let j = 0; j < descriptions.length; j++) addCwe(cwes, (descriptions[j] as { value: string }).value, problems, 'weaknesses', i, j);
  }

  const cpeMatches: CpeMatch[] = [];
  for (const conf of cve.configurations ?? []) {
    for (const node of conf.nodes) for (const m of node.cpeMatch) cpeMatches.push(toCpeMatch(m.criteria, m));
  }

  const observation: VulnObservation = {
    cveId: cve.id,
    source: 'nvd',
    state: cve.vulnStatus === 'Rejected' || isRejectText(description) ? 'REJECTED' : 'PUBLISHED',
    published: toIso(cve.published),
    lastModified: toIso(cve.lastModified),
    cvss,
    cwes,
    cpeMatches,
    affected: [],
    references: mergeReferences(cve.references ?? []),
  };
  if (cve.vulnStatus !== undefined) observation.vulnStatus = cve.vulnStatus;
  if (cve.sourceIdentifier !== undefined) observation.assigner = cve.sourceIdentifier;
  if (description !== undefined) observation.description = description;
  if (cve.cisaExploitAdd) {
    const kev: KevHint = { dateAdded: cve.cisaExploitAdd };
    if (cve.cisaActionDue) kev.dueDate = cve.cisaActionDue;
    if (cve.cisaRequiredAction) kev.requiredAction = cve.cisaRequiredAction;
    if (cve.cisaVulnerabilityName) kev.vulnerabilityName = cve.cisaVulnerabilityName;
    observation.kev = kev;
  }
  return { observation, problems };
}
