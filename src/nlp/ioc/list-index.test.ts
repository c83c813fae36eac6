/**
 * The merged warninglist index (list-index.ts, used by loadWarninglists) must answer exactly as the
 * straightforward matcher it replaced: one test function per list, tried in folder order, first hit
 * wins. That reference is kept here and compared on the real corpus lists, with values drawn from
 * every list's own entries (and their neighbours: parent/child domains, addresses just inside and
 * outside each range, entries inside longer strings) and from every IOC of the ESET reports.
 */
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { gunzipSync } from 'node:zlib';
import fc from 'fast-check';
import { beforeAll, describe, expect, it } from 'vitest';
import { corpusPath, hasCorpus } from '../../testing/corpus.ts';
import type { IocType, Warninglists } from '../types.ts';
import { AddressTable, CidrSet, ipv4ToNumber, ipv6ToBigInt } from './cidr.ts';
import { extractIocs } from './extract.ts';
import { hostnameEntry, hostOf, pcre, SubstringIndex } from './list-index.ts';
import { loadWarninglists, MISP_TYPES, MispWarninglist } from './warninglists.ts';

interface Reference {
  folder: string;
  applies: Set<IocType>;
  test: (type: IocType, value: string) => boolean;
}

/** The per-list matcher of MISP's semantics, written the plain way (as loadWarninglists had it before the merged index). */
function reference(folder: string, l: MispWarninglist): Reference {
  const attrs = l.matching_attributes?.length ? new Set(l.matching_attributes) : null;
  const applies = new Set<IocType>();
  for (const [type, misp] of Object.entries(MISP_TYPES) as [IocType, readonly string[]][]) {
    if (l.type === 'cidr' && !['ipv4', 'ipv6', 'cidr'].includes(type)) continue;
    if (attrs === null || misp.some((a) => attrs.has(a))) applies.add(type);
  }
  const lower = l.list.map((e) => e.trim().toLowerCase());
  let test: Reference['test'];
  if (l.type === 'cidr') {
    const set = new CidrSet(lower);
    test = (_t, v) => set.has(v);
  } else if (l.type === 'hostname') {
    const set = new Set(lower.map((e) => e.replace(/^\*?\./, '').replace(/\.$/, '')));
    test = (t, v) => {
      for (let h = hostOf(t, v).toLowerCase(); ; h = h.slice(h.indexOf('.') + 1)) {
        if (set.has(h)) return true;
        if (!h.includes('.')) return false;
      }
    };
  } else if (l.type === 'substring') {
    test = (_t, v) => lower.some((e) => e.length > 0 && v.toLowerCase().includes(e));
  } else if (l.type === 'regex') {
    const res = l.list.map(pcre).filter((r): r is RegExp => r !== null);
    test = (_t, v) => res.some((r) => r.test(v));
  } else {
    const set = new Set(lower);
    test = (t, v) => set.has(v.toLowerCase()) || (t === 'url' && set.has(hostOf(t, v).toLowerCase()));
  }
  return { folder, applies, test };
}

function readLists(dir: string): [string, MispWarninglist][] {
  const out: [string, MispWarninglist][] = [];
  for (const folder of readdirSync(path.join(dir, 'lists')).sort()) {
    const file = ['list.json', 'list.json.gz'].map((n) => path.join(dir, 'lists', folder, n)).find((f) => existsSync(f));
    if (!file) continue;
    const buf = readFileSync(file);
    const parsed = MispWarninglist.safeParse(JSON.parse((file.endsWith('.gz') ? gunzipSync(buf) : buf).toString('utf8')));
    if (parsed.success) out.push([folder, parsed.data]);
  }
  return out;
}

/** Every `step`-th entry of a list (deterministic), at most `n`. */
function sample<T>(xs: readonly T[], n: number): T[] {
  const step = Math.max(1, Math.floor(xs.length / n));
  return xs.filter((_, i) => i % step === 0).slice(0, n);
}

function numberToIpv4(n: number): string {
  return [24, 16, 8, 0].map((s) => Math.floor(n / 2 ** s) % 256).join('.');
}

