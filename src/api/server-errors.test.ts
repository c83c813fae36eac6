/**
 * Server errors are never silent (issue 10, item 21): every 5xx answer is logged at error level
 * with its request id (the id the answer's body gives the client), the method, the URL and the
 * error with its stack, into the server's own log (pino), whatever Fastify's logger setting. And
 * the probe's 500 (`GET /docs/static/../x`, a 403 of the static file server) is a 404.
 */
// vigil-test: the back end cannot matter (how a 5xx is logged is the server's, whatever store answered).
import { request } from 'node:http';
import { Writable } from 'node:stream';
import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestApi, type TestApi } from '../testing/api.ts';
import { hasCorpus } from '../testing/corpus.ts';

describe.skipIf(!hasCorpus())('5xx answers are logged', () => {
  let api: TestApi;
  const lines: Record<string, unknown>[] = [];

  beforeAll(async () => {
    const sink = new Writable({
      write(chunk, _enc, done) {
        for (const line of String(chunk).split('\n')) if (line) lines.push(JSON.parse(line));
        done();
      },
    });
    api = await startTestApi({ listen: true, log: pino({ level: 'info', base: undefined }, sink) });
  });
  afterAll(async () => api?.close());

  it('answers a docs path leaving its folder 404, not 500 (the static server refuses it)', async () => {
    // Over a socket: the path goes out as written (inject would resolve the dot segment).
    const address = api.app.server.address();
    if (!address || typeof address === 'string') throw new Error('not listening');
    const res = await new Promise<{ statusCode: number; body: string }>((resolve, reject) => {
      request({ host: '127.0.0.1', port: address.port, path: '/docs/static/../x' }, (r) => {
        let body = '';
        r.on('data', (c) => (body += c));
        r.on('end', () => resolve({ statusCode: r.statusCode ?? 0, body }));
      })
        .on('error', reject)
        .end();
    });
    expect(res.statusCode, res.body).toBe(404);
    expect(JSON.parse(res.body)).toMatchObject({ code: 'VIGIL_NOT_FOUND' });
  });

  it('logs a 500 from a failing store with its request id, and only 5xx answers', async () => {
    const [token, analyst] = [await api.login('vic'), await api.login('ana')];
    const errorsLogged = () => lines.filter((l) => (l.level as number) >= 50).length;
    const before = errorsLogged();
    expect((await api.app.inject({ url: '/api/v1/cves/CVE-2099-0001', headers: { authorization: `Bearer ${token}` } })).statusCode).toBe(404);
    expect(errorsLogged()).toBe(before);
    // The store turns read-only under the server: the next write fails inside a route (SQLite:
    // query_only; PostgreSQL: a constraint no new watchlist row meets, named to say why).
    const readOnly = async (on: boolean) => {
      if (api.sqlite) api.sqlite.db.pragma(`query_only = ${on ? 'ON' : 'OFF'}`);
      else
        await api.sql(
          on ? 'ALTER TABLE watchlists ADD CONSTRAINT readonly_test CHECK (false) NOT VALID' : 'ALTER TABLE watchlists DROP CONSTRAINT readonly_test',
        );
    };
    await readOnly(true);
    try {
      const res = await api.app.inject({
        method: 'POST',
        url: '/api/v1/watchlists',
        headers: { authorization: `Bearer ${analyst}` },
        payload: { name: 'ro', entries: [{ kind: 'keyword', value: 'globalprotect' }] },
      });
      expect(res.statusCode).toBe(500);
      expect(res.json().message).toContain(res.json().requestId);
      const logged = lines.filter((l) => l.requestId === res.json().requestId);
      expect(logged).toEqual([
        expect.objectContaining({
          level: 50,
          statusCode: 500,
          method: 'POST',
          url: '/api/v1/watchlists',
          err: expect.objectContaining({ message: expect.stringMatching(/readonly/) }),
        }),
      ]);
    } finally {
      await readOnly(false);
    }
  });
});
