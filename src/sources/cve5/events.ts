/**
 * From reader units to source events: parses each JSON text, normalises it, and yields `vulns`
 * batches of at most {@link BATCH_SIZE}, `rejected` events naming origin, record and field, and
 * throttled `progress` events. Damage (a truncated file) flushes the good records read before it,
 * then is reported, or, in strict mode (live bundles), thrown.
 */
import { VigilError } from '../../errors.ts';
import type { VulnObservation } from '../../model/vulnerability.ts';
import type { RecordLocation, SourceEvent } from '../types.ts';
import { normalizeCve5Record } from './normalize.ts';
import type { RawUnit } from './readers.ts';

/** Records per `vulns` event. */
export const BATCH_SIZE = 1000;

/** Options of {@link unitsToEvents}. */
export interface UnitsToEventsOptions {
  /** Throw on damage instead of reporting it (a live bundle must be whole, or not applied). */
  strict?: boolean;
  /** Source id for errors. */
  sourceId?: string;
}

/** Counts of what {@link unitsToEvents} saw, filled in as it runs. */
export interface UnitCounts {
  records: number;
  rejected: number;
}

/**
 * Turns reader output into source events.
 * @throws {VigilError} VIGIL_SOURCE_BAD_PAYLOAD on damage in strict mode (after yielding the
 *   records read before it, which the caller must not treat as complete).
 */
export async function* unitsToEvents(
  batches: AsyncIterable<RawUnit[]>,
  options: UnitsToEventsOptions = {},
  counts: UnitCounts = { records: 0, rejected: 0 },
): AsyncGenerator<SourceEvent> {
  let records: VulnObservation[] = [];
  let progress: Extract<RawUnit, { kind: 'progress' }> | undefined;
  const rejected: SourceEvent[] = [];

  const reject = (where: RecordLocation, reason: string) => {
    counts.rejected++;
    rejected.push({ type: 'rejected', where, reason });
  };
  const handle = (value: unknown, origin: string, fallbackRecord: string | undefined) => {
    const r = normalizeCve5Record(value);
    if (r.ok) {
      records.push(r.observation);
      counts.records++;
      for (const d of r.dropped) {
        const where: RecordLocation = { origin, record: r.cveId };
        if (d.field) where.field = d.field;
        rejected.push({ type: 'rejected', where, reason: `${d.reason} (item dropped, record kept)` });
      }
      return;
    }
    const where: RecordLocation = { origin };
    const record = r.cveId ?? fallbackRecord;
    if (record) where.record = record;
    const field = r.problems.find((p) => p.field)?.field;
    if (field) where.field = field;
    reject(where, r.problems.map((p) => (p.field ? `${p.field}: ${p.reason}` : p.reason)).join('; '));
  };

  for await (const units of batches) {
    for (const unit of units) {
      if (unit.kind === 'progress') {
        progress = unit;
        continue;
      }
      const origin = unit.line === undefined ? unit.origin : `${unit.origin}:${unit.line}`;
      const lineRecord = unit.line === undefined ? undefined : String(unit.line);
      if (unit.kind === 'damage') {
        // What was read before the damage is good: hand it on first.
        if (records.length) yield { type: 'vulns', records };
        records = [];
        yield* rejected.splice(0);
        if (options.strict) throw new VigilError('VIGIL_SOURCE_BAD_PAYLOAD', [options.sourceId ?? 'cve5', `${origin}: ${unit.reason}`]);
        reject(lineRecord ? { origin: unit.origin, record: lineRecord } : { origin: unit.origin }, unit.reason);
        continue;
      }
      let value: unknown;
      try {
        // A byte-order mark (some editors add one to .json files) is not JSON.
        value = JSON.parse(unit.text.charCodeAt(0) === 0xfeff ? unit.text.slice(1) : unit.text);
      } catch (cause) {
        reject(lineRecord ? { origin, record: lineRecord } : { origin }, `malformed JSON: ${(cause as Error).message}`);
        continue;
      }
      if (Array.isArray(value)) {
        for (let i = 0; i < value.length; i++) handle(value[i], `${origin}[${i}]`, String(i));
      } else handle(value, origin, lineRecord);
    }
    if (rejected.length) yield* rejected.splice(0);
    if (records.length >= BATCH_SIZE) {
      for (let i = 0; i + BATCH_SIZE <= records.length; i += BATCH_SIZE) {
        yield { type: 'vulns', records: records.slice(i, i + BATCH_SIZE) };
      }
      records = records.slice(records.length - (records.length % BATCH_SIZE));
      if (progress) yield progressEvent(progress);
    }
  }
  if (records.length) yield { type: 'vulns', records };
  yield* rejected.splice(0);
  if (progress) yield progressEvent(progress);
}

function progressEvent(p: Extract<RawUnit, { kind: 'progress' }>): SourceEvent {
  const e: Extract<SourceEvent, { type: 'progress' }> = { type: 'progress', done: p.done, unit: p.unit, label: p.label };
  if (p.total !== undefined) e.total = p.total;
  return e;
}
