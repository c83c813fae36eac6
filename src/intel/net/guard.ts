/**
 * The SSRF guard for user-defined intel sources (issue 13, "Fetching safely"). A source URL is
 * checked when it is added ({@link checkUrl}) and again before every connection, redirect hops
 * included, on the address actually connected to ({@link guardedLookup}, {@link guardedConnector}).
 *
 * - Only `http:` and `https:`; no credentials in the URL.
 * - Refused addresses ({@link classifyAddress}): loopback, private, link-local (cloud metadata),
 *   CGNAT, multicast, documentation, benchmarking and other special-purpose ranges, and IPv6
 *   addresses embedding one of these (IPv4-mapped, NAT64, 6to4), unless `intel.allowHosts` lists
 *   the host name, the address or a CIDR holding it ({@link AllowList}).
 * - A name is refused when ANY of its addresses is refused (DNS rebinding answers mix a public and
 *   a private address). The check runs inside the socket's own lookup, and the socket connects to
 *   exactly the addresses checked: no second resolution can slip between check and connect.
 * - `.onion` names are never resolved locally: they are fetched only through a SOCKS5 proxy with
 *   remote DNS (`socks5h://`).
 *
 * Numeric hosts are read the WHATWG URL way first (`http://0xa9fea9fe/` is 169.254.169.254).
 * Spec: https://www.iana.org/assignments/iana-ipv4-special-registry/,
 * https://www.iana.org/assignments/iana-ipv6-special-registry/, RFC 7686 (.onion), RFC 6052 (NAT64).
 */
import { lookup as dnsLookup, type LookupAddress } from 'node:dns';
import { BlockList, isIP, type LookupFunction } from 'node:net';
import { buildConnector } from 'undici';
import { VigilError } from '../../errors.ts';

/**
 * What the guard needs from the configuration.
 * - `allowHosts`: `intel.allowHosts` entries let through although refused: host names (exact,
 *   case-insensitive), IP addresses (`127.0.0.1`, `::1` or `[::1]`) and CIDRs (`10.20.0.0/16`).
 * - `proxy`: `'none'`, or the proxy URL sources are fetched through; `.onion` hosts need a
 *   `socks5h://` one (SOCKS5, the proxy resolves names).
 */
export interface GuardPolicy {
  allowHosts: readonly string[];
  proxy: 'none' | string;
}

/** Outcome of {@link classifyAddress}: `range` names the refused range, e.g. `private 10.0.0.0/8`. */
export interface AddressClass {
  allowed: boolean;
  range?: string;
}

/** Resolves a host name to all its addresses (IPv4 and IPv6). Tests pass a stub. */
export type Resolver = (hostname: string) => Promise<readonly LookupAddress[]>;

/** A URL or address refused by the guard (code VIGIL_URL_REFUSED, HTTP 400): never retried. */
export class UrlRefusedError extends VigilError {
  readonly host: string;
  readonly address: string | undefined;
  readonly range: string | undefined;

  constructor(detail: string, where: { host: string; address?: string; range?: string }, options?: { cause?: unknown }) {
    super('VIGIL_URL_REFUSED', [detail], options);
    this.name = 'UrlRefusedError';
    this.host = where.host;
    this.address = where.address;
    this.range = where.range;
  }
}

type Family = 'ipv4' | 'ipv6';
/** `embedded`: where the IPv4 address sits, as the index of its first 16-bit group. */
interface Range {
  name: string;
  list: BlockList;
  family: Family;
  embedded?: number;
}

/**
 * Every range of {@link RANGES}, one list per family: one check clears most addresses. Kept apart
 * because a BlockList matches IPv4 addresses against an IPv6 rule for ::ffff:0:0/96.
 */
const ANY_RANGE: Readonly<Record<Family, BlockList>> = { ipv4: new BlockList(), ipv6: new BlockList() };

