/** The `--since` / `?since=` of exports: a date or an ISO 8601 date-time. */
import { VigilError } from '../errors.ts';

/** Pattern of an accepted `since` (`2025-01-31`, `2025-01-31T08:00:00Z`). */
export const SINCE_PATTERN = '^[0-9]{4}-[0-9]{2}-[0-9]{2}([T ][0-9:.]+(Z|[+-][0-9]{2}:?[0-9]{2})?)?$';

/**
 * Checks a `since` value.
 * @throws {VigilError} VIGIL_BAD_REQUEST naming the value when it is not a date.
 */
export function parseSince(value: string | undefined): string | undefined {
  if (value === undefined) return undefined;
  const v = value.trim();
  if (!new RegExp(SINCE_PATTERN).test(v) || Number.isNaN(Date.parse(v))) {
    throw new VigilError('VIGIL_BAD_REQUEST', [`since "${value}" is not a date (YYYY-MM-DD or ISO 8601)`]);
  }
  return v;
}
