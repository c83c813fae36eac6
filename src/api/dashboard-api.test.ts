/**
 * What the dashboard relies on from the API (issue 10, item 13), on the real corpus: a malformed
 * CVE id answers the error table's own message (as `vigil show` prints it), the CVE list carries
 * its total count (equal to SQL over the store), sign-in sets the refresh token as an HttpOnly,
 * Secure, SameSite=Strict cookie that refresh and sign-out accept instead of a body, and the
 * audit log records a sign-in as the session it started (not as an anonymous caller), and a vendor
 * reads the same in every list row and on the overview (one display name per vendor key).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { productKey } from '../enrich/product-key.ts';
import { ErrorCodes } from '../errors.ts';
import { startTestApi, TEST_PASSWORD, type TestApi } from '../testing/api.ts';
import { hasCorpus } from '../testing/corpus.ts';
import { REFRESH_COOKIE } from './routes/auth.ts';

/** The `name=value` of a Set-Cookie header, and its attributes (lower-cased names). */
function parseSetCookie(header: string | string[] | undefined): { value: string; attrs: Record<string, string> } | null {
  const line = [header ?? []].flat().find((h) => h.startsWith(`${REFRESH_COOKIE}=`));
  if (!line) return null;
  const [pair = '', ...rest] = line.split(';').map((s) => s.trim());
  const attrs = Object.fromEntries(rest.map((a) => [a.split('=')[0]?.toLowerCase() ?? '', a.split('=')[1] ?? '']));
  return { value: pair.slice(REFRESH_COOKIE.length + 1), attrs };
}

