/**
 * Parsing GitHub REST advisory JSON: a page (`GET /advisories` answers an array), one advisory
 * (`GET /advisories/{ghsa_id}`), or JSON Lines of advisories, into Advisories or rejections
 * naming the `ghsa_id` and the field that failed.
 */
import { describeIssues, fieldOf, type OsvParseResult } from '../osv/parse.ts';
import type { RecordLocation } from '../types.ts';
import { restToAdvisory } from './normalise.ts';
import { GhsaRestAdvisory } from './schema.ts';

/** Whether the start of a file looks like GitHub REST advisory JSON (a `ghsa_id` key near the start). */
export function looksLikeGhsaRest(head: Buffer): boolean {
  const text = head.toString('utf8').trimStart();
  return /^[[{]/.test(text) && /"ghsa_id"\s*:/.test(text);
}

/** Checks one JSON value as a REST advisory and maps it. */
export function parseGhsaValue(value: unknown, origin: string, source = 'ghsa'): OsvParseResult {
  const parsed = GhsaRestAdvisory.safeParse(value);
  if (parsed.success) return { advisory: restToAdvisory(parsed.data, source) };
  const rawId = typeof value === 'object' && value !== null ? (value as { ghsa_id?: unknown }).ghsa_id : undefined;
  const record = typeof rawId === 'string' && rawId !== '' ? rawId : undefined;
  const field = fieldOf(parsed.error.issues);
  const where: RecordLocation = { origin, ...(record ? { record } : {}), ...(field ? { field } : {}) };
  return { rejection: { where, reason: `${record ?? 'advisory'}: ${describeIssues(parsed.error.issues)}` } };
}

/**
 * Parses REST JSON text: an array of advisories, one advisory, or JSON Lines of them.
 * @returns per record, the advisory or its rejection; text that is not JSON is one rejection.
 */
export function parseGhsaText(text: string, origin: string, source = 'ghsa'): OsvParseResult[] {
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (cause) {
    const lines = text.split('\n').filter((l) => l.trim() !== '');
    if (lines.length > 1 && lines.every((l) => l.trimStart().startsWith('{'))) return lines.map((l, i) => parseLine(l, `${origin}:${i + 1}`, source));
    return [{ rejection: { where: { origin }, reason: `not valid JSON (truncated?): ${(cause as Error).message}` } }];
  }
  if (Array.isArray(json)) return json.map((v, i) => parseGhsaValue(v, `${origin}[${i}]`, source));
  return [parseGhsaValue(json, origin, source)];
}

function parseLine(line: string, origin: string, source: string): OsvParseResult {
  try {
    return parseGhsaValue(JSON.parse(line), origin, source);
  } catch (cause) {
    return { rejection: { where: { origin }, reason: `not valid JSON: ${(cause as Error).message}` } };
  }
}
