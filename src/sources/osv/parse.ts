/**
 * OSV parsing: telling an input's layout from its first bytes, and turning one JSON value into an
 * Advisory or a rejection naming the record id and the field that failed.
 */
import type { z } from 'zod';
import type { Advisory } from '../../model/advisory.ts';
import type { RecordLocation } from '../types.ts';
import { osvToAdvisory } from './normalise.ts';
import { OsvRecord } from './schema.ts';

/** A rejected record or file, as the source yields it. */
export interface OsvRejection {
  where: RecordLocation;
  reason: string;
}

/** Result of checking one record. */
export type OsvParseResult = { advisory: Advisory; rejection?: undefined } | { advisory?: undefined; rejection: OsvRejection };

/**
 * The layout of an input, from its first bytes (gunzipped when gzip):
 * - `zip`: a zip archive (osv.dev `all.zip`);
 * - `document`: one pretty-printed JSON document (an OSV record, or an array of them);
 * - `lines`: JSON Lines, one record per line (a compact single record reads the same way);
 * - `null`: not OSV: not JSON, a JSON value without an `"id"` key near its start, or GitHub's
 *   REST shape (`ghsa_id`), which the `ghsa` source imports.
 */
export function sniffOsv(head: Buffer): 'zip' | 'document' | 'lines' | null {
  if (head.length >= 4 && head[0] === 0x50 && head[1] === 0x4b && (head[2] === 3 || head[2] === 5)) return 'zip';
  const text = head.toString('utf8').trimStart();
  if (!/^[[{]/.test(text) || !/"id"\s*:/.test(text) || /"ghsa_id"\s*:/.test(text)) return null;
  if (text.startsWith('[')) return 'document';
  const firstLine = text.slice(0, text.indexOf('\n') >>> 0).trim();
  // Pretty-printed JSON opens with a line holding `{` alone; a JSON Lines file's first line is a record.
  return firstLine === '{' ? 'document' : 'lines';
}

/** Why a head is not OSV, for VIGIL_INPUT_FORMAT. */
export function notOsvReason(head: Buffer): string {
  if (/"ghsa_id"\s*:/.test(head.toString('utf8'))) return 'GitHub REST advisory JSON, not OSV: import it with `vigil import ghsa`';
  return 'not OSV: an OSV JSON record (with "id" and "modified"), JSON Lines of them, or an osv.dev all.zip expected';
}

/**
 * Checks one JSON value as an OSV record and maps it.
 * @param origin file path, `file:line`, `zip!entry` or URL, for the rejection.
 * @param source Vigil source id stored with the advisory.
 */
export function parseOsvValue(value: unknown, origin: string, source: string): OsvParseResult {
  const parsed = OsvRecord.safeParse(value);
  if (parsed.success) return { advisory: osvToAdvisory(parsed.data, source) };
  const rawId = typeof value === 'object' && value !== null ? (value as { id?: unknown }).id : undefined;
  const record = typeof rawId === 'string' && rawId !== '' ? rawId : undefined;
  const field = fieldOf(parsed.error.issues);
  const where: RecordLocation = { origin, ...(record ? { record } : {}), ...(field ? { field } : {}) };
  return { rejection: { where, reason: `${record ?? 'record'}: ${describeIssues(parsed.error.issues)}` } };
}

/** Parses JSON text holding one record, or an array of records, into results. */
export function parseOsvText(text: string, origin: string, source: string): OsvParseResult[] {
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (cause) {
    return [{ rejection: { where: { origin }, reason: `not valid JSON (truncated?): ${(cause as Error).message}` } }];
  }
  if (Array.isArray(json)) return json.map((v, i) => parseOsvValue(v, `${origin}[${i}]`, source));
  return [parseOsvValue(json, origin, source)];
}

/** The dotted path of the first issue (`affected.0.ranges.0.type`), if any. */
export function fieldOf(issues: readonly z.core.$ZodIssue[]): string | undefined {
  const p = issues[0]?.path;
  return p && p.length > 0 ? p.join('.') : undefined;
}

/** Issues as one line: `path: message; …` (at most three). */
export function describeIssues(issues: readonly z.core.$ZodIssue[]): string {
  const shown = issues.slice(0, 3).map((i) => `${i.path.join('.') || '(record)'}: ${i.message}`);
  if (issues.length > 3) shown.push(`and ${issues.length - 3} more`);
  return shown.join('; ');
}
