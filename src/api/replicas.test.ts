/**
 * Stateless API replicas (`vigil serve --no-daemon`, several behind a proxy on one database): the
 * JWT key, refresh sessions and API tokens live only in the store, so any replica accepts what
 * another issued, and a refresh token's single use holds across them (docs/api.md, "Several
 * replicas"). Each replica here is a second server with stores and connections of its own
 * (TestApi.replica). It runs on both back ends: on SQLite the replicas are two connections to one
 * file, which is how two processes on one machine would share it.
 */
import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { JWT_KEY_SETTING } from './auth/guard.ts';
import { hasCorpus } from '../testing/corpus.ts';
import { openStores, type Stores } from '../store/index.ts';
import { startTestApi, TEST_PASSWORD, type TestApi } from '../testing/api.ts';
import { openTestStores } from '../testing/store.ts';

describe.skipIf(!hasCorpus())('two API replicas on one database', () => {
  let api: TestApi;
  let a: FastifyInstance;
  let b: FastifyInstance;

  beforeAll(async () => {
    api = await startTestApi();
    a = api.app;
    b = await api.replica();
  });
  afterAll(async () => api?.close());

  const login = async (app: FastifyInstance, username: string) => {
    const r = await app.inject({ method: 'POST', url: '/api/v1/auth/login', payload: { username, password: TEST_PASSWORD } });
    expect(r.statusCode, r.body).toBe(200);
    return r.json() as { accessToken: string; refreshToken: string };
  };
  const refresh = (app: FastifyInstance, refreshToken: string) => app.inject({ method: 'POST', url: '/api/v1/auth/refresh', payload: { refreshToken } });
  const me = (app: FastifyInstance, token: string) =>
    app.inject({ url: '/api/v1/auth/me', headers: { authorization: `Bearer ${token}` } });

  it('share the JWT key of the store (one `jwt.key` setting, made by whichever started first)', async () => {
    expect(b.deps.jwtKey).toBe(a.deps.jwtKey);
    expect(await api.stores.auth.getSetting(JWT_KEY_SETTING)).toBe(a.deps.jwtKey);
  });

  it("accept each other's access tokens and refresh tokens", async () => {
    const fromA = await login(a, 'ana');
    expect((await me(b, fromA.accessToken)).json()).toMatchObject({ name: 'ana', via: 'session' });
    const rotated = await refresh(b, fromA.refreshToken);
    expect(rotated.statusCode, rotated.body).toBe(200);
    const { accessToken, refreshToken } = rotated.json() as { accessToken: string; refreshToken: string };
    expect((await me(a, accessToken)).statusCode).toBe(200);
    expect((await refresh(a, refreshToken)).statusCode).toBe(200);
  });

  it('detect a refresh token reused on the other replica and end its whole chain', async () => {
    const first = await login(a, 'ann');
    const next = (await refresh(a, first.refreshToken)).json() as { refreshToken: string };
    // The old token again, on the other replica: a replay.
    const replay = await refresh(b, first.refreshToken);
    expect(replay.statusCode).toBe(401);
    expect((replay.json() as { message: string }).message).toMatch(/already used/);
    // The chain is revoked in the store: the rotated token is refused by both replicas.
    expect((await refresh(a, next.refreshToken)).statusCode).toBe(401);
    expect((await refresh(b, next.refreshToken)).statusCode).toBe(401);
  });

  it('let exactly one of two concurrent refreshes of one token win, one on each replica', async () => {
    for (let round = 0; round < 5; round++) {
      const { refreshToken } = await login(a, 'vic');
      const answers = await Promise.all([refresh(a, refreshToken), refresh(b, refreshToken)]);
      expect(answers.map((r) => r.statusCode).sort()).toEqual([200, 401]);
      // The loser's reuse revoked the chain, the winner's new token included.
      const won = answers.find((r) => r.statusCode === 200)?.json() as { refreshToken: string };
      expect((await refresh(a, won.refreshToken)).statusCode).toBe(401);
    }
  });

  it('end a session signed out on one replica on the other too', async () => {
    const s = await login(a, 'ana');
    expect((await a.inject({ method: 'POST', url: '/api/v1/auth/logout', payload: { refreshToken: s.refreshToken } })).statusCode).toBe(204);
    expect((await refresh(b, s.refreshToken)).statusCode).toBe(401);
  });

  it("accept an API token made on the other replica, and refuse it once revoked there (a replica's cache keeps a verified token at most 5 s)", async () => {
    const token = await api.apiToken('ana', ['read']);
    const id = (await api.stores.auth.listTokens('ana')).at(-1)?.id;
    expect((await me(b, token)).json()).toMatchObject({ name: 'ana', via: 'token' });
    // Revoked through A, tried first on a third replica that never verified it (no cache).
    const admin = await login(a, 'ada');
    expect((await a.inject({ method: 'DELETE', url: `/api/v1/tokens/${id}`, headers: { authorization: `Bearer ${admin.accessToken}` } })).statusCode).toBe(204);
    const c = await api.replica();
    expect((await me(c, token)).statusCode).toBe(401);
  });
});

describe('settings made once across replicas', () => {
  it('initSetting from several connections at once keeps one value, the first writer wins for all', async () => {
    const first = await openTestStores();
    const others: Stores[] = [];
    try {
      for (let i = 0; i < 3; i++) others.push(await openStores(first.database));
      const all = [first, ...others];
      for (let round = 0; round < 5; round++) {
        const key = `replica.test.${round}`;
        const values = await Promise.all(all.flatMap((s, i) => [s.auth.initSetting(key, `value-${i}-a`), s.auth.initSetting(key, `value-${i}-b`)]));
        expect(new Set(values).size).toBe(1);
        expect(await first.auth.getSetting(key)).toBe(values[0]);
      }
    } finally {
      for (const s of others) await s.close();
      await first.close();
    }
  });
});
