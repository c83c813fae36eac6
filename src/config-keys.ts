/**
 * Unknown-key detection for the configuration, independent of how each schema was written: a
 * key the user wrote that a schema dropped (zod's `z.object` strips unknown keys silently) is an
 * error naming the key and, when one is close, the key that was probably meant
 * (`sources.nvd.enabeld: unknown key (did you mean "enabled"?)`). Applied centrally by
 * `loadConfig` to every source's and channel's settings, so a source added later is strict
 * without remembering `z.strictObject`.
 */
import { z } from 'zod';

/** A plain object (not an array, not null). */
export function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** `schema` without its optional/nullable/default/prefault wrappers. */
function unwrap(schema: z.ZodType | undefined): z.ZodType | undefined {
  let s: unknown = schema;
  while (s instanceof z.ZodOptional || s instanceof z.ZodNullable || s instanceof z.ZodDefault || s instanceof z.ZodPrefault) s = s.unwrap();
  return s as z.ZodType | undefined;
}

/** The schema a value at `key` inside a value of `schema` crosses, if it can be told. */
function child(schema: z.ZodType | undefined, key: string): z.ZodType | undefined {
  const s = unwrap(schema);
  if (s instanceof z.ZodObject) return s.shape[key] as z.ZodType | undefined;
  if (s instanceof z.ZodArray) return s.element as z.ZodType;
  if (s instanceof z.ZodRecord) return s.valueType as z.ZodType;
  return undefined;
}

/** The keys an object schema accepts at `path`, or null when `path` does not lead to an object schema. */
export function knownKeysAt(schema: z.ZodType, path: readonly PropertyKey[]): string[] | null {
  let current: z.ZodType | undefined = schema;
  for (const key of path) current = child(current, String(key));
  const s = unwrap(current);
  return s instanceof z.ZodObject ? Object.keys(s.shape) : null;
}

/**
 * Paths of the keys in `input` that `schema` does not declare, found by walking the schema's
 * objects, arrays and records (an object with a catch-all, `z.looseObject`, takes any key).
 * Works whether or not `input` passes the schema, so a misspelt required key is named beside
 * the "missing" error it causes.
 */
function undeclaredKeys(schema: z.ZodType | undefined, input: unknown, path: string[]): string[][] {
  const s = unwrap(schema);
  if (s instanceof z.ZodObject && isRecord(input)) {
    const open = s.def.catchall !== undefined && !(s.def.catchall instanceof z.ZodNever);
    return Object.entries(input).flatMap(([k, v]) => (k in s.shape ? undeclaredKeys(s.shape[k] as z.ZodType, v, [...path, k]) : open ? [] : [[...path, k]]));
  }
  if ((s instanceof z.ZodArray || s instanceof z.ZodRecord) && (Array.isArray(input) || isRecord(input))) {
    return Object.entries(input).flatMap(([k, v]) => undeclaredKeys(child(s, k), v, [...path, k]));
  }
  return [];
}

/**
 * Paths (relative to `input`) of keys present in `input` but absent from `output` at the same
 * place: the keys a non-strict schema dropped. Walks nested objects and arrays element-wise.
 */
function droppedKeys(input: unknown, output: unknown, path: string[]): string[][] {
  if (Array.isArray(input) && Array.isArray(output)) return input.flatMap((v, i) => droppedKeys(v, output[i], [...path, String(i)]));
  if (!isRecord(input) || !isRecord(output)) return [];
  return Object.entries(input).flatMap(([key, value]) => (key in output ? droppedKeys(value, output[key], [...path, key]) : [[...path, key]]));
}

/**
 * Unknown keys of a settings object: keys its schema does not declare, plus, when it parsed, keys
 * the parse dropped (covers unions and pipes the schema walk cannot see into; a config schema
 * must therefore not rename keys in a `.transform()`). Deduplicated, in input order.
 * @param output the parsed value, or undefined when parsing failed.
 */
export function unknownKeys(schema: z.ZodType, input: unknown, output?: unknown): string[][] {
  const found = [...undeclaredKeys(schema, input, []), ...(output === undefined ? [] : droppedKeys(input, output, []))];
  const seen = new Set<string>();
  return found.filter((p) => {
    const id = JSON.stringify(p);
    if (seen.has(id)) return false;
    seen.add(id);
    return true;
  });
}

/** Edit distance (insertions, deletions, substitutions; an adjacent swap counts once). */
function distance(a: string, b: string): number {
  const d = Array.from({ length: a.length + 1 }, (_, i) => Array.from({ length: b.length + 1 }, (_, j) => (i === 0 ? j : j === 0 ? i : 0)));
  for (let i = 1; i <= a.length; i++) {
    for (let j = 1; j <= b.length; j++) {
      const cost = a[i - 1] === b[j - 1] ? 0 : 1;
      let best = Math.min((d[i - 1]?.[j] ?? 0) + 1, (d[i]?.[j - 1] ?? 0) + 1, (d[i - 1]?.[j - 1] ?? 0) + cost);
      if (i > 1 && j > 1 && a[i - 1] === b[j - 2] && a[i - 2] === b[j - 1]) best = Math.min(best, (d[i - 2]?.[j - 2] ?? 0) + 1);
      (d[i] as number[])[j] = best;
    }
  }
  return d[a.length]?.[b.length] ?? 0;
}

/**
 * The message for an unknown key: the closest known key when it is within two edits (or differs
 * only in case), else the list of known keys.
 * @example unknownKeyMessage('enabeld', ['enabled', 'schedule']) // 'unknown key (did you mean "enabled"?)'
 */
export function unknownKeyMessage(key: string, known: readonly string[] | null): string {
  if (!known || known.length === 0) return 'unknown key';
  const ranked = known.map((k) => ({ k, d: k.toLowerCase() === key.toLowerCase() ? 0 : distance(key, k) })).sort((x, y) => x.d - y.d);
  const best = ranked[0];
  if (best && best.d <= Math.min(2, Math.max(1, Math.floor(key.length / 3)))) return `unknown key (did you mean "${best.k}"?)`;
  return `unknown key (known: ${known.join(', ')})`;
}
