/**
 * JSON Schemas shared by the API's routes, registered once (`app.addSchema`) so that the OpenAPI
 * document lists them as components and routes refer to them by `$ref: '<Name>#'`. Validation,
 * serialization and the OpenAPI document all come from these (docs/api.md has the prose).
 */
import { ALERT_EVENTS, WATCH_KINDS } from '../model/alert.ts';
import { ROLES, SCOPES, TRIAGE_STATES } from '../model/account.ts';

/** A JSON Schema type that also allows `null`. */
export const nullable = (type: string) => ({ type: [type, 'null'] });
const isoTime = { type: 'string', format: 'date-time' } as const;

/** CVE id as accepted in paths and bodies (`CVE-2024-3400`). */
export const CVE_ID_PATTERN = '^CVE-[0-9]{4}-[0-9]{4,19}$';

export const ErrorBody = {
  $id: 'ErrorBody',
  type: 'object',
  description: 'Every error answer (codes: docs/api.md, src/errors.ts).',
  required: ['statusCode', 'code', 'message', 'requestId'],
  properties: { statusCode: { type: 'integer' }, code: { type: 'string' }, message: { type: 'string' }, requestId: { type: 'string' } },
} as const;

export const CveSummary = {
  $id: 'CveSummary',
  type: 'object',
  required: ['id', 'state', 'priority', 'kev', 'vendors'],
  properties: {
    id: { type: 'string' },
    state: { type: 'string' },
    published: nullable('string'),
    severity: nullable('string'),
    cvssScore: { type: ['number', 'null'], description: 'primary CVSS base score, 0–10' },
    cvssVersion: nullable('string'),
    epss: { type: ['number', 'null'], description: 'EPSS probability, 0–1' },
    percentile: { type: ['number', 'null'], description: 'EPSS percentile, 0–1' },
    kev: { type: 'boolean' },
    ransomware: { type: 'boolean' },
    priority: { type: 'number', description: 'priority score, 0–100 (docs/priority.md)' },
    title: { type: ['string', 'null'], description: "the CNA's title, else the description's first sentence, cut between words" },
    snippet: { type: ['string', 'null'], description: 'description text the title does not show, cut between words (… where cut)' },
    vendors: { type: 'array', items: { type: 'string' } },
  },
} as const;

export const CvePage = {
  $id: 'CvePage',
  type: 'object',
  required: ['items', 'nextCursor', 'total'],
  properties: {
    items: { type: 'array', items: { $ref: 'CveSummary#' } },
    nextCursor: nullable('string'),
    total: { type: 'integer', description: 'CVEs matching the filters, over every page' },
  },
} as const;

export const Change = {
  $id: 'Change',
  type: 'object',
  required: ['field', 'source', 'at'],
  properties: { cveId: { type: 'string' }, field: { type: 'string' }, old: nullable('string'), new: nullable('string'), source: { type: 'string' }, at: { type: 'string' } },
} as const;

export const VulnerabilityView = {
  $id: 'VulnerabilityView',
  type: 'object',
  description: 'The merged record of one CVE (src/model/record.ts VulnerabilityView).',
  additionalProperties: true,
  required: ['id', 'state', 'lastModified', 'cvss', 'cwes', 'references', 'priority', 'sources', 'history'],
  properties: {
    id: { type: 'string' },
    state: { type: 'string' },
    title: { type: 'string' },
    description: { type: 'string' },
    published: { type: 'string' },
    lastModified: { type: 'string' },
    severity: nullable('string'),
    cvss: { type: 'array', items: { type: 'object', additionalProperties: true } },
    primaryCvss: { type: ['object', 'null'], additionalProperties: true },
    cwes: { type: 'array', items: { type: 'object', additionalProperties: true } },
    references: { type: 'array', items: { type: 'object', additionalProperties: true } },
    epss: { type: ['object', 'null'], additionalProperties: true },
    kev: { type: ['object', 'null'], additionalProperties: true },
    ssvc: { type: ['object', 'null'], additionalProperties: true },
    priority: {
      type: 'object',
      required: ['score', 'factors'],
      properties: { score: { type: 'number' }, factors: { type: 'array', items: { type: 'object', additionalProperties: true } } },
    },
    sources: { type: 'array', items: { type: 'object', additionalProperties: true } },
    history: { type: 'array', items: { $ref: 'Change#' } },
  },
} as const;

