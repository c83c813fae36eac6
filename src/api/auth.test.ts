/**
 * Sign-in and credentials on the real server (docs/api.md, "Authentication"): the JWT access
 * token's claims, failed sign-ins that reveal nothing, refresh-token rotation and reuse detection
 * (RFC 6819 §5.2.2.3), sign-out, disabled and demoted accounts, password changes, the last admin,
 * the one-time setup token, API tokens (shown once, stored hashed, expiring, scoped), the sign-in
 * rate limit, security headers and CORS.
 */
import { createHash } from 'node:crypto';
import { decodeJwt, decodeProtectedHeader } from 'jose';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import type { VigilConfig } from '../config.ts';
import type { AuditEntry } from '../model/account.ts';
import { startTestApi, TEST_PASSWORD, type TestApi } from '../testing/api.ts';
import { hasCorpus } from '../testing/corpus.ts';
import { randomSecret, tokenHash } from './auth/credentials.ts';
import { SETUP_TOKEN_SETTING } from './routes/auth.ts';

const NEW_PASSWORD = 'a different passphrase, long enough';

/** A small client over `app.inject()` for one test API. */
function client(api: TestApi) {
  const call = (
    method: 'GET' | 'POST' | 'PATCH' | 'DELETE',
    url: string,
    options: { token?: string; payload?: object; headers?: Record<string, string> } = {},
  ) =>
    api.app.inject({
      method,
      url,
      headers: { ...(options.token ? { authorization: `Bearer ${options.token}` } : {}), ...options.headers },
      ...(options.payload ? { payload: options.payload } : {}),
    });
  return {
    call,
    login: (username: string, password = TEST_PASSWORD, headers: Record<string, string> = {}) =>
      call('POST', '/api/v1/auth/login', { payload: { username, password }, headers }),
    refresh: (refreshToken: string) => call('POST', '/api/v1/auth/refresh', { payload: { refreshToken } }),
    /** Creates an account as ada (admin). */
    async createUser(name: string, role: 'viewer' | 'analyst' | 'admin') {
      const res = await call('POST', '/api/v1/users', { token: await api.login('ada'), payload: { name, role, password: TEST_PASSWORD } });
      expect(res.statusCode, res.body).toBe(201);
    },
    /** Changes an account as ada. */
    async patchUser(name: string, change: object) {
      return call('PATCH', `/api/v1/users/${name}`, { token: await api.login('ada'), payload: change });
    },
    /** Audit rows, newest first, read as ada. */
    async audit(query = ''): Promise<AuditEntry[]> {
      return (await call('GET', `/api/v1/audit?limit=500${query}`, { token: await api.login('ada') })).json().items;
    },
  };
}

/** An error answer as status and code. */
const error = (res: { statusCode: number; json: () => { code?: string } }) => [res.statusCode, res.json().code];

