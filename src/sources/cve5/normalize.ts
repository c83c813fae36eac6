/**
 * CVE Record Format 5.x → {@link VulnObservation}, never throwing on bad data.
 * Fast path: `map.ts` checks and maps a good record in one pass.
 * Slow path (anything it refuses): the zod schema finds every issue; items of lenient
 * arrays (a metric with a malformed CVSS vector, a version without a status, …) are dropped and
 * reported by field, and the record kept; any other issue rejects the record, reported by field.
 * Spec: https://github.com/CVEProject/cve-schema (CVE Record Format 5.1).
 */
import type { VulnObservation } from '../../model/vulnerability.ts';
import { BAIL, mapRecord } from './map.ts';
import { Cve5Record } from './schema.ts';

/** A problem found in one field of a record. `field` is a dotted path (`containers.cna.metrics[0]…`). */
export interface FieldProblem {
  field?: string;
  reason: string;
}

/** Result of {@link normalizeCve5Record}. */
export type Cve5Normalized =
  /** The record, possibly without some array items, each listed in `dropped`. */
  | { ok: true; cveId: string; observation: VulnObservation; dropped: FieldProblem[] }
  /** The record is unusable (bad id, state, timestamp, container or type); `cveId` when readable. */
  | { ok: false; cveId?: string; problems: FieldProblem[] };

/** Arrays whose items are dropped one by one when invalid; an issue anywhere else sinks the record. */
const LENIENT_ARRAYS: ReadonlySet<string> = new Set([
  'adp',
  'metrics',
  'affected',
  'versions',
  'references',
  'descriptions',
  'rejectedReasons',
  'problemTypes',
  'cpes',
  'platforms',
  'tags',
]);
const MAX_PRUNING_ROUNDS = 8;

/**
 * Validates one CVE 5.0/5.1 record (a parsed JSON value) and normalises it to a `cve5`
 * {@link VulnObservation}. Never throws on bad data: it says what was wrong, by field.
 * The input is not modified.
 * @example
 * const r = normalizeCve5Record(JSON.parse(text));
 * if (r.ok) console.log(r.observation.cvss[0]?.baseScore); else console.error(r.cveId, r.problems);
 */
export function normalizeCve5Record(input: unknown): Cve5Normalized {
  try {
    const observation = mapRecord(input);
    return { ok: true, cveId: observation.cveId, observation, dropped: [] };
  } catch (e) {
    if (e !== BAIL) throw e;
  }
  return normalizeSlowly(input);
}

/** The zod path: validates, drops bad items of lenient arrays, reports every issue by field. */
function normalizeSlowly(input: unknown): Cve5Normalized {
  const cveId = readCveId(input);
  const dropped: FieldProblem[] = [];
  let work: unknown = input;
  for (let round = 0; round < MAX_PRUNING_ROUNDS; round++) {
    const result = Cve5Record.safeParse(work);
    if (result.success) return mapChecked(result.data, cveId, dropped);
    const fatal: FieldProblem[] = [];
    const drops = new Map<string, { path: PropertyKey[]; indices: Set<number> }>();
    for (const issue of result.error.issues) {
      const problem: FieldProblem = { reason: issue.message };
      const field = formatPath(issue.path);
      if (field) problem.field = field;
      const at = droppableItem(issue.path);
      if (!at) {
        fatal.push(problem);
        continue;
      }
      dropped.push(problem);
      const key = formatPath(at.array);
      const entry = drops.get(key) ?? { path: at.array, indices: new Set<number>() };
      entry.indices.add(at.index);
      drops.set(key, entry);
    }
    if (fatal.length > 0) return cveId ? { ok: false, cveId, problems: fatal } : { ok: false, problems: fatal };
    if (work === input) work = structuredClone(input);
    for (const { path, indices } of drops.values()) {
      const array = walk(work, path);
      if (!Array.isArray(array)) continue;
      for (const i of [...indices].sort((a, b) => b - a)) array.splice(i, 1);
    }
  }
  const problems = [...dropped, { reason: `still invalid after dropping ${dropped.length} items` }];
  return cveId ? { ok: false, cveId, problems } : { ok: false, problems };
}

/** Maps what zod accepted; a refusal here means map.ts and schema.ts disagree (a bug, reported as such). */
function mapChecked(data: unknown, cveId: string | undefined, dropped: FieldProblem[]): Cve5Normalized {
  try {
    const observation = mapRecord(data);
    return { ok: true, cveId: observation.cveId, observation, dropped };
  } catch (e) {
    if (e !== BAIL) throw e;
    const problems = [{ reason: 'internal: the schema accepts this record but map.ts does not (please report)' }];
    return cveId ? { ok: false, cveId, problems } : { ok: false, problems };
  }
}

/** `cveMetadata.cveId` of a raw record, when it is a string. */
export function readCveId(input: unknown): string | undefined {
  if (typeof input !== 'object' || input === null) return undefined;
  const meta = (input as { cveMetadata?: unknown }).cveMetadata;
  if (typeof meta !== 'object' || meta === null) return undefined;
  const id = (meta as { cveId?: unknown }).cveId;
  return typeof id === 'string' ? id : undefined;
}

/** The innermost lenient-array item an issue path points into, if any. */
function droppableItem(path: readonly PropertyKey[]): { array: PropertyKey[]; index: number } | null {
  for (let i = path.length - 1; i >= 1; i--) {
    const key = path[i - 1];
    const index = path[i];
    if (typeof index === 'number' && typeof key === 'string' && LENIENT_ARRAYS.has(key)) {
      return { array: path.slice(0, i), index };
    }
  }
  return null;
}

function walk(root: unknown, path: readonly PropertyKey[]): unknown {
  let node = root;
  for (const key of path) {
    if (typeof node !== 'object' || node === null) return undefined;
    node = (node as Record<PropertyKey, unknown>)[key];
  }
  return node;
}

/** `['containers','cna','metrics',0,'cvssV3_1']` → `containers.cna.metrics[0].cvssV3_1`. */
export function formatPath(path: readonly PropertyKey[]): string {
  let out = '';
  for (const key of path) {
    if (typeof key === 'number') out += `[${key}]`;
    else out += out ? `.${String(key)}` : String(key);
  }
  return out;
}
