/**
 * Advisory routes: the list of advisories (`GET /api/v1/advisories`) and of public exploits
 * (`GET /api/v1/exploits`) with filters and keyset pages, and one advisory with its history
 * (`GET /api/v1/advisories/{id}`). Pages are ordered newest first on (`published ?? modified`, id),
 * as the store lists them (store/types.ts AdvisoryQuery).
 */
import type { FastifyPluginAsync } from 'fastify';
import { advisoryView } from '../../analysis/view.ts';
import { VigilError } from '../../errors.ts';
import { ADVISORY_KINDS, type AdvisoryKind, type AdvisorySummary } from '../../model/advisory.ts';
import type { AdvisoryQuery, Store } from '../../store/types.ts';
import { CVE_ID_PATTERN, errors } from '../schemas.ts';

/** Advisory ids as sources write them: `GHSA-36p3-wjmg-h94x`, `CERTFR-2026-AVI-0196`, `RHSA-2024:0010`, `2026-001`, `EDB-40839`. */
export const ADVISORY_ID_PATTERN = '^[A-Za-z0-9][A-Za-z0-9._:-]{0,99}$';

const DATE = '^[0-9]{4}-[0-9]{2}-[0-9]{2}([T ][0-9:.]+Z?)?$';

const filters = {
  source: { type: 'string', minLength: 1, maxLength: 40, description: 'Vigil source id (osv, ghsa, certfr, certeu, csaf, exploitdb, circl)' },
  kind: { type: 'string', enum: [...ADVISORY_KINDS] },
  cve: { type: 'string', pattern: CVE_ID_PATTERN, maxLength: 30, description: 'only advisories naming this CVE' },
  vendor: { type: 'string', minLength: 1, maxLength: 200, description: "vendor name (case-insensitive; affected entries' vendor or product, or the title)" },
  since: { type: 'string', pattern: DATE, description: 'published (or, without a date, modified) on or after (YYYY-MM-DD or ISO 8601)' },
  q: { type: 'string', minLength: 1, maxLength: 500, description: 'words searched in id, title and summary (ANDed, no query syntax)' },
  limit: { type: 'integer', minimum: 1, maximum: 200, default: 50 },
  cursor: { type: 'string', maxLength: 400, description: 'nextCursor of the previous page' },
} as const;

/** The query string. */
interface ListQuery {
  source?: string;
  kind?: AdvisoryKind;
  cve?: string;
  vendor?: string;
  since?: string;
  q?: string;
  limit: number;
  cursor?: string;
}

/** A page position: after the row of this sort key (`published ?? modified`) and id. */
interface Cursor {
  p: string;
  i: string;
}

function encodeCursor(c: Cursor): string {
  return Buffer.from(JSON.stringify(c)).toString('base64url');
}

const CURSOR_ID = new RegExp(ADVISORY_ID_PATTERN);
const CURSOR_KEY = /^[0-9]{4}-[0-9]{2}-[0-9]{2}[0-9T:.Z+-]*$/;

/** @throws {VigilError} VIGIL_BAD_REQUEST for a cursor this server did not make. */
function decodeCursor(text: string): Cursor {
  let c: unknown;
  try {
    c = JSON.parse(Buffer.from(text, 'base64url').toString('utf8'));
  } catch (cause) {
    throw new VigilError('VIGIL_BAD_REQUEST', ['querystring/cursor is not a cursor from this API'], { cause });
  }
  const o = c as Record<string, unknown>;
  // Strings of the key's own forms only: a forged cursor must not reach SQL as another type.
  const valid = typeof o === 'object' && o !== null && typeof o.p === 'string' && CURSOR_KEY.test(o.p) && typeof o.i === 'string' && CURSOR_ID.test(o.i);
  if (!valid) throw new VigilError('VIGIL_BAD_REQUEST', ['querystring/cursor is not a cursor of the advisory list']);
  return { p: o.p as string, i: o.i as string };
}

