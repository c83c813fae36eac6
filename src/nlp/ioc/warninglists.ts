/**
 * MISP warninglists (https://github.com/MISP/misp-warninglists, CC0): lists of well-known values
 * (public DNS resolvers, top domains, cloud ranges, empty-file hashes…) that flag probable false
 * positives. Loaded from `<dir>/lists/<name>/list.json` (or `list.json.gz`), each validated by
 * {@link MispWarninglist}; a bad list is skipped with a warning naming its file.
 *
 * Matching follows MISP (app/Model/Warninglist.php): `cidr` — the address lies in a listed network;
 * `hostname` — the domain or one of its parents is listed (a URL's host, an e-mail's domain);
 * `string` — exact, case-insensitive; `substring` — the value contains an entry; `regex` — a PCRE
 * `/pattern/flags` entry matches. `matching_attributes` (MISP attribute types) restricts the IOC
 * types a list applies to, through {@link MISP_TYPES}. `match` answers with the first list in
 * folder order, from merged per-type structures (list-index.ts) built on a type's first lookup
 * (about 0.5–1 CPU s for the 136 corpus lists when every kind is needed, then ~2 µs per lookup).
 */
import { readdir, readFile } from 'node:fs/promises';
import path from 'node:path';
import { gunzipSync } from 'node:zlib';
import { z } from 'zod';
import type { IocType, WarninglistHit, WarninglistInfo, Warninglists } from '../types.ts';
import { type IndexCache, type ListEntries, typeMatcher } from './list-index.ts';

/** One list file (schema.json of the upstream repository). A missing `type` means `string`. */
export const MispWarninglist = z.object({
  name: z.string().min(1),
  description: z.string(),
  version: z.number().int(),
  type: z.enum(['string', 'substring', 'hostname', 'cidr', 'regex']).default('string'),
  matching_attributes: z.array(z.string()).optional(),
  list: z.array(z.string()),
});
export type MispWarninglist = z.infer<typeof MispWarninglist>;

/** The MISP attribute types each IOC type stands for. */
export const MISP_TYPES = {
  ipv4: ['ip-src', 'ip-dst', 'ip-src|port', 'ip-dst|port', 'domain|ip'],
  ipv6: ['ip-src', 'ip-dst', 'ip-src|port', 'ip-dst|port', 'domain|ip'],
  cidr: ['ip-src', 'ip-dst'],
  domain: ['domain', 'hostname', 'domain|ip', 'hostname|port'],
  url: ['url', 'uri', 'link'],
  email: ['email', 'email-src', 'email-dst', 'target-email', 'whois-registrant-email', 'dns-soa-email'],
  md5: ['md5', 'filename|md5', 'x509-fingerprint-md5'],
  sha1: ['sha1', 'filename|sha1', 'x509-fingerprint-sha1'],
  sha256: ['sha256', 'filename|sha256', 'x509-fingerprint-sha256'],
  sha512: ['sha512', 'filename|sha512'],
  ssdeep: ['ssdeep', 'filename|ssdeep'],
  cve: ['vulnerability'],
  attack: [],
  asn: ['AS'],
  btc: ['btc'],
  xmr: ['xmr'],
  filename: ['filename'],
  registry: ['regkey', 'regkey|value'],
} as const satisfies Record<IocType, readonly string[]>;

const IP_TYPES = new Set<IocType>(['ipv4', 'ipv6', 'cidr']);

interface Compiled {
  hit: WarninglistHit;
  info: WarninglistInfo;
  applies: Set<IocType>;
  entries: ListEntries;
}

/** A list's summary, the IOC types it applies to, and its entries. */
function compile(folder: string, l: MispWarninglist): Compiled {
  const info: WarninglistInfo = { list: folder, name: l.name, type: l.type, version: l.version, entries: l.list.length };
  const attrs = l.matching_attributes && l.matching_attributes.length > 0 ? new Set(l.matching_attributes) : null;
  const applies = new Set<IocType>();
  for (const [type, misp] of Object.entries(MISP_TYPES) as [IocType, readonly string[]][]) {
    if (l.type === 'cidr' && !IP_TYPES.has(type)) continue;
    if (attrs === null || misp.some((a) => attrs.has(a))) applies.add(type);
  }
  return { hit: { list: folder, name: l.name }, info, applies, entries: { type: l.type, list: l.list } };
}

async function readList(file: string): Promise<unknown> {
  const buf = await readFile(file);
  const text = file.endsWith('.gz') ? gunzipSync(buf).toString('utf8') : buf.toString('utf8');
  return JSON.parse(text);
}

/** Options of {@link loadWarninglists}. */
export interface LoadWarninglistsOptions {
  /** Called once per skipped list with a message naming its file (default: console.warn). */
  onWarning?: (message: string) => void;
}

/**
 * Loads every `lists/<name>/list.json` (or `list.json.gz`) under `dir`, in folder-name order.
 * Never throws for a bad list (it is skipped and reported through `onWarning`); throws when `dir`
 * has no `lists` folder.
 *
 * @example const wl = await loadWarninglists('vigil-models/misp-warninglists'); wl.match('ipv4', '8.8.8.8')
 */
export async function loadWarninglists(dir: string, options: LoadWarninglistsOptions = {}): Promise<Warninglists> {
  const warn = options.onWarning ?? ((m: string) => console.warn(m));
  const listsDir = path.join(dir, 'lists');
  const folders = (await readdir(listsDir, { withFileTypes: true }))
    .filter((d) => d.isDirectory())
    .map((d) => d.name)
    .sort();
  const loaded = await Promise.all(
    folders.map(async (folder): Promise<Compiled | null> => {
      const names = await readdir(path.join(listsDir, folder));
      const name = names.includes('list.json') ? 'list.json' : names.includes('list.json.gz') ? 'list.json.gz' : null;
      if (!name) return null;
      const file = path.join(listsDir, folder, name);
      let raw: unknown;
      try {
        raw = await readList(file);
      } catch (err) {
        warn(`warninglist ${file} skipped: ${(err as Error).message}`);
        return null;
      }
      const parsed = MispWarninglist.safeParse(raw);
      if (!parsed.success) {
        const issue = parsed.error.issues[0];
        warn(`warninglist ${file} skipped: ${issue?.path.join('.') || '(root)'}: ${issue?.message ?? 'invalid'}`);
        return null;
      }
      return compile(folder, parsed.data);
    }),
  );
  const lists = loaded.filter((c): c is Compiled => c !== null);
  const entries = lists.map((c) => c.entries);
  // Per IOC type, one merged matcher over the lists that apply to it (list-index.ts), built on the
  // type's first lookup: most texts touch a few types.
  const matchers = new Map<IocType, (value: string) => number>();
  const cache: IndexCache = new Map();
  return {
    lists: lists.map((c) => c.info),
    match(type: IocType, value: string): WarninglistHit | null {
      let m = matchers.get(type);
      if (m === undefined) {
        const labels = lists.flatMap((c, i) => (c.applies.has(type) ? [i] : []));
        m = typeMatcher(type, entries, labels, cache);
        matchers.set(type, m);
      }
      const label = m(value);
      return label < 0 ? null : (lists[label] as Compiled).hit;
    },
  };
}
