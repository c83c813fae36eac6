/**
 * The HTTP server: Fastify with one plugin per area (routes/), JSON Schema on every route (which
 * drives validation, serialization and the OpenAPI 3 document at `/openapi.json`, browsable at
 * `/docs`), the guard (auth/guard.ts: authentication, roles, scopes, audit), security headers,
 * CORS only when configured, rate limits per client and per credential, and the dashboard under
 * `/ui/`. See docs/api.md.
 */
import cors from '@fastify/cors';
import rateLimit from '@fastify/rate-limit';
import swagger from '@fastify/swagger';
import swaggerUi from '@fastify/swagger-ui';
import Fastify, { type FastifyInstance } from 'fastify';
import fp from 'fastify-plugin';
import helmet from 'helmet';
import { eventWakeFor } from '../cluster/notify.ts';
import { VigilError } from '../errors.ts';
import { randomSecret } from './auth/credentials.ts';
import { installGuard, JWT_KEY_SETTING } from './auth/guard.ts';
import type { ApiDeps, RouteAccess } from './context.ts';
import { frameworkErrors, installErrorHandlers } from './errors.ts';
import { EventHub } from './events-hub.ts';
import { advisoryRoutes } from './routes/advisories.ts';
import { alertRoutes } from './routes/alerts.ts';
import { analysisRoutes } from './routes/analysis.ts';
import { analysisSchemas } from './routes/analysis-schemas.ts';
import { authRoutes } from './routes/auth.ts';
import { cveRoutes } from './routes/cves.ts';
import { eventRoutes } from './routes/events.ts';
import { cveExportRoutes } from './routes/cve-export.ts';
import { exportsRoutes } from './routes/exports.ts';
import { exposureRoutes } from './routes/exposure.ts';
import { intelRoutes } from './routes/intel.ts';
import { intelSchemas } from './routes/intel-schemas.ts';
import { iocsRoutes } from './routes/iocs.ts';
import { jobRoutes, leaseCutoff } from './routes/jobs.ts';
import { reportsRoutes } from './routes/reports.ts';
import { serviceRoutes } from './routes/service.ts';
import { trendsRoutes } from './routes/trends.ts';
import { userRoutes } from './routes/users.ts';
import { watchlistRoutes } from './routes/watchlists.ts';
import { webRoutes } from './routes/web.ts';
import { sharedSchemas } from './schemas.ts';
import { validatorCompiler } from './validation.ts';

/** Options of {@link buildApp}. */
export interface AppOptions {
  /** Folder of the built dashboard (default `dist/web`); absent: `/ui/` answers 404. */
  webDir?: string;
  /** Fastify's logger (default off: the caller logs). */
  logger?: boolean;
}

/** One registered route and its access rule (for the authorization matrix and docs). */
export interface RouteEntry {
  method: string;
  url: string;
  access: RouteAccess | null;
  /** Left out of the OpenAPI document (docs pages, the dashboard's files). */
  hidden: boolean;
}

/** Routes of the last app built, in registration order (tests enumerate them). */
const tables = new WeakMap<FastifyInstance, RouteEntry[]>();

/** The routes of `app`. */
export function routesOf(app: FastifyInstance): RouteEntry[] {
  return tables.get(app) ?? [];
}

/**
 * Logs every answer of status 5xx at error level into the server's log (whatever Fastify's own
 * logger setting), with the request id the answer's body gives the client, the method, the URL,
 * the status and the error with its stack when one was thrown.
 */
function logServerErrors(app: FastifyInstance, log: ApiDeps['log']): void {
  const thrown = new WeakMap<object, unknown>();
  app.addHook('onError', async (request, _reply, err) => {
    thrown.set(request, err);
  });
  app.addHook('onResponse', async (request, reply) => {
    if (reply.statusCode < 500) return;
    log.error(
      { requestId: request.id, method: request.method, url: request.url, statusCode: reply.statusCode, err: thrown.get(request) },
      'server error answered',
    );
  });
}

/** Version reported by `/health` and the OpenAPI document. */
export const API_VERSION = '0.1.0';

/**
 * Builds the server (not listening: call `listen`, or `inject` in tests).
 * @throws {VigilError} from the store when it cannot be read.
 */
