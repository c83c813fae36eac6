/**
 * CVE routes: the ranked list with filters and keyset pages (`GET /api/v1/cves`), full-text
 * search (`GET /api/v1/search`), one merged record and its history, and `POST /api/analyze`.
 */
import type { FastifyPluginAsync } from 'fastify';
import { loadCveView } from '../../analysis/view.ts';
import { VigilError } from '../../errors.ts';
import { sortValue } from '../../store/query.ts';
import type { RankQuery } from '../../store/types.ts';
import { analyze } from '../analyze.ts';
import { CVE_ID_PATTERN, CvePage, errors } from '../schemas.ts';
import { searchIntelBlock } from './intel-schemas.ts';
import { GenerationCache, ViewCache } from '../view-cache.ts';

const SORTS = ['priority', 'published', 'epss', 'cvss', 'relevance'] as const;

/** The list's filters as a querystring schema (also the CVE export's, routes/cve-export.ts). */
export const filters = {
  q: { type: 'string', maxLength: 500, description: 'full-text query: words are ANDed, no query syntax' },
  kev: { type: 'boolean', description: 'only CVEs in CISA KEV' },
  exploit: { type: 'boolean', description: 'only CVEs with a public exploit (Exploit-DB)' },
  minEpss: { type: 'number', minimum: 0, maximum: 1, description: 'minimum EPSS probability, 0–1' },
  minCvss: { type: 'number', minimum: 0, maximum: 10, description: 'minimum primary CVSS base score, 0–10' },
  vendor: { type: 'string', minLength: 1, maxLength: 200, description: 'vendor name or prefix' },
  product: { type: 'string', minLength: 1, maxLength: 200 },
  since: { type: 'string', pattern: '^[0-9]{4}-[0-9]{2}-[0-9]{2}([T ][0-9:.]+Z?)?$', description: 'published on or after (YYYY-MM-DD or ISO 8601)' },
  includeRejected: { type: 'boolean', default: false },
  sort: { type: 'string', enum: [...SORTS] },
  limit: { type: 'integer', minimum: 1, maximum: 200, default: 50 },
  cursor: { type: 'string', maxLength: 400, description: 'nextCursor of the previous page' },
} as const;

/** The query string: {@link RankQuery}'s filters (`q` is its `text`), a page size and a cursor. */
type ListQuery = Pick<RankQuery, 'kev' | 'exploit' | 'minEpss' | 'minCvss' | 'vendor' | 'product' | 'since' | 'includeRejected'> & {
  q?: string;
  sort?: (typeof SORTS)[number];
  limit: number;
  cursor?: string;
};

/** A page position: after a row (keyset) or an offset (relevance order). */
type Cursor = { s: string; v: number | string; i: string } | { s: 'relevance'; o: number };

function encodeCursor(c: Cursor): string {
  return Buffer.from(JSON.stringify(c)).toString('base64url');
}

const CURSOR_ID = new RegExp(CVE_ID_PATTERN);

/** @throws {VigilError} VIGIL_BAD_REQUEST for a cursor this server did not make, or of another sort. */
function decodeCursor(text: string, sort: string): Cursor {
  let c: unknown;
  try {
    c = JSON.parse(Buffer.from(text, 'base64url').toString('utf8'));
  } catch (cause) {
    throw new VigilError('VIGIL_BAD_REQUEST', ['querystring/cursor is not a cursor from this API'], { cause });
  }
  const o = c as Record<string, unknown>;
  // The sort key's own type (a date string, or a finite number), a CVE id, a safe offset: a forged
  // cursor of another shape would compare across types in SQL or overflow OFFSET.
  const key = sort === 'published' ? typeof o?.v === 'string' : typeof o?.v === 'number' && Number.isFinite(o.v);
  const valid =
    typeof o === 'object' &&
    o !== null &&
    o.s === sort &&
    ((sort === 'relevance' && Number.isSafeInteger(o.o) && (o.o as number) >= 0) || (sort !== 'relevance' && key && typeof o.i === 'string' && CURSOR_ID.test(o.i)));
  if (!valid) throw new VigilError('VIGIL_BAD_REQUEST', [`querystring/cursor does not belong to this query (sort ${sort})`]);
  return o as Cursor;
}

/** One page of the ranked list: its rows, the next page's cursor and the total over every page. */
type Page = { items: Awaited<ReturnType<import('../../store/types.ts').Store['rank']>>; nextCursor: string | null; total: number };