function range(cidr: string, name: string, embedded?: number): Range {
  const [net, bits] = cidr.split('/') as [string, string];
  const family: Family = isIP(net) === 4 ? 'ipv4' : 'ipv6';
  const list = new BlockList();
  list.addSubnet(net, Number(bits), family);
  if (cidr !== '2000::/3') ANY_RANGE[family].addSubnet(net, Number(bits), family);
  return { name: `${name} ${cidr}`, list, family, embedded };
}

/** First match wins: narrower ranges before the ones holding them. */
const RANGES: readonly Range[] = [
  range('0.0.0.0/8', '"this network"'),
  range('10.0.0.0/8', 'private'),
  range('100.64.0.0/10', 'CGNAT'),
  range('127.0.0.0/8', 'loopback'),
  range('169.254.0.0/16', 'link-local'),
  range('172.16.0.0/12', 'private'),
  range('192.0.0.0/24', 'IETF protocol assignments'),
  range('192.0.2.0/24', 'documentation (TEST-NET-1)'),
  range('192.88.99.0/24', '6to4 relay anycast'),
  range('192.168.0.0/16', 'private'),
  range('198.18.0.0/15', 'benchmarking'),
  range('198.51.100.0/24', 'documentation (TEST-NET-2)'),
  range('203.0.113.0/24', 'documentation (TEST-NET-3)'),
  range('224.0.0.0/4', 'multicast'),
  range('255.255.255.255/32', 'broadcast'),
  range('240.0.0.0/4', 'reserved'),
  range('::/128', 'unspecified'),
  range('::1/128', 'loopback'),
  range('::ffff:0:0/96', 'IPv4-mapped', 6),
  range('::/96', 'IPv4-compatible (deprecated)'),
  range('64:ff9b::/96', 'NAT64', 6),
  range('64:ff9b:1::/48', 'local-use NAT64'),
  range('100::/64', 'discard-only'),
  range('2001:db8::/32', 'documentation'),
  range('2002::/16', '6to4', 1),
  range('fc00::/7', 'unique local'),
  range('fe80::/10', 'link-local'),
  range('fec0::/10', 'site-local (deprecated)'),
  range('ff00::/8', 'multicast'),
];
/** Outside 2000::/3 nothing is global unicast: refused unless a range above said otherwise. */
const GLOBAL_UNICAST = range('2000::/3', 'global unicast');
const NOTES: Readonly<Record<string, string>> = {
  'link-local 169.254.0.0/16': ' (cloud metadata)',
  'CGNAT 100.64.0.0/10': ' (shared address space; Alibaba Cloud metadata 100.100.100.200)',
  'unique local fc00::/7': ' (AWS metadata fd00:ec2::254)',
};

/** The 8 16-bit groups of a valid IPv6 address (a trailing dotted quad allowed). */
function groups(ip: string): number[] {
  let text = ip;
  const quad = /(\d+)\.(\d+)\.(\d+)\.(\d+)$/.exec(text);
  if (quad) {
    const [a, b, c, d] = quad.slice(1).map(Number) as [number, number, number, number];
    text = `${text.slice(0, quad.index)}${((a << 8) | b).toString(16)}:${((c << 8) | d).toString(16)}`;
  }
  const [head, tail] = text.split('::') as [string, string | undefined];
  const h = head ? head.split(':') : [];
  const t = tail ? tail.split(':') : [];
  const fill = tail === undefined ? [] : new Array<string>(8 - h.length - t.length).fill('0');
  return [...h, ...fill, ...t].map((g) => Number.parseInt(g, 16));
}

/** `ip` without brackets, zone id (`%eth0`) or surrounding space. */
function bare(ip: string): string {
  const s = ip.trim();
  const unbracketed = s.startsWith('[') && s.endsWith(']') ? s.slice(1, -1) : s;
  return unbracketed.split('%')[0]!;
}

/**
 * Classifies an IP address (IPv4 dotted quad, or IPv6 with or without brackets).
 * Anything that is not an IP address is refused (`range: 'not an IP address'`).
 * @example classifyAddress('::ffff:169.254.169.254')
 *   // { allowed: false, range: 'link-local 169.254.0.0/16 (cloud metadata), as IPv4-mapped ::ffff:0:0/96' }
 */
