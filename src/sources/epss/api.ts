/**
 * EPSS API JSON pages (https://www.first.org/epss/api, `GET https://api.first.org/data/v1/epss`):
 * each page is parsed on its own, then pages are joined into whole days.
 */
import type { EpssDay, EpssScore } from '../../model/vulnerability.ts';
import type { EpssRejection } from './parse.ts';
import { EpssApiResponse, EpssDate, checkEpssRow, explainEpssRow } from './schema.ts';

/** One page of the EPSS API, its rows checked. */
export interface EpssApiPage {
  origin: string;
  total: number;
  offset: number;
  /** Items on the page, valid or not (for the completeness check). */
  count: number;
  rows: Array<EpssScore & { date: string }>;
}

/**
 * Parses one EPSS API JSON page (`{status, "status-code", version, access, total, offset,
 * limit, data:[{cve, epss:"0.000430000", percentile:"0.120220000", date:"2025-03-14"}]}`).
 * Items are checked with {@link checkEpssRow} plus a `date` check; bad items are rejected by
 * CVE id (or `data[i]`) and field.
 */
export function parseEpssApiPage(text: string, origin: string): { page: EpssApiPage | null; rejected: EpssRejection[] } {
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (cause) {
    return { page: null, rejected: [{ where: { origin }, reason: `not valid JSON: ${(cause as Error).message}` }] };
  }
  const env = EpssApiResponse.safeParse(json);
  if (!env.success) {
    const issue = env.error.issues[0];
    return { page: null, rejected: [{ where: { origin, field: issue?.path.join('.') }, reason: `not an EPSS API response: ${issue?.message}` }] };
  }
  const rows: EpssApiPage['rows'] = [];
  const rejected: EpssRejection[] = [];
  env.data.data.forEach((item, i) => {
    const o = (typeof item === 'object' && item !== null ? item : {}) as Record<string, unknown>;
    const record = typeof o.cve === 'string' ? o.cve : `data[${i}]`;
    const score = checkEpssRow(o.cve, o.epss, o.percentile);
    if (score === null) {
      const why = explainEpssRow(o.cve, o.epss, o.percentile);
      rejected.push({ where: { origin, record, field: why.field }, reason: why.reason });
    } else if (!EpssDate.safeParse(o.date).success) {
      rejected.push({ where: { origin, record, field: 'date' }, reason: `${record}: date ${JSON.stringify(o.date)} is not YYYY-MM-DD` });
    } else rows.push({ ...score, date: o.date as string });
  });
  return { page: { origin, total: env.data.total, offset: env.data.offset, count: env.data.data.length, rows }, rejected };
}

/**
 * Joins API pages into days. Pages with the same `total` form one result set, which must be
 * complete: offsets 0, 0+n₁, … with no gap or overlap, summing to `total`. A complete set gives
 * one day per distinct item `date` (model version unknown: `null`); an incomplete one gives a
 * rejection naming its files and no day, since a day is stored whole or not at all.
 */
export function assembleEpssApiPages(pages: EpssApiPage[]): { days: EpssDay[]; rejected: EpssRejection[] } {
  const days: EpssDay[] = [];
  const rejected: EpssRejection[] = [];
  const sets = new Map<number, EpssApiPage[]>();
  for (const p of pages) sets.set(p.total, [...(sets.get(p.total) ?? []), p]);
  for (const [total, set] of sets) {
    set.sort((a, b) => a.offset - b.offset);
    let expected = 0;
    let problem: string | undefined;
    for (const p of set) {
      if (p.offset !== expected) {
        problem = p.offset > expected ? `rows ${expected}–${p.offset - 1} missing` : `pages overlap at offset ${p.offset}`;
        break;
      }
      expected += p.count;
    }
    if (!problem && expected !== total) problem = `pages hold ${expected} of ${total} rows`;
    const origins = set.map((p) => p.origin).join(', ');
    if (problem) {
      rejected.push({ where: { origin: origins }, reason: `incomplete EPSS API result (${problem}): no day stored from it` });
      continue;
    }
    const byDate = new Map<string, { scores: EpssScore[]; seen: Set<string> }>();
    for (const p of set) {
      for (const { date, ...score } of p.rows) {
        let d = byDate.get(date);
        if (!d) {
          d = { scores: [], seen: new Set() };
          byDate.set(date, d);
        }
        if (d.seen.has(score.cveId)) {
          rejected.push({ where: { origin: p.origin, record: score.cveId, field: 'cve' }, reason: `${score.cveId} listed twice for ${date}; the first is kept` });
          continue;
        }
        d.seen.add(score.cveId);
        d.scores.push(score);
      }
    }
    for (const [date, d] of [...byDate].sort(([a], [b]) => a.localeCompare(b))) days.push({ date, modelVersion: null, scores: d.scores });
  }
  return { days, rejected };
}
