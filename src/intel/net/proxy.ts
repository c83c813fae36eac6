/**
 * The undici dispatchers of the intel fetcher: direct (guarded), or through a SOCKS5 proxy
 * (fetch-socks). `socks5h://`: the proxy resolves names (never resolved here; the only way to
 * `.onion`); `socks5://`: names resolved here by the guard, the proxy is given checked addresses.
 * Each source gets its own SOCKS username (its name), so Tor (IsolateSOCKSAuth, on by default)
 * gives each source its own circuits. A proxy that fails fails the request: never a direct fetch.
 * Spec: RFC 1928 (SOCKS5), RFC 1929 (username/password), Tor's `SocksPort` IsolateSOCKSAuth.
 */
import { isIP } from 'node:net';
import { socksConnector } from 'fetch-socks';
import { Agent, type buildConnector } from 'undici';
import { VigilError } from '../../errors.ts';
import { checkAddress, type GuardPolicy, guardedConnector, guardedLookup, type Resolver } from './guard.ts';

/** A source's route: `none`, or a SOCKS5 proxy; `remoteDns` for `socks5h`. */
export type ProxyRoute = { kind: 'none' } | { kind: 'socks5'; url: string; host: string; port: number; remoteDns: boolean };

/**
 * The route of a source's `proxy` setting.
 * @param proxy `none`, `tor` (then `torProxy`), `socks5h://host:port` or `socks5://host:port`.
 * @throws VigilError VIGIL_FETCH_FAILED for anything else (the source schema refuses it first).
 */
export function parseProxy(proxy: string, torProxy: string, url = '(source)'): ProxyRoute {
  if (proxy === 'none') return { kind: 'none' };
  const value = proxy === 'tor' ? torProxy : proxy;
  const m = /^(socks5h?):\/\/([A-Za-z0-9.-]+|\[[0-9A-Fa-f:.]+\]):(\d{1,5})\/?$/i.exec(value);
  const port = Number(m?.[3]);
  if (!m || port < 1 || port > 65535)
    throw new VigilError('VIGIL_FETCH_FAILED', [url, `proxy "${value}" is not none, tor, socks5h://host:port or socks5://host:port`]);
  const host = m[2]!.replace(/^\[|\]$/g, '');
  return { kind: 'socks5', url: `${m[1]!.toLowerCase()}://${m[2]}:${port}`, host, port, remoteDns: m[1]!.toLowerCase() === 'socks5h' };
}

/** The guard policy of a route: `.onion` allowed only through `socks5h`. */
export function routePolicy(route: ProxyRoute, allowHosts: readonly string[]): GuardPolicy {
  return { allowHosts, proxy: route.kind === 'none' ? 'none' : route.url };
}

/** A failure of the proxy itself (unreachable, authentication refused, CONNECT refused). */
export class ProxyFailure extends Error {
  readonly proxy: string;
  constructor(proxy: string, cause: unknown) {
    super(`proxy ${proxy} failed: ${cause instanceof Error ? cause.message : String(cause)}`, { cause });
    this.name = 'ProxyFailure';
    this.proxy = proxy;
  }
}

/** Options of {@link createDispatcher}. */
export interface DispatcherOptions {
  allowHosts: readonly string[];
  /** Used for direct connections and `socks5://` (local DNS). */
  resolver?: Resolver;
  /** Connection (and SOCKS handshake) timeout, ms. */
  connectTimeoutMs: number;
  /** Per-response timeouts (headers, idle body), ms. */
  responseTimeoutMs: number;
  /** SOCKS username: the source name (one Tor circuit set per source). */
  sourceName: string;
}

/** Fixed SOCKS password: Tor isolates on username and password; the username already differs per source. */
const SOCKS_PASSWORD = 'vigil';

/** Checked addresses of `hostname` through the guard (resolves with `resolver`). */
function lookupChecked(policy: GuardPolicy, resolver: Resolver | undefined, hostname: string): Promise<string> {
  const lookup = guardedLookup(policy, resolver);
  return new Promise((resolve, reject) =>
    lookup(hostname, {}, (err, address) => {
      if (err) reject(err);
      else resolve(address as string);
    }),
  );
}

/** The SOCKS connector: guard on literal (and, for `socks5://`, resolved) addresses, failures as {@link ProxyFailure}. */
function socksGuardedConnector(route: Extract<ProxyRoute, { kind: 'socks5' }>, options: DispatcherOptions): buildConnector.connector {
  const policy = routePolicy(route, options.allowHosts);
  const proxy: Parameters<typeof socksConnector>[0] = { host: route.host, port: route.port, type: 5, userId: options.sourceName, password: SOCKS_PASSWORD };
  const connect = socksConnector(proxy, { timeout: options.connectTimeoutMs });
  return (opts, callback) => {
    const hostname = opts.hostname.replace(/^\[|\]$/g, '');
    const go = async (): Promise<buildConnector.Options> => {
      if (isIP(hostname) !== 0) {
        checkAddress(hostname, hostname, policy);
        return opts;
      }
      if (route.remoteDns) return opts;
      const address = await lookupChecked(policy, options.resolver, hostname);
      return { ...opts, hostname: address, servername: opts.servername ?? hostname };
    };
    go().then(
      (target) =>
        connect(target, (err, socket) => {
          if (err) callback(new ProxyFailure(route.url, err), null);
          else callback(null, socket as NonNullable<typeof socket>);
        }),
      (err: Error) => callback(err, null),
    );
  };
}

/**
 * An undici Agent for one route: direct ones check every connection with the guard; SOCKS ones
 * go through the proxy with the source name as username. Close it with `agent.close()`.
 */
export function createDispatcher(route: ProxyRoute, options: DispatcherOptions): Agent {
  const timeouts = { headersTimeout: options.responseTimeoutMs, bodyTimeout: options.responseTimeoutMs };
  if (route.kind === 'none') {
    const connect = guardedConnector({ allowHosts: options.allowHosts, proxy: 'none' }, options.resolver, { timeout: options.connectTimeoutMs });
    return new Agent({ ...timeouts, connect });
  }
  return new Agent({ ...timeouts, connect: socksGuardedConnector(route, options) });
}
