/**
 * Warninglist lookups merged across lists: for one IOC type, every list that applies to it is
 * folded into one structure per list kind, each entry labelled with the smallest list number (the
 * lists' folder order) that holds it. A lookup then costs one probe per kind instead of one per
 * list: a Map for `string`, a Map probed once per parent domain for `hostname`, an Aho–Corasick
 * automaton for `substring` (one pass over the value, whatever the number of entries), an
 * {@link AddressTable} for `cidr`. `regex` lists stay one RegExp list each (two small lists). The
 * string, hostname and substring structures hold every list of their kind and are shared by all
 * IOC types (a lookup skips the labels that do not apply to its type); the address table is built
 * per set of applicable `cidr` lists (the same set for ipv4, ipv6 and cidr on the MISP lists).
 *
 * Why: with one matcher per list, an IPv4 address was tested against 80 CIDR tables and the 8,201
 * entries of a `substring` list one `includes()` at a time (~300 µs per address), and the first
 * use built 80 tables (~1 s). Answers are those of the straightforward per-list matchers, which
 * list-index.test.ts keeps as its reference and compares on the real lists.
 */
import type { IocType } from '../types.ts';
import { AddressTable } from './cidr.ts';

/** A list as the index needs it: its MISP type and raw entries; its label is its position. */
export interface ListEntries {
  type: 'string' | 'substring' | 'hostname' | 'cidr' | 'regex';
  list: readonly string[];
}

/**
 * A URL of a special scheme whose authority is a plain ASCII name (with an optional port): its host
 * is the name lowercased, as the WHATWG parser gives it, without the parser's cost (~8 µs a call).
 */
