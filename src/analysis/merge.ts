/**
 * Joins what each feed says about a CVE into one {@link Vulnerability}, recording which feed
 * supplied each field. Pure and order-independent: the same observations give the same record,
 * whatever order they arrived in.
 *
 * Precedence (documented in docs/merge.md):
 * - state, title, description, published, assigner: the CVE Program record (`cve5`, the CNA's own
 *   words) when present, else NVD. vulnStatus is NVD's. lastModified is the newest of all.
 * - CVSS: every assessment of every feed is kept and scored from its vector. The primary one,
 *   which sets severity and the priority's CVSS factor, is chosen by {@link primaryRank}.
 * - CWEs, references, products: the union of all feeds. CPE applicability comes from NVD.
 *   Products every feed names only as unaffected (no affected version) are `unaffectedProducts`.
 * - SSVC: CISA ADP Vulnrichment's inputs, with CISA's decision for the configured Mission &
 *   Well-being level.
 */
import { parseCpe23 } from '../enrich/cpe.ts';
import { scoreCvss } from '../enrich/cvss.ts';
import { cweName } from '../enrich/cwe.ts';
import { productKey } from '../enrich/product-key.ts';
import { registry } from '../sources/registry.ts';
import type { CpeApplicability, CweRef, ProductRef, Provenance, ScoredCvss, Vulnerability } from '../model/record.ts';
import type { KevHint, RecordSourceId, Reference, VulnObservation } from '../model/vulnerability.ts';
import { affectedStatus } from './affected.ts';
import { ssvcDecision } from './ssvc.ts';

/** Merge settings. */
export interface MergeOptions {
  /** SSVC Mission & Well-being impact of the organisation (default `medium`). */
  missionWellbeing?: 'low' | 'medium' | 'high';
}

/** A problem found while merging, for the import summary and the log. */
export interface MergeIssue {
  cveId: string;
  source: RecordSourceId;
  field: string;
  message: string;
}

/** The merged record and what the merge noticed. */
export interface MergeResult {
  vulnerability: Vulnerability;
  /** KEV facts the feeds carry themselves (used when the KEV catalog lacks the CVE). */
  kevHint: KevHint | null;
  issues: MergeIssue[];
}

/**
 * Rank of a CVSS assessment for the primary choice (lower wins): NVD's own v3.x first, then the
 * CNA's v3.x, then any other v3.x (ADP), then v4.0 (CNA first), then v2.0. v3.x leads because
 * it is still the version most assessments and policies use; v4.0 scores are not comparable.
 */
export function primaryRank(m: ScoredCvss): number {
  const v3 = m.version === '3.1' || m.version === '3.0';
  const minor = m.version === '3.1' ? 0 : 1;
  const nvd = m.source === 'nvd' && m.scorer === 'nvd@nist.gov';
  const cna = m.type === 'Primary';
  if (v3) return (nvd ? 0 : cna ? 2 : 4) + minor;
  if (m.version === '4.0') return cna ? 6 : 7;
  return nvd ? 8 : 9;
}

/**
 * Merge precedence of a record source: its registry `mergePrecedence` (cve5 0, nvd 1). A source
 * the registry gives none ranks after all others, so its data is still merged, never dropped.
 */
function precedence(source: RecordSourceId): number {
  return registry.find((r) => r.source.id === source)?.mergePrecedence ?? Number.MAX_SAFE_INTEGER;
}

/** Observations ordered by merge precedence (then by source id, so the order never depends on arrival). */
function byPrecedence<T extends { source: RecordSourceId }>(items: Iterable<T>): T[] {
  return [...items].sort((a, b) => precedence(a.source) - precedence(b.source) || (a.source < b.source ? -1 : a.source > b.source ? 1 : 0));
}

