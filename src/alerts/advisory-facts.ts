/**
 * The facts of `advisory` and `exploit` alerts: the advisory as the alert describes it
 * ({@link AlertAdvisory}), the page people open (for CERT-FR the ANSSI bulletin page), the
 * message facts when the alert's subject is the advisory itself, and the threshold inputs of an
 * advisory (the strongest of the CVE records it names, else its own severity word and CVSS).
 */
import { productKey } from '../enrich/product-key.ts';
import type { Advisory } from '../model/advisory.ts';
import type { AlertAdvisory, AlertFacts } from '../model/alert.ts';
import type { VulnerabilityView } from '../model/record.ts';
import type { Severity } from '../model/vulnerability.ts';
import { factsFromView } from './facts.ts';
import { severityRank, type ThresholdFacts } from './thresholds.ts';

/** CVE ids an {@link AlertAdvisory} keeps (a CERT-FR bulletin can name 1,900). */
const MAX_CVES = 50;

/** Section of the ANSSI site for each CERT-FR document type in a reference (`CERTFR-2026-AVI-0049`). */
const CERTFR_SECTIONS: Readonly<Record<string, string>> = { AVI: 'avis', ALE: 'alerte', ACT: 'actualite', CTI: 'cti', IOC: 'ioc', DUR: 'dur' };

/**
 * The page of an advisory for people: for a CERT-FR reference the ANSSI bulletin page
 * (`https://www.cert.ssi.gouv.fr/avis/CERTFR-2026-AVI-0049/`, alerts under `/alerte/`), else the
 * advisory's own `url`, else `null`.
 * @example advisoryPage({ id: 'CERTFR-2026-AVI-0049', source: 'certfr' }) // 'https://www.cert.ssi.gouv.fr/avis/CERTFR-2026-AVI-0049/'
 */
export function advisoryPage(adv: Pick<Advisory, 'id' | 'source' | 'url'>): string | null {
  const m = /^(?:CERTFR|CERTA)-\d{4}-([A-Z]{3})-\d+$/.exec(adv.id);
  const section = m ? CERTFR_SECTIONS[m[1] as string] : undefined;
  if (section && (adv.source === 'certfr' || !adv.url)) return `https://www.cert.ssi.gouv.fr/${section}/${adv.id}/`;
  return adv.url ?? null;
}

/** The advisory as an alert carries it; `changes` are the history fields that brought the event. */
export function alertAdvisory(adv: Advisory, changes: string[]): AlertAdvisory {
  const cves = adv.cves.map((c) => c.id);
  return {
    id: adv.id,
    source: adv.source,
    kind: adv.kind,
    title: adv.title,
    url: advisoryPage(adv),
    published: adv.published ?? null,
    modified: adv.modified,
    severity: adv.severity ?? null,
    cves: cves.slice(0, MAX_CVES),
    cveCount: cves.length,
    changes,
    ...(adv.exploit ? { exploit: { verified: adv.exploit.verified, type: adv.exploit.type, platform: adv.exploit.platform } } : {}),
  };
}

/**
 * A severity word as the sources write it, on CVSS's scale: GitHub's `MODERATE` and CSAF's
 * `Important`/`Moderate` included; `null` for words with no such meaning.
 */
export function severityOfWord(word: string | undefined): Severity | null {
  const w = word?.trim().toUpperCase();
  if (!w) return null;
  if (w === 'CRITICAL') return 'CRITICAL';
  if (w === 'HIGH' || w === 'IMPORTANT') return 'HIGH';
  if (w === 'MEDIUM' || w === 'MODERATE') return 'MEDIUM';
  if (w === 'LOW') return 'LOW';
  if (w === 'NONE') return 'NONE';
  return null;
}

/** Severity from a CVSS v3/v4 base score (FIRST CVSS v3.1 §5). */
function severityOfScore(score: number): Severity {
  return score >= 9 ? 'CRITICAL' : score >= 7 ? 'HIGH' : score >= 4 ? 'MEDIUM' : score > 0 ? 'LOW' : 'NONE';
}

/**
 * What an advisory's thresholds are checked against: the strongest facts among the stored CVE
 * records it names (highest severity, CVSS, EPSS, percentile; KEV or ransomware use on any),
 * raised by the advisory's own severity word and CVSS scores.
 */
