/**
 * Pure helpers of the IOC pages (tested in src/web/iocs-model.test.ts): the list's filters and
 * their URL/API queries, dashboard URLs of an indicator, the detail answer read whichever way the
 * server wraps it, counts for the charts, the analysis grouped for display, the predicted severity
 * worded as predicted, and a VirusTotal answer summarised.
 */
import type { AnalysisResult, DocumentAnalysis, Entity, Ioc, IocDetail, IocSighting, SeverityPrediction, StoredIoc } from './types.ts';

/** The indicator list's query as entered (`''`: any). */
export interface IocFilters {
  /** Substring of the value. */
  q: string;
  type: string;
  source: string;
  /** `YYYY-MM-DD`: last seen on or after. */
  since: string;
  /** `'1'` only warninglisted, `'0'` only not warninglisted, `''` both. */
  warning: '' | '0' | '1';
}

/** The filters of a dashboard URL's query. */
export function iocFiltersOf(q: URLSearchParams): IocFilters {
  const w = q.get('warning');
  return {
    q: q.get('q') ?? '',
    type: q.get('type') ?? '',
    source: q.get('source') ?? '',
    since: q.get('since') ?? '',
    warning: w === '1' || w === 'true' ? '1' : w === '0' || w === 'false' ? '0' : '',
  };
}

/** The API's (and the dashboard URL's) query of the filters: trimmed, `warning` as `true`/`false`. */
export function iocQuery(f: IocFilters): Record<string, string> {
  return {
    q: f.q.trim(),
    type: f.type,
    source: f.source.trim().toLowerCase(),
    since: f.since,
    warning: f.warning === '1' ? 'true' : f.warning === '0' ? 'false' : '',
  };
}

/** The dashboard path of one indicator below `/ui` (`/iocs/domain/evil.example.com`): the value is one encoded path segment. */
export function iocPath(type: string, value: string): string {
  return `/iocs/${encodeURIComponent(type)}/${encodeURIComponent(value)}`;
}

/** The API path of one indicator. */
export function iocApiPath(type: string, value: string): string {
  return `/api/v1/iocs/${encodeURIComponent(type)}/${encodeURIComponent(value)}`;
}

/**
 * The detail answer, whether the server sends `{ioc, sightings: [...]}` or the indicator's fields
 * with its sightings (`{...StoredIoc, sightings: [...]}`, the count then being their number or
 * `sightingCount`).
 * @throws {Error} when the body is neither.
 */
export function iocDetailOf(body: unknown): IocDetail {
  const o = (body ?? {}) as Record<string, unknown>;
  if (o.ioc && typeof o.ioc === 'object') return { ioc: o.ioc as StoredIoc, sightings: Array.isArray(o.sightings) ? (o.sightings as IocSighting[]) : [] };
  if (typeof o.type === 'string' && typeof o.value === 'string') {
    const list = Array.isArray(o.sightings) ? (o.sightings as IocSighting[]) : Array.isArray(o.sightingList) ? (o.sightingList as IocSighting[]) : [];
    const count = typeof o.sightings === 'number' ? o.sightings : typeof o.sightingCount === 'number' ? o.sightingCount : list.length;
    return { ioc: { ...(o as unknown as StoredIoc), sightings: count }, sightings: list };
  }
  throw new Error('the server answered an indicator in an unknown shape');
}

/** Counts per key, largest first (ties by key). */
export function countBy<T>(items: readonly T[], key: (t: T) => string): [string, number][] {
  const m = new Map<string, number>();
  for (const it of items) m.set(key(it), (m.get(key(it)) ?? 0) + 1);
  return [...m.entries()].sort((a, b) => b[1] - a[1] || a[0].localeCompare(b[0]));
}

