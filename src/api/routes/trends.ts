/**
 * Trend routes (issue 15, docs/trends.md, docs/api.md "Trends"): counts per bucket along one
 * dimension with breakouts (`GET /api/v1/trends`), what one bucket counted (`…/trends/members`),
 * EPSS movers over a window (`…/trends/epss-movers`) and intel mentions per CVE
 * (`…/trends/buzz`). Read-only: viewers and up, `read` scope. `scope` (all, watchlist:NAME,
 * team:NAME) is resolved by exposure/scope.ts; the store does the counting (`Stores.trends`).
 */
import type { FastifyPluginAsync } from 'fastify';
import { parseScope, resolveScope } from '../../exposure/scope.ts';
import { TREND_DIMENSIONS, TREND_INTERVALS, type TrendDimension, type TrendInterval } from '../../trends/types.ts';
import { errors, nullable } from '../schemas.ts';

const DAY = '^[0-9]{4}-[0-9]{2}-[0-9]{2}$';
const read = { role: 'viewer', scope: 'read' } as const;
const scope = {
  type: 'string',
  minLength: 1,
  maxLength: 220,
  pattern: '^(all|watchlist:.+|team:.+)$',
  description: 'all (default), watchlist:NAME or team:NAME (CVE dimensions, kev and buzz)',
} as const;
const by = { type: 'string', enum: [...TREND_DIMENSIONS], description: 'what a series is keyed by (docs/trends.md)' } as const;
const interval = { type: 'string', enum: [...TREND_INTERVALS], description: 'bucket width: UTC days, ISO weeks (Monday), calendar months' } as const;

const breakout = {
  type: 'object',
  additionalProperties: false,
  required: ['bucket', 'count', 'baseline', 'pValue'],
  properties: {
    bucket: { type: 'string', description: 'bucket start, YYYY-MM-DD' },
    count: { type: 'integer' },
    baseline: { type: 'number', description: 'mean count per bucket over the trailing window' },
    pValue: { type: 'number', description: 'Poisson P(X ≥ count | baseline), 0–1' },
  },
} as const;

const trendResult = {
  type: 'object',
  additionalProperties: false,
  required: ['by', 'interval', 'since', 'until', 'buckets', 'series', 'other'],
  properties: {
    by,
    interval,
    since: { type: 'string' },
    until: { type: 'string' },
    buckets: { type: 'array', items: { type: 'string' }, description: 'bucket starts, oldest first, empty ones included' },
    series: {
      type: 'array',
      items: {
        type: 'object',
        additionalProperties: false,
        required: ['key', 'label', 'counts', 'total', 'breakouts'],
        properties: {
          key: { type: 'string' },
          label: { type: 'string' },
          counts: { type: 'array', items: { type: 'integer' }, description: 'one per bucket' },
          total: { type: 'integer' },
          breakouts: { type: 'array', items: breakout },
        },
      },
    },
    other: { type: 'array', items: { type: 'integer' }, description: 'per bucket: every key outside the top series' },
  },
} as const;

/** The CVEs of a `scope` query parameter (undefined: everything). */
async function scopeCves(
  deps: Parameters<typeof resolveScope>[0] & { config: { ssvc: Parameters<typeof resolveScope>[2] } },
  text: string | undefined,
): Promise<string[] | undefined> {
  const r = await resolveScope(deps, parseScope(text), deps.config.ssvc);
  return r.cves ?? undefined;
}

