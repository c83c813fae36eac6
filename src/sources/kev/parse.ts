/**
 * KEV parsers: pure functions from the text of a CISA KEV feed to a {@link KevCatalog}.
 * Two layouts, told apart by content: the JSON feed (`{title, catalogVersion, dateReleased,
 * count, vulnerabilities[]}`) and the CSV feed (header `cveID,vendorProject,product,…,cwes`).
 */
import path from 'node:path';
import { parse as parseCsv } from 'csv-parse/sync';
import type { z } from 'zod';
import type { KevCatalog, KevEntry } from '../../model/vulnerability.ts';
import type { RecordLocation } from '../types.ts';
import { KevCatalogJson, KevCsvColumns, KevVulnerability } from './schema.ts';


/** A rejected entry or file, as the source will yield it. */
export interface KevRejection {
  where: RecordLocation;
  reason: string;
}

/** Result of parsing one feed: the catalog (bad entries left out), or `null` when the file is rejected whole. */
export interface KevParseResult {
  catalog: KevCatalog | null;
  rejected: KevRejection[];
}

/** `json`, `csv` or `null`, from the first characters. */
export function detectKevLayout(text: string): 'json' | 'csv' | null {
  const head = text.slice(0, 200).trimStart();
  if (head.startsWith('{')) return 'json';
  if (/^"?cveID"?,/.test(head)) return 'csv';
  return null;
}

/** Parses a KEV feed in either layout (see {@link parseKevJson}, {@link parseKevCsv}). */
export function parseKevCatalog(text: string, origin: string): KevParseResult {
  const layout = detectKevLayout(text);
  if (layout === 'json') return parseKevJson(text, origin);
  if (layout === 'csv') return parseKevCsv(text, origin);
  return { catalog: null, rejected: [{ where: { origin }, reason: 'not a KEV feed: expected the JSON catalog or a CSV starting with "cveID,"' }] };
}

/**
 * Parses the JSON feed. Entries failing {@link KevVulnerability} are rejected by cveID and
 * field and left out; a `count` that disagrees with the number of entries listed is reported
 * (field `count`) but keeps the catalog.
 */
export function parseKevJson(text: string, origin: string): KevParseResult {
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (cause) {
    return fileRejected(origin, `not valid JSON (truncated?): ${(cause as Error).message}`);
  }
  const env = KevCatalogJson.safeParse(json);
  if (!env.success) {
    const issue = env.error.issues[0];
    return fileRejected(origin, `not a KEV catalog: ${issue?.path.join('.') || '(root)'}: ${issue?.message}`, issue?.path.join('.'));
  }
  const { catalogVersion, dateReleased, count, vulnerabilities } = env.data;
  const { entries, rejected } = checkEntries(vulnerabilities, origin, (i) => `vulnerabilities[${i}]`);
  if (count !== vulnerabilities.length) {
    rejected.push({ where: { origin, field: 'count' }, reason: `count says ${count} but ${vulnerabilities.length} entries are listed (catalog ${catalogVersion} kept)` });
  }
  return finish({ catalogVersion, dateReleased, entries }, rejected, origin);
}

/**
 * Parses the CSV feed: same fields as columns, `cwes` as `"CWE-20, CWE-77"`. The CSV carries
 * no catalog version or release time, so `catalogVersion` is the `YYYY.MM.DD` in the file name
 * (`known_exploited_vulnerabilities-2025.08.25.csv`) or else the latest `dateAdded`
 * (`2025-08-25` → `2025.08.25`, which is what CISA's version is on the day entries are added),
 * and `dateReleased` is midnight UTC of that date.
 */
