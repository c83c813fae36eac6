/**
 * EPSS parsers: pure functions from a file's text to an {@link EpssDay}. Three layouts, told
 * apart by content (never by file name):
 *
 * - `official`: FIRST's daily file `epss_scores-YYYY-MM-DD.csv.gz` — an optional
 *   `#model_version:…,score_date:…` comment line (absent in 2021 and early 2022), the header
 *   `cve,epss,percentile`, then `CVE-1999-0001,0.00383,0.72779` rows.
 * - `emba`: EMBA's re-packaging of the API, `CVE-ID;epss;percentile` lines, no header, no date.
 * - `api`: one page of the EPSS API JSON, parsed in api.ts.
 */
import path from 'node:path';
import type { EpssDay, EpssScore } from '../../model/vulnerability.ts';
import type { RecordLocation } from '../types.ts';
import { EpssCsvHeader, EpssDate, EpssFileComment, checkEpssRow, explainEpssRow } from './schema.ts';


/** Layouts {@link detectEpssLayout} recognises. */
export type EpssLayout = 'official' | 'emba' | 'api';

/** A rejected row or file, as the source will yield it. */
export interface EpssRejection {
  where: RecordLocation;
  reason: string;
}

/** Result of parsing one CSV-layout file: the day, or `null` when the whole file is rejected. */
export interface EpssFileResult {
  day: EpssDay | null;
  rejected: EpssRejection[];
  /** Things worth a log line that reject nothing (e.g. `--date` ignored). */
  warnings: string[];
}

/** Options of the CSV parsers. */
export interface EpssParseOptions {
  /** Score date for files that carry none (`--date`), `YYYY-MM-DD`. */
  date?: string;
}

/** Per file, rows rejected one by one before the rest are summed up in one last rejection. */
export const MAX_ROW_REJECTIONS = 100;

/** Tells the layout of an EPSS file from its first line, or `null` when it is none of them. */
export function detectEpssLayout(text: string): EpssLayout | null {
  const start = text.charCodeAt(0) === 0xfeff ? 1 : 0;
  const first = text.slice(start, start + 200).trimStart();
  if (first.startsWith('{')) return 'api';
  if (first.startsWith('#model_version') || /^cve,/i.test(first)) return 'official';
  if (/^CVE-\d{4}-\d+;/.test(first)) return 'emba';
  return null;
}

/** The first `YYYY-MM-DD` in a file's base name, if any (`epss_scores-2025-03-14.csv.gz`). */
export function dateFromFileName(file: string): string | undefined {
  const m = /(\d{4}-\d{2}-\d{2})/.exec(path.basename(file));
  return m && EpssDate.safeParse(m[1]).success ? m[1] : undefined;
}

/**
 * Parses an official FIRST daily file or an EMBA `;` file (detected from content).
 * Date: the comment line's `score_date` when there is one; otherwise `options.date`, otherwise
 * a `YYYY-MM-DD` in the file name; none of these rejects the file. A day is all or nothing at
 * file level (bad header, no date, no valid row → `day: null`), row by row inside (a bad row
 * is rejected by line number and field, the others are kept; duplicates keep the first row).
 */
export function parseEpssCsv(text: string, origin: string, options: EpssParseOptions = {}): EpssFileResult {
  const layout = detectEpssLayout(text);
  if (layout !== 'official' && layout !== 'emba') {
    return fileRejected(origin, layout === 'api' ? 'EPSS API JSON given to the CSV parser' : 'not an EPSS file: expected "#model_version:…", "cve,epss,percentile" or "CVE-…;epss;percentile" on the first line');
  }
  const warnings: string[] = [];
  let pos = text.charCodeAt(0) === 0xfeff ? 1 : 0;
  let lineNo = 0;
  let modelVersion: string | null = null;
  let date: string | undefined;
  const nextLine = (): string => {
    const nl = text.indexOf('\n', pos);
    const end = nl < 0 ? text.length : nl;
    const line = text.slice(pos, end).replace(/\r$/, '');
    pos = end + 1;
    lineNo++;
    return line;
  };
  if (layout === 'official') {
    let line = nextLine();
    if (line.startsWith('#')) {
      const comment = EpssFileComment.safeParse(line);
      if (!comment.success) return fileRejected(origin, `line 1: bad comment line "${line.slice(0, 80)}": ${comment.error.issues[0]?.message}`, 'score_date');
      ({ modelVersion, scoreDate: date } = comment.data);
      if (options.date && options.date !== date) warnings.push(`${origin}: --date ${options.date} ignored, the file says score_date ${date}`);
      line = nextLine();
    }
    const header = EpssCsvHeader.safeParse(line);
    if (!header.success) return fileRejected(origin, `line ${lineNo}: ${header.error.issues[0]?.message} (found "${line.slice(0, 80)}")`, 'header');
  }
  date ??= options.date ?? dateFromFileName(origin);
  if (!date) return fileRejected(origin, 'no score date: the file carries none and its name has no YYYY-MM-DD; pass --date YYYY-MM-DD', 'date');

  const sep = layout === 'emba' ? ';' : ',';
  const { scores, rejected } = parseRows(text, pos, lineNo, sep, origin);
  if (scores.length === 0) {
    return { day: null, rejected: [...rejected, { where: { origin }, reason: 'no valid EPSS row: file rejected' }], warnings };
  }
  return { day: { date, modelVersion, scores }, rejected, warnings };
}

