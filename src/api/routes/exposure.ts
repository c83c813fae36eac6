/**
 * `GET /api/v1/exposure`: the cumulative threat-exposure index of a scope, every calendar day of
 * the window (docs/exposure.md, docs/api.md "Exposure").
 */
import type { FastifyPluginAsync } from 'fastify';
import { exposureSeries } from '../../exposure/series.ts';
import { errors } from '../schemas.ts';

const DAY = '^[0-9]{4}-[0-9]{2}-[0-9]{2}$';

/** The query string. */
interface ExposureQuery {
  scope?: string;
  since?: string;
  until?: string;
  halfLife?: number;
}

const point = {
  type: 'object',
  additionalProperties: false,
  required: ['date', 'score', 'exposure', 'openScore', 'openExposure'],
  properties: {
    date: { type: 'string', description: 'calendar day, YYYY-MM-DD (UTC)' },
    score: { type: 'number', description: 'W_t: Σ priority/100 of the scope’s non-rejected CVEs published that day' },
    exposure: { type: 'number', description: 'E_t = W_t + 2^(−1/H)·E_{t−1}' },
    openScore: { type: 'number', description: 'W_t over CVEs still open (alerts not all triaged fixed or ignored)' },
    openExposure: { type: 'number', description: 'the exposure recursion over openScore' },
  },
} as const;

export const exposureRoutes: FastifyPluginAsync = async (app) => {
  const { config } = app.deps;
  app.get<{ Querystring: ExposureQuery }>(
    '/exposure',
    {
      config: { access: { role: 'viewer', scope: 'read' } },
      schema: {
        tags: ['exposure'],
        summary: 'The cumulative threat-exposure index of a scope, every calendar day of the window (docs/exposure.md)',
        querystring: {
          type: 'object',
          additionalProperties: false,
          properties: {
            scope: {
              type: 'string',
              minLength: 1,
              maxLength: 220,
              pattern: '^(all|watchlist:.+|team:.+)$',
              description: 'all (default), watchlist:NAME or team:NAME',
            },
            since: {
              type: 'string',
              pattern: DAY,
              description: 'first day returned, YYYY-MM-DD (default: 365 days before until); the index still carries everything before',
            },
            until: { type: 'string', pattern: DAY, description: 'last day returned, YYYY-MM-DD (default: today, UTC)' },
            halfLife: { type: 'number', exclusiveMinimum: 0, maximum: 36500, description: 'half-life H, days (default: config exposure.halfLifeDays)' },
          },
        },
        response: {
          200: {
            type: 'object',
            additionalProperties: false,
            required: ['scope', 'cves', 'halfLifeDays', 'points'],
            properties: {
              scope: { type: 'string', description: 'all, watchlist:NAME or team:NAME' },
              cves: { type: ['integer', 'null'], description: 'CVEs in the scope (null: every CVE)' },
              halfLifeDays: { type: 'number' },
              points: { type: 'array', items: point, description: 'every calendar day of the window, oldest first' },
            },
          },
          ...errors(400, 401, 403, 404, 429),
        },
      },
    },
    async (request) => {
      const { exposure, store, alerts, stats } = app.deps;
      if (!exposure) throw new Error('the exposure store is not wired into the API (ApiDeps.exposure)');
      const q = request.query;
      return exposureSeries(
        { store, alerts, exposure, stats },
        {
          ...(q.scope !== undefined ? { scope: q.scope } : {}),
          ...(q.since !== undefined ? { since: q.since } : {}),
          ...(q.until !== undefined ? { until: q.until } : {}),
          ...(q.halfLife !== undefined ? { halfLifeDays: q.halfLife } : {}),
        },
        { halfLifeDays: config.exposure.halfLifeDays, merge: config.ssvc },
      );
    },
  );
};