export function parseKevCsv(text: string, origin: string): KevParseResult {
  let rows: string[][];
  try {
    rows = parseCsv(text, { bom: true, relax_column_count: true, skip_empty_lines: true }) as string[][];
  } catch (cause) {
    return fileRejected(origin, `malformed CSV: ${(cause as Error).message}`);
  }
  const header = KevCsvColumns.safeParse(rows[0] ?? []);
  if (!header.success) return fileRejected(origin, header.error.issues[0]?.message ?? 'bad header', 'header');
  const columns = header.data;
  const rejected: KevRejection[] = [];
  const items: unknown[] = [];
  const rowNumbers: number[] = [];
  rows.slice(1).forEach((row, i) => {
    if (row.length !== columns.length) {
      rejected.push({ where: { origin, record: row[0] || `row ${i + 1}`, field: columns[Math.min(row.length, columns.length - 1)] }, reason: `row ${i + 1} has ${row.length} fields, the header ${columns.length}` });
      return;
    }
    const o: Record<string, unknown> = {};
    columns.forEach((c, j) => {
      const v = row[j] as string;
      if (c === 'cwes') o[c] = v.split(',').map((s) => s.trim()).filter(Boolean);
      else if (v !== '' || !['knownRansomwareCampaignUse', 'notes'].includes(c)) o[c] = v;
    });
    items.push(o);
    rowNumbers.push(i + 1);
  });
  const checked = checkEntries(items, origin, (i) => `row ${rowNumbers[i]}`);
  rejected.push(...checked.rejected);
  const maxAdded = checked.entries.map((e) => e.dateAdded).sort().at(-1) ?? '';
  const fromName = /(\d{4})[.-](\d{2})[.-](\d{2})/.exec(path.basename(origin));
  const versionDate = fromName ? `${fromName[1]}-${fromName[2]}-${fromName[3]}` : maxAdded;
  if (!versionDate) return { catalog: null, rejected: [...rejected, { where: { origin }, reason: 'no valid KEV entry: catalog not stored' }] };
  const catalog = { catalogVersion: versionDate.replaceAll('-', '.'), dateReleased: `${versionDate}T00:00:00.000Z`, entries: checked.entries };
  return finish(catalog, rejected, origin);
}

/** Checks entries one by one; bad ones and repeated cveIDs are rejected and left out. */
function checkEntries(items: unknown[], origin: string, position: (i: number) => string): { entries: KevEntry[]; rejected: KevRejection[] } {
  const entries: KevEntry[] = [];
  const rejected: KevRejection[] = [];
  const seen = new Set<string>();
  items.forEach((item, i) => {
    const parsed = KevVulnerability.safeParse(item);
    const rawId = typeof item === 'object' && item !== null ? (item as { cveID?: unknown }).cveID : undefined;
    const record = typeof rawId === 'string' && rawId !== '' ? rawId : position(i);
    if (!parsed.success) {
      rejected.push({ where: { origin, record, field: fieldOf(parsed.error.issues) }, reason: `${record} (${position(i)}): ${describeIssues(parsed.error.issues)}` });
      return;
    }
    if (seen.has(parsed.data.cveId)) {
      rejected.push({ where: { origin, record, field: 'cveID' }, reason: `${record} (${position(i)}) listed twice; the first entry is kept` });
      return;
    }
    seen.add(parsed.data.cveId);
    entries.push(parsed.data);
  });
  return { entries, rejected };
}

function finish(catalog: KevCatalog, rejected: KevRejection[], origin: string): KevParseResult {
  if (catalog.entries.length === 0) return { catalog: null, rejected: [...rejected, { where: { origin }, reason: 'no valid KEV entry: catalog not stored' }] };
  return { catalog, rejected };
}

function fieldOf(issues: z.core.$ZodIssue[]): string | undefined {
  const p = issues[0]?.path;
  return p && p.length > 0 ? p.join('.') : undefined;
}

function describeIssues(issues: z.core.$ZodIssue[]): string {
  return issues.map((i) => `${i.path.join('.') || '(entry)'}: ${i.message}`).join('; ');
}

function fileRejected(origin: string, reason: string, field?: string): KevParseResult {
  return { catalog: null, rejected: [{ where: field ? { origin, field } : { origin }, reason }] };
}
