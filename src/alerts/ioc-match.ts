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
import type { MatchReason, WatchEntry } from '../model/alert.ts';
import type { IocType } from '../nlp/types.ts';
import { canonicalIoc, hostText, type Indicator, ipv6Text, parseWatchedIndicator } from './ioc-value.ts';

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
