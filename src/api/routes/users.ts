/**
 * People and machines: user accounts (admins), API tokens (each user their own; admins all) and
 * the audit log (admins). A token is shown once, when created; the store keeps its SHA-256.
 * Another user's token answers 404 to a non-admin, as if it did not exist.
 */
import type { FastifyPluginAsync } from 'fastify';
import { VigilError } from '../../errors.ts';
import { type Role, ROLES, roleAtLeast, SCOPES, type Scope } from '../../model/account.ts';
import { hashPassword, newApiToken, tokenHash } from '../auth/credentials.ts';
import { forgetCredentials } from '../auth/guard.ts';
import { errors, pageOf } from '../schemas.ts';
import { passwordSchema, userNameSchema } from '../../model/account.ts';

const admin = (action?: string) => ({ role: 'admin', scope: 'admin', ...(action ? { action } : {}) }) as const;
const nameParams = { type: 'object', required: ['name'], properties: { name: userNameSchema } } as const;

/** The scopes a role may give its tokens: never more than the role itself may do. */
function scopesAllowed(role: Role): Scope[] {
  if (role === 'admin') return [...SCOPES];
  if (role === 'analyst') return ['read', 'write', 'collect'];
  return ['read'];
}

export const userRoutes: FastifyPluginAsync = async (app) => {
  const { auth, alerts, now } = app.deps;

  app.get(
    '/users',
    { config: { access: admin() }, schema: { tags: ['users'], summary: 'Every account', response: { 200: { type: 'object', required: ['items'], properties: { items: { type: 'array', items: { $ref: 'Account#' } } } }, ...errors(401, 403, 429) } } },
    async () => ({ items: await auth.listAccounts() }),
  );

  app.post<{ Body: { name: string; role: Role; password: string; email?: string } }>(
    '/users',
    {
      config: { access: admin('user.create') },
      schema: {
        tags: ['users'],
        summary: 'Creates an account (a new user, or an account for an existing alert recipient)',
        body: {
          type: 'object',
          additionalProperties: false,
          required: ['name', 'role', 'password'],
          properties: { name: userNameSchema, role: { type: 'string', enum: [...ROLES] }, password: passwordSchema, email: { type: 'string', format: 'email', maxLength: 254 } },
        },
        response: { 201: { $ref: 'Account#' }, ...errors(400, 401, 403, 409, 413, 415, 429) },
      },
    },
    async (request, reply) => {
      const { name, role, password, email } = request.body;
      request.auditTarget = `user:${name}`;
      request.auditDetail = { role };
      if (await auth.getAccount(name)) throw new VigilError('VIGIL_CONFLICT', [`account ${name}`]);
      const existing = (await alerts.listUsers()).find((u) => u.name === name);
      await alerts.upsertUser({ name, email: email ?? existing?.email ?? null, handles: existing?.handles ?? {} });
      await auth.upsertAccount({ name, role, passwordHash: await hashPassword(password) });
      const { passwordHash: _secret, ...account } = (await auth.getAccount(name))!;
      return reply.code(201).send(account);
    },
  );

  app.patch<{ Params: { name: string }; Body: { role?: Role; disabled?: boolean; password?: string } }>(
    '/users/:name',
    {
      config: { access: admin('user.update') },
      schema: {
        tags: ['users'],
        summary: 'Changes an account’s role, disables or enables it, or sets its password (its sessions end)',
        params: nameParams,
        body: { type: 'object', additionalProperties: false, minProperties: 1, properties: { role: { type: 'string', enum: [...ROLES] }, disabled: { type: 'boolean' }, password: passwordSchema } },
        response: { 200: { $ref: 'Account#' }, ...errors(400, 401, 403, 404, 409, 413, 415, 429) },
      },
    },
    async (request) => {
      const { name } = request.params;
      const { role, disabled, password } = request.body;
      request.auditTarget = `user:${name}`;
      request.auditDetail = { ...(role ? { role } : {}), ...(disabled !== undefined ? { disabled } : {}), ...(password ? { password: 'changed' } : {}) };
      const current = await auth.getAccount(name);
      if (!current) throw new VigilError('VIGIL_NOT_FOUND', [`account ${name}`]);
      // Never leave the server without an enabled admin.
      const losesAdmin = current.role === 'admin' && !current.disabled && ((role && role !== 'admin') || disabled === true);
      if (losesAdmin && (await auth.countAdmins()) <= 1) throw new VigilError('VIGIL_FORBIDDEN', ['the last enabled admin cannot be demoted or disabled']);
      await auth.updateAccount(name, { ...(role ? { role } : {}), ...(disabled !== undefined ? { disabled } : {}), ...(password ? { passwordHash: await hashPassword(password) } : {}) });
      if (password || disabled) await auth.revokeUserSessions(name);
      forgetCredentials(app);
      const { passwordHash: _secret, ...account } = (await auth.getAccount(name))!;
      return account;
    },
  );

  app.get<{ Querystring: { all?: boolean } }>(
    '/tokens',
    {
      config: { access: { role: 'viewer', scope: 'read' } },
      schema: {
        tags: ['tokens'],
        summary: 'The caller’s API tokens (admins: `all=true` for everyone’s)',
        querystring: { type: 'object', additionalProperties: false, properties: { all: { type: 'boolean' } } },
        response: { 200: { type: 'object', required: ['items'], properties: { items: { type: 'array', items: { $ref: 'ApiToken#' } } } }, ...errors(400, 401, 403, 429) },
      },
    },
    async (request) => {
      const p = request.principal!;
      if (request.query.all && p.role !== 'admin') throw new VigilError('VIGIL_FORBIDDEN', ['only admins may list every user’s tokens']);
      return { items: await auth.listTokens(request.query.all ? undefined : p.user) };
    },
  );

  app.post<{ Body: { name: string; scopes: Scope[]; expiresInDays?: number } }>(
    '/tokens',
    {
      config: { access: { role: 'viewer', sessionOnly: true, action: 'token.create' } },
      schema: {
        tags: ['tokens'],
        summary: 'Creates an API token for the caller; the token is in this answer only (sign-in sessions only)',
        body: {
          type: 'object',
          additionalProperties: false,
          required: ['name', 'scopes'],
          properties: {
            name: { type: 'string', minLength: 1, maxLength: 100 },
            scopes: { type: 'array', minItems: 1, uniqueItems: true, items: { type: 'string', enum: [...SCOPES] } },
            expiresInDays: { type: 'integer', minimum: 1, maximum: 3650 },
          },
        },
        response: { 201: { type: 'object', required: ['token', 'apiToken'], properties: { token: { type: 'string', description: 'shown once' }, apiToken: { $ref: 'ApiToken#' } } }, ...errors(400, 401, 403, 413, 415, 429) },
      },
    },
    async (request, reply) => {
      const p = request.principal!;
      const { name, scopes, expiresInDays } = request.body;
      request.auditDetail = { name, scopes };
      const allowed = scopesAllowed(p.role);
      const extra = scopes.filter((s) => !allowed.includes(s));
      if (extra.length) throw new VigilError('VIGIL_FORBIDDEN', [`a ${p.role} cannot give a token the ${extra.join(', ')} scope`]);
      const token = newApiToken();
      const expiresAt = expiresInDays ? new Date(now().getTime() + expiresInDays * 86_400_000).toISOString() : null;
      const apiToken = await auth.createToken({ user: p.user, name, tokenHash: tokenHash(token), prefix: token.slice(0, 8), scopes, expiresAt });
      request.auditTarget = `token:${apiToken.id}`;
      return reply.code(201).send({ token, apiToken });
    },
  );

  app.delete<{ Params: { id: number } }>(
    '/tokens/:id',
    {
      // Sessions only: a leaked read token must not be able to revoke its owner's other tokens.
      config: { access: { role: 'viewer', sessionOnly: true, action: 'token.revoke' } },
      schema: {
        tags: ['tokens'],
        summary: 'Revokes an API token (the caller’s own; admins: any)',
        params: { type: 'object', required: ['id'], properties: { id: { type: 'integer', minimum: 1, maximum: Number.MAX_SAFE_INTEGER } } },
        response: { 204: { type: 'null' }, ...errors(400, 401, 403, 404, 429) },
      },
    },
    async (request, reply) => {
      const p = request.principal!;
      request.auditTarget = `token:${request.params.id}`;
      const t = await auth.getToken(request.params.id);
      // Another user's token: 404, as for one that does not exist.
      if (!t || (t.user !== p.user && !roleAtLeast(p.role, 'admin'))) throw new VigilError('VIGIL_NOT_FOUND', [`token ${request.params.id}`]);
      await auth.revokeToken(t.id);
      forgetCredentials(app);
      return reply.code(204).send();
    },
  );

  app.get<{ Querystring: { limit: number; cursor?: string; actor?: string; action?: string } }>(
    '/audit',
    {
      config: { access: admin() },
      schema: {
        tags: ['audit'],
        summary: 'The audit log, newest first: every write and sign-in (who, what, when, from where, outcome)',
        querystring: {
          type: 'object',
          additionalProperties: false,
          properties: {
            limit: { type: 'integer', minimum: 1, maximum: 500, default: 100 },
            cursor: { type: 'string', pattern: '^[0-9]{1,15}$' },
            actor: { type: 'string', maxLength: 64 },
            action: { type: 'string', maxLength: 100 },
          },
        },
        response: {
          200: pageOf('AuditEntry#'),
          ...errors(400, 401, 403, 429),
        },
      },
    },
    async (request) => {
      const { limit, cursor, actor, action } = request.query;
      const rows = await auth.listAudit({ limit: limit + 1, ...(cursor ? { before: Number(cursor) } : {}), ...(actor ? { actor } : {}), ...(action ? { action } : {}) });
      const items = rows.slice(0, limit);
      return { items, nextCursor: rows.length > limit ? String(items[items.length - 1]?.id) : null };
    },
  );
};
