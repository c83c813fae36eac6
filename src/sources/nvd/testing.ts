/**
 * Test support: a fake NVD CVE API 2.0 ({@link nvdApi}), and a rewrite of a legacy JSON 1.1 `CVE_Items[]` entry as the API 2.0 `cve` object NVD
 * serves for the same CVE, so that live-sync tests can page real feed data through a fake API and
 * compare the result with the offline import of the same feed. Field correspondence follows
 * NVD's 1.1 → 2.0 transition guide (https://nvd.nist.gov/general/news/change-timeline).
 */
import type { ServerResponse } from 'node:http';
import { nvdTimestampToIso } from './index.ts';

const DAY = 86_400_000;
type Cve = Record<string, unknown> & { id: string; lastModified: string };

/** Serves `records` like NVD: filtered by the lastMod window, paged by startIndex/resultsPerPage. */
export function nvdApi(records: () => Cve[], seen: { apiKeys: (string | undefined)[] }) {
  return (req: { headers: Record<string, string | string[] | undefined> }, res: ServerResponse, url: URL): boolean => {
    seen.apiKeys.push(req.headers.apikey as string | undefined);
    const q = url.searchParams;
    const [start, end] = [Date.parse(q.get('lastModStartDate') ?? ''), Date.parse(q.get('lastModEndDate') ?? '')];
    if (Number.isNaN(start) || Number.isNaN(end) || end - start > 120 * DAY || end < start) {
      res.statusCode = 404; // NVD's answer to invalid parameters, with the reason in a header
      res.setHeader('message', 'Invalid lastMod date range');
      res.end();
      return true;
    }
    const startIndex = Number(q.get('startIndex') ?? 0);
    const perPage = Math.min(Number(q.get('resultsPerPage') ?? 2000), 2000);
    const matching = records()
      .filter((r) => {
        const ms = Date.parse(nvdTimestampToIso(r.lastModified) as string);
        return ms >= start && ms <= end;
      })
      .sort((a, b) => a.lastModified.localeCompare(b.lastModified) || a.id.localeCompare(b.id));
    const page = matching.slice(startIndex, startIndex + perPage);
    const body = {
      resultsPerPage: page.length,
      startIndex,
      totalResults: matching.length,
      format: 'NVD_CVE',
      version: '2.0',
      timestamp: '2025-11-01T00:00:00.000',
      vulnerabilities: page.map((cve) => ({ cve })),
    };
    res.statusCode = 200;
    res.setHeader('content-type', 'application/json');
    res.end(JSON.stringify(body));
    return true;
  };
}


interface LegacyMatch {
  vulnerable: boolean;
  cpe23Uri: string;
  [bound: string]: unknown;
}
interface LegacyNode {
  operator?: string;
  children?: LegacyNode[];
  cpe_match?: LegacyMatch[];
}
type CvssBlock = Record<string, unknown> & { version: string };

/** The part of a 1.1 item this conversion reads. */
export interface LegacyItem {
  cve: {
    CVE_data_meta: { ID: string; ASSIGNER?: string };
    problemtype?: { problemtype_data: { description: { lang: string; value: string }[] }[] };
    references?: { reference_data: { url: string; tags?: string[] }[] };
    description: { description_data: { lang: string; value: string }[] };
  };
  configurations?: { nodes: LegacyNode[] };
  impact?: { baseMetricV3?: { cvssV3: CvssBlock }; baseMetricV2?: { cvssV2: CvssBlock; severity?: string } };
  publishedDate: string;
  lastModifiedDate: string;
}

/** `2025-05-19T04:15Z` → `2025-05-19T04:15:00.000` (API 2.0: UTC, no zone). */
function apiTimestamp(value: string): string {
  return value.replace(/Z$/, ':00.000');
}

function apiMatch({ cpe23Uri, cpe_name: _names, ...rest }: LegacyMatch): Record<string, unknown> {
  return { ...rest, criteria: cpe23Uri };
}

/** One API configuration per top-level node: its own matches first, then its children, as nodes. */
function apiConfiguration(node: LegacyNode): Record<string, unknown> {
  const nodes: Record<string, unknown>[] = [];
  if (node.cpe_match?.length) nodes.push({ operator: 'OR', negate: false, cpeMatch: node.cpe_match.map(apiMatch) });
  for (const child of node.children ?? []) nodes.push({ operator: child.operator ?? 'OR', negate: false, cpeMatch: (child.cpe_match ?? []).map(apiMatch) });
  return node.children?.length ? { operator: node.operator, nodes } : { nodes };
}

/** Rewrites a 1.1 item as an API 2.0 `cve` object (no `vulnStatus`: the 1.1 feeds carry none). */
export function api2FromLegacyItem(item: LegacyItem): Record<string, unknown> {
  const { cve } = item;
  const metrics: Record<string, unknown[]> = {};
  const v3 = item.impact?.baseMetricV3?.cvssV3;
  if (v3) metrics[v3.version === '3.0' ? 'cvssMetricV30' : 'cvssMetricV31'] = [{ source: 'nvd@nist.gov', type: 'Primary', cvssData: v3 }];
  const v2 = item.impact?.baseMetricV2;
  if (v2) metrics.cvssMetricV2 = [{ source: 'nvd@nist.gov', type: 'Primary', cvssData: v2.cvssV2, baseSeverity: v2.severity }];
  return {
    id: cve.CVE_data_meta.ID,
    sourceIdentifier: cve.CVE_data_meta.ASSIGNER,
    published: apiTimestamp(item.publishedDate),
    lastModified: apiTimestamp(item.lastModifiedDate),
    descriptions: cve.description.description_data,
    metrics,
    weaknesses: (cve.problemtype?.problemtype_data ?? []).map((p) => ({ source: 'nvd@nist.gov', type: 'Primary', description: p.description })),
    configurations: (item.configurations?.nodes ?? []).map(apiConfiguration),
    references: (cve.references?.reference_data ?? []).map((r) => ({ url: r.url, source: cve.CVE_data_meta.ASSIGNER, tags: r.tags })),
  };
}