/** Sightings per month (`YYYY-MM`), oldest first, months without sightings included (a gap is information). */
export function sightingsPerMonth(sightings: readonly Pick<IocSighting, 'seen'>[]): [string, number][] {
  const months = sightings.map((s) => s.seen.slice(0, 7)).filter((m) => /^\d{4}-\d{2}$/.test(m));
  if (!months.length) return [];
  const counts = new Map<string, number>();
  for (const m of months) counts.set(m, (counts.get(m) ?? 0) + 1);
  const sorted = [...counts.keys()].sort();
  const out: [string, number][] = [];
  let [y, mo] = sorted[0]!.split('-').map(Number) as [number, number];
  const last = sorted[sorted.length - 1]!;
  for (let guard = 0; guard < 600; guard++) {
    const key = `${y}-${String(mo).padStart(2, '0')}`;
    out.push([key, counts.get(key) ?? 0]);
    if (key === last) break;
    mo++;
    if (mo > 12) {
      mo = 1;
      y++;
    }
  }
  return out;
}

/** One row per distinct indicator (type + value) in order of appearance, with its count and the defanged forms the text used. */
export function distinctIocs(iocs: readonly Ioc[]): { ioc: Ioc; count: number; originals: string[] }[] {
  const rows = new Map<string, { ioc: Ioc; count: number; originals: string[] }>();
  for (const ioc of iocs) {
    const key = `${ioc.type}\0${ioc.value}`;
    let row = rows.get(key);
    if (!row) {
      row = { ioc, count: 0, originals: [] };
      rows.set(key, row);
    }
    row.count++;
    if (ioc.original.toLowerCase() !== ioc.value.toLowerCase() && !row.originals.includes(ioc.original)) row.originals.push(ioc.original);
  }
  return [...rows.values()];
}

/** A distinct entity of one type: its text as first written, where it came from and how often. */
export interface EntityChip {
  text: string;
  source: Entity['source'];
  id?: string;
  count: number;
}

/** Entities grouped by type (types in order of first appearance), each distinct text (case-insensitive) and source once. */
export function entityGroups(entities: readonly Entity[]): [type: string, chips: EntityChip[]][] {
  const groups = new Map<string, Map<string, EntityChip>>();
  for (const e of entities) {
    let g = groups.get(e.type);
    if (!g) {
      g = new Map();
      groups.set(e.type, g);
    }
    const key = `${e.text.toLowerCase()}\0${e.source}`;
    const seen = g.get(key);
    if (seen) seen.count++;
    else g.set(key, { text: e.text, source: e.source, ...(e.id ? { id: e.id } : {}), count: 1 });
  }
  return [...groups.entries()].map(([t, g]) => [t, [...g.values()]]);
}

/** `Predicted: HIGH (0.93, model severity@2)`, or the model's abstention. Never worded as NVD's. */
export function severityText(s: SeverityPrediction | null, missing: readonly string[] = []): string {
  if (!s) return missing.includes('severity') ? 'Not predicted: the severity model is not trained' : 'Not predicted';
  const p = s.probability.toFixed(2);
  return s.label ? `Predicted: ${s.label} (${p}, model ${s.model})` : `Predicted: none — the model abstains (${p}, model ${s.model})`;
}

/** `name@version` of each model used, with its training day. */
export function modelNames(r: Pick<AnalysisResult, 'models'>): string[] {
  return r.models.used.map((m) => `${m.name}@${m.version}`);
}

/** Indicator types VirusTotal can look up (the server's `VT_TYPES`, src/virustotal/client.ts). */
export const VT_LOOKUP_TYPES: readonly string[] = ['md5', 'sha1', 'sha256', 'url', 'domain', 'ipv4', 'ipv6'];

/** What the VirusTotal panel shows of a look-up. Counts are engines; dates ISO 8601. */
export interface VtSummary {
  malicious: number;
  suspicious: number;
  harmless: number;
  undetected: number;
  reputation: number | null;
  lastAnalysis: string | null;
  tags: string[];
  /** The indicator's page on virustotal.com, when the server gives it. */
  link: string | null;
  /** When VirusTotal was asked, and whether the answer came from the server's cache. */
  fetched: string | null;
  cached: boolean;
}

