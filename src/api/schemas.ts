/**
 * JSON Schemas shared by the API's routes, registered once (`app.addSchema`) so that the OpenAPI
 * document lists them as components and routes refer to them by `$ref: '<Name>#'`. Validation,
 * serialization and the OpenAPI document all come from these (docs/api.md has the prose).
 */
import { ALERT_EVENTS, WATCH_KINDS } from '../model/alert.ts';
import { ROLES, SCOPES, TRIAGE_STATES } from '../model/account.ts';
import { ADVISORY_KINDS } from '../model/advisory.ts';

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
    exploits: { type: 'integer', description: 'public exploits naming the CVE (Exploit-DB; the priority factor, docs/priority.md)' },
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
  required: ['id', 'state', 'lastModified', 'cvss', 'cwes', 'references', 'priority', 'sources', 'history', 'advisories', 'exploits', 'conflicts'],
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
    advisories: {
      type: 'array',
      description: 'advisories naming the CVE (all kinds but exploit), newest first',
      items: {
        type: 'object',
        additionalProperties: false,
        required: ['id', 'source', 'kind', 'title', 'url', 'published'],
        properties: {
          id: { type: 'string' },
          source: { type: 'string' },
          kind: { type: 'string', enum: ADVISORY_KINDS.filter((k) => k !== 'exploit') },
          title: { type: 'string' },
          url: nullable('string'),
          published: nullable('string'),
        },
      },
    },
    exploits: {
      type: 'array',
      description: 'public exploits naming the CVE (Exploit-DB), newest first',
      items: {
        type: 'object',
        additionalProperties: false,
        required: ['id', 'source', 'url', 'published', 'verified', 'type', 'platform'],
        properties: {
          id: { type: 'string' },
          source: { type: 'string' },
          url: nullable('string'),
          published: nullable('string'),
          verified: { type: 'boolean' },
          type: { type: 'string' },
          platform: { type: 'string' },
        },
      },
    },
    conflicts: {
      type: 'array',
      description: 'where an advisory disagrees with the CVE: severity word vs primary CVSS severity, or a VEX not_affected vs the CVE naming the product',
      items: {
        type: 'object',
        additionalProperties: false,
        required: ['kind', 'sources', 'detail'],
        properties: { kind: { type: 'string', enum: ['severity', 'vex'] }, sources: { type: 'array', items: { type: 'string' } }, detail: { type: 'string' } },
      },
    },
  },
} as const;

export const AdvisorySummary = {
  $id: 'AdvisorySummary',
  type: 'object',
  description: 'One advisory in a list (src/model/advisory.ts AdvisorySummary).',
  additionalProperties: false,
  required: ['id', 'source', 'kind', 'title', 'url', 'published', 'modified', 'severity', 'cves'],
  properties: {
    id: { type: 'string', description: 'the document\'s own id (GHSA-…, CERTFR-2026-AVI-0196, RHSA-2024:0010, EDB-40839)' },
    source: { type: 'string', description: 'Vigil source id (osv, ghsa, certfr, certeu, csaf, exploitdb, circl)' },
    kind: { type: 'string', enum: [...ADVISORY_KINDS] },
    title: { type: 'string' },
    url: nullable('string'),
    published: nullable('string'),
    modified: { type: 'string' },
    severity: { type: ['string', 'null'], description: 'as the source words it (not normalised)' },
    cves: { type: 'array', items: { type: 'string' }, description: 'CVE ids it names (listed and found in its text)' },
    exploit: {
      type: 'object',
      description: 'exploits only',
      additionalProperties: false,
      required: ['verified', 'type', 'platform'],
      properties: { verified: { type: 'boolean' }, type: { type: 'string' }, platform: { type: 'string' } },
    },
  },
} as const;

export const AdvisoryPage = {
  $id: 'AdvisoryPage',
  type: 'object',
  required: ['items', 'nextCursor', 'total'],
  properties: {
    items: { type: 'array', items: { $ref: 'AdvisorySummary#' } },
    nextCursor: nullable('string'),
    total: { type: 'integer', description: 'advisories matching the filters, over every page' },
  },
} as const;

const advisoryLink = {
  type: 'object',
  required: ['url'],
  properties: { url: { type: 'string' }, type: { type: 'string' }, title: { type: 'string' }, published: { type: 'string' } },
} as const;