/** The list caches of one server: whole pages, and totals shared by every page of a query. */
interface PageCaches {
  pages: GenerationCache<Page>;
  totals: GenerationCache<number>;
}

/** A cache key for query fields: the same fields in any order give the same key. */
function cacheKey(fields: object): string {
  return JSON.stringify(Object.entries(fields).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)));
}

/**
 * Runs a list query and builds its page. The filters are RankQuery's own fields, passed as given.
 * Pages are served from `caches` while the store has not changed (a search costs ~10 ms of CPU on
 * a 300k store; the same search from another client or replica poll costs a map lookup), and the
 * total is computed once per query, not once per page.
 */
async function page(store: import('../../store/types.ts').Store, query: ListQuery, caches: PageCaches): Promise<Page> {
  const { q, sort = 'priority', limit, cursor: token, includeRejected = false, ...filters } = query;
  if (sort === 'relevance' && !q) throw new VigilError('VIGIL_BAD_REQUEST', ['sort=relevance needs q']);
  const cursor = token ? decodeCursor(token, sort) : null;
  const built = await caches.pages.get(cacheKey({ ...query, sort, includeRejected }), async () => {
    const rq: RankQuery = { ...filters, keyset: true, sort, limit: limit + 1, includeRejected, ...(q !== undefined ? { text: q } : {}) };
    if (cursor && 'o' in cursor) rq.offset = cursor.o;
    else if (cursor) rq.after = { value: cursor.v, id: cursor.i };
    let rows: Page['items'];
    try {
      rows = await store.rank(rq);
    } catch (err) {
      if (err instanceof RangeError) throw new VigilError('VIGIL_BAD_REQUEST', [`querystring/since: ${err.message}`], { cause: err });
      throw err;
    }
    // The total of the whole filtered list, on every page (the dashboard shows "N CVEs"); the
    // same for every page and sort of the query.
    const { sort: _sort, limit: _limit, offset: _offset, after: _after, keyset: _keyset, ...counted } = rq;
    const total = (await caches.totals.get(cacheKey(counted), () => store.countRanked(rq))) as number;
    const items = rows.slice(0, limit);
    const last = items[items.length - 1];
    let nextCursor: string | null = null;
    if (rows.length > limit && last) {
      nextCursor = encodeCursor(sort === 'relevance' ? { s: 'relevance', o: (rq.offset ?? 0) + limit } : { s: sort, v: sortValue(last, sort), i: last.id });
    }
    return { items, nextCursor, total };
  });
  return built as Page;
}

const idParams = { type: 'object', required: ['id'], properties: { id: { type: 'string', pattern: CVE_ID_PATTERN, maxLength: 30 } } } as const;

/**
 * The id routes validate with `attachValidation`, so that a malformed id answers the error
 * table's VIGIL_INVALID_CVE_ID (as `vigil show` prints it), not the schema's pattern text.
 * @throws {VigilError} VIGIL_INVALID_CVE_ID when the params failed validation.
 */
function checkId(request: { params: { id: string }; validationError?: Error }): string {
  if (request.validationError) throw new VigilError('VIGIL_INVALID_CVE_ID', [request.params.id], { cause: request.validationError });
  return request.params.id;
}
const read = { role: 'viewer', scope: 'read' } as const;

