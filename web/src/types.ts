/**
 * Shapes of the REST API as the dashboard reads them (docs/api.md). Where a route answers with a
 * server model object, its type is re-exported from `src/model/` (type-only: `export type` is
 * erased from the bundle, so no server code reaches the browser). Only shapes of the web alone, or
 * that differ on the wire from the model, are defined here. Times are ISO 8601 UTC strings, EPSS
 * and percentiles 0–1, CVSS 0–10, priority 0–100.
 */
import type { Account, Scope } from '../../src/model/account.ts';
import type { VulnerabilityView } from '../../src/model/record.ts';

export type { Role } from '../../src/model/account.ts';
export type {
  CpeApplicability,
  KevView,
  PriorityFactor,
  RankedVulnerability as CveSummary,
  ScoredCvss,
  SsvcAssessment,
  VulnerabilityView,
} from '../../src/model/record.ts';
export type { AffectedVersion, CvssVersion, Severity } from '../../src/model/vulnerability.ts';

/** The one error body every route answers with (`ErrorBody` in src/api/schemas.ts). */
export interface ApiErrorBody {
  statusCode: number;
  code: string;
  message: string;
  requestId?: string;
}

/** `GET /api/v1/auth/me`. */
export interface Me extends Pick<Account, 'name' | 'role' | 'email'> {
  via: 'session' | 'token';
  scopes: Scope[];
}

/** A page of a cursor-paged list. */
export interface Page<T> {
  items: T[];
  nextCursor: string | null;
  total?: number;
}

/** A product of a record's `affected` list, with the feed that stated it. */
export type AffectedProduct = VulnerabilityView['affected'][number];

/** One entry of a record's history (`cveId` is the record's own, and not repeated). */
export type Change = VulnerabilityView['history'][number];
