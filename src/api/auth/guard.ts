/**
 * Authentication and authorization of every request, from the route's `config.access`
 * (context.ts, docs/api.md "Roles and scopes"), and the audit log of every write and of every
 * refused request. Registered on the root instance so no route can opt out by accident: a route
 * without an access rule is refused (403) rather than served. It runs before the per-route rate
 * limit, which can therefore key on the principal; failed authentications never reach that limit,
 * so they are counted here, per client address, and answered 429 past the quota.
 */
import type {} from '@fastify/rate-limit';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { VigilError } from '../../errors.ts';
import { roleAtLeast, SCOPES } from '../../model/account.ts';
import type { Principal } from '../context.ts';
import { AuditWriter } from './audit.ts';
import { API_TOKEN_PREFIX, tokenHash, verifyAccessToken } from './credentials.ts';

/** Settings key of the JWT signing key. */
export const JWT_KEY_SETTING = 'jwt.key';

/**
 * How long a verified API token is trusted without reading the store again, ms. A revocation or an
 * account change through this server clears the cache at once ({@link forgetCredentials}); one
 * made by another process (`vigil users`) takes effect within this time.
 */
export const TOKEN_CACHE_MS = 5000;

// Keyed by the shared services object: plugins see child instances, but the same `deps`.
const tokenCaches = new WeakMap<object, Map<string, { principal: Principal; until: number }>>();

function tokenCache(app: FastifyInstance): Map<string, { principal: Principal; until: number }> {
  let c = tokenCaches.get(app.deps);
  if (!c) {
    c = new Map();
    tokenCaches.set(app.deps, c);
  }
  return c;
}

/** Forgets every cached API-token verification (after a revocation, a role change, a disabled account). */
export function forgetCredentials(app: FastifyInstance): void {
  tokenCache(app).clear();
}

function bearer(request: FastifyRequest): string | null {
  const h = request.headers.authorization;
  if (!h) return null;
  const m = /^Bearer\s+(\S+)\s*$/i.exec(h);
  if (!m?.[1]) throw new VigilError('VIGIL_UNAUTHENTICATED', ['expected "Authorization: Bearer <token>"']);
  return m[1];
}

/**
 * The principal behind a credential.
 * @throws {VigilError} VIGIL_UNAUTHENTICATED: unknown, revoked or expired token; disabled account;
 *   a session issued before the password was changed.
 */
export async function authenticate(app: FastifyInstance, credential: string): Promise<Principal> {
  const { auth, now } = app.deps;
  const at = now();
  if (credential.startsWith(API_TOKEN_PREFIX)) {
    const hash = tokenHash(credential);
    const cache = tokenCache(app);
    const cached = cache.get(hash);
    if (cached && cached.until > at.getTime()) return cached.principal;
    const found = await auth.findToken(hash);
    if (!found || found.token.revokedAt) throw new VigilError('VIGIL_UNAUTHENTICATED', ['unknown or revoked API token']);
    if (found.token.expiresAt && Date.parse(found.token.expiresAt) <= at.getTime()) throw new VigilError('VIGIL_UNAUTHENTICATED', ['the API token has expired']);
    if (found.account.disabled) throw new VigilError('VIGIL_UNAUTHENTICATED', ['the account is disabled']);
    // Last-used time to the minute: one write per token per minute, not per request.
    if (!found.token.lastUsedAt || at.getTime() - Date.parse(found.token.lastUsedAt) > 60_000) await auth.touchToken(found.token.id, at.toISOString());
    const principal: Principal = { user: found.account.name, role: found.account.role, via: 'token', scopes: found.token.scopes, tokenId: found.token.id };
    const expires = found.token.expiresAt ? Date.parse(found.token.expiresAt) : Number.POSITIVE_INFINITY;
    cache.set(hash, { principal, until: Math.min(at.getTime() + TOKEN_CACHE_MS, expires) });
    return principal;
  }
  const claims = await verifyAccessToken(app.deps.jwtKey, credential, at);
  const account = await auth.getAccount(claims.user);
  if (!account || account.disabled) throw new VigilError('VIGIL_UNAUTHENTICATED', ['the account is disabled or gone']);
  // A password change ends every session, access tokens included.
  if (claims.passwordChangedAt !== account.passwordChangedAt) throw new VigilError('VIGIL_UNAUTHENTICATED', ['the password changed since this token was issued']);
  // The role in force is the stored one: a demoted user loses rights at once, not in 15 minutes.
  return { user: account.name, role: account.role, via: 'session', scopes: [...SCOPES], tokenId: null };
}