export const cveRoutes: FastifyPluginAsync = async (app) => {
  const { store, config, stats, intel } = app.deps;
  const views = new ViewCache(stats);
  // ~50 rows of a few hundred bytes per page: 1,000 pages are a few MB.
  const caches: PageCaches = { pages: new GenerationCache(stats, 1000), totals: new GenerationCache(stats, 5000) };

  app.get<{ Querystring: ListQuery }>(
    '/api/v1/cves',
    {
      config: { access: read },
      schema: {
        tags: ['cves'],
        summary: 'Ranked CVE list with filters (as `vigil top`), keyset pages',
        querystring: { type: 'object', additionalProperties: false, properties: filters },
        response: { 200: { $ref: 'CvePage#' }, ...errors(400, 401, 403, 429) },
      },
    },
    async (request) => page(store, request.query, caches),
  );

  app.get<{ Querystring: ListQuery & { q: string; intelLimit: number } }>(
    '/api/v1/search',
    {
      config: { access: read },
      schema: {
        tags: ['cves'],
        summary:
          'Full-text search over CVE ids, titles, descriptions, products and CWEs; priority order as `vigil search` (sort=relevance for the full-text rank); `intel`: the newest collected intel documents matching the same words, with their total',
        querystring: {
          type: 'object',
          additionalProperties: false,
          required: ['q'],
          properties: {
            ...filters,
            q: { ...filters.q, minLength: 1 },
            intelLimit: {
              type: 'integer',
              minimum: 0,
              maximum: 50,
              default: 5,
              description: 'intel documents in `intel.items` (their total is counted either way)',
            },
          },
        },
        response: {
          200: { type: 'object', required: [...CvePage.required, 'intel'], properties: { ...CvePage.properties, intel: searchIntelBlock } },
          ...errors(400, 401, 403, 429),
        },
      },
    },
    async (request) => {
      const { intelLimit, ...query } = request.query;
      // The CVE page as /api/v1/cves builds and caches it; intel documents have a store of their own.
      const cves = await page(store, query, caches);
      const words = { text: query.q };
      const [items, total] = await Promise.all([intelLimit ? intel.listDocuments({ ...words, limit: intelLimit }) : [], intel.countDocuments(words)]);
      return { ...cves, intel: { items, total } };
    },
  );

  app.get<{ Params: { id: string } }>(
    '/api/v1/cves/:id',
    {
      config: { access: read },
      schema: {
        tags: ['cves'],
        summary:
          'The merged record of one CVE: per-source data, CVSS, EPSS history, KEV, SSVC, priority with explanation, history, the advisories and public exploits naming it and where they disagree with it',
        params: idParams,
        response: { 200: { $ref: 'VulnerabilityView#' }, ...errors(400, 401, 403, 404, 429) },
      },
      attachValidation: true,
    },
    async (request, reply) => {
      const id = checkId(request);
      // The cache is dropped when an advisory is stored too (its history is part of the generation).
      const json = await views.get(id, async () => {
        const view = await loadCveView(store, id, config.ssvc);
        return view ? JSON.stringify(view) : null;
      });
      if (json === null) throw new VigilError('VIGIL_NOT_FOUND', [id]);
      // Serialized once per cached view (the view has every field its response schema lists).
      return reply.type('application/json; charset=utf-8').send(json);
    },
  );

  app.get<{ Params: { id: string } }>(
    '/api/v1/cves/:id/history',
    {
      config: { access: read },
      schema: {
        tags: ['cves'],
        summary: 'Recorded changes of one CVE, oldest first',
        params: idParams,
        response: {
          200: { type: 'object', required: ['items'], properties: { items: { type: 'array', items: { $ref: 'Change#' } } } },
          ...errors(400, 401, 403, 404, 429),
        },
      },
      attachValidation: true,
    },
    async (request) => {
      const id = checkId(request);
      const stored = await store.getVulnerability(id);
      if (!stored) throw new VigilError('VIGIL_NOT_FOUND', [id]);
      return { items: stored.history };
    },
  );

  app.post<{ Body: { cves: unknown[] } }>(
    '/api/analyze',
    {
      config: { access: { ...read, action: 'cve.analyze', audit: false } },
      schema: {
        tags: ['cves'],
        summary: 'Severity, priority (with its explanation) and SSVC of CVE ids or CVE 5 / NVD API 2.0 records; nothing is stored',
        body: {
          type: 'object',
          additionalProperties: false,
          required: ['cves'],
          properties: { cves: { type: 'array', minItems: 1, maxItems: 100, items: { anyOf: [{ type: 'string', maxLength: 40 }, { type: 'object' }] } } },
        },
        response: {
          200: {
            type: 'object',
            required: ['results'],
            properties: {
              results: {
                type: 'array',
                items: {
                  type: 'object',
                  required: ['input', 'id', 'error'],
                  properties: {
                    input: { type: 'integer' },
                    id: { type: ['string', 'null'] },
                    severity: { type: ['string', 'null'] },
                    cvss: { type: ['object', 'null'], additionalProperties: true },
                    priority: { type: ['object', 'null'], additionalProperties: true },
                    ssvc: { type: ['object', 'null'], additionalProperties: true },
                    error: { type: ['string', 'null'] },
                  },
                },
              },
            },
          },
          ...errors(400, 401, 403, 413, 415, 429),
        },
      },
    },
    async (request) => ({ results: await analyze(store, request.body.cves, config.ssvc) }),
  );
};