function pick<K extends keyof VulnObservation>(
  bySource: Map<RecordSourceId, VulnObservation>,
  key: K,
  provenance: Provenance,
  field: keyof Provenance,
): VulnObservation[K] | undefined {
  for (const observation of byPrecedence(bySource.values())) {
    const value = observation[key];
    if (value !== undefined && value !== '') {
      provenance[field] = observation.source;
      return value;
    }
  }
  return undefined;
}

function scoreAll(obs: VulnObservation, issues: MergeIssue[]): ScoredCvss[] {
  const out: ScoredCvss[] = [];
  for (const [i, m] of obs.cvss.entries()) {
    try {
      const s = scoreCvss(m.vector, m.version);
      if (m.baseScore !== null && Math.abs(m.baseScore - s.baseScore) > 0.05) {
        issues.push({
          cveId: obs.cveId,
          source: obs.source,
          field: `cvss[${i}]`,
          message: `${m.scorer} states base score ${m.baseScore} for ${m.vector}, computed ${s.baseScore}`,
        });
      }
      out.push({
        version: s.version,
        vector: m.vector,
        baseScore: s.baseScore,
        baseSeverity: s.baseSeverity,
        statedScore: m.baseScore,
        scorer: m.scorer,
        ...(m.type ? { type: m.type } : {}),
        source: obs.source,
      });
    } catch (err) {
      issues.push({ cveId: obs.cveId, source: obs.source, field: `cvss[${i}].vector`, message: (err as Error).message });
    }
  }
  return out;
}

function mergeCpes(obs: VulnObservation | undefined, issues: MergeIssue[]): CpeApplicability[] {
  if (!obs) return [];
  const out: CpeApplicability[] = [];
  for (const [i, m] of obs.cpeMatches.entries()) {
    try {
      const cpe = parseCpe23(m.criteria);
      out.push({ ...m, vendor: cpe.vendor, product: cpe.product, version: cpe.version });
    } catch (err) {
      issues.push({ cveId: obs.cveId, source: obs.source, field: `cpeMatches[${i}].criteria`, message: (err as Error).message });
    }
  }
  return out;
}

function mergeReferences(observations: VulnObservation[]): Reference[] {
  const byUrl = new Map<string, Set<string>>();
  for (const obs of observations) {
    for (const ref of obs.references) {
      const tags = byUrl.get(ref.url) ?? new Set<string>();
      for (const t of ref.tags) tags.add(t);
      byUrl.set(ref.url, tags);
    }
  }
  return [...byUrl].map(([url, tags]) => ({ url, tags: [...tags].sort() }));
}

/**
 * The products named by vulnerable NVD CPEs and by `affected` entries that are not
 * {@link affectedStatus} `unaffected` (`products`), and those named only as unaffected
 * (`unaffected`), each once by vendor/product key, in the order first named.
 */
function mergeProducts(cpes: CpeApplicability[], affected: Vulnerability['affected']): { products: ProductRef[]; unaffected: ProductRef[] } {
  const named = new Map<string, ProductRef>();
  const affectedKeys = new Set<string>();
  const add = (vendor: string | undefined, product: string | undefined, isAffected: boolean): void => {
    if (!vendor || !product || vendor === 'n/a' || product === 'n/a' || vendor === '*' || product === '*') return;
    const key = `${productKey(vendor)}/${productKey(product)}`;
    if (!named.has(key)) named.set(key, { vendor, product });
    if (isAffected) affectedKeys.add(key);
  };
  for (const a of affected) add(a.vendor, a.product, affectedStatus(a) !== 'unaffected');
  for (const c of cpes) if (c.vulnerable) add(c.vendor, c.product, true);
  const products: ProductRef[] = [];
  const unaffected: ProductRef[] = [];
  for (const [key, p] of named) (affectedKeys.has(key) ? products : unaffected).push(p);
  return { products, unaffected };
}

/**
 * The products of one CVE's observations exactly as {@link mergeVulnerability} sets `products`
 * and `unaffectedProducts`, without the rest of the merge (no CVSS scoring): for re-indexing.
 */