export const Advisory = {
  $id: 'Advisory',
  type: 'object',
  description: 'One advisory with its provenance and change history (src/analysis/view.ts AdvisoryDetail; fields: src/model/advisory.ts).',
  additionalProperties: false,
  required: [
    'id', 'source', 'kind', 'title', 'summary', 'details', 'published', 'modified', 'withdrawn', 'revisions', 'severity', 'cvss', 'aliases', 'cves',
    'cveDetails', 'cwes', 'affected', 'risks', 'references', 'vendorAdvisories', 'url', 'tlp', 'exploit', 'firstSeen', 'history',
  ],
  properties: {
    id: { type: 'string' },
    source: { type: 'string' },
    kind: { type: 'string', enum: [...ADVISORY_KINDS] },
    title: { type: 'string' },
    summary: nullable('string'),
    details: nullable('string'),
    published: nullable('string'),
    modified: { type: 'string' },
    withdrawn: nullable('string'),
    revisions: { type: 'array', items: { type: 'object', required: ['date', 'description'], properties: { date: { type: 'string' }, description: { type: 'string' } } } },
    severity: nullable('string'),
    cvss: { type: 'array', items: { type: 'object', required: ['vector', 'score'], properties: { vector: { type: 'string' }, score: { type: ['number', 'null'], description: '0–10' } } } },
    aliases: { type: 'array', items: { type: 'string' } },
    cves: { type: 'array', items: { type: 'string' } },
    cveDetails: {
      type: 'array',
      description: 'listed: in the document\'s own CVE list; text: only found in its prose',
      items: { type: 'object', required: ['id', 'origin'], properties: { id: { type: 'string' }, origin: { type: 'string', enum: ['listed', 'text'] } } },
    },
    cwes: { type: 'array', items: { type: 'string' } },
    affected: {
      type: 'array',
      items: {
        type: 'object',
        required: ['status'],
        properties: {
          status: { type: 'string', enum: ['affected', 'fixed', 'not_affected', 'under_investigation'] },
          vendor: { type: 'string' },
          product: { type: 'string' },
          ecosystem: { type: 'string' },
          packageName: { type: 'string' },
          purl: { type: 'string' },
          cpes: { type: 'array', items: { type: 'string' } },
          ranges: {
            type: 'array',
            items: {
              type: 'object',
              required: ['type', 'events'],
              properties: {
                type: { type: 'string' },
                repo: { type: 'string' },
                events: {
                  type: 'array',
                  items: { type: 'object', properties: { introduced: { type: 'string' }, fixed: { type: 'string' }, last_affected: { type: 'string' }, limit: { type: 'string' } } },
                },
              },
            },
          },
          versions: { type: 'array', items: { type: 'string' } },
          description: { type: 'string' },
          scada: { type: 'boolean' },
          cves: { type: 'array', items: { type: 'string' } },
        },
      },
    },
    risks: { type: 'array', items: { type: 'string' } },
    references: { type: 'array', items: advisoryLink },
    vendorAdvisories: { type: 'array', items: advisoryLink },
    url: nullable('string'),
    tlp: nullable('string'),
    exploit: {
      type: ['object', 'null'],
      required: ['platform', 'type', 'author', 'verified', 'tags', 'file'],
      properties: {
        platform: { type: 'string' },
        type: { type: 'string' },
        author: { type: 'string' },
        verified: { type: 'boolean' },
        port: { type: 'integer' },
        tags: { type: 'array', items: { type: 'string' } },
        file: { type: 'string' },
      },
    },
    firstSeen: { type: 'string' },
    history: {
      type: 'array',
      items: {
        type: 'object',
        required: ['advisoryId', 'field', 'old', 'new', 'source', 'at'],
        properties: {
          advisoryId: { type: 'string' },
          field: { type: 'string', enum: ['created', 'modified', 'withdrawn', 'cves'] },
          old: nullable('string'),
          new: nullable('string'),
          source: { type: 'string' },
          at: { type: 'string' },
        },
      },
    },
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
          exposureAbove: { type: 'number' },
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
  AdvisorySummary,
  AdvisoryPage,
  Advisory,
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