export const Thresholds = {
  $id: 'Thresholds',
  type: 'object',
  additionalProperties: false,
  properties: {
    minSeverity: { type: 'string', enum: ['NONE', 'LOW', 'MEDIUM', 'HIGH', 'CRITICAL'] },
    minCvss: { type: 'number', minimum: 0, maximum: 10 },
    minEpss: { type: 'number', minimum: 0, maximum: 1 },
    minPercentile: { type: 'number', minimum: 0, maximum: 1 },
    kevOnly: { type: 'boolean' },
    ransomwareOnly: { type: 'boolean' },
  },
} as const;

export const WatchEntryInput = {
  $id: 'WatchEntryInput',
  type: 'object',
  additionalProperties: false,
  required: ['kind', 'value'],
  properties: {
    kind: { type: 'string', enum: [...WATCH_KINDS] },
    value: { type: 'string', minLength: 1, maxLength: 512 },
    vendor: { type: 'string', minLength: 1, maxLength: 256 },
    version: { type: 'string', minLength: 1, maxLength: 256 },
    thresholds: { $ref: 'Thresholds#' },
  },
} as const;

export const Watchlist = {
  $id: 'Watchlist',
  type: 'object',
  required: ['name', 'owner', 'description', 'entries', 'subscriptions'],
  properties: {
    name: { type: 'string' },
    owner: { type: 'object', properties: { user: { type: 'string' }, team: { type: 'string' } } },
    description: nullable('string'),
    entries: {
      type: 'array',
      items: {
        type: 'object',
        required: ['id', 'kind', 'value', 'thresholds'],
        properties: {
          id: { type: 'integer' },
          kind: { type: 'string' },
          value: { type: 'string' },
          vendor: { type: 'string' },
          version: { type: 'string' },
          thresholds: { $ref: 'Thresholds#' },
        },
      },
    },
    subscriptions: {
      type: 'array',
      items: {
        type: 'object',
        properties: {
          id: { type: 'integer' },
          channel: { type: 'string' },
          target: nullable('string'),
          events: { type: 'array', items: { type: 'string', enum: [...ALERT_EVENTS] } },
          mode: { type: 'string' },
          timezone: { type: 'string' },
        },
      },
    },
  },
} as const;

export const Match = {
  $id: 'Match',
  type: 'object',
  required: ['cveId', 'reasons'],
  properties: {
    cveId: { type: 'string' },
    title: nullable('string'),
    severity: nullable('string'),
    priority: { type: 'number' },
    reasons: { type: 'array', items: { type: 'object', additionalProperties: true } },
  },
} as const;

export const AlertItem = {
  $id: 'AlertItem',
  type: 'object',
  required: ['id', 'cveId', 'event', 'createdAt', 'status', 'triage'],
  properties: {
    id: { type: 'integer' },
    subscriptionId: { type: ['integer', 'null'] },
    watchlist: nullable('string'),
    channel: { type: 'string' },
    recipients: { type: 'array', items: { type: 'string' } },
    cveId: { type: 'string' },
    event: { type: 'string', enum: [...ALERT_EVENTS] },
    eventKey: { type: 'string' },
    mode: { type: 'string' },
    createdAt: { type: 'string' },
    explanation: { type: 'object', additionalProperties: true },
    facts: { type: 'object', additionalProperties: true },
    provisional: { type: 'boolean' },
    confirmedAt: nullable('string'),
    status: { type: 'string', description: 'delivery status' },
    attempts: { type: 'integer' },
    nextAttemptAt: nullable('string'),
    sentAt: nullable('string'),
    lastError: nullable('string'),
    triage: { type: 'string', enum: [...TRIAGE_STATES] },
    assignee: nullable('string'),
    acknowledgedAt: nullable('string'),
    acknowledgedBy: nullable('string'),
  },
} as const;