export function mergedProducts(observations: VulnObservation[]): { products: ProductRef[]; unaffected: ProductRef[] } {
  const ordered = byPrecedence(new Map(observations.map((o) => [o.source, o] as const)).values());
  const affected = ordered.flatMap((o) => o.affected.map((a) => ({ ...a, source: o.source })));
  return mergeProducts(mergeCpes(ordered.find((o) => o.source === 'nvd'), []), affected);
}

/**
 * Merges the observations of one CVE (at most one per feed).
 * @throws {Error} when `observations` is empty or mixes CVE ids (a caller bug).
 */
export function mergeVulnerability(observations: VulnObservation[], options: MergeOptions = {}): MergeResult {
  const first = observations[0];
  if (!first || observations.some((o) => o.cveId !== first.cveId)) throw new Error('mergeVulnerability needs observations of one CVE');
  const bySource = new Map(observations.map((o) => [o.source, o] as const));
  const ordered = byPrecedence(bySource.values());
  const provenance: Provenance = {};
  const issues: MergeIssue[] = [];

  const cvss = ordered.flatMap((o) => scoreAll(o, issues));
  const primaryCvss = cvss.reduce<ScoredCvss | null>((best, m) => (best === null || primaryRank(m) < primaryRank(best) ? m : best), null);
  if (primaryCvss) provenance.severity = primaryCvss.source;

  const cweSources = new Map<string, RecordSourceId[]>();
  for (const o of ordered) for (const id of o.cwes) cweSources.set(id, [...(cweSources.get(id) ?? []), o.source]);
  const cwes: CweRef[] = [...cweSources].map(([id, sources]) => {
    const name = cweName(id);
    return name ? { id, name, sources } : { id, sources };
  });

  const cpes = mergeCpes(bySource.get('nvd'), issues);
  const affected = ordered.flatMap((o) => o.affected.map((a) => ({ ...a, source: o.source })));
  const products = mergeProducts(cpes, affected);

  const lastModified = ordered.map((o) => o.lastModified).sort().at(-1) as string; // ISO 8601 sorts as text
  provenance.lastModified = ordered.find((o) => o.lastModified === lastModified)?.source;

  const ssvcInputs = pick(bySource, 'ssvc', provenance, 'ssvc');
  const missionWellbeing = options.missionWellbeing ?? 'medium';
  const ssvc = ssvcInputs ? { ...ssvcInputs, missionWellbeing, decision: ssvcDecision(ssvcInputs, missionWellbeing).decision } : null;

  const kevHint = ordered.map((o) => o.kev).find((k) => k !== undefined) ?? null;
  const vulnerability: Vulnerability = {
    id: first.cveId,
    state: pick(bySource, 'state', provenance, 'state') ?? 'PUBLISHED',
    ...optional('vulnStatus', bySource.get('nvd')?.vulnStatus),
    ...optional('assigner', pick(bySource, 'assigner', provenance, 'assigner')),
    ...optional('title', pick(bySource, 'title', provenance, 'title')),
    ...optional('description', pick(bySource, 'description', provenance, 'description')),
    ...optional('published', pick(bySource, 'published', provenance, 'published')),
    lastModified,
    cvss,
    primaryCvss,
    severity: primaryCvss?.baseSeverity ?? null,
    cwes,
    cpes,
    affected,
    products: products.products,
    unaffectedProducts: products.unaffected,
    references: mergeReferences(ordered),
    ssvc,
    provenance,
    sources: ordered.map((o) => ({ source: o.source, lastModified: o.lastModified, ...optional('vulnStatus', o.vulnStatus) })),
  };
  if (bySource.get('nvd')?.vulnStatus) provenance.vulnStatus = 'nvd';
  return { vulnerability, kevHint, issues };
}

function optional<K extends string, V>(key: K, value: V | undefined): { [P in K]?: V } {
  return (value === undefined ? {} : { [key]: value }) as { [P in K]?: V };
}
