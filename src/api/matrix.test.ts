/**
 * The authorization matrix (docs/api.md, "Roles and scopes"): every route × every kind of caller
 * answers as designed. Callers: no credential; an expired, forged, unsigned or orphaned JWT; a
 * header that is not a bearer credential; a revoked or unknown API token; a disabled account's
 * session and API token (all 401 VIGIL_UNAUTHENTICATED); the viewer, analyst and admin sessions
 * (2xx when the role suffices, else 403 VIGIL_FORBIDDEN); API tokens with and without the route's
 * scope (403 when lacking, and always on sign-in-only routes). Every refusal must be in the audit
 * log as `denied`. Then the resources of another user: a token (404, as if it did not exist) and a
 * watchlist (403). The table of routes must list every route the server has, so a new route cannot
 * go unchecked.
 */
// vigil-test: the back end cannot matter (who may call which route is decided by the routes' access rules; the audit rows it checks are the auth store's, tested on both back ends in auth.test.ts and rate-limit.test.ts).
import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import type { ErrorCode } from '../errors.ts';
import { validateSource } from '../intel/sources/schema.ts';
import type { Job, Role, Scope } from '../model/account.ts';
import { roleAtLeast, SCOPES } from '../model/account.ts';
import { startTestApi, TEST_PASSWORD, type TestApi } from '../testing/api.ts';
import { corpusPath, hasCorpus } from '../testing/corpus.ts';
import { type IntelSite, startIntelSite } from '../testing/intel-site.ts';
import { routesOf } from './app.ts';
import { issueAccessToken, newApiToken, randomSecret, tokenHash } from './auth/credentials.ts';
import { JWT_KEY_SETTING } from './auth/guard.ts';
import type { RouteAccess } from './context.ts';

/** One request to make: path with query, and a JSON body for writes. */
interface Call {
  url: string;
  payload?: Record<string, unknown>;
}

/** How to call a route successfully. */
interface Sample {
  /**
   * The access rule as designed, `role[/scope][/session]` (`analyst/write`, `viewer/session`,
   * `public`): checked against the route's declared rule, and the source of the expectations.
   */
  rule: string;
  /**
   * Builds the request for one call, made by `user` when the credential is accepted. Writes get
   * fresh names or a fresh resource each time, so every call can succeed.
   */
  request: (user: string) => Call | Promise<Call>;
  /** Status of an allowed call (default 200); `code` when the designed answer is an error. */
  status?: number;
  code?: ErrorCode;
  /** Server-Sent Events: called over the loopback with fetch (inject would wait for the end). */
  sse?: boolean;
}

const EDGE_ENTRIES = [{ kind: 'product', value: 'pan-os', vendor: 'paloaltonetworks' }];
let serial = 0;
/** A name no call used before. */
const fresh = (prefix: string) => `${prefix}-${++serial}`;
const BLEEPING = corpusPath('news', 'feeds', 'tsummey_cyberdash', 'bleepingcomputer.xml');

