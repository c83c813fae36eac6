/**
 * Sign-in (`/api/v1/auth/*`): password sign-in issuing a JWT access token and a rotating refresh
 * token, refresh, sign-out, the caller's identity, and the one-time first-admin setup. Failed
 * sign-ins answer the same for an unknown user and a wrong password, in the same time.
 * Every attempt is in the audit log (auth/guard.ts), successful or not; a successful one as the
 * session it started.
 *
 * The refresh token is answered in the body (API clients) and set as the cookie
 * {@link REFRESH_COOKIE} (HttpOnly, Secure, SameSite=Strict, path `/api/v1/auth`), which refresh
 * and sign-out read when the body has no token: every tab of the dashboard shares the session
 * without any script seeing the refresh token. SameSite=Strict and JSON-only bodies keep other
 * sites from using the cookie (RFC 6265bis §8.8).
 */
import { timingSafeEqual } from 'node:crypto';
import type { FastifyPluginAsync, FastifyReply, FastifyRequest } from 'fastify';
import { VigilError } from '../../errors.ts';
import {
  ACCESS_TOKEN_SECONDS,
  hashPassword,
  issueAccessToken,
  newRefreshToken,
  REFRESH_TOKEN_SECONDS,
  tokenHash,
  verifyPassword,
} from '../auth/credentials.ts';
import type { AccountSecret } from '../../store/server.ts';
import { errors } from '../schemas.ts';

/** Name of the cookie holding the refresh token (HttpOnly: the dashboard's scripts never see it). */
export const REFRESH_COOKIE = 'vigil_refresh';

/** Settings key of the setup token's SHA-256. */
export const SETUP_TOKEN_SETTING = 'setup.tokenHash';

import { passwordSchema, SCOPES, userNameSchema } from '../../model/account.ts';

const COOKIE_PATH = '/api/v1/auth';

/** The refresh token sent as the {@link REFRESH_COOKIE} cookie, if any. */
function cookieToken(request: FastifyRequest): string | null {
  for (const part of (request.headers.cookie ?? '').split(';')) {
    const eq = part.indexOf('=');
    // Refresh tokens are base64url: nothing to percent-decode.
    if (eq > 0 && part.slice(0, eq).trim() === REFRESH_COOKIE) return part.slice(eq + 1).trim() || null;
  }
  return null;
}

/**
 * Sets (or, for `null`, clears) the refresh cookie. `Secure` is left out only for plain HTTP to a
 * host other than loopback: browsers drop a Secure cookie sent over HTTP, except from localhost
 * and 127.0.0.1/::1, which they treat as secure contexts.
 */
function setRefreshCookie(request: FastifyRequest, reply: FastifyReply, token: string | null): void {
  const host = request.hostname.replace(/^\[|\]$/g, '');
  const loopback = host === 'localhost' || host === '::1' || /^127\.\d+\.\d+\.\d+$/.test(host);
  const secure = request.protocol === 'https' || loopback ? '; Secure' : '';
  const value = token ? `${REFRESH_COOKIE}=${token}; Max-Age=${REFRESH_TOKEN_SECONDS}` : `${REFRESH_COOKIE}=; Max-Age=0`;
  reply.header('set-cookie', `${value}; Path=${COOKIE_PATH}; HttpOnly${secure}; SameSite=Strict`);
}

const tokenBody = {
  type: 'object',
  additionalProperties: false,
  properties: { refreshToken: { type: 'string', maxLength: 100, description: `default: the ${REFRESH_COOKIE} cookie` } },
} as const;

const session = {
  type: 'object',
  required: ['accessToken', 'refreshToken', 'expiresIn', 'user'],
  properties: {
    accessToken: { type: 'string' },
    refreshToken: { type: 'string' },
    tokenType: { type: 'string' },
    expiresIn: { type: 'integer', description: 'seconds' },
    user: { type: 'object', properties: { name: { type: 'string' }, role: { type: 'string' } } },
  },
} as const;