/**
 * The caller of a public route: the principal of a valid bearer credential, else anonymous. A
 * credential the route does not need never refuses it (an expired token, a proxy's Basic header).
 */
async function optionalPrincipal(app: FastifyInstance, request: FastifyRequest): Promise<Principal | null> {
  try {
    const credential = bearer(request);
    return credential ? await authenticate(app, credential) : null;
  } catch {
    return null;
  }
}

/** Checks `request` against its route's access rule, setting `request.principal`. */
async function guard(app: FastifyInstance, request: FastifyRequest): Promise<void> {
  const access = request.routeOptions.config.access;
  if (access?.role === 'public') {
    request.principal = await optionalPrincipal(app, request);
    return;
  }
  if (!access) throw new VigilError('VIGIL_FORBIDDEN', ['this route has no access rule']);
  const credential = bearer(request);
  if (!credential) throw new VigilError('VIGIL_UNAUTHENTICATED', ['no bearer token']);
  const p = await authenticate(app, credential);
  request.principal = p;
  if (!roleAtLeast(p.role, access.role)) throw new VigilError('VIGIL_FORBIDDEN', [`requires the ${access.role} role (you are ${p.role})`]);
  if (p.via === 'token' && access.sessionOnly) throw new VigilError('VIGIL_FORBIDDEN', ['API tokens cannot use this route: sign in']);
  if (p.via === 'token' && access.scope && !p.scopes.includes(access.scope)) throw new VigilError('VIGIL_FORBIDDEN', [`the token lacks the "${access.scope}" scope`]);
}

const READS = new Set(['GET', 'HEAD', 'OPTIONS']);

/**
 * Registers the guard and the audit hook on the root instance (after @fastify/rate-limit, whose
 * `createRateLimit` counts failed authentications).
 * @param failuresPerMinute failed authentications (401) allowed per client address per minute;
 *   past it the answer is 429 with `Retry-After`.
 */
export function installGuard(app: FastifyInstance, failuresPerMinute: number): void {
  app.decorateRequest('principal', null);
  app.decorateRequest('auditTarget', null);
  app.decorateRequest('auditActor', null);
  app.decorateRequest('auditDetail', null);
  const failures = app.createRateLimit({ max: failuresPerMinute, timeWindow: 60_000, keyGenerator: (r) => `auth-failure:${r.ip}` });
  const auditLog = new AuditWriter(app.deps.auth);
  app.addHook('onRequest', async (request, reply) => {
    // Unknown routes go to the not-found handler unauthenticated (they reveal nothing).
    if (request.is404) return;
    try {
      await guard(app, request);
    } catch (err) {
      if (!(err instanceof VigilError && err.code === 'VIGIL_UNAUTHENTICATED')) throw err;
      const counted = await failures(request);
      if (counted.isAllowed || !counted.isExceeded) throw err;
      reply.header('retry-after', counted.ttlInSeconds);
      throw new VigilError('VIGIL_RATE_LIMITED', [`${counted.ttlInSeconds} s (too many failed authentications from ${request.ip})`], { cause: err });
    }
  });
  app.addHook('onResponse', async (request, reply) => {
    const status = reply.statusCode;
    const refused = status === 401 || status === 403;
    const access = request.routeOptions.config.access;
    if (request.is404 || ((READS.has(request.method) || access?.audit === false) && !refused)) return;
    const p = request.principal;
    try {
      await auditLog.write({
        at: app.deps.now().toISOString(),
        actor: p?.user ?? request.auditActor,
        actorKind: p ? p.via : 'anonymous',
        tokenId: p?.tokenId ?? null,
        action: access?.action ?? `${request.method} ${request.routeOptions.url}`,
        target: request.auditTarget,
        outcome: status < 400 ? 'success' : refused && access?.role !== 'public' ? 'denied' : 'failure',
        statusCode: status,
        ip: request.ip,
        userAgent: request.headers['user-agent']?.slice(0, 256) ?? null,
        detail: request.auditDetail,
      });
    } catch (err) {
      request.log.error({ err }, 'audit log write failed');
    }
  });
}