describe.skipIf(!hasCorpus())('authorization matrix', () => {
  let api: TestApi;
  /** Ids of real resources, found or made in beforeAll. */
  const fx = { alertId: 0, jobId: '', feedUrl: '', intelId: '' };
  let site: IntelSite;
  /** An intel feed source on the loopback site (the BleepingComputer corpus feed): no robots.txt, no pause. */
  const intelFeed = (name: string) => ({
    name,
    kind: 'feed',
    url: fx.feedUrl,
    robots: 'ignore',
    minDelaySeconds: 0,
    fetchArticles: 'never',
    minContentLength: 0,
  });
  /** Credentials by name (see `callers`). */
  const cred: Record<string, string> = {};

  /** Signs in and returns the refresh token (for refresh and sign-out calls). */
  async function refreshTokenOf(user: string): Promise<string> {
    const r = await api.app.inject({ method: 'POST', url: '/api/v1/auth/login', payload: { username: user, password: TEST_PASSWORD } });
    return r.json().refreshToken as string;
  }

  /** An API token of `user`, straight into the store (for resources a call then removes). */
  async function storedToken(user: string, scopes: Scope[] = ['read']) {
    const token = newApiToken();
    return api.deps.auth.createToken({ user, name: fresh('matrix'), tokenHash: tokenHash(token), prefix: token.slice(0, 8), scopes, expiresAt: null });
  }

  /**
   * Every route, by `METHOD url` as Fastify lists it. Ids are real: CVE-2024-3400 (PAN-OS
   * GlobalProtect, in the fixture from CVE 5, NVD and KEV), watchlist `edge` (owner ana), the
   * newest alert of the inbox.
   */
  const ROUTES: Record<string, Sample> = {
    'GET /health': { rule: 'public', request: () => ({ url: '/health' }) },
    'GET /api/status': { rule: 'viewer/read', request: () => ({ url: '/api/status' }) },
    'GET /stats': { rule: 'viewer/read', request: () => ({ url: '/stats' }) },
    'GET /metrics': { rule: 'viewer/read', request: () => ({ url: '/metrics' }) },
    'POST /api/v1/auth/login': { rule: 'public', request: () => ({ url: '/api/v1/auth/login', payload: { username: 'vic', password: TEST_PASSWORD } }) },
    'POST /api/v1/auth/refresh': {
      rule: 'public',
      request: async () => ({ url: '/api/v1/auth/refresh', payload: { refreshToken: await refreshTokenOf('vic') } }),
    },
    'POST /api/v1/auth/logout': {
      rule: 'public',
      status: 204,
      request: async () => ({ url: '/api/v1/auth/logout', payload: { refreshToken: await refreshTokenOf('vic') } }),
    },
    'GET /api/v1/auth/me': { rule: 'viewer', request: () => ({ url: '/api/v1/auth/me' }) },
    'GET /api/v1/auth/setup': { rule: 'public', request: () => ({ url: '/api/v1/auth/setup' }) },
    // The store has an admin, so setup is over for everyone, whatever credential comes along.
    'POST /api/v1/auth/setup': {
      rule: 'public',
      status: 409,
      code: 'VIGIL_CONFLICT',
      request: () => ({ url: '/api/v1/auth/setup', payload: { setupToken: randomSecret(), username: fresh('root'), password: TEST_PASSWORD } }),
    },
    'GET /api/v1/cves': { rule: 'viewer/read', request: () => ({ url: '/api/v1/cves?kev=true&limit=5' }) },
    'GET /api/v1/search': { rule: 'viewer/read', request: () => ({ url: '/api/v1/search?q=globalprotect&limit=5' }) },
    'GET /api/v1/cves/:id': { rule: 'viewer/read', request: () => ({ url: '/api/v1/cves/CVE-2024-3400' }) },
    'GET /api/v1/cves/:id/history': { rule: 'viewer/read', request: () => ({ url: '/api/v1/cves/CVE-2024-3400/history' }) },
    'GET /api/v1/advisories': { rule: 'viewer/read', request: () => ({ url: '/api/v1/advisories?cve=CVE-2021-44228' }) },
    'GET /api/v1/advisories/:id': { rule: 'viewer/read', request: () => ({ url: '/api/v1/advisories/GHSA-jfh8-c2jp-5v3q' }) },
    'GET /api/v1/exploits': { rule: 'viewer/read', request: () => ({ url: '/api/v1/exploits?limit=5' }) },
    'POST /api/analyze': { rule: 'viewer/read', request: () => ({ url: '/api/analyze', payload: { cves: ['CVE-2024-3400'] } }) },
    'POST /api/collect': { rule: 'analyst/collect', status: 202, request: () => ({ url: '/api/collect', payload: { sources: ['kev'] } }) },
    'GET /api/collect/:id': { rule: 'viewer/read', request: () => ({ url: `/api/collect/${fx.jobId}` }) },
    'GET /api/v1/watchlists': { rule: 'viewer/read', request: () => ({ url: '/api/v1/watchlists' }) },
    'GET /api/v1/watchlists/:name': { rule: 'viewer/read', request: () => ({ url: '/api/v1/watchlists/edge' }) },
    'POST /api/v1/watchlists': {
      rule: 'analyst/write',
      status: 201,
      request: () => ({ url: '/api/v1/watchlists', payload: { name: fresh('matrix'), entries: [{ kind: 'keyword', value: 'globalprotect' }] } }),
    },
    // The analyst session is ana, edge's owner; the admin may edit any watchlist.
    'PUT /api/v1/watchlists/:name': {
      rule: 'analyst/write',
      request: () => ({ url: '/api/v1/watchlists/edge', payload: { description: 'PAN-OS on the edge', entries: EDGE_ENTRIES } }),
    },
    'DELETE /api/v1/watchlists/:name': {
      rule: 'analyst/write',
      status: 204,
      request: async () => {
        const name = fresh('doomed');
        await api.deps.alerts.upsertWatchlist({ name, owner: { user: 'ana' }, description: null });
        return { url: `/api/v1/watchlists/${name}` };
      },
    },
    'POST /api/v1/watchlists/preview': {
      rule: 'analyst/write',
      request: () => ({ url: '/api/v1/watchlists/preview', payload: { entries: EDGE_ENTRIES, limit: 5 } }),
    },
    'GET /api/v1/watchlists/:name/matches': { rule: 'viewer/read', request: () => ({ url: '/api/v1/watchlists/edge/matches?limit=5' }) },
    'POST /api/v1/watchlists/:name/subscriptions': {
      rule: 'analyst/write',
      status: 201,
      request: () => ({ url: '/api/v1/watchlists/edge/subscriptions', payload: { channel: 'inbox', events: ['kev_added'] } }),
    },
    'DELETE /api/v1/watchlists/:name/subscriptions/:id': {
      rule: 'analyst/write',
      status: 204,
      request: async () => {
        const name = fresh('subs');
        await api.deps.alerts.upsertWatchlist({ name, owner: { user: 'ana' }, description: null });
        const sub = await api.deps.alerts.upsertSubscription({
          watchlist: name,
          channel: 'inbox',
          target: null,
          events: ['new'],
          mode: 'immediate',
          quietHours: null,
          timezone: 'UTC',
          epssAbove: 0.5,
          epssJump: 0.2,
        });
        return { url: `/api/v1/watchlists/${name}/subscriptions/${sub.id}` };
      },
    },
    'GET /api/v1/alerts': { rule: 'viewer/read', request: () => ({ url: '/api/v1/alerts?watchlist=edge&limit=5' }) },
    'GET /alerts': { rule: 'viewer/read', request: () => ({ url: '/alerts?limit=5' }) },
    'GET /api/v1/alerts/:id': { rule: 'viewer/read', request: () => ({ url: `/api/v1/alerts/${fx.alertId}` }) },
    'POST /api/v1/alerts/:id/ack': { rule: 'analyst/write', request: () => ({ url: `/api/v1/alerts/${fx.alertId}/ack` }) },
    'PATCH /api/v1/alerts/:id': {
      rule: 'analyst/write',
      request: () => ({ url: `/api/v1/alerts/${fx.alertId}`, payload: { triage: 'triaged', assignee: 'ana' } }),
    },
    'POST /api/v1/alerts/:id/comments': {
      rule: 'analyst/write',
      status: 201,
      request: () => ({ url: `/api/v1/alerts/${fx.alertId}/comments`, payload: { body: 'GlobalProtect is off on our firewalls' } }),
    },
    'GET /api/v1/deliveries': { rule: 'viewer/read', request: () => ({ url: '/api/v1/deliveries?limit=5' }) },
    'GET /api/v1/users': { rule: 'admin/admin', request: () => ({ url: '/api/v1/users' }) },
    'POST /api/v1/users': {
      rule: 'admin/admin',
      status: 201,
      request: () => ({ url: '/api/v1/users', payload: { name: fresh('new'), role: 'viewer', password: TEST_PASSWORD } }),
    },
    'PATCH /api/v1/users/:name': { rule: 'admin/admin', request: () => ({ url: '/api/v1/users/ann', payload: { disabled: false } }) },
    'GET /api/v1/tokens': { rule: 'viewer/read', request: () => ({ url: '/api/v1/tokens' }) },
    // Every signed-in user manages their own tokens (a viewer: read-only ones), from a sign-in session only.
    'POST /api/v1/tokens': {
      rule: 'viewer/session',
      status: 201,
      request: () => ({ url: '/api/v1/tokens', payload: { name: fresh('matrix'), scopes: ['read'] } }),
    },
    'DELETE /api/v1/tokens/:id': { rule: 'viewer/session', status: 204, request: async (user) => ({ url: `/api/v1/tokens/${(await storedToken(user)).id}` }) },
    'GET /api/v1/audit': { rule: 'admin/admin', request: () => ({ url: '/api/v1/audit?limit=5' }) },
    'GET /api/v1/events': { rule: 'viewer/read', sse: true, request: () => ({ url: '/api/v1/events' }) },
    // Intel sources: analysts and admins only (their headers may hold secrets); fetching needs `collect`.
    'GET /api/v1/scraping/sources': { rule: 'analyst/read', request: () => ({ url: '/api/v1/scraping/sources' }) },
    'POST /api/v1/scraping/sources': {
      rule: 'analyst/write',
      status: 201,
      request: () => ({ url: '/api/v1/scraping/sources', payload: intelFeed(fresh('matrix')) }),
    },
    'POST /api/v1/scraping/sources/test': {
      rule: 'analyst/collect',
      request: () => ({ url: '/api/v1/scraping/sources/test', payload: intelFeed(fresh('unsaved')) }),
    },
    'GET /api/v1/scraping/sources/:name': { rule: 'analyst/read', request: () => ({ url: '/api/v1/scraping/sources/matrix-feed' }) },
    'PATCH /api/v1/scraping/sources/:name': {
      rule: 'analyst/write',
      request: () => ({ url: '/api/v1/scraping/sources/matrix-feed', payload: { enabled: true } }),
    },
    'DELETE /api/v1/scraping/sources/:name': {
      rule: 'analyst/write',
      status: 204,
      request: async () => {
        const name = fresh('doomed');
        await api.deps.intel.saveSource(validateSource(intelFeed(name), { allowHosts: ['127.0.0.1'], torProxy: 'socks5h://127.0.0.1:9050' }, new Date()));
        return { url: `/api/v1/scraping/sources/${name}` };
      },
    },
    'POST /api/v1/scraping/sources/:name/test': { rule: 'analyst/collect', request: () => ({ url: '/api/v1/scraping/sources/matrix-feed/test' }) },
    'POST /api/v1/scraping/sources/:name/collect': { rule: 'analyst/collect', request: () => ({ url: '/api/v1/scraping/sources/matrix-feed/collect' }) },
    'GET /api/v1/intel': { rule: 'viewer/read', request: () => ({ url: '/api/v1/intel?source=matrix-feed&limit=5' }) },
    'GET /api/v1/intel/:id': { rule: 'viewer/read', request: () => ({ url: `/api/v1/intel/${fx.intelId}` }) },
    'GET /api/v1/iocs': { rule: 'viewer/read', request: () => ({ url: '/api/v1/iocs?limit=5' }) },
    'GET /api/v1/iocs/export.csv': { rule: 'viewer/read', request: () => ({ url: '/api/v1/iocs/export.csv?type=domain' }) },
    'GET /api/v1/cves/export.csv': { rule: 'viewer/read', request: () => ({ url: '/api/v1/cves/export.csv?kev=true' }) },
    'GET /api/v1/cves/export.jsonl': { rule: 'viewer/read', request: () => ({ url: '/api/v1/cves/export.jsonl?kev=true' }) },
    'GET /api/v1/iocs/:type/:value': { rule: 'viewer/read', request: () => ({ url: '/api/v1/iocs/domain/matrix-ioc.example' }) },
    'GET /api/v1/export/stix': { rule: 'analyst/read', request: () => ({ url: '/api/v1/export/stix?since=2020-01-01' }) },
    'GET /api/v1/export/misp': { rule: 'analyst/read', request: () => ({ url: '/api/v1/export/misp' }) },
    'GET /api/v1/exposure': { rule: 'viewer/read', request: () => ({ url: '/api/v1/exposure?since=2024-01-01&until=2024-01-31' }) },
    'GET /api/v1/trends': { rule: 'viewer/read', request: () => ({ url: '/api/v1/trends?by=cwe&interval=week' }) },
    'GET /api/v1/trends/members': { rule: 'viewer/read', request: () => ({ url: '/api/v1/trends/members?by=severity&key=HIGH&interval=month&bucket=2024-01-01' }) },
    'GET /api/v1/trends/epss-movers': { rule: 'viewer/read', request: () => ({ url: '/api/v1/trends/epss-movers?from=2026-06-14&to=2026-08-16' }) },
    'GET /api/v1/trends/buzz': { rule: 'viewer/read', request: () => ({ url: '/api/v1/trends/buzz?since=2024-01-01&until=2026-12-31' }) },
    'GET /api/v1/reports/preview': { rule: 'analyst/read', request: () => ({ url: '/api/v1/reports/preview?date=2024-01-31' }) },
    // No VirusTotal key in the test configuration: the designed answer is 503 naming it.
    'GET /api/v1/iocs/:type/:value/virustotal': {
      rule: 'analyst/read',
      status: 503,
      code: 'VIGIL_SOURCE_UNAVAILABLE',
      request: () => ({ url: '/api/v1/iocs/domain/matrix-ioc.example/virustotal' }),
    },
    'POST /api/v1/analysis/text': {
      rule: 'viewer/read',
      request: () => ({ url: '/api/v1/analysis/text', payload: { text: 'C&C at hxxp://update-check[.]example[.]com and 185.25.51.201 (CVE-2024-3400).' } }),
    },
  };

  /** `role[/scope][/session]` as a {@link RouteAccess} (without audit fields). */
  function parseRule(rule: string): Pick<RouteAccess, 'role' | 'scope' | 'sessionOnly'> {
    const [role, ...rest] = rule.split('/');
    const scope = rest.find((r) => r !== 'session') as Scope | undefined;
    return { role: role as RouteAccess['role'], ...(scope ? { scope } : {}), ...(rest.includes('session') ? { sessionOnly: true } : {}) };
  }

  type Expected = { status: 'allowed' } | { status: 401 | 403; code: ErrorCode };
  const ALLOWED: Expected = { status: 'allowed' };
  const UNAUTHENTICATED: Expected = { status: 401, code: 'VIGIL_UNAUTHENTICATED' };
  const FORBIDDEN: Expected = { status: 403, code: 'VIGIL_FORBIDDEN' };

  interface Caller {
    name: string;
    /** Who acts when the credential is accepted (the owner of per-call resources). */
    user: string;
    /** The Authorization header for a route with this rule (null: none). */
    header: (rule: RouteAccess) => string | null;
    expected: (rule: RouteAccess) => Expected;
  }

  /** A credential the server must refuse on every non-public route. */
  function refused(name: string, header: () => string): Caller {
    return { name, user: 'ada', header, expected: (rule) => (rule.role === 'public' ? ALLOWED : UNAUTHENTICATED) };
  }
  function session(user: string, role: Role): Caller {
    return {
      name: `${role} session (${user})`,
      user,
      header: () => `Bearer ${cred[user]}`,
      expected: (rule) => (rule.role === 'public' || roleAtLeast(role, rule.role) ? ALLOWED : FORBIDDEN),
    };
  }
  /** An API token of `user`; `scopes` picks the token for the route (its scope, or every other). */
  function apiToken(name: string, user: string, role: Role, scopes: (rule: RouteAccess) => Scope[]): Caller {
    const key = (rule: RouteAccess) => `${user}:${scopes(rule).join(',')}`;
    return {
      name,
      user,
      header: (rule) => `Bearer ${cred[key(rule)]}`,
      expected: (rule) => {
        if (rule.role === 'public') return ALLOWED;
        if (!roleAtLeast(role, rule.role) || rule.sessionOnly) return FORBIDDEN;
        return rule.scope && !scopes(rule).includes(rule.scope) ? FORBIDDEN : ALLOWED;
      },
    };
  }
  const only = (rule: RouteAccess): Scope[] => [rule.scope ?? 'read'];
  const allBut = (rule: RouteAccess): Scope[] => SCOPES.filter((s) => s !== (rule.scope ?? 'read'));

  const callers: Caller[] = [
    { name: 'no credential', user: 'ada', header: () => null, expected: (rule) => (rule.role === 'public' ? ALLOWED : UNAUTHENTICATED) },
    refused('not a bearer credential', () => `Basic ${Buffer.from(`ada:${TEST_PASSWORD}`).toString('base64')}`),
    refused('expired JWT', () => `Bearer ${cred.expired}`),
    refused('JWT signed with another key', () => `Bearer ${cred.forged}`),
    refused('unsigned JWT (alg none)', () => `Bearer ${cred.unsigned}`),
    refused('JWT of an unknown user', () => `Bearer ${cred.orphan}`),
    refused('revoked API token', () => `Bearer ${cred.revoked}`),
    refused('unknown API token', () => `Bearer ${newApiToken()}`),
    refused('disabled account, JWT', () => `Bearer ${cred.disabledJwt}`),
    refused('disabled account, API token', () => `Bearer ${cred.disabledToken}`),
    session('vic', 'viewer'),
    session('ana', 'analyst'),
    session('ada', 'admin'),
    apiToken('viewer API token (read)', 'vic', 'viewer', () => ['read']),
    apiToken("admin API token with the route's scope", 'ada', 'admin', only),
    apiToken('admin API token with every other scope', 'ada', 'admin', allBut),
  ];

  beforeAll(async () => {
    site = await startIntelSite([{ file: BLEEPING, origin: 'https://www.bleepingcomputer.com', path: '/feed/' }]);
    fx.feedUrl = site.feedUrl(BLEEPING);
    api = await startTestApi({ listen: true, configure: (c) => void Object.assign(c.intel, { allowHosts: ['127.0.0.1'], minDelaySeconds: 0 }) });
    const key = (await api.deps.auth.getSetting(JWT_KEY_SETTING))!;
    for (const user of ['vic', 'ana', 'ada']) cred[user] = await api.login(user);
    cred.expired = await issueAccessToken(key, 'ada', 'admin', new Date(Date.now() - 3600_000));
    cred.forged = await issueAccessToken(randomSecret(), 'ada', 'admin', new Date());
    const b64 = (o: object) => Buffer.from(JSON.stringify(o)).toString('base64url');
    const iat = Math.floor(Date.now() / 1000);
    cred.unsigned = `${b64({ alg: 'none', typ: 'JWT' })}.${b64({ sub: 'ada', role: 'admin', iss: 'vigil', aud: 'vigil-api', iat, exp: iat + 900 })}.`;
    cred.orphan = await issueAccessToken(key, 'mallory', 'admin', new Date());
    cred.disabledJwt = await issueAccessToken(key, 'dis', 'analyst', new Date());
    cred.disabledToken = newApiToken();
    await api.deps.auth.createToken({
      user: 'dis',
      name: 'before disabling',
      tokenHash: tokenHash(cred.disabledToken),
      prefix: cred.disabledToken.slice(0, 8),
      scopes: [...SCOPES],
      expiresAt: null,
    });
    // API tokens made through the API, as their owners would.
    const create = async (user: string, scopes: Scope[]) => {
      const r = await api.app.inject({
        method: 'POST',
        url: '/api/v1/tokens',
        headers: { authorization: `Bearer ${cred[user]}` },
        payload: { name: scopes.join('+'), scopes },
      });
      expect(r.statusCode, r.body).toBe(201);
      return r.json() as { token: string; apiToken: { id: number } };
    };
    cred['vic:read'] = (await create('vic', ['read'])).token;
    for (const scope of SCOPES) {
      cred[`ada:${scope}`] = (await create('ada', [scope])).token;
      const others = SCOPES.filter((s) => s !== scope);
      cred[`ada:${others.join(',')}`] = (await create('ada', others)).token;
    }
    const revoked = await create('ada', [...SCOPES]);
    cred.revoked = revoked.token;
    const del = await api.app.inject({ method: 'DELETE', url: `/api/v1/tokens/${revoked.apiToken.id}`, headers: { authorization: `Bearer ${cred.ada}` } });
    expect(del.statusCode).toBe(204);

    const [alert] = await api.deps.triage.listInbox({ watchlist: 'edge', limit: 1 });
    expect(alert, 'the fixture inbox holds alerts of edge').toBeDefined();
    fx.alertId = alert!.id;
    const job: Job = {
      id: randomUUID(),
      kind: 'collect',
      status: 'succeeded',
      sources: ['kev'],
      progress: [{ source: 'kev', status: 'succeeded', stored: 0, error: null }],
      requestedBy: 'ana',
      createdAt: new Date().toISOString(),
      startedAt: null,
      finishedAt: null,
      error: null,
    };
    await api.deps.auth.saveJob(job);
    fx.jobId = job.id;
    const policy = { allowHosts: api.config.intel.allowHosts, torProxy: api.config.intel.torProxy };
    await api.deps.intel.saveSource(validateSource(intelFeed('matrix-feed'), policy, new Date()));
    const collected = await api.app.inject({
      method: 'POST',
      url: '/api/v1/scraping/sources/matrix-feed/collect',
      headers: { authorization: `Bearer ${cred.ada}` },
    });
    expect(collected.json().report?.created, collected.body).toBeGreaterThan(0);
    const [doc] = await api.deps.intel.listDocuments({ source: 'matrix-feed', limit: 1 });
    fx.intelId = doc!.id;
    // An indicator of that document for the IOC detail route (the feed's summaries may name none).
    const ioc = { type: 'domain' as const, value: 'matrix-ioc.example', original: 'matrix-ioc[.]example', start: 0, end: 20 };
    await api.deps.iocs.saveDocumentIocs({ documentId: doc!.id, source: 'matrix-feed', seen: doc!.fetchedAt, tlp: 'clear', iocs: [ioc], cves: [] });
  });
  afterAll(async () => {
    await api?.close();
    await site?.close();
  });

  /** Makes one call; answers the status and, for an error, its code. */
  async function send(method: string, call: Call, authorization: string | null, tag: string, sse: boolean): Promise<{ status: number; code: string | null }> {
    const headers: Record<string, string> = { 'user-agent': tag, ...(authorization ? { authorization } : {}) };
    if (sse) {
      const { port } = api.app.server.address() as { port: number };
      const abort = new AbortController();
      const res = await fetch(`http://127.0.0.1:${port}${call.url}`, { headers, signal: abort.signal });
      const body = res.status >= 400 ? ((await res.json()) as { code: string }) : null;
      abort.abort();
      return { status: res.status, code: body?.code ?? null };
    }
    const res = await api.app.inject({ method: method as 'GET', url: call.url, headers, ...(call.payload ? { payload: call.payload } : {}) });
    return { status: res.statusCode, code: res.statusCode >= 400 ? (res.json() as { code: string }).code : null };
  }

  it('lists every route the server has, and only those', () => {
    const served = routesOf(api.app)
      .filter((r) => !r.hidden)
      .map((r) => `${r.method} ${r.url}`);
    expect(
      served.filter((k) => !(k in ROUTES)),
      'routes missing from the matrix: add them to ROUTES',
    ).toEqual([]);
    expect(
      Object.keys(ROUTES).filter((k) => !served.includes(k)),
      'ROUTES lists routes the server does not have',
    ).toEqual([]);
  });

  it('serves the docs, the dashboard and the OpenAPI document (the only hidden routes) without a credential', async () => {
    const hidden = routesOf(api.app).filter((r) => r.hidden);
    for (const r of hidden) {
      expect(r.url, `${r.method} ${r.url} is hidden from the OpenAPI document`).toMatch(/^\/(docs.*|ui.*|openapi\.json)?$/);
      expect(r.access?.role, r.url).toBe('public');
    }
    for (const url of ['/', '/ui/', '/ui/cves/CVE-2024-3400', '/docs', '/docs/json', '/openapi.json']) {
      const res = await api.app.inject({ url });
      // The test server has no built dashboard: /ui/ answers 404, but never 401/403.
      expect([200, 302, 404], url).toContain(res.statusCode);
    }
  });

  it.each(Object.keys(ROUTES))('%s', async (key) => {
    const sample = ROUTES[key]!;
    const route = routesOf(api.app).find((r) => `${r.method} ${r.url}` === key);
    expect(route, `${key} is not served`).toBeDefined();
    const rule = parseRule(sample.rule);
    expect(route!.access, 'the declared access rule').toMatchObject(rule);
    expect(route!.access?.scope, 'the declared scope').toBe(rule.scope);
    expect(Boolean(route!.access?.sessionOnly), 'sign-in only').toBe(Boolean(rule.sessionOnly));

    const calls: { caller: string; status: number; code: string | null; tag: string; expected: Expected }[] = [];
    for (const caller of callers) {
      const tag = `matrix ${key} | ${caller.name}`;
      const res = await send(route!.method, await sample.request(caller.user), caller.header(rule), tag, sample.sse ?? false);
      calls.push({ caller: caller.name, ...res, tag, expected: caller.expected(rule) });
    }
    const wanted = (e: Expected) => (e.status === 'allowed' ? { status: sample.status ?? 200, code: sample.code ?? null } : e);
    expect(calls.map(({ caller, status, code }) => ({ caller, status, code }))).toEqual(calls.map(({ caller, expected }) => ({ caller, ...wanted(expected) })));

    // Every refusal, and every allowed write, is in the audit log (found by the call's user agent),
    // written right after the answer (onResponse): on PostgreSQL a row may land a moment later.
    await vi.waitFor(async () => {
      const audit = await api.app.inject({ url: '/api/v1/audit?limit=500', headers: { authorization: `Bearer ${cred.ada}` } });
      const rows = (
        audit.json() as { items: { userAgent: string | null; outcome: string; statusCode: number; action: string; detail: { count?: number } | null }[] }
      ).items;
      for (const c of calls) {
        // Identical refusals from one address within a minute share a row with a count (api/auth/audit.ts).
        const row =
          rows.find((r) => r.userAgent === c.tag) ?? (c.status === 401 ? rows.find((r) => r.statusCode === 401 && (r.detail?.count ?? 1) > 1) : undefined);
        if (c.status === 401 || c.status === 403) expect(row, c.tag).toMatchObject({ outcome: 'denied', statusCode: c.status });
        else if (route!.method !== 'GET' && route!.access?.audit !== false)
          expect(row, c.tag).toMatchObject({ outcome: c.status < 400 ? 'success' : 'failure', statusCode: c.status });
        else expect(row, `${c.tag}: reads are not audited`).toBeUndefined();
      }
    });
  });

  describe('resources of another user', () => {
    it('answers 404 for another user’s API token, exactly as for one that does not exist', async () => {
      const ann = await storedToken('ann');
      const as = (user: string) => ({ authorization: `Bearer ${cred[user]}` });
      const theirs = await api.app.inject({ method: 'DELETE', url: `/api/v1/tokens/${ann.id}`, headers: as('ana') });
      const missing = await api.app.inject({ method: 'DELETE', url: `/api/v1/tokens/${ann.id + 1000}`, headers: as('ana') });
      expect(theirs.statusCode).toBe(404);
      expect(missing.statusCode).toBe(404);
      // Same body but for the id asked about and the request id: nothing says the token exists.
      const shape = (body: Record<string, unknown>, id: number) => ({
        ...body,
        message: String(body.message).replace(String(id), '<id>'),
        requestId: '<request>',
      });
      expect(shape(theirs.json(), ann.id)).toEqual(shape(missing.json(), ann.id + 1000));
      expect(theirs.json().code).toBe('VIGIL_NOT_FOUND');
      // The token was not revoked, and ana does not see it in her list.
      expect((await api.deps.auth.getToken(ann.id))?.revokedAt).toBeNull();
      const list = await api.app.inject({ url: '/api/v1/tokens', headers: as('ana') });
      expect((list.json() as { items: { id: number }[] }).items.map((t) => t.id)).not.toContain(ann.id);
      // Only an admin lists every user's tokens.
      const all = await api.app.inject({ url: '/api/v1/tokens?all=true', headers: as('ana') });
      expect([all.statusCode, all.json().code]).toEqual([403, 'VIGIL_FORBIDDEN']);
      const revokedByAdmin = await api.app.inject({ method: 'DELETE', url: `/api/v1/tokens/${ann.id}`, headers: as('ada') });
      expect(revokedByAdmin.statusCode).toBe(204);
    });

    // Watchlists are visible to every viewer (GET /api/v1/watchlists lists them all), so a 403 on
    // another user's watchlist tells the caller nothing it could not read anyway; 404 would hide nothing.
    it.each([
      ['PUT', { description: 'taken over', entries: [] }],
      ['DELETE', undefined],
    ] as const)('refuses %s of a watchlist owned by another analyst (403)', async (method, payload) => {
      const ann = await api.login('ann');
      const annToken = await api.apiToken('ann', ['read', 'write']);
      for (const credential of [ann, annToken]) {
        const res = await api.app.inject({
          method,
          url: '/api/v1/watchlists/edge',
          headers: { authorization: `Bearer ${credential}` },
          ...(payload ? { payload } : {}),
        });
        expect([res.statusCode, res.json().code, res.json().message]).toEqual([403, 'VIGIL_FORBIDDEN', 'Not allowed: watchlist edge belongs to ana']);
      }
      const edge = await api.deps.alerts.getWatchlist('edge');
      expect(edge?.entries.map((e) => e.value)).toEqual(['pan-os']);
    });
  });
});
