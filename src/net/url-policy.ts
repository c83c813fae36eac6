/**
 * The one rule for every URL Vigil is configured to fetch or post to (source feeds and APIs,
 * alert channels' webhooks and bot APIs), checked when the configuration is read:
 *
 * - `https:`; `http:` only on an explicit loopback host (`127.x.y.z` written so, `[::1]`,
 *   `localhost`: local relays and test servers). No other scheme (`gopher:`, `ftp:`, `file:`…).
 * - Never a link-local, cloud-metadata, unspecified or multicast address (`169.254.169.254`,
 *   `[fe80::1]`, `metadata.google.internal`, `0.0.0.0`), however the address is spelt.
 * - Numeric hosts are normalised the WHATWG URL way before any check (`0x7f000001`, `2130706433`,
 *   `0177.0.0.1` and `127.1` all read as `127.0.0.1`; `0xa9fea9fe` as `169.254.169.254`), and the
 *   URL kept is the normalised one. A loopback host so disguised is not explicit: refused for http.
 * - No port of a well-known non-HTTP service (WHATWG Fetch's "bad ports", plus Redis, memcached,
 *   MongoDB, PostgreSQL and MySQL): a URL there is a cross-protocol request, never a feed.
 *
 * Host names are not resolved here (the configuration is read offline): a name pointing at a
 * private or loopback address is the operator's choice.
 * Spec: https://url.spec.whatwg.org/#concept-ipv4-parser, https://fetch.spec.whatwg.org/#port-blocking
 */
import { BlockList, isIPv4, isIPv6 } from 'node:net';
import { z } from 'zod';

/** Addresses never fetched: link-local (metadata services live there), unspecified, multicast, broadcast. */
const FORBIDDEN = new BlockList();
FORBIDDEN.addSubnet('169.254.0.0', 16, 'ipv4');
FORBIDDEN.addSubnet('0.0.0.0', 8, 'ipv4');
FORBIDDEN.addSubnet('224.0.0.0', 4, 'ipv4');
FORBIDDEN.addSubnet('240.0.0.0', 4, 'ipv4');
// Alibaba Cloud's metadata service (outside link-local).
FORBIDDEN.addAddress('100.100.100.200', 'ipv4');
FORBIDDEN.addSubnet('fe80::', 10, 'ipv6');
FORBIDDEN.addSubnet('ff00::', 8, 'ipv6');
FORBIDDEN.addAddress('::', 'ipv6');
// AWS's IPv6 metadata endpoint.
FORBIDDEN.addAddress('fd00:ec2::254', 'ipv6');

/** Names of cloud metadata services. */
const METADATA_NAMES: ReadonlySet<string> = new Set(['metadata.google.internal', 'metadata', 'instance-data', 'instance-data.ec2.internal']);

/**
 * Ports refused on any host: WHATWG Fetch's bad ports (https://fetch.spec.whatwg.org/#bad-port)
 * and datastores that answer on loopback without authentication.
 */
const BAD_PORTS: ReadonlySet<number> = new Set([
  0, 1, 7, 9, 11, 13, 15, 17, 19, 20, 21, 22, 23, 25, 37, 42, 43, 53, 69, 77, 79, 87, 95, 101, 102, 103, 104, 109, 110, 111, 113, 115, 117, 119, 123, 135, 137,
  139, 143, 161, 179, 389, 427, 465, 512, 513, 514, 515, 526, 530, 531, 532, 540, 548, 554, 556, 563, 587, 601, 636, 989, 990, 993, 995, 1719, 1720, 1723,
  2049, 3659, 4045, 4190, 5060, 5061, 6000, 6566, 6665, 6666, 6667, 6668, 6669, 6679, 6697, 10080,
  // Redis, memcached, MongoDB, PostgreSQL, MySQL.
  6379, 11211, 27017, 5432, 3306,
]);

/** The host as written in `raw` (between `//`, any userinfo, and the port or path), lower-cased. */
function writtenHost(raw: string): string | null {
  const m = /^[a-z][a-z0-9+.-]*:\/\/(?:[^@/?#]*@)?(\[[^\]]*\]|[^:/?#]*)/i.exec(raw.trim());
  return m?.[1] ? m[1].toLowerCase() : null;
}

/** The IPv4 address inside an IPv4-mapped IPv6 host (`[::ffff:a9fe:a9fe]` → `169.254.169.254`), else null. */
function mappedIPv4(hostname: string): string | null {
  const m = /^\[::ffff:([0-9a-f]{1,4}):([0-9a-f]{1,4})\]$/.exec(hostname);
  if (!m) return null;
  const [hi, lo] = [Number.parseInt(m[1]!, 16), Number.parseInt(m[2]!, 16)];
  return [hi >> 8, hi & 255, lo >> 8, lo & 255].join('.');
}

function isLoopback(host: string): boolean {
  return host === 'localhost' || host === '[::1]' || (isIPv4(host) && host.startsWith('127.'));
}

/** Outcome of {@link checkUrl}: the URL to use (numeric host normalised), or why it is refused. */
export type UrlCheck = { ok: true; url: string } | { ok: false; problem: string };

/**
 * Checks a configured URL against the policy (module comment).
 * @returns the URL to use, the written text with a numeric host normalised (nothing else
 *   rewritten: `https://host` stays without a trailing slash), or the problem in one sentence.
 * @example checkUrl('http://0x7f000001:8025/') // { ok: false, problem: 'plain http: is only allowed for loopback hosts, written as …' }
 */
export function checkUrl(raw: string): UrlCheck {
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    return { ok: false, problem: 'Invalid URL' };
  }
  if (url.protocol !== 'https:' && url.protocol !== 'http:') return { ok: false, problem: `unsupported protocol ${url.protocol} (use https:)` };
  const host = url.hostname;
  const written = writtenHost(raw);
  const ip = mappedIPv4(host) ?? (isIPv4(host) ? host : isIPv6(host.slice(1, -1)) ? host.slice(1, -1) : null);
  const family = ip && isIPv4(ip) ? 'ipv4' : 'ipv6';
  if (METADATA_NAMES.has(host) || (ip && FORBIDDEN.check(ip, family))) return { ok: false, problem: `${host} is a link-local, metadata or unspecified address: never fetched` };
  const port = url.port ? Number(url.port) : null;
  if (port !== null && BAD_PORTS.has(port)) return { ok: false, problem: `port ${port} belongs to a non-HTTP service` };
  const explicit = written === host && mappedIPv4(host) === null;
  if (url.protocol === 'http:' && !(isLoopback(host) && explicit)) {
    return { ok: false, problem: `plain http: is only allowed for loopback hosts, written as 127.0.0.1, [::1] or localhost${isLoopback(host) || mappedIPv4(host) ? ` (${written} reads as ${host})` : ''}; use https:` };
  }
  if (written === null || written === host) return { ok: true, url: raw };
  const at = raw.toLowerCase().indexOf(written);
  return { ok: true, url: raw.slice(0, at) + host + raw.slice(at + written.length) };
}

/**
 * Zod schema of a configured URL: refused by {@link checkUrl}'s rule, else its normalised form.
 * @example z.object({ url: ConfiguredUrl.default('https://example.org/feed.json') })
 */
export const ConfiguredUrl = z.string().transform((value, ctx) => {
  const r = checkUrl(value);
  if (r.ok) return r.url;
  ctx.addIssue({ code: 'custom', message: r.problem });
  return z.NEVER;
});
