/**
 * Address-range sets for MISP `cidr` warninglists: entries (single addresses or prefixes, IPv4 and
 * IPv6 mixed) become sorted, merged [start, end] ranges, looked up by binary search (O(log n)).
 * IPv4 uses numbers, IPv6 BigInt.
 */
import { isIP } from 'node:net';

/** Numeric value of an IPv4 address (0 – 2^32-1). */
export function ipv4ToNumber(ip: string): number {
  let n = 0;
  for (const part of ip.split('.')) n = n * 256 + Number(part);
  return n;
}

/** Numeric value of an IPv6 address (0 – 2^128-1); an embedded IPv4 tail is accepted. */
export function ipv6ToBigInt(ip: string): bigint {
  let s = ip.toLowerCase();
  const v4 = s.match(/(\d+\.\d+\.\d+\.\d+)$/);
  if (v4?.[1]) {
    const n = ipv4ToNumber(v4[1]);
    s = `${s.slice(0, -v4[1].length)}${(n >>> 16).toString(16)}:${(n & 0xffff).toString(16)}`;
  }
  const [head = '', tail] = s.split('::');
  const h = head ? head.split(':') : [];
  const t = tail ? tail.split(':') : [];
  const groups = tail === undefined ? h : [...h, ...Array<string>(8 - h.length - t.length).fill('0'), ...t];
  let n = 0n;
  for (const g of groups) n = (n << 16n) + BigInt(Number.parseInt(g || '0', 16));
  return n;
}

/** A sorted set of merged ranges of one address family. */
class Ranges<T extends number | bigint> {
  private starts: T[] = [];
  private ends: T[] = [];
  constructor(pairs: [T, T][]) {
    pairs.sort((a, b) => (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0));
    for (const [s, e] of pairs) {
      const last = this.ends.length - 1;
      if (last >= 0 && s <= (this.ends[last] as T)) {
        if (e > (this.ends[last] as T)) this.ends[last] = e;
      } else {
        this.starts.push(s);
        this.ends.push(e);
      }
    }
  }
  has(x: T): boolean {
    let lo = 0;
    let hi = this.starts.length - 1;
    while (lo <= hi) {
      const mid = (lo + hi) >> 1;
      if ((this.starts[mid] as T) > x) hi = mid - 1;
      else if ((this.ends[mid] as T) < x) lo = mid + 1;
      else return true;
    }
    return false;
  }
}

/** IPv4 and IPv6 ranges built from `cidr` list entries; unparsable entries are counted, not fatal. */
export class CidrSet {
  private v4: Ranges<number>;
  private v6: Ranges<bigint>;
  /** Entries that were neither an address nor a prefix. */
  readonly invalid: number;
  constructor(entries: readonly string[]) {
    const v4: [number, number][] = [];
    const v6: [bigint, bigint][] = [];
    let invalid = 0;
    for (const raw of entries) {
      const [addr = '', bits] = raw.trim().split('/');
      const fam = isIP(addr);
      const prefix = bits === undefined ? (fam === 6 ? 128 : 32) : Number(bits);
      if (fam === 4 && prefix >= 0 && prefix <= 32) {
        const size = 2 ** (32 - prefix);
        const start = Math.floor(ipv4ToNumber(addr) / size) * size;
        v4.push([start, start + size - 1]);
      } else if (fam === 6 && prefix >= 0 && prefix <= 128) {
        const size = 1n << BigInt(128 - prefix);
        const start = (ipv6ToBigInt(addr) / size) * size;
        v6.push([start, start + size - 1n]);
      } else invalid++;
    }
    this.v4 = new Ranges(v4);
    this.v6 = new Ranges(v6);
    this.invalid = invalid;
  }
  /** Whether the address (or a CIDR's network address) lies in one of the ranges. */
  has(value: string): boolean {
    const addr = value.split('/')[0] ?? '';
    const fam = isIP(addr);
    if (fam === 4) return this.v4.has(ipv4ToNumber(addr));
    if (fam === 6) return this.v6.has(ipv6ToBigInt(addr));
    return false;
  }
}
