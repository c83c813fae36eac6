/**
 * Watched indicators (`ioc` watchlist entries) and which sighted indicators they match, as an
 * analyst reads a match. The value of an entry is refanged (ioc-extractor's `refang`: `hxxp`,
 * `[.]`, `(.)`, `[dot]`, `[@]`, `[:]`…), its type is the one the IOC extractor (nlp/ioc) gives it
 * when it reads the whole value as one indicator, else inferred here ({@link parseWatchedIndicator}),
 * unless written before it (`domain:invoice.zip`), and it is compared on a canonical form ({@link canonicalIoc})
 * computed the same way for both sides, so `EVIL.example.com.` equals `evil.example.com`, a URL's
 * host and scheme are case-insensitive, `HKEY_LOCAL_MACHINE\…` equals `HKLM\…`.
 *
 * What a watched indicator matches (the type of the sighting in brackets):
 * - a domain: itself and its subdomains [domain], URLs on them [url], addresses at them [email]
 *   (`evil.example.com` matches `cdn.evil.example.com`, `https://evil.example.com/a`,
 *   `ceo@evil.example.com`; never the parent `example.com`);
 * - an IPv4/IPv6 address: itself [ipv4/ipv6] and URLs on it [url];
 * - a network (`cidr`): addresses inside it [ipv4/ipv6], networks inside it [cidr], URLs on an
 *   address inside it [url];
 * - a file name: itself, case-insensitive [filename], and URLs whose path ends with it [url];
 * - a URL, an e-mail address, a hash and every other type: the same indicator only.
 * Hashes never match across algorithms; a watched URL does not match longer URLs on its path.
 */
import { isIPv4, isIPv6 } from 'node:net';
import { domainToASCII } from 'node:url';
import { isBTC, isEmail, isSSDEEP, isXMR, refang } from 'ioc-extractor';
import { parse as parseDomain } from 'tldts';
import type { MatchReason, WatchEntry } from '../model/alert.ts';
import { extractIocs } from '../nlp/ioc/index.ts';
import { IOC_TYPES, type IocType } from '../nlp/types.ts';

/** An indicator: its type and canonical value. */
export interface Indicator {
  type: IocType;
  value: string;
}

