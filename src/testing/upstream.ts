/**
 * A loopback HTTP server that stands in for an upstream (NVD, CVE Services, FIRST, CISA) in
 * tests: each source's test registers handlers that serve the real corpus files at the
 * upstream's paths with its paging and query parameters. Faults can be queued to exercise
 * retries and partial failures: 429 with Retry-After, 503, a truncated body, malformed JSON.
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

/** A handler answers one request; returning `false` falls through to a 404. */
export type UpstreamHandler = (req: IncomingMessage, res: ServerResponse, url: URL) => boolean | undefined | Promise<boolean | undefined>;

/** A fault injected into the next request(s) whose path starts with `pathPrefix`. */
export type Fault =
  | { kind: 'status'; status: number; retryAfter?: number; pathPrefix?: string }
  | { kind: 'truncate'; bytes: number; pathPrefix?: string }
  | { kind: 'body'; body: string; contentType?: string; pathPrefix?: string };

/** A running fake upstream. */
export interface Upstream {
  /** `http://127.0.0.1:PORT` */
  baseUrl: string;
  /** Every request received, as path + query. */
  requests: string[];
  /** Queues a fault for the next matching request. */
  fault(f: Fault): void;
  close(): Promise<void>;
}

/** Starts a fake upstream on an ephemeral loopback port. */
export async function startUpstream(handlers: Record<string, UpstreamHandler>): Promise<Upstream> {
  const requests: string[] = [];
  const faults: Fault[] = [];
  const server: Server = createServer(async (req, res) => {
    const url = new URL(req.url ?? '/', 'http://127.0.0.1');
    requests.push(url.pathname + url.search);
    const i = faults.findIndex((f) => !f.pathPrefix || url.pathname.startsWith(f.pathPrefix));
    const fault = i >= 0 ? faults.splice(i, 1)[0] : undefined;
    if (fault?.kind === 'status') {
      const headers: Record<string, string> = {};
      if (fault.retryAfter !== undefined) headers['retry-after'] = String(fault.retryAfter);
      res.writeHead(fault.status, headers).end(`fault ${fault.status}`);
      return;
    }
    if (fault?.kind === 'body') {
      res.writeHead(200, { 'content-type': fault.contentType ?? 'application/json' }).end(fault.body);
      return;
    }
    if (fault?.kind === 'truncate') {
      // Announce the full length, send part of it, then drop the connection.
      const origEnd = res.end.bind(res);
      res.end = ((chunk?: unknown) => {
        const buf = Buffer.isBuffer(chunk) ? chunk : Buffer.from(String(chunk ?? ''));
        // Announced length (when the handler has not sent headers yet) or chunked: either way the
        // client sees the body end early.
        if (!res.headersSent) res.setHeader('content-length', buf.length);
        res.write(buf.subarray(0, Math.min(fault.bytes, buf.length)));
        res.socket?.destroy();
        return res;
      }) as typeof res.end;
      void origEnd;
    }
    for (const [prefix, handler] of Object.entries(handlers)) {
      if (url.pathname.startsWith(prefix) && (await handler(req, res, url)) !== false) return;
    }
    res.writeHead(404).end('not found');
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    baseUrl: `http://127.0.0.1:${port}`,
    requests,
    fault: (f) => faults.push(f),
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
