/**
 * Credentials of the API: argon2id password hashes (RFC 9106, OWASP parameters), JWT access
 * tokens (RFC 7519, HS256 with a per-store random key), opaque refresh tokens and API tokens.
 * Refresh and API tokens are 256-bit random values; the store keeps only their SHA-256 (a fast
 * hash suffices for high-entropy secrets, unlike passwords).
 */
import { createHash, randomBytes, randomUUID } from 'node:crypto';
import { hash, verify } from '@node-rs/argon2';
import { errors as joseErrors, jwtVerify, SignJWT } from 'jose';
import { VigilError } from '../../errors.ts';
import type { Role } from '../../model/account.ts';

/** Access-token lifetime in seconds (15 minutes). */
export const ACCESS_TOKEN_SECONDS = 15 * 60;
/** Refresh-token lifetime in seconds (7 days). */
export const REFRESH_TOKEN_SECONDS = 7 * 24 * 3600;
/** Prefix that tells API tokens from JWTs (and lets secret scanners find leaked ones). */
export const API_TOKEN_PREFIX = 'vgl_';

const ISSUER = 'vigil';
const AUDIENCE = 'vigil-api';

/**
 * argon2id hash of a password as a PHC string. Parameters: m = 19 MiB, t = 2, p = 1 (OWASP
 * Password Storage Cheat Sheet's first argon2id configuration).
 */
export function hashPassword(password: string): Promise<string> {
  return hash(password, { memoryCost: 19_456, timeCost: 2, parallelism: 1 });
}

/** A PHC string no real password matches: verified against when the user is unknown, so both paths take as long. */
let decoy: Promise<string> | undefined;

/** Whether `password` matches `phc`; `phc` null verifies against a decoy (same timing) and returns false. */
export async function verifyPassword(phc: string | null, password: string): Promise<boolean> {
  decoy ??= hashPassword(randomBytes(16).toString('hex'));
  const target = phc ?? (await decoy);
  const ok = await verify(target, password).catch(() => false);
  return phc !== null && ok;
}

/** SHA-256 hex of a token. */
export function tokenHash(token: string): string {
  return createHash('sha256').update(token).digest('hex');
}

/** A new random secret: 32 bytes, base64url (43 characters). */
export function randomSecret(): string {
  return randomBytes(32).toString('base64url');
}

/** A new API token (`vgl_` + 43 base64url characters). */
export function newApiToken(): string {
  return API_TOKEN_PREFIX + randomSecret();
}

/** A new refresh token and the family it starts (a rotation chain). */
export function newRefreshToken(): { token: string; family: string } {
  return { token: randomSecret(), family: randomUUID() };
}

/** Claims of a verified access token. */
export interface AccessClaims {
  user: string;
  role: Role;
  /** Issued-at, seconds since the epoch. */
  issuedAt: number;
  /** When the user's password was set, as stored when the token was issued (`pwd` claim). */
  passwordChangedAt: string;
}

/**
 * Signs an access token for `user`, valid {@link ACCESS_TOKEN_SECONDS} from `now`.
 * @param key the store's signing key (base64url, 32 bytes).
 * @param passwordChangedAt the account's password time: a token stops working when it changes.
 */
export function issueAccessToken(key: string, user: string, role: Role, now: Date, passwordChangedAt = ''): Promise<string> {
  const iat = Math.floor(now.getTime() / 1000);
  return new SignJWT({ role, pwd: passwordChangedAt })
    .setProtectedHeader({ alg: 'HS256', typ: 'JWT' })
    .setSubject(user)
    .setIssuer(ISSUER)
    .setAudience(AUDIENCE)
    .setIssuedAt(iat)
    .setExpirationTime(iat + ACCESS_TOKEN_SECONDS)
    .setJti(randomUUID())
    .sign(Buffer.from(key, 'base64url'));
}

/**
 * Verifies an access token (signature, algorithm, issuer, audience, expiry at `now`).
 * @throws {VigilError} VIGIL_UNAUTHENTICATED naming why (expired, invalid).
 */
export async function verifyAccessToken(key: string, token: string, now: Date): Promise<AccessClaims> {
  try {
    const { payload } = await jwtVerify(token, Buffer.from(key, 'base64url'), { issuer: ISSUER, audience: AUDIENCE, algorithms: ['HS256'], currentDate: now });
    if (typeof payload.sub !== 'string' || typeof payload.role !== 'string' || typeof payload.iat !== 'number') throw new Error('claims missing');
    return { user: payload.sub, role: payload.role as Role, issuedAt: payload.iat, passwordChangedAt: typeof payload.pwd === 'string' ? payload.pwd : '' };
  } catch (err) {
    const why = err instanceof joseErrors.JWTExpired ? 'the access token has expired' : 'the access token is invalid';
    throw new VigilError('VIGIL_UNAUTHENTICATED', [why], { cause: err });
  }
}
