/**
 * `GET /api/v1/reports/preview`: the subscribers' report (docs/reports.md) of a scope over a day
 * or a week, as its data (JSON) or the HTML e-mail subscribers get (`format=html`).
 */
import type { FastifyPluginAsync } from 'fastify';
import { parseScope } from '../../exposure/scope.ts';
import type { ExposureStore } from '../../exposure/types.ts';
import { addDays, buildReport, type ReportStores } from '../../reports/build.ts';
import type { ReportPeriod } from '../../reports/types.ts';
import type { TrendsStore } from '../../trends/types.ts';
import { errors } from '../schemas.ts';

const DAY = '^[0-9]{4}-[0-9]{2}-[0-9]{2}$';

interface PreviewQuery {
  scope?: string;
  period?: ReportPeriod;
  date?: string;
  format?: 'json' | 'html';
}

/** A store the API was not given: each read fails, and the report names the part as not available. */
function unwired<T extends object>(what: string): T {
  return new Proxy({} as T, {
    get: () => async () => {
      throw new Error(`the ${what} store is not wired into the API`);
    },
  });
}

const nullable = (type: string) => ({ type: [type, 'null'] });
const cve = {
  type: 'object',
  additionalProperties: false,
  properties: {
    cveId: { type: 'string' },
    title: nullable('string'),
    severity: nullable('string'),
    cvss: nullable('number'),
    epss: nullable('number'),
    kev: { type: 'boolean' },
    priority: { type: 'number' },
    published: nullable('string'),
    vendors: { type: 'array', items: { type: 'string' } },
  },
} as const;
const severityCounts = {
  type: 'object',
  additionalProperties: false,
  properties: Object.fromEntries(['CRITICAL', 'HIGH', 'MEDIUM', 'LOW', 'NONE', 'UNKNOWN'].map((s) => [s, { type: 'integer' }])),
};

/** The report data (reports/types.ts ReportData). */
const reportSchema = {
  type: 'object',
  additionalProperties: false,
  required: ['version', 'scope', 'period', 'start', 'end', 'generatedAt', 'totals', 'days', 'critical', 'kev', 'movers', 'intel', 'buzz', 'exposure', 'gaps'],
  properties: {
    version: { type: 'integer' },
    scope: { type: 'string', description: 'all, watchlist:NAME or team:NAME' },
    period: { type: 'string', enum: ['day', 'week'] },
    start: { type: 'string', description: 'first day, YYYY-MM-DD (UTC, inclusive)' },
    end: { type: 'string', description: 'the day after the last, YYYY-MM-DD (exclusive)' },
    generatedAt: { type: 'string' },
    totals: {
      type: 'object',
      additionalProperties: false,
      properties: {
        newCves: { type: 'integer' },
        critical: { type: 'integer' },
        high: { type: 'integer' },
        kevAdded: { type: 'integer' },
        intel: { type: 'integer' },
      },
    },
    days: {
      type: 'array',
      items: { type: 'object', additionalProperties: false, properties: { date: { type: 'string' }, counts: severityCounts } },
      description: 'new CVEs per day and severity',
    },
    critical: { type: 'array', items: cve, description: 'new critical CVEs, highest priority first (at most 10)' },
    kev: {
      type: 'array',
      items: {
        type: 'object',
        additionalProperties: false,
        properties: {
          cveId: { type: 'string' },
          title: nullable('string'),
          dateAdded: { type: 'string' },
          vendor: { type: 'string' },
          priority: nullable('number'),
        },
      },
    },
    movers: {
      type: 'array',
      items: {
        type: 'object',
        additionalProperties: false,
        properties: {
          cveId: { type: 'string' },
          title: nullable('string'),
          before: { ...nullable('number'), description: 'EPSS 0–1 before the period' },
          after: { type: 'number' },
          delta: { type: 'number' },
          kev: { type: 'boolean' },
        },
      },
    },
    intel: {
      type: 'array',
      items: {
        type: 'object',
        additionalProperties: false,
        properties: {
          id: { type: 'string' },
          source: { type: 'string' },
          title: { type: 'string' },
          url: { type: 'string' },
          date: { type: 'string' },
          cves: { type: 'array', items: { type: 'string' } },
          clusterSize: { type: 'integer' },
        },
      },
    },
    buzz: {
      type: 'array',
      items: {
        type: 'object',
        additionalProperties: false,
        properties: {
          cveId: { type: 'string' },
          mentions: { type: 'integer' },
          sources: { type: 'integer' },
          last: { type: 'string' },
          title: nullable('string'),
        },
      },
    },
    exposure: {
      type: ['object', 'null'],
      additionalProperties: false,
      properties: {
        series: {
          type: 'array',
          items: {
            type: 'object',
            additionalProperties: false,
            properties: { date: { type: 'string' }, exposure: { type: 'number' }, openExposure: { type: 'number' } },
          },
        },
        before: { type: 'number' },
        after: { type: 'number' },
        change: { type: 'number' },
      },
    },
    gaps: {
      type: 'array',
      items: { type: 'object', additionalProperties: false, properties: { section: { type: 'string' }, error: { type: 'string' } } },
      description: 'parts whose data source failed',
    },
    linkBase: nullable('string'),
  },
} as const;

export const reportsRoutes: FastifyPluginAsync = async (app) => {
  app.get<{ Querystring: PreviewQuery }>(
    '/reports/preview',
    {
      config: { access: { role: 'analyst', scope: 'read' } },
      schema: {
        tags: ['reports'],
        summary: "The subscribers' report of a scope over a day or a week, as data or as the HTML e-mail (docs/reports.md)",
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
            period: { type: 'string', enum: ['day', 'week'], description: 'day (default) or week: the seven days ending on date' },
            date: { type: 'string', pattern: DAY, description: 'last UTC day of the period, YYYY-MM-DD (default: yesterday)' },
            format: { type: 'string', enum: ['json', 'html'], description: 'json (default): the report data; html: the e-mail, charts inline as SVG' },
          },
        },
        response: {
          200: { ...reportSchema, description: 'format=json: the report data; format=html: text/html (the e-mail)' },
          ...errors(400, 401, 403, 404, 429),
        },
      },
    },
    async (request, reply) => {
      const deps = app.deps;
      const q = request.query;
      // A store the API was not given makes its sections gaps (named in the report), not a failure.
      const stores: ReportStores = {
        store: deps.store,
        alerts: deps.alerts,
        intel: deps.intel,
        trends: deps.trends ?? unwired<TrendsStore>('trends'),
        exposure: deps.exposure ?? unwired<ExposureStore>('exposure'),
      };
      const report = await buildReport(stores, {
        scope: parseScope(q.scope),
        period: q.period ?? 'day',
        date: q.date ?? addDays(deps.now().toISOString().slice(0, 10), -1),
        now: deps.now(),
        merge: deps.config.ssvc,
        ...(deps.config.alerts.linkBase ? { linkBase: deps.config.alerts.linkBase } : {}),
      });
      if (q.format !== 'html') return report;
      const { reportEmail } = await import('../../reports/html.ts');
      return reply.type('text/html; charset=utf-8').send(reportEmail(report).html);
    },
  );
};
