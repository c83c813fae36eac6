/**
 * The HTTP client's failures name their cause: undici says only "fetch failed", the reason
 * (connection refused, DNS) is in its `cause`, and a user reading `vigil status` needs it.
 */
import { createServer } from 'node:net';
import { describe, expect, it } from 'vitest';
import { SourceUnavailableError } from '../errors.ts';
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
