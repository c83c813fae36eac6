/**
 * Small checks for the fast path (`map.ts`): each returns its value when it has the type the
 * schema (`schema.ts`) requires, and throws {@link BAIL} otherwise; plus the twins of the
 * `CisaSsvcContent` and `CisaKevContent` zod schemas.
 */
import type { KevHint, SsvcInputs } from '../../model/vulnerability.ts';
import { toIsoUtc } from './schema.ts';

/** Thrown when the input breaks a rule of the schema: take the zod path. */
export const BAIL: unique symbol = Symbol('take the zod path');

/** A JSON object. */
export type Obj = Record<string, unknown>;
export const NONE: readonly unknown[] = [];
const EXPLOITATION: ReadonlySet<string> = new Set(['none', 'poc', 'active']);
const AUTOMATABLE: ReadonlySet<string> = new Set(['yes', 'no']);
const TECHNICAL_IMPACT: ReadonlySet<string> = new Set(['partial', 'total']);
const KEV_DATE = /^\d{4}-\d{2}-\d{2}(?:$|T)/;

export function bail(): never {
  throw BAIL;
}
export function obj(x: unknown): Obj {
  return typeof x === 'object' && x !== null && !Array.isArray(x) ? (x as Obj) : bail();
}
export function str(x: unknown): string {
  return typeof x === 'string' ? x : bail();
}
export function optStr(x: unknown): string | undefined {
  return x === undefined || typeof x === 'string' ? x : bail();
}
export function optArr(x: unknown): readonly unknown[] {
  return x === undefined ? NONE : Array.isArray(x) ? x : bail();
}
/** An optional timestamp, as ISO UTC. */
export function optTime(x: unknown): string | undefined {
  return x === undefined ? undefined : (toIsoUtc(str(x)) ?? bail());
}
/** An optional list of strings, trimmed, blanks left out; `undefined` when empty. */
export function optStrings(x: unknown): string[] | undefined {
  const out: string[] = [];
  for (const s of optArr(x)) {
    const t = str(s).trim();
    if (t) out.push(t);
  }
  return out.length ? out : undefined;
}
/** Trimmed, or `undefined` when absent or blank (the real `"lessThan": "10.2.9-h1 "`). */
export function trimmed(x: unknown): string | undefined {
  return optStr(x)?.trim() || undefined;
}

/** Twin of `CisaSsvcContent`: options as one-key objects, values lower-cased. */
export function readSsvc(x: unknown): SsvcInputs {
  const c = obj(x);
  const version = optStr(c.version);
  const timestamp = optTime(c.timestamp);
  let exploitation = '';
  let automatable = '';
  let technicalImpact = '';
  for (const item of Array.isArray(c.options) ? c.options : bail()) {
    const o = obj(item);
    for (const k in o) {
      const v = str(o[k]).trim().toLowerCase();
      const key = k.trim().toLowerCase();
      if (key === 'exploitation') exploitation = v;
      else if (key === 'automatable') automatable = v;
      else if (key === 'technical impact') technicalImpact = v;
    }
  }
  if (!EXPLOITATION.has(exploitation) || !AUTOMATABLE.has(automatable) || !TECHNICAL_IMPACT.has(technicalImpact)) bail();
  const ssvc = { exploitation, automatable, technicalImpact } as SsvcInputs;
  if (version) ssvc.version = version;
  if (timestamp) ssvc.timestamp = timestamp;
  return ssvc;
}

/** Twin of `CisaKevContent`. */
export function readKev(x: unknown): KevHint {
  const c = obj(x);
  const dateAdded = str(c.dateAdded);
  optStr(c.reference);
  return KEV_DATE.test(dateAdded) ? { dateAdded: dateAdded.slice(0, 10) } : bail();
}