/** Types a watched value can be written with (`md5:…`); `cve` ids belong in `cve` entries. */
const WATCHABLE = IOC_TYPES.filter((t) => t !== 'cve');
const HEX = /^[0-9a-f]+$/i;
const HASH_LENGTHS: Readonly<Record<number, IocType>> = { 32: 'md5', 40: 'sha1', 64: 'sha256', 128: 'sha512' };
const REGISTRY_ROOTS: Readonly<Record<string, string>> = {
  hkey_local_machine: 'hklm',
  hkey_current_user: 'hkcu',
  hkey_classes_root: 'hkcr',
  hkey_users: 'hku',
  hkey_current_config: 'hkcc',
};
const REGISTRY = /^(hklm|hkcu|hkcr|hku|hkcc|hkey_local_machine|hkey_current_user|hkey_classes_root|hkey_users|hkey_current_config)\\/i;
const ATTACK = /^(T\d{4}(\.\d{3})?|TA\d{4}|G\d{4}|S\d{4}|M\d{4})$/i;
/** A file name: no path separator or space, a 1–5 character extension. */
const FILENAME = /^[^\\/:*?"<>|\s]+\.[a-z0-9]{1,5}$/i;
const BECH32_BTC = /^(bc1)[02-9ac-hj-np-z]{11,71}$/i;

/** Canonical text of an IPv6 address (lowercase, zeros compressed), or null. */
function ipv6Text(value: string): string | null {
  if (!isIPv6(value)) return null;
  try {
    return new URL(`http://[${value}]/`).hostname.slice(1, -1);
  } catch {
    return null;
  }
}

/** Lowercase ASCII (punycode) host name without a trailing dot, or null when it is not one. */
function hostText(value: string): string | null {
  const ascii = domainToASCII(value.replace(/\.$/, '').toLowerCase());
  return ascii === '' ? null : ascii;
}

/**
 * The form two indicators of one type are compared on: lowercase where the type is
 * case-insensitive (domains as punycode without a trailing dot, hashes, e-mail, file names,
 * registry keys with the root abbreviated, bech32 wallets), URLs with scheme and host lowercased
 * and the default port and empty path normalised (WHATWG URL), IPv6 compressed, ASNs and ATT&CK
 * ids upper case; base58 wallets and ssdeep as written.
 * @example canonicalIoc('url', 'HTTP://Evil.example.com:80') // 'http://evil.example.com/'
 */
export function canonicalIoc(type: IocType, value: string): string {
  const v = value.trim();
  switch (type) {
    case 'domain':
      return hostText(v) ?? v.toLowerCase();
    case 'url':
      try {
        return new URL(v).href;
      } catch {
        return v;
      }
    case 'ipv6':
      return ipv6Text(v) ?? v.toLowerCase();
    case 'cidr': {
      const [addr = '', bits = ''] = v.split('/');
      return `${ipv6Text(addr) ?? addr.toLowerCase()}/${Number.parseInt(bits, 10)}`;
    }
    case 'registry': {
      const lower = v.toLowerCase();
      const root = lower.split('\\', 1)[0] as string;
      return `${REGISTRY_ROOTS[root] ?? root}${lower.slice(root.length)}`;
    }
    case 'asn':
    case 'attack':
    case 'cve':
      return v.toUpperCase();
    case 'btc':
      return BECH32_BTC.test(v) ? v.toLowerCase() : v;
    case 'xmr':
    case 'ssdeep':
      return v;
    default: // ipv4, email, hashes, filename
      return v.toLowerCase();
  }
}

/** The type a refanged value looks like, or null. Ambiguous names (`invoice.zip`: `.zip` is a TLD) read as domains. */
function inferType(v: string): IocType | null {
  if (/^[a-z][a-z0-9+.-]*:\/\/\S+$/i.test(v)) return 'url';
  if (isIPv4(v)) return 'ipv4';
  if (isIPv6(v)) return 'ipv6';
  const slash = /^([^/\s]+)\/(\d{1,3})$/.exec(v);
  if (slash) {
    const bits = Number(slash[2]);
    const ip = slash[1] as string;
    if ((isIPv4(ip) && bits <= 32) || (isIPv6(ip) && bits <= 128)) return 'cidr';
  }
  if (HEX.test(v) && HASH_LENGTHS[v.length]) return HASH_LENGTHS[v.length] as IocType;
  if (isSSDEEP(v)) return 'ssdeep';
  if (/^AS\d{1,10}$/i.test(v)) return 'asn';
  if (ATTACK.test(v)) return 'attack';
  if (REGISTRY.test(v)) return 'registry';
  if (isEmail(v)) return 'email';
  if (BECH32_BTC.test(v) || isBTC(v)) return 'btc';
  if (isXMR(v)) return 'xmr';
  const host = v.replace(/\.$/, '').toLowerCase();
  const d = parseDomain(host, { allowPrivateDomains: true });
  if (d.domain && (d.isIcann || d.isPrivate) && d.hostname === host) return 'domain';
  if (FILENAME.test(v)) return 'filename';
  return null;
}

/**
 * The type the IOC extractor (nlp/ioc) gives the value when it reads all of it as one indicator,
 * so that an entry takes the type its sightings will have (`invoice.zip` is a file name there).
 */
function extractedType(raw: string): IocType | null {
  const whole = extractIocs(raw).find((i) => i.start === 0 && i.end === raw.length);
  return whole ? whole.type : null;
}

/** Whether a canonical value is well-formed for its type (an explicitly typed value is checked too). */
function valid(type: IocType, v: string): boolean {
  switch (type) {
    case 'ipv4':
      return isIPv4(v);
    case 'ipv6':
      return isIPv6(v);
    case 'cidr':
    case 'url':
    case 'md5':
    case 'sha1':
    case 'sha256':
    case 'sha512':
    case 'asn':
    case 'attack':
    case 'registry':
    case 'ssdeep':
      return inferType(v) === type;
    case 'domain':
      return /^[a-z0-9-]+(\.[a-z0-9-]+)+$/.test(v);
    case 'email':
      return isEmail(v);
    default:
      return v.length > 0;
  }
}

/**
 * Reads a watched value: refangs it, takes its type from a `type:` prefix or infers it, and
 * returns its canonical form.
 * @throws Error with the reason (the entry validator names the entry): not an indicator Vigil
 *   recognises, a prefix with a malformed value, a CVE id (watch it with a `cve` entry).
 * @example parseWatchedIndicator('hxxps://evil[.]example[.]com/gate.php') // { type: 'url', value: 'https://evil.example.com/gate.php' }
 * @example parseWatchedIndicator('filename:invoice.zip') // { type: 'filename', value: 'invoice.zip' }
 */
export function parseWatchedIndicator(value: string): Indicator {
  const raw = value.trim();
  const prefix = /^([a-z0-9]+):(?!\/\/)(.+)$/i.exec(raw);
  const typeName = prefix?.[1]?.toLowerCase() ?? '';
  const named = (IOC_TYPES as readonly string[]).includes(typeName) ? (typeName as IocType) : null;
  if (named === 'cve' || /^CVE-\d{4}-\d{4,}$/i.test(raw)) throw new Error('a CVE id: watch it with a cve entry');
  const text = refang(named ? (prefix?.[2] ?? '').trim() : raw);
  const type = named ?? extractedType(raw) ?? inferType(text);
  if (!type)
    throw new Error(
      `not an indicator Vigil recognises (a domain, IP address, network, URL, e-mail address, hash, ASN, wallet, file name or registry key); write its type before it if it is one: ${WATCHABLE.map((t) => `${t}:`).join(' ')}`,
    );
  const canonical = canonicalIoc(type, text);
  if (!valid(type, canonical)) throw new Error(`not a valid ${type}: "${text}"`);
  return { type, value: canonical };
}

/** The value an `ioc` entry is stored with: the canonical form, with its type before it when it was written so (`filename:invoice.zip`). */
export function storedIndicatorValue(value: string): string {
  const parsed = parseWatchedIndicator(value);
  const typed = /^([a-z0-9]+):(?!\/\/)/i.exec(value.trim())?.[1]?.toLowerCase();
  return typed === parsed.type ? `${parsed.type}:${parsed.value}` : parsed.value;
}

/** An IPv4/IPv6 network or address as bits: version, prefix length, and the address as a bigint. */
interface Net {
  v6: boolean;
  bits: number;
  addr: bigint;
}

function addrBits(ip: string): { v6: boolean; addr: bigint } | null {
  if (isIPv4(ip)) return { v6: false, addr: ip.split('.').reduce((a, o) => (a << 8n) | BigInt(Number(o)), 0n) };
  const text = ipv6Text(ip);
  if (!text) return null;
  const [head = '', tail = ''] = text.split('::');
  const h = head ? head.split(':') : [];
  const t = tail ? tail.split(':') : [];
  // An embedded IPv4 tail (`::ffff:1.2.3.4`) is two groups.
  const groups = (g: string[]) =>
    g.flatMap((x) => (x.includes('.') ? [(addrBits(x)?.addr ?? 0n) >> 16n, (addrBits(x)?.addr ?? 0n) & 0xffffn] : [BigInt(`0x${x}`)]));
  const hg = groups(h);
  const tg = groups(t);
  const all = text.includes('::') ? [...hg, ...new Array<bigint>(8 - hg.length - tg.length).fill(0n), ...tg] : hg;
  return { v6: true, addr: all.reduce((a, g) => (a << 16n) | g, 0n) };
}

function netOf(value: string): Net | null {
  const [ip = '', b] = value.split('/');
  const a = addrBits(ip);
  if (!a) return null;
  const bits = b === undefined ? (a.v6 ? 128 : 32) : Number.parseInt(b, 10);
  return { ...a, bits };
}

/** Whether `inner` (an address or network) lies inside `outer`. */
function contains(outer: Net, inner: Net): boolean {
  if (outer.v6 !== inner.v6 || inner.bits < outer.bits) return false;
  const shift = BigInt((outer.v6 ? 128 : 32) - outer.bits);
  return inner.addr >> shift === outer.addr >> shift;
}

/** A sighted indicator as matching needs it. */
export interface SightedIndicator {
  type: IocType;
  value: string;
  /** How the document wrote it. */
  original: string;
}

/** One entry a sighting matched, with the reason. */
export interface IocEntryMatch {
  entry: WatchEntry;
  /** The entry's indicator. */
  watched: Indicator;
  reason: MatchReason;
}

interface Watched {
  entry: WatchEntry;
  watched: Indicator;
  label: string;
}

function push<V>(map: Map<string, V[]>, key: string, value: V): void {
  const list = map.get(key);
  if (list) list.push(value);
  else map.set(key, [value]);
}

/** The host's suffixes from itself up to its registrable domain's parent (`a.b.c.com` → `a.b.c.com`, `b.c.com`, `c.com`, `com`). */
function suffixes(host: string): string[] {
  const labels = host.split('.');
  return labels.map((_, i) => labels.slice(i).join('.'));
}

/**
 * The `ioc` entries of a plan, indexed for sightings. Entries that are not `ioc` entries, or do
 * not parse, are left out (the validator refuses the latter when they are saved).
 * @example
 * const index = new IocIndex(entries);
 * for (const m of index.match({ type: 'url', value: 'https://cdn.evil.example.com/a', original: 'hxxps://cdn.evil[.]example[.]com/a' })) console.log(m.entry.id);
 */
export class IocIndex {
  /** `type:canonical` → entries. */
  readonly #exact = new Map<string, Watched[]>();
  readonly #domains = new Map<string, Watched[]>();
  readonly #filenames = new Map<string, Watched[]>();
  readonly #networks: (Watched & { net: Net })[] = [];
  /** Number of `ioc` entries indexed. */
  readonly size: number;

  constructor(entries: Iterable<WatchEntry>) {
    let n = 0;
    for (const entry of entries) {
      if (entry.kind !== 'ioc') continue;
      let watched: Indicator;
      try {
        watched = parseWatchedIndicator(entry.value);
      } catch {
        continue;
      }
      n++;
      const w: Watched = { entry, watched, label: `ioc ${entry.value}` };
      push(this.#exact, `${watched.type}:${watched.value}`, w);
      if (watched.type === 'domain') push(this.#domains, watched.value, w);
      if (watched.type === 'filename') push(this.#filenames, watched.value, w);
      if (watched.type === 'cidr' || watched.type === 'ipv4' || watched.type === 'ipv6') {
        const net = netOf(watched.value);
        if (net && watched.type === 'cidr') this.#networks.push({ ...w, net });
      }
    }
    this.size = n;
  }

  /** The entries a sighted indicator matches (each once), with why. */
  match(s: SightedIndicator): IocEntryMatch[] {
    const found = new Map<WatchEntry, IocEntryMatch>();
    const value = canonicalIoc(s.type, s.value);
    const add = (list: readonly Watched[] | undefined, how: string) => {
      for (const w of list ?? []) {
        if (found.has(w.entry)) continue;
        const reason: MatchReason = {
          entryId: w.entry.id,
          kind: 'ioc',
          entry: w.label,
          via: 'ioc',
          field: `${s.type} (${how})`,
          matched: s.original || s.value,
        };
        found.set(w.entry, { entry: w.entry, watched: w.watched, reason });
      }
    };
    add(this.#exact.get(`${s.type}:${value}`), 'the same indicator');
    const underDomain = (host: string, what: string) => {
      for (const [i, d] of suffixes(host).entries()) add(this.#domains.get(d), i === 0 ? what : `${what} under ${d}`);
    };
    const inNetwork = (net: Net | null, what: string) => {
      if (!net) return;
      for (const w of this.#networks) if (contains(w.net, net)) add([w], `${what} in ${w.watched.value}`);
    };
    if (s.type === 'domain') underDomain(value, 'a subdomain');
    else if (s.type === 'email') underDomain(value.slice(value.lastIndexOf('@') + 1), 'an address at the domain');
    else if (s.type === 'ipv4' || s.type === 'ipv6' || s.type === 'cidr') inNetwork(netOf(value), s.type === 'cidr' ? 'a network' : 'an address');
    else if (s.type === 'url') {
      let url: URL | null = null;
      try {
        url = new URL(value);
      } catch {}
      if (url) {
        const host = url.hostname.replace(/^\[|\]$/g, '');
        if (isIPv4(host)) add(this.#exact.get(`ipv4:${host}`), 'a URL on the address');
        else if (isIPv6(host)) add(this.#exact.get(`ipv6:${ipv6Text(host)}`), 'a URL on the address');
        if (isIPv4(host) || isIPv6(host)) inNetwork(netOf(host), 'a URL on an address');
        else if (host) underDomain(hostText(host) ?? host, 'a URL on the domain');
        const last = url.pathname.split('/').at(-1) ?? '';
        let file = last;
        try {
          file = decodeURIComponent(last);
        } catch {} // a stray `%` is part of the name
        file = file.toLowerCase();
        if (file) add(this.#filenames.get(file), 'a URL ending with the file name');
      }
    }
    return [...found.values()];
  }
}
