/**
 * The OpenAPI document against the server: `/openapi.json` is OpenAPI 3.0, lists every route
 * (and no other) with its success answer and the errors it can give, and every route called
 * through `app.inject()` answers what the document says: each JSON body is validated with Ajv
 * against the document's schema for that status (components resolved through `$ref`). The text
 * routes are checked in their own format: `/metrics` (Prometheus exposition format 0.0.4),
 * `/api/v1/events` (Server-Sent Events, read over the loopback) and `/docs` (HTML).
 */
// vigil-test: the back end cannot matter (the document and the answers' shapes come from the route schemas; every route's answers are tested on both back ends by its own API test).
import { Ajv, type ValidateFunction } from 'ajv';
import addFormats from 'ajv-formats';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestApi, TEST_PASSWORD, type TestApi } from '../testing/api.ts';
import { corpusPath, hasCorpus } from '../testing/corpus.ts';
import { type IntelSite, startIntelSite } from '../testing/intel-site.ts';
import { API_VERSION, type RouteEntry, routesOf } from './app.ts';
import { analysisSchemas } from './routes/analysis-schemas.ts';
import { intelSchemas } from './routes/intel-schemas.ts';
import { sharedSchemas } from './schemas.ts';

/** The parts of an OpenAPI 3.0 document this test reads. */
interface Operation {
  parameters?: { in: string; name: string }[];
  requestBody?: unknown;
  responses: Record<string, { description: string; content?: Record<string, { schema: object }> }>;
}
interface OpenApiDocument {
  openapi: string;
  info: { title: string; version: string };
  paths: Record<string, Record<string, Operation>>;
  components: { schemas: Record<string, object>; securitySchemes: Record<string, unknown> };
}

/** One call of a route, by a test account (`null`: no credential). */
interface Call {
  as: string | null;
  url: string;
  payload?: Record<string, unknown>;
  status: number;
}

/** Fastify's `/cves/:id` as OpenAPI's `/cves/{id}`. */
const openApiPath = (url: string) => url.replace(/:([A-Za-z0-9_]+)/g, '{$1}');
const EDGE_ENTRIES = [{ kind: 'product', value: 'pan-os', vendor: 'paloaltonetworks' }];
const MICROSOFT = corpusPath('news', 'feeds', 'tsummey_cyberdash', 'microsoftsecurity.xml');

