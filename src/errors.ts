/**
 * One table of Vigil's error codes: code, HTTP status (for the API) and message template.
 * Messages name what failed (file, record, field, config key) so a user can act on them.
 * Modelled on fastify's `lib/errors.js`.
 */
export const ErrorCodes = {
  VIGIL_CONFIG_INVALID: { status: 500, message: 'Invalid configuration: %s' },
  VIGIL_SOURCE_UNAVAILABLE: { status: 503, message: 'Source %s is unavailable: %s' },
  VIGIL_SOURCE_BAD_PAYLOAD: { status: 502, message: 'Source %s sent a payload that fails its schema: %s' },
  VIGIL_UNKNOWN_SOURCE: { status: 400, message: 'Unknown source "%s" (known: %s)' },
  VIGIL_INVALID_CVE_ID: { status: 400, message: 'Invalid CVE id "%s": expected CVE-YYYY-NNNN' },
  VIGIL_INVALID_CVSS_VECTOR: { status: 400, message: 'Invalid CVSS vector "%s": %s' },
  VIGIL_INVALID_CPE: { status: 400, message: 'Invalid CPE 2.3 string "%s": %s' },
  VIGIL_INPUT_UNREADABLE: { status: 400, message: 'Cannot read %s: %s' },
  VIGIL_INPUT_FORMAT: { status: 400, message: '%s: %s' },
  VIGIL_NOT_FOUND: { status: 404, message: '%s not found' },
  VIGIL_WATCH_ENTRY_INVALID: { status: 400, message: 'Invalid watchlist entry %s: %s' },
  VIGIL_WATCHLIST_INVALID: { status: 400, message: 'Invalid watchlist %s: %s' },
  VIGIL_MATCH_TIMEOUT: { status: 503, message: 'Matching stopped after %s s (its time budget): %s' },
  VIGIL_CHANNEL_INVALID: { status: 500, message: 'Alert channel "%s" is misconfigured: %s' },
  VIGIL_CONFLICT: { status: 409, message: '%s already exists' },
  VIGIL_BAD_REQUEST: { status: 400, message: 'Invalid request: %s' },
  VIGIL_UNAUTHENTICATED: { status: 401, message: 'Authentication required: %s' },
  VIGIL_INVALID_CREDENTIALS: { status: 401, message: 'Wrong user name or password' },
  VIGIL_FORBIDDEN: { status: 403, message: 'Not allowed: %s' },
  VIGIL_PAYLOAD_TOO_LARGE: { status: 413, message: 'Request body too large (limit %s bytes)' },
  VIGIL_UNSUPPORTED_MEDIA_TYPE: { status: 415, message: 'Unsupported content type %s: send application/json' },
  VIGIL_RATE_LIMITED: { status: 429, message: 'Too many requests: retry in %s' },
  VIGIL_INTERNAL: { status: 500, message: 'Internal error (request %s): the server log has the details' },
  VIGIL_MERGE_CONFLICT: {
    status: 409,
    message: '%s changed in another process while this one merged it (%s): the batch was not stored; run the import or sync again',
  },
  VIGIL_URL_REFUSED: { status: 400, message: 'URL refused: %s' },
  VIGIL_FETCH_FAILED: { status: 502, message: 'Fetching %s failed: %s' },
  VIGIL_DATA_MISSING: { status: 500, message: 'Training data missing: %s (set dataDir / VIGIL_DATA_DIR or pass --data)' },
  VIGIL_MODEL_MISSING: { status: 503, message: 'Model %s is not trained yet: run `vigil nlp train %s`' },
  VIGIL_MODEL_INVALID: { status: 500, message: 'Model file %s cannot be used: %s' },
  VIGIL_QUOTA_EXHAUSTED: { status: 429, message: '%s quota used up: next request allowed at %s' },
  VIGIL_STORE_DAMAGED: {
    status: 500,
    message: 'The store %s is damaged (%s): `vigil doctor` runs the full check; restore a backup, or move the file aside and start again to re-import',
  },
} as const satisfies Record<string, { status: number; message: string }>;

/** One of the codes in {@link ErrorCodes}. */
export type ErrorCode = keyof typeof ErrorCodes;

function format(template: string, args: readonly unknown[]): string {
  let i = 0;
  return template.replace(/%s/g, () => String(args[i++] ?? ''));
}

/** A Vigil error: carries its code, HTTP status and the original cause. */
export class VigilError extends Error {
  readonly code: ErrorCode;
  readonly status: number;

  constructor(code: ErrorCode, args: readonly unknown[], options?: { cause?: unknown }) {
    super(format(ErrorCodes[code].message, args), options);
    this.name = 'VigilError';
    this.code = code;
    this.status = ErrorCodes[code].status;
  }
}

/**
 * An upstream failure worth retrying later (HTTP 429, 5xx, 403 rate-limit answers, network
 * errors). `retryAfterSeconds` is the upstream's `Retry-After`, when it sent one.
 */
export class SourceUnavailableError extends VigilError {
  readonly sourceId: string;
  readonly retryAfterSeconds: number | undefined;

  constructor(sourceId: string, detail: string, options?: { cause?: unknown; retryAfterSeconds?: number }) {
    super('VIGIL_SOURCE_UNAVAILABLE', [sourceId, detail], options);
    this.name = 'SourceUnavailableError';
    this.sourceId = sourceId;
    this.retryAfterSeconds = options?.retryAfterSeconds;
  }
}