export function classifyAddress(ip: string): AddressClass {
  const address = bare(ip);
  const version = isIP(address);
  if (version === 0) return { allowed: false, range: 'not an IP address' };
  const family: Family = version === 4 ? 'ipv4' : 'ipv6';
  const inRange = ANY_RANGE[family].check(address, family);
  if (!inRange && (family === 'ipv4' || GLOBAL_UNICAST.list.check(address, 'ipv6'))) return { allowed: true };
  for (const r of RANGES) {
    if (r.family !== family || !r.list.check(address, family)) continue;
    if (r.embedded === undefined) return { allowed: false, range: r.name + (NOTES[r.name] ?? '') };
    const g = groups(address);
    const [hi, lo] = [g[r.embedded]!, g[r.embedded + 1]!];
    const inner = classifyAddress([hi >> 8, hi & 255, lo >> 8, lo & 255].join('.'));
    return inner.allowed ? inner : { allowed: false, range: `${inner.range}, as ${r.name}` };
  }
  if (family === 'ipv6' && !GLOBAL_UNICAST.list.check(address, 'ipv6')) return { allowed: false, range: 'reserved (outside global unicast 2000::/3)' };
  return { allowed: true };
}

/** Host name as compared: lower case, no trailing dot, IPv6 without brackets. */
function hostKey(host: string): string {
  return bare(host).toLowerCase().replace(/\.$/, '');
}

function isOnion(host: string): boolean {
  const h = hostKey(host);
  return h === 'onion' || h.endsWith('.onion');
}

/**
 * The `intel.allowHosts` entries, parsed once.
 * @throws VigilError VIGIL_CONFIG_INVALID naming the entry (`intel.allowHosts[2] "10.0.0.0/33"`)
 *   when it is not a host name, an IP address or a CIDR (wildcards are not supported).
 */
export class AllowList {
  readonly #names = new Set<string>();
  readonly #addresses = new BlockList();

  constructor(allowHosts: readonly string[], key = 'intel.allowHosts') {
    allowHosts.forEach((entry, i) => {
      const bad = (why: string, options?: { cause: unknown }) => new VigilError('VIGIL_CONFIG_INVALID', [`${key}[${i}] "${entry}" ${why}`], options);
      const cidr = /^(.+)\/(\d{1,3})$/.exec(entry.trim());
      const ip = bare(cidr ? cidr[1]! : entry);
      const version = isIP(ip);
      const family: Family = version === 4 ? 'ipv4' : 'ipv6';
      if (cidr) {
        const bits = Number(cidr[2]);
        if (version === 0 || bits > (version === 4 ? 32 : 128)) throw bad('is not a valid CIDR (address/prefix length)');
        this.#addresses.addSubnet(ip, bits, family);
      } else if (version !== 0) {
        this.#addresses.addAddress(ip, family);
      } else {
        let name: string;
        try {
          name = new URL(`http://${entry.trim()}/`).hostname;
        } catch (cause) {
          throw bad('is not a host name, IP address or CIDR', { cause });
        }
        if (!/^[a-z0-9_-]+(\.[a-z0-9_-]+)*\.?$/.test(name) || /[/:@*]/.test(entry)) throw bad('is not a host name, IP address or CIDR (no wildcards)');
        this.#names.add(hostKey(name));
      }
    });
  }

  /** Whether the host name (or IP literal) is listed, exactly, ignoring case and a trailing dot. */
  allowsHost(host: string): boolean {
    return this.#names.has(hostKey(host)) || (isIP(bare(host)) !== 0 && this.allowsAddress(host));
  }

  /** Whether the address is listed or inside a listed CIDR (IPv4-mapped IPv6 matches IPv4 entries). */
  allowsAddress(ip: string): boolean {
    const address = bare(ip);
    const version = isIP(address);
    return version !== 0 && this.#addresses.check(address, version === 4 ? 'ipv4' : 'ipv6');
  }
}