const num = (o: Record<string, unknown>, k: string) => (typeof o[k] === 'number' ? (o[k] as number) : 0);
const strings = (v: unknown) => (Array.isArray(v) ? v.filter((t): t is string => typeof t === 'string') : []);

/**
 * The verdict counts, reputation, last analysis date and tags of a look-up: Vigil's answer
 * (`{found, stats, reputation, lastAnalysisDate, tags, link, fetched, cached}`), or a raw VirusTotal
 * API v3 object (`data.attributes`, also wrapped as a cached `{body}`); null when VirusTotal does
 * not know the indicator.
 */
export function vtSummary(answer: unknown): VtSummary | null {
  const top = (answer ?? null) as Record<string, unknown> | null;
  if (!top || typeof top !== 'object') return null;
  if ('found' in top) {
    if (top.found !== true) return null;
    const stats = (top.stats ?? {}) as Record<string, unknown>;
    return {
      malicious: num(stats, 'malicious'),
      suspicious: num(stats, 'suspicious'),
      harmless: num(stats, 'harmless'),
      undetected: num(stats, 'undetected'),
      reputation: typeof top.reputation === 'number' ? top.reputation : null,
      lastAnalysis: typeof top.lastAnalysisDate === 'string' ? top.lastAnalysisDate : null,
      tags: strings(top.tags),
      link: typeof top.link === 'string' ? top.link : null,
      fetched: typeof top.fetched === 'string' ? top.fetched : null,
      cached: top.cached === true,
    };
  }
  let o: Record<string, unknown> | null = top;
  if ('body' in o && !('data' in o)) o = o.body as Record<string, unknown> | null;
  const attrs = ((o?.data as Record<string, unknown> | undefined)?.attributes ?? null) as Record<string, unknown> | null;
  if (!attrs) return null;
  const stats = (attrs.last_analysis_stats ?? {}) as Record<string, unknown>;
  const date = typeof attrs.last_analysis_date === 'number' ? new Date(attrs.last_analysis_date * 1000).toISOString() : null;
  return {
    malicious: num(stats, 'malicious'),
    suspicious: num(stats, 'suspicious'),
    harmless: num(stats, 'harmless'),
    undetected: num(stats, 'undetected'),
    reputation: typeof attrs.reputation === 'number' ? attrs.reputation : null,
    lastAnalysis: date,
    tags: strings(attrs.tags),
    link: null,
    fetched: null,
    cached: false,
  };
}

/** An indicator kind as words (`sha256` → `SHA-256`). */
export function typeLabel(type: string): string {
  const names: Record<string, string> = {
    ipv4: 'IPv4',
    ipv6: 'IPv6',
    cidr: 'CIDR',
    url: 'URL',
    md5: 'MD5',
    sha1: 'SHA-1',
    sha256: 'SHA-256',
    sha512: 'SHA-512',
    cve: 'CVE',
    attack: 'ATT&CK',
    asn: 'ASN',
    btc: 'Bitcoin',
    xmr: 'Monero',
  };
  return names[type] ?? type;
}

/**
 * The stored analysis of an intel document answer (`GET /api/v1/intel/{id}`), whether the server
 * nests it (`analysis: {analysis, analysed}`) or puts it beside its date (`analysis`, `analysed`);
 * null before the document is analysed.
 */
export function documentAnalysisOf(doc: object): DocumentAnalysis | null {
  const o = doc as { analysis?: unknown; analysed?: unknown };
  const a = o.analysis as Record<string, unknown> | null | undefined;
  if (!a || typeof a !== 'object') return null;
  if (a.analysis && typeof a.analysis === 'object') return { analysis: a.analysis as AnalysisResult, analysed: String(a.analysed ?? '') };
  if (Array.isArray(a.iocs)) return { analysis: a as unknown as AnalysisResult, analysed: typeof o.analysed === 'string' ? o.analysed : '' };
  return null;
}