export const Comment = {
  $id: 'Comment',
  type: 'object',
  required: ['id', 'alertId', 'author', 'body', 'at'],
  properties: { id: { type: 'integer' }, alertId: { type: 'integer' }, author: { type: 'string' }, body: { type: 'string' }, at: { type: 'string' } },
} as const;

export const Delivery = {
  $id: 'Delivery',
  type: 'object',
  required: ['alertId', 'attempt', 'at', 'status'],
  properties: {
    id: { type: 'integer' },
    alertId: { type: 'integer' },
    cveId: { type: 'string' },
    channel: { type: 'string' },
    attempt: { type: 'integer' },
    at: { type: 'string' },
    status: { type: 'string' },
    retryable: { type: 'boolean' },
    response: nullable('string'),
    error: nullable('string'),
    durationMs: { type: 'number' },
  },
} as const;

export const Account = {
  $id: 'Account',
  type: 'object',
  required: ['name', 'role', 'disabled'],
  properties: { name: { type: 'string' }, email: nullable('string'), role: { type: 'string', enum: [...ROLES] }, disabled: { type: 'boolean' }, createdAt: { type: 'string' } },
} as const;

export const ApiToken = {
  $id: 'ApiToken',
  type: 'object',
  required: ['id', 'user', 'name', 'prefix', 'scopes', 'createdAt'],
  properties: {
    id: { type: 'integer' },
    user: { type: 'string' },
    name: { type: 'string' },
    prefix: { type: 'string' },
    scopes: { type: 'array', items: { type: 'string', enum: [...SCOPES] } },
    createdAt: { type: 'string' },
    expiresAt: nullable('string'),
    lastUsedAt: nullable('string'),
    revokedAt: nullable('string'),
  },
} as const;

export const AuditEntry = {
  $id: 'AuditEntry',
  type: 'object',
  required: ['id', 'at', 'actorKind', 'action', 'outcome'],
  properties: {
    id: { type: 'integer' },
    at: isoTime,
    actor: nullable('string'),
    actorKind: { type: 'string' },
    tokenId: { type: ['integer', 'null'] },
    action: { type: 'string' },
    target: nullable('string'),
    outcome: { type: 'string', enum: ['success', 'failure', 'denied'] },
    statusCode: { type: ['integer', 'null'] },
    ip: nullable('string'),
    userAgent: nullable('string'),
    detail: { type: ['object', 'null'], additionalProperties: true },
  },
} as const;

export const Job = {
  $id: 'Job',
  type: 'object',
  required: ['id', 'status', 'sources', 'progress', 'createdAt'],
  properties: {
    id: { type: 'string' },
    kind: { type: 'string' },
    status: { type: 'string', enum: ['queued', 'running', 'succeeded', 'failed'] },
    sources: { type: 'array', items: { type: 'string' } },
    progress: {
      type: 'array',
      items: {
        type: 'object',
        properties: { source: { type: 'string' }, status: { type: 'string' }, stored: { type: 'integer' }, error: nullable('string') },
      },
    },
    requestedBy: nullable('string'),
    createdAt: { type: 'string' },
    startedAt: nullable('string'),
    finishedAt: nullable('string'),
    error: nullable('string'),
  },
} as const;

/** Every shared schema, in registration order. */
export const sharedSchemas = [
  ErrorBody,
  CveSummary,
  CvePage,
  Change,
  VulnerabilityView,
  Thresholds,
  WatchEntryInput,
  Watchlist,
  Match,
  AlertItem,
  Comment,
  Delivery,
  Account,
  ApiToken,
  AuditEntry,
  Job,
];

/** A keyset page: `{ items: [<ref>], nextCursor }` (`null` on the last page). */
export function pageOf(ref: string) {
  return { type: 'object', required: ['items', 'nextCursor'], properties: { items: { type: 'array', items: { $ref: ref } }, nextCursor: nullable('string') } } as const;
}

/** The error answers a route can give, for its `response` schema. */
export function errors(...codes: number[]): Record<number, { $ref: string }> {
  return Object.fromEntries(codes.map((c) => [c, { $ref: 'ErrorBody#' }]));
}