/** Values near a list entry that a lookup could get wrong: the entry, its neighbours, and forms of other IOC types. */
function probes(kind: MispWarninglist['type'], entry: string): [IocType, string][] {
  const e = entry.trim();
  if (kind === 'cidr') {
    const [addr = '', bits] = e.split('/');
    if (!/^\d+\.\d+\.\d+\.\d+$/.test(addr))
      return [
        ['ipv6', addr],
        ['cidr', e],
      ];
    const size = 2 ** (32 - Number(bits ?? 32));
    const start = Math.floor(ipv4ToNumber(addr) / size) * size;
    const around = [start - 1, start, start + size - 1, start + size].filter((n) => n >= 0 && n < 2 ** 32);
    return [...around.map((n): [IocType, string] => ['ipv4', numberToIpv4(n)]), ['cidr', e]];
  }
  if (kind === 'regex') return [];
  const host = hostnameEntry(e);
  return [
    ['domain', host],
    ['domain', `x1.${host}`],
    ['domain', host.slice(host.indexOf('.') + 1)],
    ['url', `https://${host}/a?b=1`],
    ['email', `abuse@${host}`],
    ['md5', e],
    ['sha1', e],
    ['sha256', e],
    ['filename', e.toUpperCase()],
    ['ipv4', e],
    ['domain', `zz${host}q.com`],
  ];
}

const present = hasCorpus();

describe.skipIf(!present)('merged warninglist index = the per-list matchers, on the real lists', () => {
  let wl: Warninglists;
  let refs: Reference[];
  let lists: [string, MispWarninglist][];
  beforeAll(async () => {
    wl = await loadWarninglists(corpusPath('misp-warninglists'));
    lists = readLists(corpusPath('misp-warninglists'));
    refs = lists.map(([f, l]) => reference(f, l));
  });
  const expected = (type: IocType, value: string): string | null => refs.find((r) => r.applies.has(type) && r.test(type, value))?.folder ?? null;

  it('same first list for probes drawn from every list (30 entries each, with neighbours)', () => {
    let n = 0;
    let hits = 0;
    for (const [, l] of lists) {
      for (const entry of sample(l.list, 30)) {
        for (const [type, value] of probes(l.type, entry)) {
          const want = expected(type, value);
          expect([type, value, wl.match(type, value)?.list ?? null]).toEqual([type, value, want]);
          n++;
          if (want) hits++;
        }
      }
    }
    // Both outcomes are exercised, many times over.
    expect(n).toBeGreaterThan(10_000);
    expect(hits).toBeGreaterThan(2_500);
    expect(n - hits).toBeGreaterThan(2_500);
  });

  it('same first list for every IOC of the ESET reports', () => {
    const root = corpusPath('iocs', 'eset-malware-ioc');
    const text = readdirSync(root)
      .map((f) => path.join(root, f, 'README.adoc'))
      .filter((f) => existsSync(f))
      .map((f) => readFileSync(f, 'utf8'))
      .join('\n');
    const iocs = extractIocs(text);
    expect(iocs.length).toBeGreaterThan(5_000);
    let hits = 0;
    for (const i of iocs) {
      const want = expected(i.type, i.value);
      expect([i.type, i.value, wl.match(i.type, i.value)?.list ?? null]).toEqual([i.type, i.value, want]);
      if (want) hits++;
    }
    expect(hits).toBeGreaterThan(500);
  });
});

describe("hostOf('url'): the fast path for plain hosts gives the WHATWG parser's host", () => {
  /** The parser's answer, as hostOf gave it before the fast path. */
  const parsed = (u: string): string => {
    try {
      return new URL(u).hostname.replace(/^\[|\]$/g, '');
    } catch {
      return u;
    }
  };
  const rows = [
    'http://EXAMPLE.com:80/a',
    'https://a.b.example.co.uk/x?y#z',
    'http://a.com./x',
    'http://1.2.3/x',
    'http://0x7f.1/',
    'http://a.b.0x1g/',
    'http://a.09/',
    'http://a.1e2/',
    'http://a..b.com/',
    'http://-a.com/',
    'http://xn--zz.com/',
    'http://xn--bcher-kva.example/',
    'http://a.com:99999/',
    'http://a.com:/',
    'http://a.com\\x',
    'http://user@a.com/',
    'http://[::1]/',
    'tcp://EVIL.com:4444/',
    'HTTP://Mixed.Example.ORG',
    'ftp://files.evil.com/x',
  ];
  it.each(rows)('%s', (u) => expect(hostOf('url', u)).toBe(parsed(u)));

  it.skipIf(!present)('on every URL of the ESET and Unit 42 reports', () => {
    const root = corpusPath('iocs');
    const files = readdirSync(root, { recursive: true, encoding: 'utf8' }).filter((f) => /\.(adoc|txt)$/.test(f));
    let n = 0;
    for (const f of files) {
      for (const i of extractIocs(readFileSync(path.join(root, f), 'utf8'))) {
        if (i.type !== 'url') continue;
        expect([i.value, hostOf('url', i.value)]).toEqual([i.value, parsed(i.value)]);
        n++;
      }
    }
    expect(n).toBeGreaterThan(5_000);
  });
});