describe.skipIf(!hasCorpus())('sign-in and credentials', () => {
  let api: TestApi;
  let c: ReturnType<typeof client>;

  beforeAll(async () => {
    api = await startTestApi();
    c = client(api);
  });
  afterAll(async () => api?.close());

  describe('sessions', () => {
    it('signs in with a 15-minute JWT access token naming the user and role', async () => {
      const res = await c.login('ana');
      expect(res.statusCode).toBe(200);
      const body = res.json();
      expect(body).toMatchObject({ tokenType: 'Bearer', expiresIn: 900, user: { name: 'ana', role: 'analyst' } });
      expect(body.refreshToken).toMatch(/^[A-Za-z0-9_-]{43}$/);
      expect(decodeProtectedHeader(body.accessToken)).toEqual({ alg: 'HS256', typ: 'JWT' });
      const claims = decodeJwt(body.accessToken);
      expect(claims).toMatchObject({ sub: 'ana', role: 'analyst', iss: 'vigil', aud: 'vigil-api' });
      expect(claims.exp! - claims.iat!).toBe(900);
      expect(Math.abs(claims.iat! - Date.now() / 1000)).toBeLessThan(60);
      const me = await c.call('GET', '/api/v1/auth/me', { token: body.accessToken });
      expect(me.json()).toMatchObject({ name: 'ana', role: 'analyst', via: 'session', scopes: ['read', 'write', 'collect', 'admin'] });
    });

    it('answers a wrong password, an unknown user and a disabled account alike, and audits each as a failure', async () => {
      const attempts = [
        { user: 'ana', password: 'not the password at all', reason: 'wrong password' },
        { user: 'nobody', password: TEST_PASSWORD, reason: 'unknown user' },
        { user: 'dis', password: TEST_PASSWORD, reason: 'account disabled' },
      ];
      const bodies = [];
      for (const a of attempts) {
        const res = await c.login(a.user, a.password, { 'user-agent': `auth-test ${a.reason}` });
        expect(error(res)).toEqual([401, 'VIGIL_INVALID_CREDENTIALS']);
        const { requestId, ...rest } = res.json();
        expect(requestId).toBeTruthy();
        bodies.push(rest);
      }
      expect(bodies[1]).toEqual(bodies[0]);
      expect(bodies[2]).toEqual(bodies[0]);
      const rows = await c.audit('&action=auth.login');
      for (const a of attempts) {
        const row = rows.find((r) => r.userAgent === `auth-test ${a.reason}`);
        expect(row).toMatchObject({
          actor: a.user,
          target: `user:${a.user}`,
          actorKind: 'anonymous',
          outcome: 'failure',
          statusCode: 401,
          ip: '127.0.0.1',
          detail: { reason: a.reason },
        });
      }
    });

    it('rotates refresh tokens, and a reused one ends its whole chain', async () => {
      const r1 = (await c.login('vic')).json().refreshToken as string;
      const other = (await c.login('vic')).json().refreshToken as string;
      const second = await c.refresh(r1);
      expect(second.statusCode).toBe(200);
      const r2 = second.json().refreshToken as string;
      expect(r2).not.toBe(r1);
      expect((await c.call('GET', '/api/v1/auth/me', { token: second.json().accessToken })).statusCode).toBe(200);
      const r3 = (await c.refresh(r2)).json().refreshToken as string;
      // r1 was used already: someone replays it. Its chain ends, including r3, never used.
      const replay = await c.refresh(r1);
      expect(error(replay)).toEqual([401, 'VIGIL_UNAUTHENTICATED']);
      expect(replay.json().message).toMatch(/already used/);
      expect(error(await c.refresh(r3))).toEqual([401, 'VIGIL_UNAUTHENTICATED']);
      // Another sign-in of the same user is another chain, untouched.
      expect((await c.refresh(other)).statusCode).toBe(200);
      const row = (await c.audit('&action=auth.refresh')).find((r) => r.detail?.reason);
      expect(row).toMatchObject({ actor: 'vic', outcome: 'failure', statusCode: 401, detail: { reason: 'refresh token reuse: session chain revoked' } });
    });

    it('signs out: the refresh token no longer works; an unknown one is answered the same', async () => {
      const refreshToken = (await c.login('vic')).json().refreshToken as string;
      expect((await c.call('POST', '/api/v1/auth/logout', { payload: { refreshToken } })).statusCode).toBe(204);
      expect(error(await c.refresh(refreshToken))).toEqual([401, 'VIGIL_UNAUTHENTICATED']);
      expect((await c.call('POST', '/api/v1/auth/logout', { payload: { refreshToken: randomSecret() } })).statusCode).toBe(204);
    });

    it('disabling an account ends its sessions and API tokens at once', async () => {
      await c.createUser('dee', 'analyst');
      const session = (await c.login('dee')).json();
      const token = await api.apiToken('dee', ['read']);
      expect((await c.patchUser('dee', { disabled: true })).json()).toMatchObject({ name: 'dee', disabled: true });
      expect(error(await c.call('GET', '/api/v1/auth/me', { token: session.accessToken }))).toEqual([401, 'VIGIL_UNAUTHENTICATED']);
      expect(error(await c.call('GET', '/api/v1/auth/me', { token }))).toEqual([401, 'VIGIL_UNAUTHENTICATED']);
      expect(error(await c.refresh(session.refreshToken))).toEqual([401, 'VIGIL_UNAUTHENTICATED']);
      expect(error(await c.login('dee'))).toEqual([401, 'VIGIL_INVALID_CREDENTIALS']);
    });

    it('a password change ends the user’s sessions, access tokens included; only the new password signs in', async () => {
      await c.createUser('pat', 'viewer');
      const session = (await c.login('pat')).json() as { refreshToken: string; accessToken: string };
      const refreshToken = session.refreshToken;
      const me = () => api.app.inject({ url: '/api/v1/auth/me', headers: { authorization: `Bearer ${session.accessToken}` } });
      expect((await me()).statusCode).toBe(200);
      expect((await c.patchUser('pat', { password: NEW_PASSWORD })).statusCode).toBe(200);
      expect(error(await me())).toEqual([401, 'VIGIL_UNAUTHENTICATED']);
      expect((await me()).json().message).toMatch(/password changed/);
      expect(error(await c.refresh(refreshToken))).toEqual([401, 'VIGIL_UNAUTHENTICATED']);
      expect(error(await c.login('pat'))).toEqual([401, 'VIGIL_INVALID_CREDENTIALS']);
      expect((await c.login('pat', NEW_PASSWORD)).statusCode).toBe(200);
      const row = (await c.audit('&action=user.update')).find((r) => r.target === 'user:pat');
      expect(row).toMatchObject({ actor: 'ada', outcome: 'success', detail: { password: 'changed' } });
      expect(JSON.stringify(row)).not.toContain(NEW_PASSWORD);
    });

    it('a demoted analyst loses the analyst rights at once, with the access token already issued', async () => {
      await c.createUser('dan', 'analyst');
      const access = await api.login('dan');
      const token = await api.apiToken('dan', ['read', 'write']);
      const create = (credential: string, name: string) =>
        c.call('POST', '/api/v1/watchlists', { token: credential, payload: { name, entries: [{ kind: 'vendor', value: 'ivanti' }] } });
      expect((await create(access, 'dan-before')).statusCode).toBe(201);
      expect((await c.patchUser('dan', { role: 'viewer' })).json()).toMatchObject({ role: 'viewer' });
      expect(error(await create(access, 'dan-after'))).toEqual([403, 'VIGIL_FORBIDDEN']);
      expect(error(await create(token, 'dan-token'))).toEqual([403, 'VIGIL_FORBIDDEN']);
      expect((await c.call('GET', '/api/v1/auth/me', { token: access })).json()).toMatchObject({ role: 'viewer' });
    });

    it('the last enabled admin cannot be demoted or disabled', async () => {
      expect(await api.deps.auth.countAdmins()).toBe(1);
      for (const change of [{ role: 'analyst' }, { disabled: true }]) {
        const res = await c.patchUser('ada', change);
        expect(error(res)).toEqual([403, 'VIGIL_FORBIDDEN']);
        expect(res.json().message).toMatch(/last enabled admin/);
      }
      // With a second admin, one of them can go; then ada is the last again.
      await c.createUser('adm2', 'admin');
      expect((await c.patchUser('adm2', { disabled: true })).statusCode).toBe(200);
      expect(error(await c.patchUser('ada', { role: 'viewer' }))).toEqual([403, 'VIGIL_FORBIDDEN']);
      expect((await api.deps.auth.getAccount('ada'))?.role).toBe('admin');
    });
  });

  describe('API tokens', () => {
    it('shows a token once, lists only its prefix, and stores its SHA-256 only', async () => {
      const access = await api.login('ana');
      const res = await c.call('POST', '/api/v1/tokens', { token: access, payload: { name: 'ci', scopes: ['read', 'write'] } });
      expect(res.statusCode).toBe(201);
      const { token, apiToken } = res.json();
      expect(token).toMatch(/^vgl_[A-Za-z0-9_-]{43}$/);
      expect(apiToken).toMatchObject({ user: 'ana', name: 'ci', prefix: token.slice(0, 8), scopes: ['read', 'write'], expiresAt: null, revokedAt: null });
      expect((await c.call('GET', '/api/v1/auth/me', { token })).json()).toMatchObject({ name: 'ana', via: 'token', scopes: ['read', 'write'] });
      const secret = token.slice(8);
      const list = await c.call('GET', '/api/v1/tokens', { token: access });
      expect(list.body).not.toContain(secret);
      expect(list.json().items.find((t: { id: number }) => t.id === apiToken.id)).toEqual({ ...apiToken, lastUsedAt: expect.any(String) });
      // What is stored, row by row (portable SQL: either back end).
      const row = (await api.sql('SELECT * FROM api_tokens WHERE id = ?', apiToken.id))[0] as Record<string, unknown>;
      expect(Object.values(row).filter((v) => typeof v === 'string' && v.includes(secret))).toEqual([]);
      expect(row.token_hash).toBe(createHash('sha256').update(token).digest('hex'));
      // Refresh tokens and passwords are not stored in the clear either.
      const refreshToken = (await c.login('ana')).json().refreshToken as string;
      const sessions = JSON.stringify(await api.sql("SELECT * FROM sessions WHERE user_name = 'ana'"));
      expect(sessions).not.toContain(refreshToken);
      expect(sessions).toContain(tokenHash(refreshToken));
      expect((await api.stores.auth.getAccount('ana'))?.passwordHash).toMatch(/^\$argon2id\$v=19\$m=19456,t=2,p=1\$/);
    });

    it('lets a viewer make read tokens only, and no API token make tokens', async () => {
      const vic = await api.login('vic');
      for (const scopes of [['write'], ['read', 'write'], ['read', 'collect']]) {
        expect(error(await c.call('POST', '/api/v1/tokens', { token: vic, payload: { name: 'more', scopes } })), scopes.join()).toEqual([
          403,
          'VIGIL_FORBIDDEN',
        ]);
      }
      expect((await c.call('POST', '/api/v1/tokens', { token: vic, payload: { name: 'reader', scopes: ['read'] } })).statusCode).toBe(201);
      expect(error(await c.call('POST', '/api/v1/tokens', { token: await api.login('ana'), payload: { name: 'root', scopes: ['admin'] } }))).toEqual([
        403,
        'VIGIL_FORBIDDEN',
      ]);
      const machine = await api.apiToken('ada', ['read', 'write', 'collect', 'admin']);
      const res = await c.call('POST', '/api/v1/tokens', { token: machine, payload: { name: 'child', scopes: ['read'] } });
      expect(error(res)).toEqual([403, 'VIGIL_FORBIDDEN']);
      expect(res.json().message).toMatch(/sign in/);
    });
  });

  it('expires API tokens and access tokens on time (frozen clock)', async () => {
    let clock = new Date('2030-03-02T09:00:00.000Z');
    const timed = await startTestApi({ now: () => clock });
    try {
      const t = client(timed);
      const access = await timed.login('ana');
      const res = await t.call('POST', '/api/v1/tokens', { token: access, payload: { name: 'one day', scopes: ['read'], expiresInDays: 1 } });
      const { token, apiToken } = res.json();
      expect(apiToken.expiresAt).toBe('2030-03-03T09:00:00.000Z');
      const me = (credential: string) => t.call('GET', '/api/v1/auth/me', { token: credential });
      expect((await me(token)).statusCode).toBe(200);
      clock = new Date('2030-03-02T09:14:59.000Z');
      expect((await me(access)).statusCode).toBe(200);
      clock = new Date('2030-03-02T09:15:01.000Z');
      expect(error(await me(access))).toEqual([401, 'VIGIL_UNAUTHENTICATED']);
      expect((await me(access)).json().message).toMatch(/expired/);
      clock = new Date('2030-03-03T08:59:59.000Z');
      expect((await me(token)).statusCode).toBe(200);
      clock = new Date('2030-03-03T09:00:01.000Z');
      const late = await me(token);
      expect(error(late)).toEqual([401, 'VIGIL_UNAUTHENTICATED']);
      expect(late.json().message).toBe('Authentication required: the API token has expired');
    } finally {
      await timed.close();
    }
  });

  it('creates the first admin once with the setup token', async () => {
    const fresh = await startTestApi();
    try {
      const t = client(fresh);
      // As `vigil serve` does on a store without an admin: it stores the SHA-256 of the token it prints.
      await fresh.deps.auth.updateAccount('ada', { role: 'analyst' });
      const setupToken = randomSecret();
      await fresh.deps.auth.setSetting(SETUP_TOKEN_SETTING, tokenHash(setupToken));
      expect((await t.call('GET', '/api/v1/auth/setup')).json()).toEqual({ needed: true });
      const attempt = (token: string, username: string) =>
        t.call('POST', '/api/v1/auth/setup', { payload: { setupToken: token, username, password: TEST_PASSWORD } });
      expect(error(await attempt(randomSecret(), 'eve'))).toEqual([401, 'VIGIL_UNAUTHENTICATED']);
      const created = await attempt(setupToken, 'root');
      expect(created.statusCode).toBe(201);
      expect(created.json().user).toEqual({ name: 'root', role: 'admin' });
      expect((await t.call('GET', '/api/v1/users', { token: created.json().accessToken })).statusCode).toBe(200);
      expect((await t.call('GET', '/api/v1/auth/setup')).json()).toEqual({ needed: false });
      expect(error(await attempt(setupToken, 'root2'))).toEqual([409, 'VIGIL_CONFLICT']);
      expect(await fresh.deps.auth.getSetting(SETUP_TOKEN_SETTING)).toBeNull();
      expect(await fresh.deps.auth.getAccount('eve')).toBeNull();
      // Audit rows are written in onResponse, after the answer: the last one may land just after it.
      await vi.waitFor(async () => {
        const rows = (await fresh.deps.auth.listAudit({ limit: 10, action: 'auth.setup' })).map((r) => [r.actor, r.outcome, r.statusCode]);
        expect(rows).toEqual([
          ['root2', 'failure', 409],
          ['root', 'success', 201],
          ['eve', 'failure', 401],
        ]);
      });
    } finally {
      await fresh.close();
    }
  });

  it('limits sign-in attempts per client, answering 429 with Retry-After', async () => {
    const limited = await startTestApi({ configure: (config: VigilConfig) => (config.server.loginRateLimitPerMinute = 3) });
    try {
      const t = client(limited);
      for (let i = 0; i < 3; i++) expect((await t.login('ana', 'guess number one')).statusCode).toBe(401);
      for (const password of ['guess number four', TEST_PASSWORD]) {
        const res = await t.login('ana', password);
        expect(error(res)).toEqual([429, 'VIGIL_RATE_LIMITED']);
        expect(Number(res.headers['retry-after'])).toBeGreaterThan(0);
        expect(Number(res.headers['retry-after'])).toBeLessThanOrEqual(60);
      }
      // Other routes have their own, higher limit.
      expect((await t.call('GET', '/health')).statusCode).toBe(200);
    } finally {
      await limited.close();
    }
  });

  it('sends security headers on API answers, errors included', async () => {
    for (const res of [await c.call('GET', '/api/v1/cves?limit=1', { token: await api.login('vic') }), await c.call('GET', '/api/v1/cves')]) {
      const h = res.headers;
      expect(h['content-security-policy']).toContain("default-src 'self'");
      expect(h['content-security-policy']).toContain("frame-ancestors 'none'");
      expect(h['x-content-type-options']).toBe('nosniff');
      expect(h['x-frame-options']).toBeDefined();
      expect(h['referrer-policy']).toBe('no-referrer');
      expect(h['x-powered-by']).toBeUndefined();
    }
  });

  describe('CORS', () => {
    /** A simple cross-origin GET and the preflight of a PATCH, from `origin`. */
    async function crossOrigin(target: TestApi, origin: string) {
      const simple = await target.app.inject({ url: '/api/v1/cves', headers: { origin } });
      const preflight = await target.app.inject({
        method: 'OPTIONS',
        url: '/api/v1/alerts/1',
        headers: { origin, 'access-control-request-method': 'PATCH', 'access-control-request-headers': 'authorization,content-type' },
      });
      return { simple, preflight };
    }

    it('is off by default', async () => {
      const { simple, preflight } = await crossOrigin(api, 'https://soc.example.org');
      expect(simple.headers['access-control-allow-origin']).toBeUndefined();
      expect(preflight.headers['access-control-allow-origin']).toBeUndefined();
    });

    it('allows only the configured origins, with every method the API uses', async () => {
      const cors = await startTestApi({ configure: (config: VigilConfig) => (config.server.corsOrigins = ['https://soc.example.org']) });
      try {
        const allowed = await crossOrigin(cors, 'https://soc.example.org');
        expect(allowed.preflight.statusCode).toBe(204);
        expect(allowed.preflight.headers['access-control-allow-origin']).toBe('https://soc.example.org');
        expect(String(allowed.preflight.headers['access-control-allow-methods']).split(/,\s*/)).toContain('PATCH');
        expect(String(allowed.preflight.headers['access-control-allow-headers'])).toMatch(/authorization/i);
        expect(allowed.preflight.headers['access-control-allow-credentials']).toBeUndefined();
        expect(allowed.simple.headers['access-control-allow-origin']).toBe('https://soc.example.org');
        const other = await crossOrigin(cors, 'https://evil.example.com');
        expect(other.preflight.headers['access-control-allow-origin']).toBeUndefined();
        expect(other.simple.headers['access-control-allow-origin']).toBeUndefined();
      } finally {
        await cors.close();
      }
    });
  });
});