export async function buildApp(deps: ApiDeps, options: AppOptions = {}): Promise<FastifyInstance> {
  const server = deps.config.server;
  const app = Fastify({
    logger: options.logger ?? false,
    bodyLimit: server.bodyLimitBytes,
    trustProxy: server.trustProxy,
    // Ids like CVE-2024-3400 are case-sensitive; `/api/v1/cves/` and `/api/v1/cves` are one route.
    routerOptions: { ignoreTrailingSlash: true, maxParamLength: 200 },
    frameworkErrors,
  });
  // Read once: nothing else writes it, and every signed-in request needs it.
  const jwtKey = deps.jwtKey ?? (await deps.auth.initSetting(JWT_KEY_SETTING, randomSecret()));
  app.decorate('deps', { ...deps, hub: deps.hub ?? new EventHub(deps.alerts, deps.triage, 2000, eventWakeFor(deps.config.database, deps.log)), jwtKey });
  const routeTable: RouteEntry[] = [];
  tables.set(app, routeTable);
  installErrorHandlers(app);
  logServerErrors(app, deps.log);
  // Coerced types for query strings, paths and headers; strict ones for bodies (validation.ts).
  app.setValidatorCompiler(validatorCompiler());
  // Bodies are JSON only (docs/api.md): without this, a text/plain body reached validation (400, not 415).
  app.removeContentTypeParser('text/plain');
  for (const s of [...sharedSchemas, ...intelSchemas, ...analysisSchemas]) app.addSchema(s);

  // Security headers by helmet, its middleware built once (the Fastify plugin rebuilds it on
  // every request, ~5 % of a record request's time in bench/NOTES.md).
  const secure = helmet({
    contentSecurityPolicy: {
      directives: {
        defaultSrc: ["'self'"],
        // ECharts and the docs page set inline style attributes; no inline scripts anywhere.
        styleSrc: ["'self'", "'unsafe-inline'"],
        imgSrc: ["'self'", 'data:'],
        connectSrc: ["'self'"],
        frameAncestors: ["'none'"],
      },
    },
  });
  app.addHook('onRequest', (request, reply, done) => secure(request.raw, reply.raw, (err) => done(err as Error | undefined)));
  // Every method the API uses (the plugin's default is GET, HEAD and POST only).
  const methods = ['GET', 'HEAD', 'POST', 'PUT', 'PATCH', 'DELETE'];
  if (server.corsOrigins.length) await app.register(cors, { origin: server.corsOrigins, credentials: false, methods });
  await app.register(rateLimit, {
    max: server.rateLimitPerMinute,
    timeWindow: 60_000,
    // Per user once authenticated (the guard runs first: its hook is the root's, this one the
    // route's), else per address. Never the raw Authorization text: a respelt or random header
    // would get a fresh quota. Failed authentications are limited by the guard.
    keyGenerator: (request) => (request.principal ? `user:${request.principal.user}` : `ip:${request.ip}`),
    errorResponseBuilder: (_request, context) => new VigilError('VIGIL_RATE_LIMITED', [context.after]),
  });
  await app.register(swagger, {
    openapi: {
      openapi: '3.0.3',
      info: {
        title: 'Vigil API',
        version: API_VERSION,
        description: 'Vulnerability and threat-intelligence monitor. See docs/api.md for roles, scopes and error codes.',
      },
      components: { securitySchemes: { bearer: { type: 'http', scheme: 'bearer', description: 'JWT access token (sign in) or API token (vgl_…)' } } },
      security: [{ bearer: [] }],
    },
    refResolver: { buildLocalReference: (json, _baseUri, _fragment, i) => (typeof json.$id === 'string' ? json.$id : `def-${i}`) },
  });
  // The docs pages are public; every other route states its own rule.
  app.addHook('onRoute', (route) => {
    if (route.url.startsWith('/docs') || route.url.startsWith('/ui')) route.config = { ...route.config, access: route.config?.access ?? { role: 'public' } };
    if (route.method !== 'HEAD')
      routeTable.push({
        method: String(route.method),
        url: route.url,
        access: route.config?.access ?? null,
        hidden: Boolean((route.schema as { hide?: boolean } | undefined)?.hide),
      });
  });
  // The docs pages keep helmet's policy above (the plugin's own static CSP forbade the inline styles
  // Swagger UI sets: a console error on every load), and no validator badge from validator.swagger.io.
  await app.register(swaggerUi, { routePrefix: '/docs', uiConfig: { deepLinking: false, validatorUrl: null } });
  installGuard(app, server.rateLimitPerMinute);

  // Not encapsulated: its request-metrics hook must see every route.
  await app.register(fp(serviceRoutes, { name: 'vigil-service' }));
  await app.register(authRoutes, { prefix: '/api/v1/auth' });
  await app.register(cveRoutes);
  await app.register(advisoryRoutes);
  await app.register(jobRoutes);
  await app.register(watchlistRoutes, { prefix: '/api/v1/watchlists' });
  await app.register(alertRoutes);
  await app.register(userRoutes, { prefix: '/api/v1' });
  await app.register(eventRoutes, { prefix: '/api/v1' });
  await app.register(intelRoutes, { prefix: '/api/v1' });
  await app.register(iocsRoutes, { prefix: '/api/v1' });
  await app.register(analysisRoutes, { prefix: '/api/v1' });
  await app.register(exportsRoutes, { prefix: '/api/v1' });
  await app.register(trendsRoutes, { prefix: '/api/v1' });
  await app.register(exposureRoutes, { prefix: '/api/v1' });
  await app.register(cveExportRoutes, { prefix: '/api/v1' });
  await app.register(reportsRoutes, { prefix: '/api/v1' });
  await app.register(webRoutes, { webDir: options.webDir });

  app.get('/openapi.json', { schema: { hide: true }, config: { access: { role: 'public' } } }, async () => app.swagger());
  app.addHook('onReady', async () => {
    // Jobs of a stopped process (no heartbeat within the lease), not those of a live replica.
    await deps.auth.failUnfinishedJobs(deps.now().toISOString(), leaseCutoff(deps.now()));
    await app.deps.hub.start();
  });
  app.addHook('onClose', async () => app.deps.hub.stop());
  return app;
}