/** The refusal of `address` (resolved from `host`) under `allow`, or null when it may be connected to. */
function refusal(host: string, address: string, allow: AllowList, url?: string, all?: readonly LookupAddress[]): UrlRefusedError | null {
  const c = classifyAddress(address);
  if (c.allowed || allow.allowsHost(host) || allow.allowsAddress(address)) return null;
  const [name, ip] = [hostKey(host), bare(address)];
  const subject = name === ip ? `address ${ip}` : `${name} resolves to ${ip}, which`;
  const others = all && all.length > 1 ? ` (${name} has ${all.map((a) => a.address).join(', ')}: every address must be allowed)` : '';
  const remedy = name === ip ? `"${ip}"` : `"${name}" or "${ip}"`;
  return new UrlRefusedError(`${url ? `${url}: ` : ''}${subject} is in ${c.range}${others}: refused (list ${remedy} in intel.allowHosts to fetch it)`, {
    host,
    address,
    range: c.range,
  });
}

/**
 * Checks one address a host resolved to (after a redirect, or as reported by a proxy).
 * @throws UrlRefusedError when the address is in a refused range and neither the host nor the
 *   address is allowed by `policy.allowHosts`.
 */
export function checkAddress(host: string, address: string, policy: GuardPolicy): void {
  const refused = refusal(host, address, new AllowList(policy.allowHosts));
  if (refused) throw refused;
}

/** `url` as shown in messages: credentials removed. */
function shown(url: URL): string {
  if (!url.username && !url.password) return url.href;
  const copy = new URL(url.href);
  copy.username = '';
  copy.password = '';
  return copy.href;
}

/**
 * Checks a source URL without resolving it: when a source is added, and before each request.
 * Host names are checked on their addresses at connection time ({@link guardedLookup}).
 * @throws UrlRefusedError for an invalid URL, a scheme other than http/https, credentials in the
 *   URL, an IP-literal host in a refused range (however written: `http://2852039166/`,
 *   `http://[::ffff:a9fe:a9fe]/`), or a `.onion` host without a `socks5h://` proxy.
 * @example checkUrl('http://169.254.169.254/latest/meta-data/', { allowHosts: [], proxy: 'none' }) // throws
 */
export function checkUrl(url: string | URL, policy: GuardPolicy): void {
  let u: URL;
  try {
    u = typeof url === 'string' ? new URL(url) : url;
  } catch (cause) {
    throw new UrlRefusedError(`"${String(url)}" is not a valid URL`, { host: '' }, { cause });
  }
  const where = { host: u.hostname };
  if (u.protocol !== 'http:' && u.protocol !== 'https:')
    throw new UrlRefusedError(`${shown(u)}: scheme ${u.protocol} is refused (only http: and https:)`, where);
  if (u.username || u.password) throw new UrlRefusedError(`${shown(u)}: credentials in the URL are refused (give them in the source's settings)`, where);
  if (isOnion(u.hostname)) {
    if (!/^socks5h:\/\//i.test(policy.proxy)) {
      const scheme = /^([a-z][a-z0-9+.-]*):/i.exec(policy.proxy)?.[1] ?? 'no scheme';
      const proxy = policy.proxy === 'none' ? 'no proxy is configured' : `the proxy is ${scheme}:, not socks5h:`;
      throw new UrlRefusedError(`${shown(u)}: .onion hosts are fetched only through a SOCKS5 proxy with remote DNS (socks5h://), and ${proxy}`, where);
    }
    return;
  }
  // `localhost` names are loopback by definition (RFC 6761 §6.3): refused now, without resolving.
  const name = u.hostname.toLowerCase().replace(/\.$/, '');
  if (name === 'localhost' || name.endsWith('.localhost')) {
    const refused = refusal(name, '127.0.0.1', new AllowList(policy.allowHosts), shown(u));
    if (refused) throw refused;
    return;
  }
  if (isIP(bare(u.hostname)) !== 0) {
    // Show the host as written too when the URL parser rewrote it (`http://2852039166/`).
    const written = typeof url === 'string' && !url.includes('@') && !url.toLowerCase().includes(u.hostname) ? `${url} (read as ${u.href})` : shown(u);
    const refused = refusal(u.hostname, u.hostname, new AllowList(policy.allowHosts), written);
    if (refused) throw refused;
  }
}