/**
 * @throws {VigilError} VIGIL_BAD_REQUEST when `since` names a day the calendar lacks (`2024-02-30`:
 * `Date.parse` would roll it over to March 1st).
 */
function checkSince(since: string | undefined): void {
  if (since === undefined) return;
  const day = since.slice(0, 10);
  const parsed = new Date(`${day}T00:00:00Z`);
  if (Number.isNaN(parsed.getTime()) || parsed.toISOString().slice(0, 10) !== day) {
    throw new VigilError('VIGIL_BAD_REQUEST', [`querystring/since: ${since} is not a date`]);
  }
}

/** Runs a list query and builds its page (`kind` forced for the exploit list). */
async function page(store: Store, query: ListQuery, kind?: AdvisoryKind): Promise<{ items: AdvisorySummary[]; total: number; nextCursor: string | null }> {
  const { q, limit, cursor, kind: asked, ...rest } = query;
  checkSince(rest.since);
  const filters: AdvisoryQuery = { ...rest, ...(q !== undefined ? { text: q } : {}), ...((kind ?? asked) ? { kind: kind ?? asked } : {}) };
  const after = cursor ? decodeCursor(cursor) : null;
  let rows: AdvisorySummary[];
  try {
    rows = await store.listAdvisories({ ...filters, limit: limit + 1, ...(after ? { after: { published: after.p, id: after.i } } : {}) });
  } catch (err) {
    if (err instanceof RangeError) throw new VigilError('VIGIL_BAD_REQUEST', [`querystring/since: ${err.message}`], { cause: err });
    throw err;
  }
  const total = await store.countAdvisories(filters);
  const items = rows.slice(0, limit);
  const last = items[items.length - 1];
  const nextCursor = rows.length > limit && last ? encodeCursor({ p: last.published ?? last.modified, i: last.id }) : null;
  return { items, total, nextCursor };
}

const read = { role: 'viewer', scope: 'read' } as const;
const { kind: _kind, ...exploitFilters } = filters;

export const advisoryRoutes: FastifyPluginAsync = async (app) => {
  const { store } = app.deps;

  app.get<{ Querystring: ListQuery }>(
    '/api/v1/advisories',
    {
      config: { access: read },
      schema: {
        tags: ['advisories'],
        summary: 'Advisories (package advisories, CERT bulletins and alerts, vendor CSAF and VEX documents, exploits) with filters, newest first, keyset pages',
        querystring: { type: 'object', additionalProperties: false, properties: filters },
        response: { 200: { $ref: 'AdvisoryPage#' }, ...errors(400, 401, 403, 429) },
      },
    },
    async (request) => page(store, request.query),
  );

  app.get<{ Querystring: ListQuery }>(
    '/api/v1/exploits',
    {
      config: { access: read },
      schema: {
        tags: ['advisories'],
        summary: 'Public exploits (Exploit-DB) with the advisory filters, newest first, keyset pages',
        querystring: { type: 'object', additionalProperties: false, properties: exploitFilters },
        response: { 200: { $ref: 'AdvisoryPage#' }, ...errors(400, 401, 403, 429) },
      },
    },
    async (request) => page(store, request.query, 'exploit'),
  );

  app.get<{ Params: { id: string } }>(
    '/api/v1/advisories/:id',
    {
      config: { access: read },
      schema: {
        tags: ['advisories'],
        summary: 'One advisory: every field, the CVEs it names (listed or found in its text), affected products, first seen and change history',
        params: { type: 'object', required: ['id'], properties: { id: { type: 'string', pattern: ADVISORY_ID_PATTERN, maxLength: 100 } } },
        response: { 200: { $ref: 'Advisory#' }, ...errors(400, 401, 403, 404, 429) },
      },
    },
    async (request) => {
      const stored = await store.getAdvisory(request.params.id);
      if (!stored) throw new VigilError('VIGIL_NOT_FOUND', [`advisory ${request.params.id}`]);
      return advisoryView(stored);
    },
  );
};
