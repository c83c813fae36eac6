/**
 * The HTTP client's failures name their cause: undici says only "fetch failed", the reason
 * (connection refused, DNS) is in its `cause`, and a user reading `vigil status` needs it.
 */
import { createServer } from 'node:net';
import { describe, expect, it } from 'vitest';
import { SourceUnavailableError } from '../errors.ts';
import { startUpstream } from '../testing/upstream.ts';
import { HttpClient, messageWithCauses } from './http.ts';

/** A loopback port nothing listens on (bound, then closed). */
async function closedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const { port } = server.address() as { port: number };
  await new Promise((r) => server.close(r));
  return port;
}

describe('HttpClient failures', () => {
  it('carry the network cause in the message (connection refused), not just "fetch failed"', async () => {
    const port = await closedPort();
    const err = await new HttpClient({ retries: 0 }).get(`http://127.0.0.1:${port}/feed.json`, { sourceId: 'kev' }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(SourceUnavailableError);
    expect((err as Error).message).toMatch(new RegExp(`fetch failed: connect ECONNREFUSED 127\\.0\\.0\\.1:${port}`));
    expect((err as Error).cause).toBeInstanceOf(Error);
  });

  it.each([
    ['a bare error', new Error('fetch failed'), 'fetch failed'],
    ['a cause chain', new Error('fetch failed', { cause: new Error('getaddrinfo ENOTFOUND services.nvd.nist.gov') }), 'fetch failed: getaddrinfo ENOTFOUND services.nvd.nist.gov'],
    ['a repeated cause', new Error('GET x: boom', { cause: new Error('boom') }), 'GET x: boom'],
    ['a non-error cause', new Error('failed', { cause: 'EPIPE' }), 'failed: EPIPE'],
  ])('messageWithCauses: %s', (_, err, expected) => {
    expect(messageWithCauses(err)).toBe(expected);
  });
});

describe('HttpClient conditional GET', () => {
  it('answers a 304 to If-None-Match as status 304 with an empty body; a 304 to a plain GET is an error', async () => {
    const up = await startUpstream({
      '/feed.csv': (req, res) => {
        if (req.headers['if-none-match'] === '"v1"') res.writeHead(304, { etag: '"v1"' }).end();
        else res.writeHead(req.headers['if-none-match'] ? 200 : 304, { etag: '"v1"' }).end(req.headers['if-none-match'] ? 'id,file\n' : '');
        return true;
      },
    });
    try {
      const http = new HttpClient({ retries: 0 });
      const same = await http.get(`${up.baseUrl}/feed.csv`, { sourceId: 'exploitdb', headers: { 'If-None-Match': '"v1"' } });
      expect(same).toMatchObject({ status: 304, body: Buffer.alloc(0) });
      expect(same?.headers.get('etag')).toBe('"v1"');
      const changed = await http.get(`${up.baseUrl}/feed.csv`, { sourceId: 'exploitdb', headers: { 'If-None-Match': '"v0"' } });
      expect(changed).toMatchObject({ status: 200, body: Buffer.from('id,file\n') });
      await expect(http.get(`${up.baseUrl}/feed.csv`, { sourceId: 'exploitdb' })).rejects.toThrow(/HTTP 304/);
    } finally {
      await up.close();
    }
  });
});

describe('HttpClient redirects', () => {
  it('follows a redirect only to a URL the policy allows, and sends credentials to the same origin only', async () => {
    const seen: { path: string; auth: string | undefined }[] = [];
    const other = await startUpstream({
      '/elsewhere': (req, res) => {
        seen.push({ path: '/elsewhere', auth: req.headers.authorization });
        res.end('{"ok":true}');
        return true;
      },
    });
    const up = await startUpstream({
      '/same': (_req, res) => {
        res.writeHead(302, { location: '/target' }).end();
        return true;
      },
      '/target': (req, res) => {
        seen.push({ path: '/target', auth: req.headers.authorization });
        res.end('{"ok":true}');
        return true;
      },
      '/away': (_req, res) => {
        res.writeHead(301, { location: `${other.baseUrl}/elsewhere` }).end();
        return true;
      },
      '/metadata': (_req, res) => {
        // The cloud metadata address, and loopback written as a number: both refused by the URL policy.
        res.writeHead(302, { location: 'http://169.254.169.254/latest/meta-data/' }).end();
        return true;
      },
      '/numeric': (_req, res) => {
        res.writeHead(307, { location: `http://0x7f000001:${new URL(other.baseUrl).port}/elsewhere` }).end();
        return true;
      },
    });
    try {
      const http = new HttpClient({ retries: 0 });
      const headers = { authorization: 'Bearer SECRET' };
      expect((await http.get(`${up.baseUrl}/same`, { sourceId: 'ghsa', headers }))?.body.toString()).toBe('{"ok":true}');
      expect((await http.get(`${up.baseUrl}/away`, { sourceId: 'ghsa', headers }))?.body.toString()).toBe('{"ok":true}');
      expect(seen).toEqual([
        { path: '/target', auth: 'Bearer SECRET' },
        { path: '/elsewhere', auth: undefined },
      ]);
      for (const p of ['/metadata', '/numeric']) {
        const err = await http.get(`${up.baseUrl}${p}`, { sourceId: 'csaf' }).catch((e: unknown) => e);
        expect((err as Error).message, p).toMatch(/redirect to .* refused/);
      }
      expect(seen).toHaveLength(2);
    } finally {
      await up.close();
      await other.close();
    }
  });
});
