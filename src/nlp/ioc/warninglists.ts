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
 * types a list applies to, through {@link MISP_TYPES}.
 */
import { readdir, readFile } from 'node:fs/promises';
import path from 'node:path';
import { gunzipSync } from 'node:zlib';
import { z } from 'zod';
import type { IocType, WarninglistHit, WarninglistInfo, Warninglists } from '../types.ts';
import { CidrSet } from './cidr.ts';

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
  test: (type: IocType, value: string) => boolean;
}

/** The host of a URL, the domain of an e-mail address, or the value itself. */
function hostOf(type: IocType, value: string): string {
  if (type === 'email') return value.slice(value.lastIndexOf('@') + 1);
  if (type === 'url') {
    try {
      return new URL(value).hostname.replace(/^\[|\]$/g, '');
    } catch {
      return value;
    }
  }
  return value;
}

/** A JavaScript RegExp from a PCRE `/pattern/flags` entry (or a bare pattern); null when it does not compile. */
function pcre(entry: string): RegExp | null {
  const m = entry.match(/^\/(.*)\/([a-z]*)$/s);
  try {
    return m ? new RegExp(m[1] ?? '', (m[2] ?? '').replace(/[^imsu]/g, '')) : new RegExp(entry);
  } catch {
    return null;
  }
}

/**
 * Compiles a list. The matcher (range table, Set, regexes) is built on first use: most texts touch
 * a few IOC types, and building the 80 CIDR tables up front doubled the start-up time.
 */
function compile(folder: string, l: MispWarninglist): Compiled {
  const info: WarninglistInfo = { list: folder, name: l.name, type: l.type, version: l.version, entries: l.list.length };
  const attrs = l.matching_attributes && l.matching_attributes.length > 0 ? new Set(l.matching_attributes) : null;
  const applies = new Set<IocType>();
  for (const [type, misp] of Object.entries(MISP_TYPES) as [IocType, readonly string[]][]) {
    if (l.type === 'cidr' && !IP_TYPES.has(type)) continue;
    if (attrs === null || misp.some((a) => attrs.has(a))) applies.add(type);
  }
  let built: Compiled['test'] | null = null;
  const test: Compiled['test'] = (t, v) => {
    built ??= matcher(l);
    return built(t, v);
  };
  return { hit: { list: folder, name: l.name }, info, applies, test };
}

/** The test function of a list's type. */
function matcher(l: MispWarninglist): Compiled['test'] {
  const lower = l.list.map((e) => e.trim().toLowerCase());
  let test: Compiled['test'];
  if (l.type === 'cidr') {
    const set = new CidrSet(lower);
    test = (_t, v) => set.has(v);
  } else if (l.type === 'hostname') {
    const set = new Set(lower.map((e) => e.replace(/^\*?\./, '').replace(/\.$/, '')));
    test = (t, v) => {
      let h = hostOf(t, v).toLowerCase();
      for (;;) {
        if (set.has(h)) return true;
        const dot = h.indexOf('.');
        if (dot < 0) return false;
        h = h.slice(dot + 1);
      }
    };
  } else if (l.type === 'substring') {
    test = (_t, v) => {
      const s = v.toLowerCase();
      return lower.some((e) => e.length > 0 && s.includes(e));
    };
  } else if (l.type === 'regex') {
    const res = l.list.map(pcre).filter((r): r is RegExp => r !== null);
    test = (_t, v) => res.some((r) => r.test(v));
  } else {
    const set = new Set(lower);
    test = (t, v) => set.has(v.toLowerCase()) || (t === 'url' && set.has(hostOf(t, v).toLowerCase()));
  }
  return test;
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
  // Per IOC type, the lists that apply to it (in folder order): a lookup tries only those.
  const byType = new Map<IocType, Compiled[]>();
  for (const c of lists) for (const t of c.applies) byType.set(t, [...(byType.get(t) ?? []), c]);
  return {
    lists: lists.map((c) => c.info),
    match(type: IocType, value: string): WarninglistHit | null {
      for (const c of byType.get(type) ?? []) if (c.test(type, value)) return c.hit;
      return null;
    },
  };
}