describe('AddressTable: the smallest label of the ranges holding an address', () => {
  const table = new AddressTable([['10.0.0.0/8', '2001:db8::/32'], ['10.1.0.0/16', '8.8.8.8', 'bogus', '2001:db8:1::/48'], ['0.0.0.0/0']]);
  const rows: [value: string, label: number][] = [
    ['10.1.2.3', 0],
    ['10.255.255.255', 0],
    ['11.0.0.0', 2],
    ['8.8.8.8', 1],
    ['2001:db8:1::5', 0],
    ['2001:db9::1', -1],
    ['10.1.0.0/16', 0],
    ['not an address', -1],
  ];
  it.each(rows)('%s -> %d', (value, label) => expect(table.first(value)).toBe(label));

  const v6: [string, bigint][] = [
    ['::1', 1n],
    ['::', 0n],
    ['2001:db8::', 0x20010db8n << 96n],
    ['2001:DB8:0:0:8:800:200C:417A', 0x20010db80000000000080800200c417an],
    ['::ffff:1.2.3.4', 0xffff01020304n],
    ['fe80::1:2', (0xfe80n << 112n) + 0x10002n],
  ];
  it.each(v6)('ipv6ToBigInt(%s)', (ip, n) => expect(ipv6ToBigInt(ip)).toBe(n));

  it('agrees with one CidrSet per label on random IPv4 ranges and addresses', () => {
    const range = fc.tuple(fc.integer({ min: 0, max: 2 ** 32 - 1 }), fc.integer({ min: 8, max: 32 })).map(([a, p]) => `${numberToIpv4(a)}/${p}`);
    fc.assert(
      fc.property(
        fc.array(fc.array(range, { maxLength: 6 }), { minLength: 1, maxLength: 5 }),
        fc.array(fc.integer({ min: 0, max: 2 ** 32 - 1 })),
        (ls, addrs) => {
          const t = new AddressTable(ls);
          const sets = ls.map((l) => new CidrSet(l));
          // Addresses at the edges of every range, plus random ones.
          const edges = ls.flat().flatMap((r) => probes('cidr', r).flatMap(([type, v]) => (type === 'ipv4' ? [v] : [])));
          for (const v of [...edges, ...addrs.map(numberToIpv4)]) expect(t.first(v)).toBe(sets.findIndex((s) => s.has(v)));
        },
      ),
    );
  });
});

describe('SubstringIndex: the smallest label of an entry the text contains', () => {
  it('agrees with includes() on random entries and texts (small alphabet, so overlaps and shared suffixes are common)', () => {
    const word = fc.string({ unit: fc.constantFrom('a', 'b', 'c', '.', '@'), maxLength: 6 });
    fc.assert(
      fc.property(fc.array(fc.tuple(fc.integer({ min: 0, max: 5 }), word), { maxLength: 12 }), fc.array(word, { maxLength: 8 }), (raw, texts) => {
        const entries = [...raw].sort((a, b) => a[0] - b[0]);
        const index = new SubstringIndex(entries);
        // Every label applies, then only the odd ones.
        for (const applies of [new Uint8Array(6).fill(1), Uint8Array.from([0, 1, 0, 1, 0, 1])]) {
          for (const text of [...texts, ...entries.map(([, e]) => `x${e}y`)]) {
            const want = entries.find(([l, e]) => applies[l] && e.length > 0 && text.includes(e))?.[0] ?? Number.POSITIVE_INFINITY;
            expect(index.first(text, applies)).toBe(want);
          }
        }
      }),
    );
  });
});