export const trendsRoutes: FastifyPluginAsync = async (app) => {
  /** The trends store, or a 503 when the server was started without one. */
  const trends = () => {
    const t = app.deps.trends;
    if (!t) throw Object.assign(new Error('the trends store is not wired into the API (ApiDeps.trends)'), { statusCode: 503 });
    return t;
  };

  app.get<{ Querystring: { by?: TrendDimension; interval?: TrendInterval; since?: string; until?: string; top?: number; scope?: string } }>(
    '/trends',
    {
      config: { access: read },
      schema: {
        tags: ['trends'],
        summary: 'Counts per day, week or month along one dimension, top series first, breakouts flagged (docs/trends.md)',
        querystring: {
          type: 'object',
          additionalProperties: false,
          properties: {
            by: { ...by, default: 'vendor' },
            interval: { ...interval, default: 'day' },
            since: { type: 'string', pattern: DAY, description: 'first day counted (default: 90 days, 26 weeks or 24 months before until)' },
            until: { type: 'string', pattern: DAY, description: 'last day counted (default: the newest day with data)' },
            top: { type: 'integer', minimum: 1, maximum: 50, description: 'series returned (default 10); the rest sum into other' },
            scope,
          },
        },
        response: { 200: trendResult, ...errors(400, 401, 403, 404, 429, 503) },
      },
    },
    async (request) => {
      const q = request.query;
      const cves = await scopeCves(app.deps, q.scope);
      return trends().trend({
        by: q.by ?? 'vendor',
        interval: q.interval ?? 'day',
        ...(q.since ? { since: q.since } : {}),
        ...(q.until ? { until: q.until } : {}),
        ...(q.top ? { top: q.top } : {}),
        ...(cves ? { cves } : {}),
      });
    },
  );

  app.get<{ Querystring: { by: TrendDimension; key: string; interval?: TrendInterval; bucket: string; limit?: number; scope?: string } }>(
    '/trends/members',
    {
      config: { access: read },
      schema: {
        tags: ['trends'],
        summary: 'What one bucket of one series counted: CVEs, advisories or intel documents, highest priority (else newest) first',
        querystring: {
          type: 'object',
          additionalProperties: false,
          required: ['by', 'key', 'bucket'],
          properties: {
            by,
            key: { type: 'string', minLength: 1, maxLength: 300, description: 'series key as /trends returns it' },
            interval: { ...interval, default: 'day' },
            bucket: { type: 'string', pattern: DAY, description: 'bucket start (any day inside it works)' },
            limit: { type: 'integer', minimum: 1, maximum: 1000, default: 100 },
            scope,
          },
        },
        response: {
          200: {
            type: 'object',
            additionalProperties: false,
            required: ['total', 'items'],
            properties: {
              total: { type: 'integer', description: 'everything the bucket counted (items stop at limit)' },
              items: {
                type: 'array',
                items: {
                  type: 'object',
                  additionalProperties: false,
                  required: ['kind', 'id', 'title', 'date', 'priority'],
                  properties: {
                    kind: { type: 'string', enum: ['cve', 'advisory', 'intel'] },
                    id: { type: 'string' },
                    title: nullable('string'),
                    date: { type: 'string', description: 'the date it was counted on' },
                    priority: { ...nullable('number'), description: 'CVEs: priority 0–100' },
                  },
                },
              },
            },
          },
          ...errors(400, 401, 403, 404, 429, 503),
        },
      },
    },
    async (request) => {
      const q = request.query;
      const cves = await scopeCves(app.deps, q.scope);
      return trends().members({ by: q.by, key: q.key, interval: q.interval ?? 'day', bucket: q.bucket, limit: q.limit ?? 100, ...(cves ? { cves } : {}) });
    },
  );

  app.get<{ Querystring: { from: string; to: string; limit?: number; direction?: 'up' | 'down'; scope?: string } }>(
    '/trends/epss-movers',
    {
      config: { access: read },
      schema: {
        tags: ['trends'],
        summary: 'CVEs whose EPSS probability moved most between the last scored days on or before from and to',
        querystring: {
          type: 'object',
          additionalProperties: false,
          required: ['from', 'to'],
          properties: {
            from: { type: 'string', pattern: DAY },
            to: { type: 'string', pattern: DAY },
            limit: { type: 'integer', minimum: 1, maximum: 1000, default: 20 },
            direction: { type: 'string', enum: ['up', 'down'], default: 'up' },
            scope,
          },
        },
        response: {
          200: {
            type: 'array',
            items: {
              type: 'object',
              additionalProperties: false,
              required: ['cveId', 'before', 'after', 'delta', 'percentile', 'title', 'kev'],
              properties: {
                cveId: { type: 'string' },
                before: { ...nullable('number'), description: 'EPSS 0–1 on or before from (null: not scored then)' },
                after: { type: 'number', description: 'EPSS 0–1 on or before to' },
                delta: { type: 'number', description: 'after − (before ?? 0)' },
                percentile: { type: 'number', description: '0–1, stored with after' },
                title: nullable('string'),
                kev: { type: 'boolean' },
              },
            },
          },
          ...errors(400, 401, 403, 404, 429, 503),
        },
      },
    },
    async (request) => {
      const q = request.query;
      const cves = await scopeCves(app.deps, q.scope);
      return trends().epssMovers({ from: q.from, to: q.to, limit: q.limit ?? 20, direction: q.direction ?? 'up', ...(cves ? { cves } : {}) });
    },
  );

  app.get<{ Querystring: { since: string; until: string; limit?: number; scope?: string } }>(
    '/trends/buzz',
    {
      config: { access: read },
      schema: {
        tags: ['trends'],
        summary: 'CVEs most named by intel documents published in [since, until], most mentions first',
        querystring: {
          type: 'object',
          additionalProperties: false,
          required: ['since', 'until'],
          properties: {
            since: { type: 'string', pattern: DAY },
            until: { type: 'string', pattern: DAY },
            limit: { type: 'integer', minimum: 1, maximum: 1000, default: 20 },
            scope,
          },
        },
        response: {
          200: {
            type: 'array',
            items: {
              type: 'object',
              additionalProperties: false,
              required: ['cveId', 'mentions', 'sources', 'last', 'title'],
              properties: {
                cveId: { type: 'string' },
                mentions: { type: 'integer', description: 'intel documents naming it' },
                sources: { type: 'integer', description: 'distinct intel sources among them' },
                last: { type: 'string', description: 'newest mention, ISO 8601' },
                title: nullable('string'),
              },
            },
          },
          ...errors(400, 401, 403, 404, 429, 503),
        },
      },
    },
    async (request) => {
      const q = request.query;
      const cves = await scopeCves(app.deps, q.scope);
      return trends().buzz({ since: q.since, until: q.until, limit: q.limit ?? 20, ...(cves ? { cves } : {}) });
    },
  );
};