function systemResolver(hostname: string): Promise<LookupAddress[]> {
  return new Promise((resolve, reject) => dnsLookup(hostname, { all: true }, (err, addresses) => (err ? reject(err) : resolve(addresses))));
}

/** All addresses of `hostname`, each checked; refuses `.onion` names without resolving them. */
async function resolveChecked(hostname: string, allow: AllowList, resolver: Resolver): Promise<readonly LookupAddress[]> {
  const host = hostKey(hostname);
  if (isOnion(host)) throw new UrlRefusedError(`${host}: .onion names are never resolved locally; fetch them through a socks5h:// proxy`, { host });
  const version = isIP(host);
  const addresses = version === 0 ? await resolver(hostname) : [{ address: host, family: version }];
  if (addresses.length === 0) throw Object.assign(new Error(`getaddrinfo ENOTFOUND ${host}`), { code: 'ENOTFOUND', hostname: host });
  for (const { address } of addresses) {
    const refused = refusal(host, address, allow, undefined, addresses);
    if (refused) throw refused;
  }
  return addresses;
}

/**
 * A `dns.lookup` replacement for sockets (`net.connect({ lookup })`, undici's
 * `new Agent({ connect: { lookup } })`): resolves with `resolver`, checks every address, and
 * answers `{ all: true }` with all of them or else the first of the asked family. A refused
 * address fails the lookup with a {@link UrlRefusedError}, so the socket never opens.
 * Sockets skip their lookup for IP-literal hosts: use {@link guardedConnector} for undici.
 * @param resolver defaults to `dns.lookup` (the system resolver, all addresses).
 */
export function guardedLookup(policy: GuardPolicy, resolver: Resolver = systemResolver): LookupFunction {
  const allow = new AllowList(policy.allowHosts);
  return (hostname, options, callback) => {
    const family = options.family === 'IPv4' ? 4 : options.family === 'IPv6' ? 6 : (options.family ?? 0);
    resolveChecked(hostname, allow, resolver).then(
      (addresses) => {
        const wanted = family === 0 ? [...addresses] : addresses.filter((a) => a.family === family);
        const first = wanted[0];
        if (!first) callback(Object.assign(new Error(`getaddrinfo ENOTFOUND ${hostname}`), { code: 'ENOTFOUND', hostname }), '');
        else if (options.all) callback(null, wanted);
        else callback(null, first.address, first.family);
      },
      (err: Error) => callback(err, ''),
    );
  };
}

/**
 * An undici connector (`new Agent({ connect: guardedConnector(policy) })`) that checks every
 * connection, each redirect hop's included: IP-literal hosts here (sockets skip the lookup for
 * them), names through {@link guardedLookup}. `options` are undici's connect options (timeout, tls).
 * @example const agent = new Agent({ connect: guardedConnector({ allowHosts: [], proxy: 'none' }) });
 *   await fetch(url, { dispatcher: agent });
 */
export function guardedConnector(policy: GuardPolicy, resolver?: Resolver, options: buildConnector.BuildOptions = {}): buildConnector.connector {
  const allow = new AllowList(policy.allowHosts);
  const connect = buildConnector({ ...options, lookup: guardedLookup(policy, resolver) });
  return (opts, callback) => {
    const refused = isIP(bare(opts.hostname)) !== 0 ? refusal(opts.hostname, opts.hostname, allow, `${opts.protocol}//${opts.host ?? opts.hostname}`) : null;
    if (refused) callback(refused, null);
    else connect(opts, callback);
  };
}