describe.skipIf(!hasCorpus())('OpenAPI document', () => {
  let api: TestApi;
  let doc: OpenApiDocument;
  const sessions: Record<string, string> = {};
  const ajv = new Ajv({ strict: false, allErrors: true });
  addFormats.default(ajv);
  const compiled = new Map<string, ValidateFunction>();

  let site: IntelSite;
  /** An intel feed source on the loopback site (the Microsoft Security Blog corpus feed, full texts naming CVEs). */
  const intelFeed = (name: string) => ({
    name,
    kind: 'feed',
    url: site.feedUrl(MICROSOFT),
    robots: 'ignore',
    minDelaySeconds: 0,
    fetchArticles: 'never',
    tags: ['vendor'],
  });

  beforeAll(async () => {
    site = await startIntelSite([{ file: MICROSOFT, origin: 'https://www.microsoft.com', path: '/en-us/security/blog/feed/' }]);
    api = await startTestApi({ listen: true, configure: (c) => void Object.assign(c.intel, { allowHosts: ['127.0.0.1'], minDelaySeconds: 0 }) });
    const res = await api.app.inject('/openapi.json');
    expect(res.statusCode).toBe(200);
    doc = res.json();
    for (const user of ['ada', 'ana', 'vic']) sessions[user] = await api.login(user);
    const added = await inject('POST', { as: 'ana', url: '/api/v1/scraping/sources', payload: intelFeed('openapi-intel') });
    expect(added.statusCode, added.body).toBe(201);
    const collected = await inject('POST', { as: 'ana', url: '/api/v1/scraping/sources/openapi-intel/collect' });
    expect(collected.json().report?.created, collected.body).toBeGreaterThan(3);
  });
  afterAll(async () => {
    await api?.close();
    await site?.close();
  });

  /** Calls a route through inject as `as`. */
  function inject(method: string, call: Omit<Call, 'status'>) {
    const headers = call.as ? { authorization: `Bearer ${sessions[call.as]}` } : {};
    return api.app.inject({ method: method as 'GET', url: call.url, headers, ...(call.payload ? { payload: call.payload } : {}) });
  }

  /** The validator of the document's JSON schema for `method path` answering `status`. */
  function validator(path: string, method: string, status: number): ValidateFunction {
    const key = `${method} ${path} ${status}`;
    let validate = compiled.get(key);
    if (!validate) {
      const schema = doc.paths[path]?.[method]?.responses[status]?.content?.['application/json']?.schema;
      expect(schema, `${key}: no JSON schema in the document`).toBeDefined();
      // `#/components/schemas/X` resolves against the root, which carries the document's components.
      validate = ajv.compile({ components: doc.components, allOf: [schema] });
      compiled.set(key, validate);
    }
    return validate;
  }

  /** Expects `body` to match the document for `method path` answering `status`. */
  function expectValid(path: string, method: string, status: number, body: unknown, what: string): void {
    const validate = validator(path, method, status);
    expect(validate(body) ? [] : validate.errors?.map((e) => `${e.instancePath || '/'} ${e.message} (${e.schemaPath})`), what).toEqual([]);
  }

  it('is an OpenAPI 3.0 document of this API version', () => {
    expect(doc.openapi).toMatch(/^3\.0\.\d+$/);
    expect(doc.info).toMatchObject({ title: 'Vigil API', version: API_VERSION });
    expect(doc.components.securitySchemes).toHaveProperty('bearer');
    expect(Object.keys(doc.components.schemas).sort()).toEqual([...sharedSchemas, ...intelSchemas, ...analysisSchemas].map((s) => s.$id).sort());
  });

  it('lists every route the server has, and no other', () => {
    const routes = routesOf(api.app).filter((r) => !r.hidden);
    const documented = Object.entries(doc.paths).flatMap(([path, ops]) => Object.keys(ops).map((m) => `${m.toUpperCase()} ${path}`));
    const served = routes.map((r) => `${r.method} ${openApiPath(r.url)}`);
    expect(
      served.filter((r) => !documented.includes(r)),
      'routes missing from the document',
    ).toEqual([]);
    expect(
      documented.filter((r) => !served.includes(r)),
      'documented operations the server does not have',
    ).toEqual([]);
    for (const hidden of routesOf(api.app).filter((r) => r.hidden)) expect(doc.paths).not.toHaveProperty(openApiPath(hidden.url));
  });

  /** The error statuses `route` can answer, from its access rule and inputs. */
  function possibleErrors(route: RouteEntry, op: Operation): number[] {
    const a = route.access;
    const out: number[] = [];
    const inputs = Boolean(op.requestBody) || (op.parameters?.length ?? 0) > 0;
    if (inputs) out.push(400);
    if (a?.role !== 'public') out.push(401);
    // A viewer-level route without a scope refuses no signed-in caller.
    if (a && a.role !== 'public' && (a.role !== 'viewer' || a.scope || a.sessionOnly)) out.push(403);
    if (op.parameters?.some((p) => p.in === 'path')) out.push(404);
    if (op.requestBody) out.push(413, 415);
    // Every route is rate limited except the event stream (one long request per client).
    if (route.url !== '/api/v1/events') out.push(429);
    return out;
  }

  it('documents a success answer and every error each route can give, as ErrorBody', () => {
    const gaps: string[] = [];
    for (const route of routesOf(api.app).filter((r) => !r.hidden)) {
      const name = `${route.method} ${route.url}`;
      const op = doc.paths[openApiPath(route.url)]?.[route.method.toLowerCase()];
      if (!op) continue; // reported by the previous test
      const success = Object.keys(op.responses).filter((s) => /^2\d\d$/.test(s));
      if (success.length !== 1) gaps.push(`${name}: ${success.length} success answers`);
      for (const s of success) if (s !== '204' && !op.responses[s]?.content) gaps.push(`${name}: ${s} has no content schema`);
      for (const status of possibleErrors(route, op)) {
        const schema = op.responses[status]?.content?.['application/json']?.schema as { $ref?: string } | undefined;
        if (schema?.$ref !== '#/components/schemas/ErrorBody') gaps.push(`${name}: ${status} not documented as ErrorBody`);
      }
    }
    expect(gaps).toEqual([]);
  });

  /** Finds a refresh token by signing in (refresh and sign-out consume one). */
  async function refreshToken(user: string): Promise<string> {
    const r = await api.app.inject({ method: 'POST', url: '/api/v1/auth/login', payload: { username: user, password: TEST_PASSWORD } });
    return r.json().refreshToken as string;
  }
  async function json<T>(method: string, call: Omit<Call, 'status'>): Promise<T> {
    return (await inject(method, call)).json() as T;
  }
  const firstAlert = async () => (await json<{ items: { id: number }[] }>('GET', { as: 'ada', url: '/api/v1/alerts?watchlist=edge&limit=1' })).items[0]!.id;
  /** The ids of the first CVEs of a list (ranked by priority: KEV-listed, scored, with history). */
  const someCves = async (query: string) =>
    (await json<{ items: { id: string }[] }>('GET', { as: 'vic', url: `/api/v1/cves?${query}` })).items.map((c) => c.id);

  /**
   * Successful calls of every route. The JSON routes are validated against the document; the
   * text ones (`/metrics`, `/api/v1/events`) by their own tests below.
   */
  const CALLS: Record<string, () => Promise<Call[]>> = {
    'GET /health': async () => [{ as: null, url: '/health', status: 200 }],
    'GET /api/status': async () => [{ as: 'vic', url: '/api/status', status: 200 }],
    'GET /stats': async () => [{ as: 'vic', url: '/stats', status: 200 }],
    'GET /metrics': async () => [],
    'POST /api/v1/auth/login': async () => [{ as: null, url: '/api/v1/auth/login', payload: { username: 'ana', password: TEST_PASSWORD }, status: 200 }],
    'POST /api/v1/auth/refresh': async () => [{ as: null, url: '/api/v1/auth/refresh', payload: { refreshToken: await refreshToken('ana') }, status: 200 }],
    'POST /api/v1/auth/logout': async () => [{ as: null, url: '/api/v1/auth/logout', payload: { refreshToken: await refreshToken('ana') }, status: 204 }],
    'GET /api/v1/auth/me': async () => [
      { as: 'vic', url: '/api/v1/auth/me', status: 200 },
      { as: 'ada', url: '/api/v1/auth/me', status: 200 },
    ],
    'GET /api/v1/auth/setup': async () => [{ as: null, url: '/api/v1/auth/setup', status: 200 }],
    'POST /api/v1/auth/setup': async () => [
      { as: null, url: '/api/v1/auth/setup', payload: { setupToken: 'x'.repeat(43), username: 'root', password: TEST_PASSWORD }, status: 409 },
    ],
    'GET /api/v1/cves': async () => {
      const first = await json<{ nextCursor: string }>('GET', { as: 'vic', url: '/api/v1/cves?sort=epss&limit=20' });
      return [
        { as: 'vic', url: '/api/v1/cves', status: 200 },
        { as: 'vic', url: '/api/v1/cves?kev=true&minCvss=9&limit=100', status: 200 },
        { as: 'vic', url: '/api/v1/cves?vendor=paloaltonetworks&product=pan-os&sort=published', status: 200 },
        { as: 'vic', url: '/api/v1/cves?sort=cvss&since=2024-01-01&includeRejected=true&limit=200', status: 200 },
        { as: 'vic', url: `/api/v1/cves?sort=epss&limit=20&cursor=${first.nextCursor}`, status: 200 },
      ];
    },
    'GET /api/v1/search': async () => [
      { as: 'vic', url: '/api/v1/search?q=globalprotect', status: 200 },
      { as: 'vic', url: '/api/v1/search?q=command%20injection&kev=true&sort=priority&limit=100', status: 200 },
      { as: 'vic', url: '/api/v1/search?q=zzzznothingmatches', status: 200 },
    ],
    'GET /api/v1/cves/:id': async () =>
      [
        'CVE-2024-3400',
        'CVE-2021-44228',
        'CVE-2022-22965',
        ...(await someCves('limit=30')),
        ...(await someCves('sort=published&includeRejected=true&limit=30')),
      ].map((id) => ({
        as: 'vic',
        url: `/api/v1/cves/${id}`,
        status: 200,
      })),
    'GET /api/v1/advisories': async () => {
      const first = await json<{ nextCursor: string }>('GET', { as: 'vic', url: '/api/v1/advisories?limit=5' });
      return [
        { as: 'vic', url: '/api/v1/advisories', status: 200 },
        { as: 'vic', url: '/api/v1/advisories?source=certfr&kind=bulletin&since=2025-01-01&limit=200', status: 200 },
        { as: 'vic', url: '/api/v1/advisories?cve=CVE-2021-44228&vendor=apache&q=log4j', status: 200 },
        { as: 'vic', url: `/api/v1/advisories?limit=5&cursor=${first.nextCursor}`, status: 200 },
      ];
    },
    'GET /api/v1/exploits': async () => [
      { as: 'vic', url: '/api/v1/exploits', status: 200 },
      { as: 'vic', url: '/api/v1/exploits?since=2020-01-01&limit=200', status: 200 },
    ],
    'GET /api/v1/advisories/:id': async () => {
      // One of each kind, and every exploit of the first page (their Exploit-DB facts).
      const kinds = await Promise.all(
        ['package', 'bulletin', 'vendor', 'vex', 'exploit'].map(
          async (kind) => (await json<{ items: { id: string }[] }>('GET', { as: 'vic', url: `/api/v1/advisories?kind=${kind}&limit=3` })).items,
        ),
      );
      return ['GHSA-36p3-wjmg-h94x', ...kinds.flat().map((a) => a.id)].map((id) => ({
        as: 'vic',
        url: `/api/v1/advisories/${encodeURIComponent(id)}`,
        status: 200,
      }));
    },
    'GET /api/v1/cves/:id/history': async () =>
      ['CVE-2024-3400', ...(await someCves('limit=10'))].map((id) => ({ as: 'vic', url: `/api/v1/cves/${id}/history`, status: 200 })),
    'POST /api/analyze': async () => [
      { as: 'vic', url: '/api/analyze', payload: { cves: ['CVE-2024-3400', 'CVE-2099-0001', 'not a CVE', { cveMetadata: {} }] }, status: 200 },
    ],
    'POST /api/collect': async () => [{ as: 'ana', url: '/api/collect', payload: { sources: ['kev'] }, status: 202 }],
    'GET /api/collect/:id': async () => {
      const job = await json<{ id: string }>('POST', { as: 'ana', url: '/api/collect', payload: { sources: ['epss', 'kev'] } });
      return [{ as: 'vic', url: `/api/collect/${job.id}`, status: 200 }];
    },
    'GET /api/v1/watchlists': async () => [{ as: 'vic', url: '/api/v1/watchlists', status: 200 }],
    'GET /api/v1/watchlists/:name': async () => [{ as: 'vic', url: '/api/v1/watchlists/edge', status: 200 }],
    'POST /api/v1/watchlists': async () => [
      {
        as: 'ana',
        url: '/api/v1/watchlists',
        payload: {
          name: 'openapi-new',
          description: 'Ivanti and Fortinet, high EPSS only',
          entries: [
            { kind: 'vendor', value: 'ivanti', thresholds: { minEpss: 0.5 } },
            { kind: 'cpe', value: 'cpe:2.3:o:fortinet:fortios:*:*:*:*:*:*:*:*' },
          ],
          subscriptions: [{ channel: 'inbox', events: ['new', 'kev_added'] }],
        },
        status: 201,
      },
    ],
    'PUT /api/v1/watchlists/:name': async () => [
      { as: 'ana', url: '/api/v1/watchlists/edge', payload: { description: 'PAN-OS on the edge', entries: EDGE_ENTRIES }, status: 200 },
    ],
    'DELETE /api/v1/watchlists/:name': async () => {
      await api.deps.alerts.upsertWatchlist({ name: 'openapi-doomed', owner: { user: 'ana' }, description: null });
      return [{ as: 'ana', url: '/api/v1/watchlists/openapi-doomed', status: 204 }];
    },
    'POST /api/v1/watchlists/preview': async () => [
      { as: 'ana', url: '/api/v1/watchlists/preview', payload: { entries: EDGE_ENTRIES, limit: 20 }, status: 200 },
      {
        as: 'ana',
        url: '/api/v1/watchlists/preview',
        payload: { entries: [{ kind: 'keyword', value: 'globalprotect', thresholds: { kevOnly: true } }] },
        status: 200,
      },
    ],
    'GET /api/v1/watchlists/:name/matches': async () => [{ as: 'vic', url: '/api/v1/watchlists/edge/matches', status: 200 }],
    'POST /api/v1/watchlists/:name/subscriptions': async () => [
      { as: 'ana', url: '/api/v1/watchlists/edge/subscriptions', payload: { channel: 'inbox', events: ['kev_added'], mode: 'daily' }, status: 201 },
    ],
    'DELETE /api/v1/watchlists/:name/subscriptions/:id': async () => {
      await api.deps.alerts.upsertWatchlist({ name: 'openapi-subs', owner: { user: 'ana' }, description: null });
      const sub = await api.deps.alerts.upsertSubscription({
        watchlist: 'openapi-subs',
        channel: 'inbox',
        target: null,
        events: ['new'],
        mode: 'immediate',
        quietHours: null,
        timezone: 'UTC',
        epssAbove: 0.5,
        epssJump: 0.2,
      });
      return [{ as: 'ana', url: `/api/v1/watchlists/openapi-subs/subscriptions/${sub.id}`, status: 204 }];
    },
    'GET /api/v1/alerts': async () => [
      { as: 'vic', url: '/api/v1/alerts', status: 200 },
      { as: 'vic', url: '/api/v1/alerts?triage=new&watchlist=edge&limit=2', status: 200 },
    ],
    'GET /alerts': async () => [{ as: 'vic', url: '/alerts?limit=3', status: 200 }],
    'GET /api/v1/alerts/:id': async () => [{ as: 'vic', url: `/api/v1/alerts/${await firstAlert()}`, status: 200 }],
    'POST /api/v1/alerts/:id/ack': async () => [{ as: 'ana', url: `/api/v1/alerts/${await firstAlert()}/ack`, status: 200 }],
    'PATCH /api/v1/alerts/:id': async () => [
      { as: 'ana', url: `/api/v1/alerts/${await firstAlert()}`, payload: { triage: 'fixed', assignee: 'ann' }, status: 200 },
      { as: 'ana', url: `/api/v1/alerts/${await firstAlert()}`, payload: { assignee: null }, status: 200 },
    ],
    'POST /api/v1/alerts/:id/comments': async () => [
      { as: 'ana', url: `/api/v1/alerts/${await firstAlert()}/comments`, payload: { body: 'Patched to 11.1.2-h3' }, status: 201 },
    ],
    'GET /api/v1/deliveries': async () => [{ as: 'vic', url: '/api/v1/deliveries', status: 200 }],
    'GET /api/v1/users': async () => [{ as: 'ada', url: '/api/v1/users', status: 200 }],
    'POST /api/v1/users': async () => [
      { as: 'ada', url: '/api/v1/users', payload: { name: 'openapi', role: 'analyst', password: TEST_PASSWORD, email: 'openapi@example.org' }, status: 201 },
    ],
    'PATCH /api/v1/users/:name': async () => [{ as: 'ada', url: '/api/v1/users/ann', payload: { role: 'analyst', disabled: false }, status: 200 }],
    'GET /api/v1/tokens': async () => {
      await api.apiToken('ana', ['read']);
      return [
        { as: 'ana', url: '/api/v1/tokens', status: 200 },
        { as: 'ada', url: '/api/v1/tokens?all=true', status: 200 },
      ];
    },
    'POST /api/v1/tokens': async () => [
      { as: 'ana', url: '/api/v1/tokens', payload: { name: 'ci', scopes: ['read', 'collect'], expiresInDays: 30 }, status: 201 },
    ],
    'DELETE /api/v1/tokens/:id': async () => {
      const { apiToken } = await json<{ apiToken: { id: number } }>('POST', {
        as: 'ana',
        url: '/api/v1/tokens',
        payload: { name: 'short-lived', scopes: ['read'] },
      });
      return [{ as: 'ana', url: `/api/v1/tokens/${apiToken.id}`, status: 204 }];
    },
    'GET /api/v1/audit': async () => [
      { as: 'ada', url: '/api/v1/audit?limit=500', status: 200 },
      { as: 'ada', url: '/api/v1/audit?action=auth.login&limit=2', status: 200 },
    ],
    'GET /api/v1/events': async () => [],
    'GET /api/v1/scraping/sources': async () => [{ as: 'ana', url: '/api/v1/scraping/sources', status: 200 }],
    'POST /api/v1/scraping/sources': async () => [{ as: 'ana', url: '/api/v1/scraping/sources', payload: intelFeed('openapi-feed'), status: 201 }],
    'POST /api/v1/scraping/sources/test': async () => [{ as: 'ana', url: '/api/v1/scraping/sources/test', payload: intelFeed('openapi-unsaved'), status: 200 }],
    'GET /api/v1/scraping/sources/:name': async () => [{ as: 'ana', url: '/api/v1/scraping/sources/openapi-intel', status: 200 }],
    'PATCH /api/v1/scraping/sources/:name': async () => [
      {
        as: 'ada',
        url: '/api/v1/scraping/sources/openapi-intel',
        payload: { headers: { Cookie: 'session=1' }, follow: null, minDelaySeconds: 0 },
        status: 200,
      },
    ],
    'DELETE /api/v1/scraping/sources/:name': async () => {
      await inject('POST', { as: 'ana', url: '/api/v1/scraping/sources', payload: intelFeed('openapi-doomed') });
      return [{ as: 'ana', url: '/api/v1/scraping/sources/openapi-doomed', status: 204 }];
    },
    'POST /api/v1/scraping/sources/:name/test': async () => [{ as: 'ana', url: '/api/v1/scraping/sources/openapi-intel/test', status: 200 }],
    'POST /api/v1/scraping/sources/:name/collect': async () => [
      { as: 'ana', url: '/api/v1/scraping/sources/openapi-intel/collect', status: 200 },
      { as: 'ana', url: '/api/v1/scraping/sources/openapi-intel/collect', status: 200 },
    ],
    'GET /api/v1/intel': async () => {
      const first = await json<{ nextCursor: string }>('GET', { as: 'vic', url: '/api/v1/intel?limit=3' });
      return [
        { as: 'vic', url: '/api/v1/intel', status: 200 },
        { as: 'vic', url: `/api/v1/intel?limit=3&cursor=${first.nextCursor}`, status: 200 },
        { as: 'vic', url: '/api/v1/intel?source=openapi-intel&cve=CVE-2025-53770&since=2025-01-01&q=SharePoint', status: 200 },
      ];
    },
    'POST /api/v1/analysis/text': async () => [
      {
        as: 'vic',
        url: '/api/v1/analysis/text',
        payload: { text: 'Beacons to hxxps://cdn-update[.]example[.]net/a.php, 45.77.12.9 and CVE-2024-3400; dropper a.exe', lang: 'en' },
        status: 200,
      },
    ],
    'GET /api/v1/iocs': async () => {
      const first = await json<{ nextCursor: string | null; items: unknown[] }>('GET', { as: 'vic', url: '/api/v1/iocs?limit=2' });
      expect(first.items.length, 'the collected posts name indicators').toBeGreaterThan(0);
      return [
        { as: 'vic', url: '/api/v1/iocs', status: 200 },
        ...(first.nextCursor ? [{ as: 'vic', url: `/api/v1/iocs?limit=2&cursor=${first.nextCursor}`, status: 200 }] : []),
        { as: 'vic', url: '/api/v1/iocs?type=sha256&q=a&since=2020-01-01&source=openapi-intel&warning=false', status: 200 },
      ];
    },
    // CSV: checked by src/api/iocs.test.ts (parsed back, row for row).
    'GET /api/v1/iocs/export.csv': async () => [],
    // CVE export: streamed text, parsed back by src/api/cve-export.test.ts.
    'GET /api/v1/cves/export.csv': async () => [],
    'GET /api/v1/cves/export.jsonl': async () => [],
    'GET /api/v1/iocs/:type/:value': async () => {
      const { items } = await json<{ items: { type: string; value: string }[] }>('GET', { as: 'vic', url: '/api/v1/iocs?limit=3' });
      return items.map((i) => ({ as: 'vic', url: `/api/v1/iocs/${i.type}/${encodeURIComponent(i.value)}`, status: 200 }));
    },
    'GET /api/v1/export/stix': async () => [
      { as: 'ana', url: '/api/v1/export/stix', status: 200 },
      { as: 'ana', url: '/api/v1/export/stix?since=2025-01-01', status: 200 },
      { as: 'ana', url: '/api/v1/export/stix?since=yesterday', status: 400 },
    ],
    'GET /api/v1/export/misp': async () => [{ as: 'ana', url: '/api/v1/export/misp?since=2025-01-01T00:00:00Z', status: 200 }],
    'GET /api/v1/exposure': async () => [
      { as: 'vic', url: '/api/v1/exposure?since=2024-01-01&until=2024-03-31&halfLife=14', status: 200 },
      { as: 'vic', url: '/api/v1/exposure?scope=watchlist:nope', status: 404 },
      { as: 'vic', url: '/api/v1/exposure?since=2024-03-01&until=2024-01-01', status: 400 },
    ],
    'GET /api/v1/trends': async () => [
      { as: 'vic', url: '/api/v1/trends?by=vendor&interval=month&top=5', status: 200 },
      { as: 'vic', url: '/api/v1/trends?by=cwe&interval=week&scope=watchlist:nope', status: 404 },
      { as: 'vic', url: '/api/v1/trends?by=nope', status: 400 },
    ],
    'GET /api/v1/trends/members': async () => [
      { as: 'vic', url: '/api/v1/trends/members?by=severity&key=CRITICAL&interval=month&bucket=2024-02-01&limit=5', status: 200 },
    ],
    'GET /api/v1/trends/epss-movers': async () => [
      { as: 'vic', url: '/api/v1/trends/epss-movers?from=2026-06-14&to=2026-08-16&limit=5', status: 200 },
      { as: 'vic', url: '/api/v1/trends/epss-movers?from=2026-08-16&to=2026-06-14', status: 400 },
    ],
    'GET /api/v1/trends/buzz': async () => [{ as: 'vic', url: '/api/v1/trends/buzz?since=2024-01-01&until=2026-12-31&limit=5', status: 200 }],
    // The HTML form is checked by src/reports/report.test.ts (parsed SVG, escaping).
    'GET /api/v1/reports/preview': async () => [
      { as: 'ana', url: '/api/v1/reports/preview?period=week&date=2024-03-31', status: 200 },
      { as: 'ana', url: '/api/v1/reports/preview?scope=watchlist:nope', status: 404 },
      { as: 'ana', url: '/api/v1/reports/preview?date=yesterday', status: 400 },
    ],
    // No VirusTotal key configured here: 503 (the look-ups themselves: src/virustotal/client.test.ts).
    'GET /api/v1/iocs/:type/:value/virustotal': async () => [{ as: 'ana', url: '/api/v1/iocs/domain/example.com/virustotal', status: 503 }],
    'GET /api/v1/intel/:id': async () => {
      const { items } = await json<{ items: { id: string }[] }>('GET', { as: 'vic', url: '/api/v1/intel?limit=3' });
      return items.map((d) => ({ as: 'vic', url: `/api/v1/intel/${d.id}`, status: 200 }));
    },
  };

  it('has calls for every route', () => {
    const routes = routesOf(api.app)
      .filter((r) => !r.hidden)
      .map((r) => `${r.method} ${r.url}`);
    expect(
      routes.filter((r) => !(r in CALLS)),
      'add the route to CALLS',
    ).toEqual([]);
    expect(Object.keys(CALLS).filter((k) => !routes.includes(k))).toEqual([]);
  });

  it.each(Object.keys(CALLS))('%s answers as documented', async (key) => {
    const [method, url] = key.split(' ') as [string, string];
    const path = openApiPath(url);
    for (const call of await CALLS[key]!()) {
      const res = await inject(method, call);
      const what = `${method} ${call.url} as ${call.as ?? 'nobody'}`;
      expect(res.statusCode, `${what}: ${res.body.slice(0, 300)}`).toBe(call.status);
      const documented = doc.paths[path]?.[method.toLowerCase()]?.responses[call.status];
      expect(documented, `${what}: ${call.status} is documented`).toBeDefined();
      if (call.status === 204) {
        expect(res.body).toBe('');
        continue;
      }
      expect(Object.keys(documented!.content ?? {}), what).toContain(String(res.headers['content-type']).split(';')[0]);
      expectValid(path, method.toLowerCase(), call.status, res.json(), what);
    }
  });

  it.each([
    ['GET', '/api/v1/cves/:id', { as: 'vic', url: '/api/v1/cves/CVE-2099-0001' }, 404, 'VIGIL_NOT_FOUND'],
    ['GET', '/api/v1/cves/:id', { as: 'vic', url: '/api/v1/cves/CVE-24-1' }, 400, 'VIGIL_INVALID_CVE_ID'],
    ['GET', '/api/v1/cves', { as: 'vic', url: '/api/v1/cves?limit=0' }, 400, 'VIGIL_BAD_REQUEST'],
    ['GET', '/api/v1/advisories/:id', { as: 'vic', url: '/api/v1/advisories/GHSA-0000-0000-0000' }, 404, 'VIGIL_NOT_FOUND'],
    ['GET', '/api/v1/advisories', { as: 'vic', url: '/api/v1/advisories?cursor=bm90IGEgY3Vyc29y' }, 400, 'VIGIL_BAD_REQUEST'],
    ['GET', '/api/v1/cves', { as: 'vic', url: '/api/v1/cves?sort=epss&cursor=bm90IGEgY3Vyc29y' }, 400, 'VIGIL_BAD_REQUEST'],
    ['GET', '/api/v1/alerts', { as: null, url: '/api/v1/alerts' }, 401, 'VIGIL_UNAUTHENTICATED'],
    ['GET', '/api/v1/users', { as: 'vic', url: '/api/v1/users' }, 403, 'VIGIL_FORBIDDEN'],
    ['POST', '/api/v1/users', { as: 'ada', url: '/api/v1/users', payload: { name: 'ana', role: 'viewer', password: TEST_PASSWORD } }, 409, 'VIGIL_CONFLICT'],
    [
      'POST',
      '/api/v1/watchlists',
      { as: 'ana', url: '/api/v1/watchlists', payload: { name: 'bad', entries: [{ kind: 'regex', value: '(' }] } },
      400,
      'VIGIL_WATCH_ENTRY_INVALID',
    ],
    ['POST', '/api/collect', { as: 'ana', url: '/api/collect', payload: { sources: ['nope'] } }, 400, 'VIGIL_UNKNOWN_SOURCE'],
    ['PATCH', '/api/v1/alerts/:id', { as: 'ana', url: '/api/v1/alerts/999999', payload: { triage: 'fixed' } }, 404, 'VIGIL_NOT_FOUND'],
    [
      'POST',
      '/api/v1/scraping/sources',
      { as: 'ana', url: '/api/v1/scraping/sources', payload: { name: 'metadata', kind: 'feed', url: 'http://169.254.169.254/latest/meta-data/' } },
      400,
      'VIGIL_URL_REFUSED',
    ],
    ['GET', '/api/v1/intel/:id', { as: 'vic', url: '/api/v1/intel/intel-00000000000000000000' }, 404, 'VIGIL_NOT_FOUND'],
    ['POST', '/api/v1/scraping/sources/:name/collect', { as: 'ana', url: '/api/v1/scraping/sources/nope/collect' }, 404, 'VIGIL_NOT_FOUND'],
  ] as const)('%s %s: error %#', async (method, route, call, status, code) => {
    const res = await inject(method, call);
    expect([res.statusCode, res.json().code], res.body).toEqual([status, code]);
    expectValid(openApiPath(route), method.toLowerCase(), status, res.json(), `${method} ${call.url}`);
  });

  it('answers a body that is not JSON with 415, and a body over the limit with 413, as ErrorBody', async () => {
    const headers = { authorization: `Bearer ${sessions.vic}` };
    const text = await api.app.inject({ method: 'POST', url: '/api/analyze', headers: { ...headers, 'content-type': 'text/plain' }, payload: 'CVE-2024-3400' });
    expect([text.statusCode, text.json().code]).toEqual([415, 'VIGIL_UNSUPPORTED_MEDIA_TYPE']);
    expectValid('/api/analyze', 'post', 415, text.json(), '415');
    const big = await api.app.inject({ method: 'POST', url: '/api/analyze', headers, payload: { cves: ['x'.repeat(api.config.server.bodyLimitBytes)] } });
    expect([big.statusCode, big.json().code]).toEqual([413, 'VIGIL_PAYLOAD_TOO_LARGE']);
    expectValid('/api/analyze', 'post', 413, big.json(), '413');
    const unknown = await api.app.inject({ url: '/api/v1/nothing-here', headers });
    expect(unknown.json()).toMatchObject({ statusCode: 404, code: 'VIGIL_NOT_FOUND' });
    expect(ajv.validate({ components: doc.components, $ref: '#/components/schemas/ErrorBody' }, unknown.json()), ajv.errorsText()).toBe(true);
  });

  it('serves Prometheus metrics in the text exposition format, with the CVE count of the store', async () => {
    const res = await inject('GET', { as: 'vic', url: '/metrics' });
    expect(res.statusCode).toBe(200);
    expect(res.headers['content-type']).toMatch(/^text\/plain; version=0\.0\.4/);
    expect(Object.keys(doc.paths['/metrics']!.get!.responses['200']!.content!)).toEqual(['text/plain']);
    // Blank lines are allowed (and ignored) by the format.
    const lines = res.body.split('\n').filter((l) => l !== '');
    // https://prometheus.io/docs/instrumenting/exposition_formats/#text-format-details
    const sample =
      /^[a-zA-Z_:][a-zA-Z0-9_:]*(\{[a-zA-Z_][a-zA-Z0-9_]*="(?:[^"\\\n]|\\.)*"(,[a-zA-Z_][a-zA-Z0-9_]*="(?:[^"\\\n]|\\.)*")*,?\})? (-?[0-9.e+-]+|NaN|[+-]Inf)( -?\d+)?$/;
    const comment = /^# (HELP [a-zA-Z_:][a-zA-Z0-9_:]* .*|TYPE [a-zA-Z_:][a-zA-Z0-9_:]* (counter|gauge|histogram|summary|untyped))$/;
    expect(lines.filter((l) => !sample.test(l) && !comment.test(l))).toEqual([]);
    expect(lines).toContain('# TYPE vigil_cves gauge');
    const cves = lines.find((l) => l.startsWith('vigil_cves '));
    // CVE records (a CVE known only from KEV has a row too, but no record yet: store/sqlite/known.ts).
    const stored = (await api.sql<{ n: number }>('SELECT count(*) AS n FROM vulns WHERE has_record = 1'))[0]?.n as number;
    expect(stored).toBeGreaterThan(100);
    expect(Number(cves?.split(' ')[1])).toBe(stored);
    expect(lines.some((l) => l.startsWith('vigil_http_requests_total{method="GET",route="/api/v1/cves",status="200"}'))).toBe(true);
  });

  it('streams Server-Sent Events whose alert events are AlertItems', async () => {
    const { port } = api.app.server.address() as { port: number };
    const abort = new AbortController();
    // Resuming from before the first alert (Last-Event-ID `<alertId>.<changeId>`) replays the inbox as `alert` events.
    const resumeFrom = `0.${await api.deps.alerts.lastChangeId()}`;
    const res = await fetch(`http://127.0.0.1:${port}/api/v1/events`, {
      headers: { authorization: `Bearer ${sessions.vic}`, 'last-event-id': resumeFrom },
      signal: abort.signal,
    });
    try {
      expect(res.status).toBe(200);
      expect(res.headers.get('content-type')).toBe('text/event-stream; charset=utf-8');
      expect(Object.keys(doc.paths['/api/v1/events']!.get!.responses['200']!.content!)).toEqual(['text/event-stream']);
      const reader = res.body!.getReader();
      let text = '';
      while (!text.includes('event: alert')) {
        const chunk = await reader.read();
        if (chunk.done) break;
        text += new TextDecoder().decode(chunk.value);
      }
      expect(text.startsWith('retry: 3000\n: connected\n\n')).toBe(true);
      const frame = text.split('\n\n').find((f) => f.includes('event: alert'))!;
      const data = JSON.parse(
        frame
          .split('\n')
          .find((l) => l.startsWith('data: '))!
          .slice(6),
      );
      expect(frame).toMatch(/^id: \d+\.\d+\nevent: alert\n/);
      expect(ajv.validate({ components: doc.components, $ref: '#/components/schemas/AlertItem' }, data), ajv.errorsText()).toBe(true);
    } finally {
      abort.abort();
    }
  });

  it('serves the API docs as HTML, from the same document', async () => {
    const page = await api.app.inject('/docs');
    expect(page.statusCode).toBe(200);
    expect(page.headers['content-type']).toMatch(/^text\/html/);
    expect(page.body).toContain('<title>Swagger UI</title>');
    // The docs page has its own policy (swagger-ui's staticCSP): still no inline script, no framing by other sites.
    const csp = String(page.headers['content-security-policy']);
    expect(csp).toMatch(/script-src 'self'\s*;/);
    expect(csp).toMatch(/frame-ancestors '(self|none)'/);
    expect((await api.app.inject('/docs/json')).json()).toEqual(doc);
  });
});