describe.skipIf(!hasCorpus())('API for the dashboard', () => {
  let api: TestApi;
  let token: string;

  beforeAll(async () => {
    api = await startTestApi();
    token = await api.login('vic');
  });
  afterAll(async () => api?.close());

  const get = (url: string) => api.app.inject({ method: 'GET', url, headers: { authorization: `Bearer ${token}` } });
  const login = (username: string, host = '127.0.0.1:8080') =>
    api.app.inject({ method: 'POST', url: '/api/v1/auth/login', headers: { host }, payload: { username, password: TEST_PASSWORD } });

  it.each(['/api/v1/cves/CVE-24-3400', '/api/v1/cves/CVE-24-3400/history', '/api/v1/cves/cve-2024-3400'])(
    '%s answers the CLI message for a malformed id',
    async (url) => {
      const r = await get(url);
      expect(r.statusCode).toBe(400);
      const id = url.split('/')[4];
      expect(r.json()).toMatchObject({ code: 'VIGIL_INVALID_CVE_ID', message: ErrorCodes.VIGIL_INVALID_CVE_ID.message.replace('%s', id ?? '') });
      expect(r.body).not.toContain('must match pattern');
    },
  );

  it('gives the total count of the filtered list on every page', async () => {
    const count = async (sql: string) => (await api.sql<{ n: number }>(sql))[0]?.n;
    const all = await count("SELECT count(*) AS n FROM vulns WHERE state != 'REJECTED'");
    const kev = await count("SELECT count(*) AS n FROM vulns WHERE state != 'REJECTED' AND kev = 1");
    const first = (await get('/api/v1/cves?limit=5')).json() as { total: number; nextCursor: string };
    expect(first.total).toBe(all);
    expect(((await get(`/api/v1/cves?limit=5&cursor=${first.nextCursor}`)).json() as { total: number }).total).toBe(all);
    expect(((await get('/api/v1/cves?kev=true&limit=5')).json() as { total: number }).total).toBe(kev);
    // A search's total is what walking its pages finds.
    let seen = 0;
    let total = -1;
    let cursor: string | null = null;
    for (let pages = 0; pages < 20; pages++) {
      const search = (await get(`/api/v1/search?q=remote&limit=200${cursor ? `&cursor=${cursor}` : ''}`)).json() as {
        total: number;
        items: unknown[];
        nextCursor: string | null;
      };
      seen += search.items.length;
      total = search.total;
      cursor = search.nextCursor;
      if (!cursor) break;
    }
    expect(cursor).toBeNull();
    expect(total).toBe(seen);
    expect(total).toBeGreaterThan(1);
    expect(((await get('/api/v1/search?q=remote&limit=1&sort=relevance')).json() as { total: number }).total).toBe(total);
    expect(((await get('/api/v1/search?q=zzzznothingmatches')).json() as { total: number }).total).toBe(0);
  });

  it('shows one display name per vendor key, the spelling records state most (Microsoft, not microsoft)', async () => {
    const names = new Map<string, Set<string>>();
    // The first pages of the ranked list and of the CVEs with a record, most recent first.
    for (const query of ['limit=200', 'limit=200&sort=published', 'limit=200&vendor=microsoft']) {
      let cursor: string | null = null;
      for (let pages = 0; pages < 3; pages++) {
        const page = (await get(`/api/v1/cves?${query}${cursor ? `&cursor=${cursor}` : ''}`)).json() as {
          items: { vendors: string[] }[];
          nextCursor: string | null;
        };
        for (const v of page.items.flatMap((i) => i.vendors)) names.set(productKey(v), (names.get(productKey(v)) ?? new Set()).add(v));
        cursor = page.nextCursor;
        if (!cursor) break;
      }
    }
    expect([...names.values()].filter((s) => s.size > 1).map((s) => [...s])).toEqual([]);
    expect([...(names.get('microsoft') ?? [])]).toEqual(['Microsoft']);
    const stats = (await get('/stats')).json() as { topVendors: { vendor: string }[] };
    for (const { vendor } of stats.topVendors) if (names.has(productKey(vendor))) expect(names.get(productKey(vendor))).toEqual(new Set([vendor]));
  });

  it('keeps the refresh token in an HttpOnly, Secure, SameSite=Strict cookie that refresh and sign-out accept', async () => {
    const r = await login('ana');
    expect(r.statusCode).toBe(200);
    const cookie = parseSetCookie(r.headers['set-cookie']);
    expect(cookie?.value).toBe(r.json().refreshToken);
    expect(cookie?.attrs).toMatchObject({ httponly: '', secure: '', samesite: 'Strict', path: '/api/v1/auth' });
    expect(Number(cookie?.attrs['max-age'])).toBe(7 * 24 * 3600);

    // Refresh with the cookie alone (a new tab has no token of its own): a new cookie, rotated.
    const refreshed = await api.app.inject({ method: 'POST', url: '/api/v1/auth/refresh', cookies: { [REFRESH_COOKIE]: cookie?.value ?? '' }, payload: {} });
    expect(refreshed.statusCode, refreshed.body).toBe(200);
    const next = parseSetCookie(refreshed.headers['set-cookie']);
    expect(next?.value).toBe(refreshed.json().refreshToken);
    expect(next?.value).not.toBe(cookie?.value);
    const me = await api.app.inject({ method: 'GET', url: '/api/v1/auth/me', headers: { authorization: `Bearer ${refreshed.json().accessToken}` } });
    expect(me.json()).toMatchObject({ name: 'ana', via: 'session' });

    // Without a cookie or a body token: 401, not a schema error.
    const none = await api.app.inject({ method: 'POST', url: '/api/v1/auth/refresh', payload: {} });
    expect(none.statusCode).toBe(401);

    // Sign-out with the cookie ends the chain and clears the cookie.
    const out = await api.app.inject({ method: 'POST', url: '/api/v1/auth/logout', cookies: { [REFRESH_COOKIE]: next?.value ?? '' }, payload: {} });
    expect(out.statusCode).toBe(204);
    expect(parseSetCookie(out.headers['set-cookie'])).toMatchObject({ value: '', attrs: { 'max-age': '0' } });
    const after = await api.app.inject({ method: 'POST', url: '/api/v1/auth/refresh', cookies: { [REFRESH_COOKIE]: next?.value ?? '' }, payload: {} });
    expect(after.statusCode).toBe(401);
  });

  it('limits refreshes apart from sign-ins: a dozen new tabs in a minute each resume the session', async () => {
    const limited = await startTestApi({
      configure: (c) => {
        c.server.loginRateLimitPerMinute = 10;
      },
    });
    try {
      const r = await limited.app.inject({ method: 'POST', url: '/api/v1/auth/login', payload: { username: 'ana', password: TEST_PASSWORD } });
      let cookie = parseSetCookie(r.headers['set-cookie'])?.value ?? '';
      for (let tab = 0; tab < 15; tab++) {
        const refreshed = await limited.app.inject({ method: 'POST', url: '/api/v1/auth/refresh', cookies: { [REFRESH_COOKIE]: cookie }, payload: {} });
        expect(refreshed.statusCode, `tab ${tab}: ${refreshed.body}`).toBe(200);
        cookie = parseSetCookie(refreshed.headers['set-cookie'])?.value ?? '';
      }
      // Sign-in keeps its own, low limit.
      const signIns = [];
      for (let i = 0; i < 12; i++)
        signIns.push((await limited.app.inject({ method: 'POST', url: '/api/v1/auth/login', payload: { username: 'ana', password: 'wrong' } })).statusCode);
      expect(signIns).toContain(429);
    } finally {
      await limited.close();
    }
  });

  it('leaves out Secure only on plain HTTP to a non-loopback address, where browsers would drop the cookie', async () => {
    expect(parseSetCookie((await login('ana', 'localhost:8080')).headers['set-cookie'])?.attrs).toHaveProperty('secure');
    expect(parseSetCookie((await login('ana', '[::1]:8080')).headers['set-cookie'])?.attrs).toHaveProperty('secure');
    expect(parseSetCookie((await login('ana', 'vigil.example.org')).headers['set-cookie'])?.attrs).not.toHaveProperty('secure');
  });

  it('audits a sign-in as the session it started, and a failed one as not signed in', async () => {
    await login('ann');
    await api.app.inject({ method: 'POST', url: '/api/v1/auth/login', payload: { username: 'ann', password: 'wrong password' } });
    const rows = (await api.stores.auth.listAudit({ actor: 'ann', action: 'auth.login', limit: 100 })).reverse().map(({ actor, actorKind, outcome }) => ({ actor, actorKind, outcome }));
    expect(rows[0]).toEqual({ actor: 'ann', actorKind: 'session', outcome: 'success' });
    // Failed attempts (possibly aggregated per address) stay unauthenticated.
    expect(rows.slice(1).every((r) => r.actorKind === 'anonymous' && r.outcome !== 'success')).toBe(true);
  });
});