/**
 * A CVE id's digits (year, then number) read as one integer: unique to the id while it fits a
 * double exactly (≤ 15 digits; years start with 1 or 2, so no leading zero is lost). Longer ids
 * get `NaN` and are checked by string. Numbers sort and compare far faster than 360k strings hash.
 */
function cveKey(cveId: string): number {
  if (cveId.length > 20) return Number.NaN;
  let key = 0;
  for (let i = 4; i < cveId.length; i++) {
    const c = cveId.charCodeAt(i);
    if (c !== 45) key = key * 10 + (c - 48);
  }
  return key;
}

/**
 * Drops the second and later rows of a CVE id, rejecting each by line. Sorting a copy of the
 * keys finds whether there is any duplicate at all (almost never) before any per-row work.
 */
function dropDuplicates(scores: EpssScore[], keys: number[], lines: number[], reject: (lineNo: number, field: string, reason: string) => void): EpssScore[] {
  const sorted = Float64Array.from(keys).sort();
  const dupKeys = new Set<number>();
  for (let i = 1; i < sorted.length; i++) if (sorted[i] === sorted[i - 1]) dupKeys.add(sorted[i] as number);
  const long = new Set<string>();
  let longDup = false;
  for (let i = 0; i < scores.length; i++) {
    if (Number.isNaN(keys[i])) {
      const id = (scores[i] as EpssScore).cveId;
      if (long.has(id)) longDup = true;
      long.add(id);
    }
  }
  if (dupKeys.size === 0 && !longDup) return scores;
  const seenKeys = new Set<number>();
  const seenLong = new Set<string>();
  return scores.filter((score, i) => {
    const key = keys[i] as number;
    let first: boolean;
    if (Number.isNaN(key)) {
      first = !seenLong.has(score.cveId);
      seenLong.add(score.cveId);
    } else {
      first = !dupKeys.has(key) || !seenKeys.has(key);
      if (dupKeys.has(key)) seenKeys.add(key);
    }
    if (!first) reject(lines[i] as number, 'cve', `${score.cveId} listed twice; the first row is kept`);
    return first;
  });
}

/**
 * The hot loop: walks the text with `indexOf` (no per-line strings or arrays), checks each row
 * with {@link checkEpssRow}, then drops duplicate CVE ids. About 0.5 µs per row in all.
 */
function parseRows(text: string, start: number, linesBefore: number, sep: string, origin: string): { scores: EpssScore[]; rejected: EpssRejection[] } {
  let scores: EpssScore[] = [];
  const keys: number[] = [];
  const lines: number[] = [];
  const rejected: EpssRejection[] = [];
  let dropped = 0;
  const reject = (lineNo: number, field: string, reason: string): void => {
    if (rejected.length < MAX_ROW_REJECTIONS) rejected.push({ where: { origin, record: `line ${lineNo}`, field }, reason });
    else dropped++;
  };
  let pos = start;
  let lineNo = linesBefore;
  while (pos < text.length) {
    let end = text.indexOf('\n', pos);
    if (end < 0) end = text.length;
    lineNo++;
    const lineEnd = text.charCodeAt(end - 1) === 13 ? end - 1 : end;
    if (lineEnd > pos) {
      const s1 = text.indexOf(sep, pos);
      const s2 = s1 >= 0 && s1 < lineEnd ? text.indexOf(sep, s1 + 1) : -1;
      const s3 = s2 >= 0 && s2 < lineEnd ? text.indexOf(sep, s2 + 1) : -1;
      if (s1 < 0 || s1 >= lineEnd || s2 < 0 || s2 >= lineEnd || (s3 >= 0 && s3 < lineEnd)) {
        const found = `"${text.slice(pos, Math.min(lineEnd, pos + 80))}"`;
        if (s1 < 0 || s1 >= lineEnd) reject(lineNo, 'epss', `missing field: expected "cve${sep}epss${sep}percentile", found ${found}`);
        else if (s2 < 0 || s2 >= lineEnd) reject(lineNo, 'percentile', `missing field: expected "cve${sep}epss${sep}percentile", found ${found}`);
        else reject(lineNo, 'percentile', `more than 3 fields: ${found}`);
      } else {
        const cve = text.slice(pos, s1);
        const epss = text.slice(s1 + 1, s2);
        const percentile = text.slice(s2 + 1, lineEnd);
        const score = checkEpssRow(cve, epss, percentile);
        if (score === null) {
          const why = explainEpssRow(cve, epss, percentile);
          reject(lineNo, why.field, why.reason);
        } else {
          scores.push(score);
          keys.push(cveKey(cve));
          lines.push(lineNo);
        }
      }
    }
    pos = end + 1;
  }
  scores = dropDuplicates(scores, keys, lines, reject);
  if (dropped > 0) rejected.push({ where: { origin }, reason: `${dropped} more rows rejected (only the first ${MAX_ROW_REJECTIONS} are listed)` });
  return { scores, rejected };
}

function fileRejected(origin: string, reason: string, field?: string): EpssFileResult {
  return { day: null, rejected: [{ where: field ? { origin, field } : { origin }, reason }], warnings: [] };
}