const PLAIN_URL = /^(?:https?|ftp|wss?):\/\/([A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)*)(?::(\d{1,5}))?(?:[/?#\\]|$)/i;
/** A last label the WHATWG parser reads as a number (then the host is an IPv4 address to normalise). */
const NUMERIC_LABEL = /(?:^|\.)(?:\d+|0x[0-9a-f]*)$/;

/** The host of a URL, the domain of an e-mail address, or the value itself. */
export function hostOf(type: IocType, value: string): string {
  if (type === 'email') return value.slice(value.lastIndexOf('@') + 1);
  if (type === 'url') {
    const m = PLAIN_URL.exec(value);
    if (m && (m[2] === undefined || Number(m[2]) <= 65535)) {
      const host = (m[1] as string).toLowerCase();
      if (!NUMERIC_LABEL.test(host) && !host.includes('xn--')) return host;
    }
    try {
      return new URL(value).hostname.replace(/^\[|\]$/g, '');
    } catch {
      return value;
    }
  }
  return value;
}

/** A JavaScript RegExp from a PCRE `/pattern/flags` entry (or a bare pattern); null when it does not compile. */
export function pcre(entry: string): RegExp | null {
  const m = entry.match(/^\/(.*)\/([a-z]*)$/s);
  try {
    return m ? new RegExp(m[1] ?? '', (m[2] ?? '').replace(/[^imsu]/g, '')) : new RegExp(entry);
  } catch {
    return null;
  }
}

/** A `hostname` entry as MISP compares it: lowercase, without a leading `*.`/`.` or a trailing dot. */
export function hostnameEntry(entry: string): string {
  return entry
    .trim()
    .toLowerCase()
    .replace(/^\*?\./, '')
    .replace(/\.$/, '');
}

/**
 * Entries of many lists → the labels of the lists holding each (ascending; one number when only
 * one). Built once per list kind over every list, whatever the IOC type: a lookup keeps the first
 * label that applies to its type, so domain, url and ipv4 lookups share the 170,000 Cloudflare entries.
 */
export class LabelledEntries {
  private readonly map = new Map<string, number | number[]>();
  constructor(lists: readonly [label: number, entries: readonly string[]][], norm: (e: string) => string) {
    for (const [label, entries] of lists) {
      for (const raw of entries) {
        const e = norm(raw);
        const had = this.map.get(e);
        if (had === undefined) this.map.set(e, label);
        else if (typeof had === 'number') {
          if (had !== label) this.map.set(e, [had, label]);
        } else if (had.at(-1) !== label) had.push(label);
      }
    }
  }
  /** The first label holding `key` for which `applies[label]` is 1, or Infinity. */
  first(key: string, applies: Uint8Array): number {
    const had = this.map.get(key);
    if (had === undefined) return Number.POSITIVE_INFINITY;
    if (typeof had === 'number') return applies[had] ? had : Number.POSITIVE_INFINITY;
    for (const l of had) if (applies[l]) return l;
    return Number.POSITIVE_INFINITY;
  }
}

/**
 * Many needles at once (Aho–Corasick): the labels of the entries a text contains, in one pass over
 * it whatever the number of entries. Built once over every `substring` list; a lookup keeps the
 * first label that applies to its IOC type.
 */
export class SubstringIndex {
  /** UTF-16 code → letter number (1…); 0 for a code no entry uses. */
  private readonly alphabet = new Int32Array(65536);
  private readonly width: number;
  /** Transition `node * width + letter` → child node (keys stay small integers: fast Map keys). */
  private readonly next = new Map<number, number>();
  private readonly fail: number[] = [0];
  /** Labels (ascending) of the entries ending at this node or at one of its failure links; null when none. */
  private readonly out: (number[] | null)[] = [null];
  /** The root's transitions as a table (letter → child, 0 for none): most steps of a lookup start there. */
  private readonly root: Int32Array;
  constructor(entries: readonly [label: number, entry: string][]) {
    let letters = 0;
    for (const [, e] of entries) {
      for (let i = 0; i < e.length; i++) if (this.alphabet[e.charCodeAt(i)] === 0) this.alphabet[e.charCodeAt(i)] = ++letters;
    }
    this.width = letters + 1;
    this.root = new Int32Array(this.width);
    const children: number[][] = [[]];
    for (const [label, e] of entries) {
      if (e.length === 0) continue;
      let n = 0;
      for (let i = 0; i < e.length; i++) {
        const letter = this.alphabet[e.charCodeAt(i)] as number;
        let c = this.next.get(n * this.width + letter);
        if (c === undefined) {
          c = this.out.length;
          this.out.push(null);
          this.fail.push(0);
          children.push([]);
          (children[n] as number[]).push(letter);
          this.next.set(n * this.width + letter, c);
        }
        n = c;
      }
      this.out[n] = union(this.out[n] ?? null, [label]);
    }
    // Breadth first, so a node's failure link (a shorter suffix) is complete before its children's.
    const queue = [0];
    for (let q = 0; q < queue.length; q++) {
      const u = queue[q] as number;
      for (const letter of children[u] as number[]) {
        const v = this.next.get(u * this.width + letter) as number;
        let link = 0;
        if (u !== 0) {
          let f = this.fail[u] as number;
          while (f > 0 && !this.next.has(f * this.width + letter)) f = this.fail[f] as number;
          link = this.next.get(f * this.width + letter) ?? 0;
        }
        this.fail[v] = link;
        if (u === 0) this.root[letter] = v;
        const inherited = this.out[link] ?? null;
        if (inherited) this.out[v] = union(this.out[v] ?? null, inherited);
        queue.push(v);
      }
    }
  }
  /** The smallest label of an entry that `text` contains and for which `applies[label]` is 1, or Infinity. */
  first(text: string, applies: Uint8Array): number {
    let best = Number.POSITIVE_INFINITY;
    let n = 0;
    for (let i = 0; i < text.length; i++) {
      const letter = this.alphabet[text.charCodeAt(i)] as number;
      if (letter === 0) {
        n = 0;
        continue;
      }
      let c = n === 0 ? (this.root[letter] as number) : (this.next.get(n * this.width + letter) ?? 0);
      while (c === 0 && n !== 0) {
        n = this.fail[n] as number;
        c = n === 0 ? (this.root[letter] as number) : (this.next.get(n * this.width + letter) ?? 0);
      }
      n = c;
      const out = this.out[n];
      if (out) {
        for (const l of out) {
          if (l >= best) break;
          if (applies[l]) {
            best = l;
            break;
          }
        }
      }
    }
    return best;
  }
}

/** The sorted union of two ascending label lists. */
function union(a: number[] | null, b: readonly number[]): number[] {
  if (a === null) return [...b];
  return [...new Set([...a, ...b])].sort((x, y) => x - y);
}

/** Merged structures, shared between IOC types that use the same lists (domain, url and ipv4 share most). */
export type IndexCache = Map<string, unknown>;

function cached<T>(cache: IndexCache, key: string, build: () => T): T {
  let v = cache.get(key) as T | undefined;
  if (v === undefined) {
    v = build();
    cache.set(key, v);
  }
  return v;
}

/**
 * The lookup of one IOC type over the lists that apply to it: `(value) => label` of the first list
 * (smallest label) the value is on, or -1. `labels` are the positions in `all` of the lists that
 * apply, ascending; `cache` keeps the merged structures for the other types.
 */
export function typeMatcher(type: IocType, all: readonly ListEntries[], labels: readonly number[], cache: IndexCache): (value: string) => number {
  const applies = new Uint8Array(all.length);
  for (const l of labels) applies[l] = 1;
  const of = (kind: ListEntries['type'], only: boolean): [number, readonly string[]][] =>
    all.flatMap((e, l) => (e.type === kind && (!only || applies[l]) ? [[l, e.list] as [number, readonly string[]]] : []));
  const mine = (kind: ListEntries['type']): boolean => labels.some((l) => all[l]?.type === kind);
  const exact = mine('string') ? cached(cache, 'string', () => new LabelledEntries(of('string', false), (e) => e.trim().toLowerCase())) : null;
  const parents = mine('hostname') ? cached(cache, 'hostname', () => new LabelledEntries(of('hostname', false), hostnameEntry)) : null;
  const needles = mine('substring')
    ? cached(
        cache,
        'substring',
        () => new SubstringIndex(of('substring', false).flatMap(([l, es]) => es.map((e) => [l, e.trim().toLowerCase()] as [number, string]))),
      )
    : null;
  const cidrs = of('cidr', true);
  const addresses = cidrs.length
    ? cached(cache, `cidr:${cidrs.map(([l]) => l)}`, () => {
        const byLabel: (readonly string[])[] = all.map(() => []);
        // Entries as they are: parsing trims them, and address parsing ignores case.
        for (const [l, es] of cidrs) byLabel[l] = es;
        return new AddressTable(byLabel);
      })
    : null;
  const regexes = of('regex', true).map(([l, entries]) => [l, entries.map(pcre).filter((r): r is RegExp => r !== null)] as const);
  return (value) => {
    let best = Number.POSITIVE_INFINITY;
    const lower = value.toLowerCase();
    const host = exact || parents ? hostOf(type, value).toLowerCase() : lower;
    if (exact) {
      best = Math.min(best, exact.first(lower, applies));
      if (type === 'url') best = Math.min(best, exact.first(host, applies));
    }
    if (parents) {
      for (let h = host; ; ) {
        best = Math.min(best, parents.first(h, applies));
        const dot = h.indexOf('.');
        if (dot < 0) break;
        h = h.slice(dot + 1);
      }
    }
    if (needles) best = Math.min(best, needles.first(lower, applies));
    if (addresses) {
      const l = addresses.first(value);
      if (l >= 0) best = Math.min(best, l);
    }
    for (const [l, res] of regexes) {
      if (l >= best) break;
      if (res.some((r) => r.test(value))) best = l;
    }
    return Number.isFinite(best) ? best : -1;
  };
}
