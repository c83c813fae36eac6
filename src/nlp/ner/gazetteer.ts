/**
 * Gazetteers: exact names from the ATT&CK bundle (intrusion sets → `threat-actor`, malware,
 * tools, attack patterns → `technique` (sub-techniques by their own name), with aliases and ATT&CK ids), matched on word tokens
 * (nlp/text.ts), longest match first.
 *
 * Case rules, because many ATT&CK aliases are ordinary words ("Snake", "Net", "at", "Page"):
 * a name with a digit, an inner capital or several words (`APT28`, `PowerSploit`, `Fancy Bear`)
 * matches in any case; a single plain word (`Mimikatz`, `Turla`) and any name of at most 4
 * characters only in its exact case; a single word that is a common English word or first name
 * ({@link COMMON_WORDS}) never matches on its own. Revoked and deprecated objects are left out.
 */
import { readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import { gunzipSync } from 'node:zlib';
import { z } from 'zod';
import { VigilError } from '../../errors.ts';
import { type Span, tokens } from '../text.ts';
import type { Entity, EntityType } from '../types.ts';

/** The ATT&CK bundle under the data folder. */
export const ATTACK_BUNDLE = 'attack/enterprise-attack-v18.1-mitre-cti.DERIVED-bundle.json.gz';

/** One gazetteer name. `caseSensitive`: match only the exact form. */
export interface GazetteerEntry {
  name: string;
  type: EntityType;
  id?: string;
  caseSensitive: boolean;
}

/** Single-word ATT&CK aliases that are everyday words or names: never matched alone. */
export const COMMON_WORDS = new Set(
  `at net ping route expand reg page play snake mirage inception reaper silence ninja spark trinity prestige pony crimson
avenger chaos anchor explosive rover epic peppy aurora ferocious royal embargo shark wiper pandora solar soldier proton mango
meteor scorpion disco octopus agenda kevin denis milan james carbon samurai flame empire ruler responder donut equation cleaver
tick mantis machete rattlesnake leviathan cicada dragonfly patchwork strider armageddon sidewinder confucius chimera axiom
krypton parisite apostle anchor lucifer cannon penquin matryoshka havoc bumblebee nebulae mosquito crutch catchamas covenant
gazer spica mythic sliver pupy cuba akira conti babuk ryuk maze clop tor arp cmd ftp hydraq elise rover kazuar naid`
    .split(/\s+/)
    .filter(Boolean),
);

/**
 * One-word ATT&CK sub-technique names that are generic nouns or product names (`Acquire
 * Infrastructure: Server`, `Exploitation for Credential Access`'s `Credentials`, `SharePoint`):
 * alone in a text they name a thing, not the technique, so they are not matched.
 */
export const GENERIC_SUBTECHNIQUES = new Set(
  `server serverless domains databases credentials exploits firmware hardware malware software tool botnet compression
vulnerabilities trap at dns ssh dll vnc python lua confluence sharepoint cdns screensaver add-ins whois keychain cron`
    .split(/\s+/)
    .filter(Boolean),
);

const StixObject = z.object({
  type: z.string(),
  name: z.string().optional(),
  aliases: z.array(z.string()).optional(),
  x_mitre_aliases: z.array(z.string()).optional(),
  revoked: z.boolean().optional(),
  x_mitre_deprecated: z.boolean().optional(),
  x_mitre_is_subtechnique: z.boolean().optional(),
  external_references: z.array(z.object({ source_name: z.string(), external_id: z.string().optional() })).optional(),
});
const Bundle = z.object({ objects: z.array(z.unknown()) });

const TYPES: Record<string, EntityType> = { 'intrusion-set': 'threat-actor', malware: 'malware', tool: 'tool', 'attack-pattern': 'technique' };

/** Whether a name may match in any case. */
function anyCase(name: string): boolean {
  if (name.length <= 4) return false;
  return /\d/.test(name) || /\s/.test(name.trim()) || /[a-z][A-Z]/.test(name) || /[A-Z]{2,}/.test(name);
}

/** The entries of a STIX bundle's objects (already parsed JSON). */
export function attackEntries(objects: readonly unknown[]): GazetteerEntry[] {
  const out: GazetteerEntry[] = [];
  for (const raw of objects) {
    const t = (raw as { type?: unknown }).type;
    if (typeof t !== 'string' || !(t in TYPES)) continue;
    const parsed = StixObject.safeParse(raw);
    if (!parsed.success || !parsed.data.name || parsed.data.revoked || parsed.data.x_mitre_deprecated) continue;
    const o = parsed.data;
    const type = TYPES[o.type] as EntityType;
    const id = o.external_references?.find((r) => r.source_name === 'mitre-attack')?.external_id;
    const names = new Set([o.name as string, ...(o.aliases ?? []), ...(o.x_mitre_aliases ?? [])]);
    for (const name of names) {
      const trimmed = name.trim();
      if (trimmed.length < 2) continue;
      const single = !/\s/.test(trimmed);
      if (single && COMMON_WORDS.has(trimmed.toLowerCase())) continue;
      if (single && o.x_mitre_is_subtechnique && GENERIC_SUBTECHNIQUES.has(trimmed.toLowerCase())) continue;
      out.push({ name: trimmed, type, ...(id ? { id } : {}), caseSensitive: !anyCase(trimmed) });
    }
  }
  return out;
}

const cache = new Map<string, { mtimeMs: number; entries: GazetteerEntry[] }>();

/**
 * The ATT&CK gazetteer of `<dataDir>/attack/…bundle.json.gz`, parsed once per process (≈0.5 s).
 * @throws VigilError VIGIL_DATA_MISSING when the bundle is absent; VIGIL_INPUT_FORMAT when it is not a bundle.
 */
export function loadAttackGazetteer(dataDir: string): GazetteerEntry[] {
  const file = path.join(dataDir, ATTACK_BUNDLE);
  let mtimeMs: number;
  try {
    mtimeMs = statSync(file).mtimeMs;
  } catch (err) {
    throw new VigilError('VIGIL_DATA_MISSING', [file], { cause: err });
  }
  const hit = cache.get(file);
  if (hit && hit.mtimeMs === mtimeMs) return hit.entries;
  const parsed = Bundle.safeParse(JSON.parse(gunzipSync(readFileSync(file)).toString('utf8')));
  if (!parsed.success) throw new VigilError('VIGIL_INPUT_FORMAT', [file, 'not a STIX bundle (no objects array)']);
  const entries = attackEntries(parsed.data.objects);
  cache.set(file, { mtimeMs, entries });
  return entries;
}

/** Strips an English possessive from a token (`APT28's` → `APT28`). */
function base(token: string): string {
  return token.replace(/['’]s$/i, '');
}

interface Node {
  entry?: GazetteerEntry;
  next: Map<string, Node>;
}

/** A longest-match phrase matcher over word tokens. */
export interface Gazetteer {
  /** Matches in `text`, left to right, non-overlapping, longest first; `toks`: `tokens(text)` when already split. */
  find(text: string, toks?: readonly Span[]): Entity[];
  /** Matches over already-tokenised words: `[start, end)` token spans with their entry. */
  findTokens(words: readonly string[]): { start: number; end: number; entry: GazetteerEntry }[];
  readonly size: number;
}

/** Builds a matcher from entries (an exact-case entry wins over an any-case one on the same words). */
export function buildGazetteer(entries: readonly GazetteerEntry[]): Gazetteer {
  const exact: Node = { next: new Map() };
  const folded: Node = { next: new Map() };
  for (const e of entries) {
    const words = tokens(e.name).map((t) => t.text);
    if (words.length === 0) continue;
    let node = e.caseSensitive ? exact : folded;
    for (const w of words) {
      const key = e.caseSensitive ? w : w.toLowerCase();
      let n = node.next.get(key);
      if (!n) {
        n = { next: new Map() };
        node.next.set(key, n);
      }
      node = n;
    }
    node.entry ??= e;
  }
  /** Whether a token ends in an English possessive (`'s`, `’s`): only then is {@link base} tried. */
  function possessive(w: string): boolean {
    const n = w.length;
    const c = w.charCodeAt(n - 1);
    const q = w.charCodeAt(n - 2);
    return n > 2 && (c === 115 || c === 83) && (q === 39 || q === 0x2019);
  }
  /** The longest entry of `root` starting at token `at`; `keys`: the tokens as the trie stores them (lowercase for `folded`). */
  function longest(root: Node, words: readonly string[], keys: readonly string[], at: number, fold: boolean): { end: number; entry: GazetteerEntry } | null {
    let node: Node | undefined = root;
    let best: { end: number; entry: GazetteerEntry } | null = null;
    for (let i = at; i < words.length && node; i++) {
      const raw = words[i] ?? '';
      let next: Node | undefined = node.next.get(keys[i] ?? '');
      if (!next && possessive(raw)) next = node.next.get(fold ? base(raw).toLowerCase() : base(raw));
      if (!next) break;
      node = next;
      if (node.entry) best = { end: i + 1, entry: node.entry };
    }
    return best;
  }
  function findTokens(words: readonly string[]) {
    const out: { start: number; end: number; entry: GazetteerEntry }[] = [];
    const lower = words.map((w) => w.toLowerCase());
    for (let i = 0; i < words.length; ) {
      const a = longest(exact, words, words, i, false);
      const b = longest(folded, words, lower, i, true);
      const m = a && (!b || a.end >= b.end) ? a : b;
      if (m) {
        out.push({ start: i, end: m.end, entry: m.entry });
        i = m.end;
      } else i++;
    }
    return out;
  }
  return {
    size: entries.length,
    findTokens,
    find(text: string, toks: readonly Span[] = tokens(text)): Entity[] {
      return findTokens(toks.map((t) => t.text)).map(({ start, end, entry }) => {
        const s = toks[start]?.start ?? 0;
        const last = toks[end - 1];
        const e = last ? last.start + base(last.text).length : s;
        return { type: entry.type, text: text.slice(s, e), start: s, end: e, source: 'gazetteer' as const, ...(entry.id ? { id: entry.id } : {}) };
      });
    },
  };
}