export const authRoutes: FastifyPluginAsync = async (app) => {
  const { auth, now, config, jwtKey } = app.deps;
  const loginLimit = { max: config.server.loginRateLimitPerMinute, timeWindow: 60_000, keyGenerator: (r: FastifyRequest) => `login:${r.ip}` };
  // A refresh needs a 256-bit token (nothing to guess), and every new dashboard tab makes one:
  // the general per-address limit, apart from sign-in's low one.
  const refreshLimit = { max: config.server.rateLimitPerMinute, timeWindow: 60_000, keyGenerator: (r: FastifyRequest) => `refresh:${r.ip}` };

  /**
   * A new session (access + refresh token) for `account`, in the refresh chain `family` if given;
   * the refresh token is also set as the cookie, and the request is audited as this session.
   */
  async function startSession(request: FastifyRequest, reply: FastifyReply, account: AccountSecret, family?: string) {
    const { name: user, role, passwordChangedAt } = account;
    const at = now();
    const refresh = newRefreshToken();
    await auth.createSession({ tokenHash: tokenHash(refresh.token), family: family ?? refresh.family, user, expiresAt: new Date(at.getTime() + REFRESH_TOKEN_SECONDS * 1000).toISOString() });
    setRefreshCookie(request, reply, refresh.token);
    request.principal = { user, role, via: 'session', scopes: [...SCOPES], tokenId: null };
    return { accessToken: await issueAccessToken(jwtKey, user, role, at, passwordChangedAt), refreshToken: refresh.token, tokenType: 'Bearer', expiresIn: ACCESS_TOKEN_SECONDS, user: { name: user, role } };
  }

  app.post<{ Body: { username: string; password: string } }>(
    '/login',
    {
      config: { access: { role: 'public', action: 'auth.login' }, rateLimit: loginLimit },
      schema: {
        tags: ['auth'],
        summary: 'Password sign-in: a JWT access token (15 min) and a refresh token (7 days, single use)',
        security: [],
        body: { type: 'object', additionalProperties: false, required: ['username', 'password'], properties: { username: { type: 'string', maxLength: 64 }, password: { type: 'string', maxLength: 256 } } },
        response: { 200: session, ...errors(400, 401, 413, 415, 429) },
      },
    },
    async (request, reply) => {
      const { username, password } = request.body;
      request.auditActor = username;
      request.auditTarget = `user:${username}`;
      const account = await auth.getAccount(username);
      const ok = await verifyPassword(account?.passwordHash ?? null, password);
      if (!account || !ok || account.disabled) {
        request.auditDetail = { reason: !account ? 'unknown user' : !ok ? 'wrong password' : 'account disabled' };
        throw new VigilError('VIGIL_INVALID_CREDENTIALS', []);
      }
      return startSession(request, reply, account);
    },
  );

  app.post<{ Body: { refreshToken?: string } }>(
    '/refresh',
    {
      config: { access: { role: 'public', action: 'auth.refresh' }, rateLimit: refreshLimit },
      schema: {
        tags: ['auth'],
        summary: 'Exchanges a refresh token (body, else cookie) for a new session; a reused refresh token revokes its whole chain',
        security: [],
        body: tokenBody,
        response: { 200: session, ...errors(400, 401, 413, 415, 429) },
      },
    },
    async (request, reply) => {
      const token = request.body.refreshToken ?? cookieToken(request);
      if (!token) throw new VigilError('VIGIL_UNAUTHENTICATED', ['no refresh token (body or cookie)']);
      const row = await auth.getSession(tokenHash(token));
      if (!row || row.revokedAt || Date.parse(row.expiresAt) <= now().getTime()) throw new VigilError('VIGIL_UNAUTHENTICATED', ['the refresh token is invalid or expired']);
      request.auditActor = row.user;
      if (!(await auth.useSession(row.tokenHash))) {
        // A refresh token used twice was stolen (or replayed): end that whole chain (RFC 6819 §5.2.2.3).
        await auth.revokeFamily(row.family);
        request.auditDetail = { reason: 'refresh token reuse: session chain revoked' };
        throw new VigilError('VIGIL_UNAUTHENTICATED', ['the refresh token was already used']);
      }
      const account = await auth.getAccount(row.user);
      if (!account || account.disabled) throw new VigilError('VIGIL_UNAUTHENTICATED', ['the account is disabled or gone']);
      return startSession(request, reply, account, row.family);
    },
  );

  app.post<{ Body: { refreshToken?: string } }>(
    '/logout',
    {
      config: { access: { role: 'public', action: 'auth.logout' } },
      schema: {
        tags: ['auth'],
        summary: 'Ends a session (refresh token in the body, else the cookie): its refresh chain is revoked and the cookie cleared (access tokens lapse within 15 minutes)',
        security: [],
        body: tokenBody,
        response: { 204: { type: 'null' }, ...errors(400, 413, 415, 429) },
      },
    },
    async (request, reply) => {
      const token = request.body.refreshToken ?? cookieToken(request);
      const row = token ? await auth.getSession(tokenHash(token)) : undefined;
      if (row) {
        request.auditActor = row.user;
        await auth.revokeFamily(row.family);
      }
      setRefreshCookie(request, reply, null);
      return reply.code(204).send();
    },
  );

  app.get(
    '/me',
    {
      config: { access: { role: 'viewer' } },
      schema: {
        tags: ['auth'],
        summary: 'Who the credential belongs to, its role and scopes',
        response: {
          200: {
            type: 'object',
            required: ['name', 'role', 'via', 'scopes'],
            properties: { name: { type: 'string' }, role: { type: 'string' }, email: { type: ['string', 'null'] }, via: { type: 'string' }, scopes: { type: 'array', items: { type: 'string' } } },
          },
          ...errors(401, 429),
        },
      },
    },
    async (request) => {
      const p = request.principal!;
      const account = await auth.getAccount(p.user);
      return { name: p.user, role: p.role, email: account?.email ?? null, via: p.via, scopes: p.scopes };
    },
  );

  app.get(
    '/setup',
    {
      config: { access: { role: 'public' } },
      schema: {
        tags: ['auth'],
        summary: 'Whether the first administrator still has to be created with the setup token',
        security: [],
        response: { 200: { type: 'object', required: ['needed'], properties: { needed: { type: 'boolean' } } }, ...errors(429) },
      },
    },
    async () => ({ needed: (await auth.countAdmins()) === 0 && (await auth.getSetting(SETUP_TOKEN_SETTING)) !== null }),
  );

  app.post<{ Body: { setupToken: string; username: string; password: string; email?: string } }>(
    '/setup',
    {
      config: { access: { role: 'public', action: 'auth.setup' }, rateLimit: loginLimit },
      schema: {
        tags: ['auth'],
        summary: 'Creates the first administrator with the one-time setup token printed by `vigil serve`',
        security: [],
        body: {
          type: 'object',
          additionalProperties: false,
          required: ['setupToken', 'username', 'password'],
          properties: { setupToken: { type: 'string', maxLength: 100 }, username: userNameSchema, password: passwordSchema, email: { type: 'string', format: 'email', maxLength: 254 } },
        },
        response: { 201: session, ...errors(400, 401, 409, 413, 415, 429) },
      },
    },
    async (request, reply) => {
      const { setupToken, username, password, email } = request.body;
      request.auditActor = username;
      request.auditTarget = `user:${username}`;
      if ((await auth.countAdmins()) > 0) throw new VigilError('VIGIL_CONFLICT', ['an administrator']);
      const expected = await auth.getSetting(SETUP_TOKEN_SETTING);
      const given = Buffer.from(tokenHash(setupToken), 'hex');
      if (!expected || !timingSafeEqual(Buffer.from(expected, 'hex'), given)) throw new VigilError('VIGIL_UNAUTHENTICATED', ['the setup token is wrong or was already used']);
      await app.deps.alerts.upsertUser({ name: username, email: email ?? null, handles: {} });
      await auth.upsertAccount({ name: username, role: 'admin', passwordHash: await hashPassword(password) });
      await auth.deleteSetting(SETUP_TOKEN_SETTING);
      return reply.code(201).send(await startSession(request, reply, (await auth.getAccount(username))!));
    },
  );
};
