/**
 * Service routes: liveness (`/health`, no auth), status of sources, alerting and store
 * (`/api/status`), the dashboard overview's figures (`/stats`) and Prometheus metrics
 * (`/metrics`, text exposition format 0.0.4: https://prometheus.io/docs/instrumenting/exposition_formats/).
 */
import type { FastifyPluginAsync } from 'fastify';
import { Counter, collectDefaultMetrics, Gauge, Histogram, Registry } from 'prom-client';
import { type CorpusImportJob, loadCorpusJob } from '../../corpus-job.ts';
import type { SourceHealth } from '../../daemon.ts';
import { registry as sourceRegistry } from '../../sources/registry.ts';
import type { Stats } from '../../store/server.ts';
import { errors, nullable } from '../schemas.ts';

const started = Date.now();
const read = { role: 'viewer', scope: 'read' } as const;
/** Longest time a cached overview is served while the store is unchanged, ms. */
const STATS_MAX_AGE_MS = 5 * 60_000;

export const serviceRoutes: FastifyPluginAsync = async (app) => {
  const { store, alerts, stats, now, daemon } = app.deps;

  app.get(
    '/health',
    {
      // Liveness probes must never be refused by the rate limiter.
      config: { access: { role: 'public' }, rateLimit: false },
      schema: {
        tags: ['service'],
        summary: 'Liveness (no authentication)',
        security: [],
        response: {
          200: { type: 'object', required: ['status'], properties: { status: { type: 'string', enum: ['ok'] }, version: { type: 'string' }, uptimeSeconds: { type: 'number' } } },
          ...errors(429),
        },
      },
    },
    async () => ({ status: 'ok', version: '0.1.0', uptimeSeconds: Math.round((Date.now() - started) / 1000) }),
  );

  async function sourceStatus(job: CorpusImportJob | null) {
    const states = new Map((await store.listSourceStates()).map((s) => [s.source, s]));
    return Promise.all(
      sourceRegistry.map(async ({ source }) => {
        const health = JSON.parse((await alerts.getState(`source.${source.id}`)) ?? 'null') as SourceHealth | null;
        const s = states.get(source.id);
        return {
          source: source.id,
          enabled: app.deps.config.sources[source.id]?.enabled ?? false,
          cursor: s?.cursor ?? null,
          lastSuccess: s?.lastSuccess ?? null,
          lastAttempt: s?.lastAttempt ?? null,
          lastError: s?.lastError ?? health?.lastError ?? null,
          lastCount: s?.lastCount ?? null,
          failures: health?.failures ?? 0,
          retryAt: health?.retryAt ?? null,
          imported: job?.steps.find((step) => step.source === source.id) ?? null,
        };
      }),
    );
  }

  const nullableString = nullable('string');
  app.get(
    '/api/status',
    {
      config: { access: read },
      schema: {
        tags: ['service'],
        summary: 'Sources (cursors, last runs, failures), alerting counts and cursors, store counts and size',
        response: {
          200: {
            type: 'object',
            required: ['sources', 'alerting', 'store', 'daemon'],
            properties: {
              sources: {
                type: 'array',
                items: {
                  type: 'object',
                  properties: {
                    source: { type: 'string' },
                    enabled: { type: 'boolean' },
                    cursor: nullableString,
                    lastSuccess: nullableString,
                    lastAttempt: nullableString,
                    lastError: nullableString,
                    lastCount: { type: ['integer', 'null'] },
                    failures: { type: 'integer' },
                    retryAt: nullableString,
                    imported: {
                      description: "what the corpus import (vigil serve's first start) stored from this source, and when",
                      type: ['object', 'null'],
                      properties: { read: { type: 'integer' }, stored: { type: 'integer' }, rejected: { type: 'integer' }, issues: { type: 'integer' }, finishedAt: { type: 'string' } },
                    },
                  },
                },
              },
              alerting: {
                type: 'object',
                properties: {
                  counts: { type: 'object', additionalProperties: { type: 'integer' } },
                  cursors: { type: 'object', properties: { changes: nullableString, epssDay: nullableString } },
                },
              },
              store: { type: 'object', additionalProperties: true },
              daemon: { type: 'boolean' },
              corpusImport: {
                description: 'the corpus import job: `running` when interrupted (the next vigil serve finishes it)',
                type: ['object', 'null'],
                properties: { status: { type: 'string', enum: ['running', 'done'] }, dataDir: { type: 'string' }, startedAt: { type: 'string' }, finishedAt: nullableString },
              },
            },
          },
          ...errors(401, 403, 429),
        },
      },
    },
    async () => {
      const job = await loadCorpusJob(alerts);
      return {
        sources: await sourceStatus(job),
        alerting: { counts: await alerts.alertCounts(), cursors: { changes: await alerts.getState('changes'), epssDay: await alerts.getState('epssDay') } },
        store: await store.stats(),
        daemon,
        corpusImport: job && { status: job.status, dataDir: job.dataDir, startedAt: job.startedAt, finishedAt: job.finishedAt },
      };
    },
  );

  // The overview is recomputed when the store changed (its generation: change feed, EPSS day,
  // KEV catalog, as for the CVE views) or after 5 minutes.
  let cached: { key: string; at: number; value: Stats } | null = null;
  app.get(
    '/stats',
    {
      config: { access: read },
      schema: {
        tags: ['service'],
        summary: 'Overview figures: new CVEs, KEV additions, severity, vendors, CWE with OWASP Top 10, CVEs per day, EPSS movers, top priority',
        response: { 200: { type: 'object', additionalProperties: true, required: ['totals', 'severity', 'perDay', 'topPriority'] }, ...errors(401, 403, 429) },
      },
    },
    async () => {
      const today = now().toISOString().slice(0, 10);
      const key = `${today}|${await stats.generation()}`;
      if (!cached || cached.key !== key || Date.now() - cached.at > STATS_MAX_AGE_MS) cached = { key, at: Date.now(), value: await stats.stats(today) };
      return cached.value;
    },
  );

  const metrics = new Registry();
  collectDefaultMetrics({ register: metrics, prefix: 'vigil_' });
  const duration = new Histogram({
    name: 'vigil_http_request_duration_seconds',
    help: 'HTTP request duration in seconds, by method, route and status',
    labelNames: ['method', 'route', 'status'],
    buckets: [0.001, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5],
    registers: [metrics],
  });
  const requests = new Counter({ name: 'vigil_http_requests_total', help: 'HTTP requests, by method, route and status', labelNames: ['method', 'route', 'status'], registers: [metrics] });
  new Gauge({
    name: 'vigil_cves',
    help: 'CVE records in the store',
    registers: [metrics],
    async collect() {
      this.set((await store.stats()).vulnerabilities);
    },
  });
  new Gauge({
    name: 'vigil_alerts',
    help: 'Alerts by delivery status',
    labelNames: ['status'],
    registers: [metrics],
    async collect() {
      for (const [status, n] of Object.entries(await alerts.alertCounts())) this.set({ status }, n);
    },
  });
  new Gauge({
    name: 'vigil_source_last_success_timestamp_seconds',
    help: 'Unix time of the last successful sync or import, by source',
    labelNames: ['source'],
    registers: [metrics],
    async collect() {
      // CVE sources only: intel sources keep their states as \`intel:<name>\` (intel/service.ts).
      for (const s of await store.listSourceStates()) if (s.lastSuccess && !s.source.startsWith('intel:')) this.set({ source: s.source }, Date.parse(s.lastSuccess) / 1000);
    },
  });
  new Gauge({
    name: 'vigil_source_failures',
    help: 'Consecutive failed syncs, by source',
    labelNames: ['source'],
    registers: [metrics],
    async collect() {
      for (const { source } of sourceRegistry) {
        const h = JSON.parse((await alerts.getState(`source.${source.id}`)) ?? 'null') as SourceHealth | null;
        this.set({ source: source.id }, h?.failures ?? 0);
      }
    },
  });
  app.addHook('onResponse', async (request, reply) => {
    const labels = { method: request.method, route: request.is404 ? 'unmatched' : (request.routeOptions.url ?? 'unmatched'), status: String(reply.statusCode) };
    duration.observe(labels, reply.elapsedTime / 1000);
    requests.inc(labels);
  });

  app.get(
    '/metrics',
    {
      config: { access: read },
      schema: {
        tags: ['service'],
        summary: 'Prometheus metrics (text exposition format)',
        // The content type per answer (not `produces`, which would document the errors as text too).
        response: { 200: { description: 'Prometheus text format 0.0.4', content: { 'text/plain': { schema: { type: 'string' } } } }, ...errors(401, 403, 429) },
      },
    },
    async (_request, reply) => {
      reply.type(metrics.contentType);
      return metrics.metrics();
    },
  );
};