export function advisoryThresholdFacts(adv: Advisory, views: readonly VulnerabilityView[]): ThresholdFacts {
  const out: ThresholdFacts = { severity: severityOfWord(adv.severity), cvssScore: null, epss: null, percentile: null, kev: false, ransomware: false };
  const max = (a: number | null, b: number | null | undefined) => (b === null || b === undefined ? a : a === null ? b : Math.max(a, b));
  for (const c of adv.cvss ?? []) if (c.score !== null) out.cvssScore = max(out.cvssScore, c.score);
  for (const v of views) {
    if (severityRank(v.severity) > severityRank(out.severity)) out.severity = v.severity;
    out.cvssScore = max(out.cvssScore, v.primaryCvss?.baseScore);
    out.epss = max(out.epss, v.epss?.score);
    out.percentile = max(out.percentile, v.epss?.percentile);
    out.kev ||= v.kev !== null;
    out.ransomware ||= v.kev?.knownRansomwareCampaignUse === 'Known';
  }
  if (out.severity === null && out.cvssScore !== null) out.severity = severityOfScore(out.cvssScore);
  return out;
}

/** The advisory's products for people: `Vendor Product` or the package name, at most 10, placeholders left out. */
function productsOf(adv: Advisory): string[] {
  const out: string[] = [];
  const seen = new Set<string>();
  for (const a of adv.affected) {
    if (a.status === 'fixed' || a.status === 'not_affected') continue;
    const product = a.product && !/^n\/?a$/i.test(a.product.trim()) ? a.product : (a.packageName ?? a.description);
    const vendor = a.vendor && !/^n\/?a$/i.test(a.vendor.trim()) ? a.vendor : '';
    const name = `${vendor && !product?.toLowerCase().startsWith(vendor.toLowerCase()) ? `${vendor} ` : ''}${product ?? ''}`.trim();
    const key = productKey(name);
    if (!key || seen.has(key)) continue;
    seen.add(key);
    out.push(name.length > 80 ? `${name.slice(0, 79)}…` : name);
    if (out.length === 10) break;
  }
  return out;
}

/**
 * The message facts of an advisory alert. With the record of its subject CVE, that record's
 * facts; otherwise the advisory's (its id in `cveId`, its title and summary, the strongest of the
 * named CVEs' scores). The link is the advisory's page (the ANSSI page for CERT-FR); without one,
 * the dashboard's advisory page (`alerts.linkBase`), else its first reference.
 * @param subjectView the view of the alert's subject CVE, when the subject is a stored CVE.
 * @param views views of the CVEs the advisory names that are stored (for scores).
 * @param linkBase dashboard base URL, if configured.
 */
export function advisoryFacts(adv: Advisory, subjectView: VulnerabilityView | null, views: readonly VulnerabilityView[], linkBase?: string): AlertFacts {
  const link = advisoryPage(adv) ?? (linkBase ? `${linkBase.replace(/\/+$/, '')}/advisories/${encodeURIComponent(adv.id)}` : (adv.references[0]?.url ?? ''));
  if (subjectView) return { ...factsFromView(subjectView, linkBase), link };
  const t = advisoryThresholdFacts(adv, views);
  const top = [...views].sort((x, y) => y.priority.score - x.priority.score)[0];
  const text = adv.summary ?? adv.details ?? null;
  const cvss = top?.primaryCvss ?? null;
  return {
    cveId: adv.id,
    state: adv.withdrawn ? 'WITHDRAWN' : 'PUBLISHED',
    title: adv.title,
    description: text ? text.slice(0, 500) : null,
    published: adv.published ?? null,
    severity: t.severity,
    cvss: cvss ? { score: cvss.baseScore, version: cvss.version, vector: cvss.vector } : null,
    epss: top?.epss ? { score: top.epss.score, percentile: top.epss.percentile, date: top.epss.date } : null,
    kev: top?.kev ? { dateAdded: top.kev.dateAdded, dueDate: top.kev.dueDate || null, ransomware: top.kev.knownRansomwareCampaignUse === 'Known' } : null,
    ssvc: top?.ssvc?.decision ?? null,
    priority: top?.priority.score ?? 0,
    products: productsOf(adv),
    link,
  };
}
