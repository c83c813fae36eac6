/**
 * Sign-in (`/api/v1/auth/*`): password sign-in issuing a JWT access token and a rotating refresh
 * token, refresh, sign-out, the caller's identity, and the one-time first-admin setup. Failed
 * sign-ins answer the same for an unknown user and a wrong password, in the same time.
 * Every attempt is in the audit log (auth/guard.ts), successful or not.
 */
import { timingSafeEqual } from 'node:crypto';
import type { FastifyPluginAsync, FastifyRequest } from 'fastify';
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

/** Settings key of the setup token's SHA-256. */
export const SETUP_TOKEN_SETTING = 'setup.tokenHash';

import { passwordSchema, userNameSchema } from '../../model/account.ts';

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

  /** A new session (access + refresh token) for `account`, in the refresh chain `family` if given. */
  async function startSession(account: AccountSecret, family?: string) {
    const { name: user, role, passwordChangedAt } = account;
    const at = now();
    const refresh = newRefreshToken();
    await auth.createSession({ tokenHash: tokenHash(refresh.token), family: family ?? refresh.family, user, expiresAt: new Date(at.getTime() + REFRESH_TOKEN_SECONDS * 1000).toISOString() });
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
    async (request) => {
      const { username, password } = request.body;
      request.auditActor = username;
      request.auditTarget = `user:${username}`;
      const account = await auth.getAccount(username);
      const ok = await verifyPassword(account?.passwordHash ?? null, password);
      if (!account || !ok || account.disabled) {
        request.auditDetail = { reason: !account ? 'unknown user' : !ok ? 'wrong password' : 'account disabled' };
        throw new VigilError('VIGIL_INVALID_CREDENTIALS', []);
      }
      return startSession(account);
    },
  );

  app.post<{ Body: { refreshToken: string } }>(
    '/refresh',
    {
      config: { access: { role: 'public', action: 'auth.refresh' }, rateLimit: loginLimit },
      schema: {
        tags: ['auth'],
        summary: 'Exchanges a refresh token for a new session; a reused refresh token revokes its whole chain',
        security: [],
        body: { type: 'object', additionalProperties: false, required: ['refreshToken'], properties: { refreshToken: { type: 'string', maxLength: 100 } } },
        response: { 200: session, ...errors(400, 401, 413, 415, 429) },
      },
    },
    async (request) => {
      const row = await auth.getSession(tokenHash(request.body.refreshToken));
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
      return startSession(account, row.family);
    },
  );

  app.post<{ Body: { refreshToken: string } }>(
    '/logout',
    {
      config: { access: { role: 'public', action: 'auth.logout' } },
      schema: {
        tags: ['auth'],
        summary: 'Ends a session: its refresh chain is revoked (access tokens lapse within 15 minutes)',
        security: [],
        body: { type: 'object', additionalProperties: false, required: ['refreshToken'], properties: { refreshToken: { type: 'string', maxLength: 100 } } },
        response: { 204: { type: 'null' }, ...errors(400, 413, 415, 429) },
      },
    },
    async (request, reply) => {
      const row = await auth.getSession(tokenHash(request.body.refreshToken));
      if (row) {
        request.auditActor = row.user;
        await auth.revokeFamily(row.family);
      }
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
      return reply.code(201).send(await startSession((await auth.getAccount(username))!));
    },
  );
};
