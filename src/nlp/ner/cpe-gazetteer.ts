/**
 * The store's vendors and products as an entity gazetteer (issue 14: "gazetteers from the ATT&CK
 * bundle and the store's CPE vendors/products"). The store keeps vendor and product names as
 * normalised keys (enrich/product-key.ts: letters and digits only, lower case; `Palo Alto
 * Networks` and the CPE's `paloaltonetworks` are one key), so a run of 1–{@link MAX_TOKENS} adjacent
 * tokens of the text matches when its key is a stored vendor or product key: `PAN-OS`, `Pan OS` and
 * `PANOS` are all `panos`. Vendors are typed `organization` (id `cpe:<vendor>`), products `product`
 * (id `cpe:<vendor>:<product>`, the vendor with most CVEs when several make one).
 *
 * Product and vendor keys include everyday words (`server`, `mail`, `update`, `access`), so a
 * match must look like a name:
 * - the run is not all lower case (a name in prose is capitalised: `Exchange Server`, `iOS`);
 * - the run's tokens are separated by at most one space or hyphen (never across punctuation);
 * - a vendor is named by at least {@link CpeGazetteerOptions.minVendorCves} CVEs, a product by
 *   at least `minProductCves`; keys shorter than 3 characters, number-only runs, and single
 *   words of {@link GENERIC_WORDS} never match alone;
 * - a one-token product matches only right after its vendor (`Microsoft Word`) or when the token
 *   is marked as a name by a digit, an inner capital or a hyphen (`Log4j`, `vCenter`, `PAN-OS`);
 *   a run of two or more tokens matches by itself (`Internet Explorer`, `Exchange Server`).
 * Longest match first, left to right, no overlaps. Pure: the same catalog and text give the same entities.
 */
import { productKey } from '../../enrich/product-key.ts';
import type { VendorProductCatalog } from '../../trends/types.ts';
import { type Span, tokens } from '../text.ts';
import type { Entity } from '../types.ts';

/** Longest run of tokens tried as one name. */
export const MAX_TOKENS = 4;

/**
 * Single words that are vendor or product keys in CVE data but everyday or generic words in
 * threat reports (checked against the corpus catalog and TRAM/ESET report text): never matched alone.
 */
export const GENERIC_WORDS = new Set(
  `access active add admin antivirus arm advanced agent alert all app application archive assistant attack audio auth backup base basic
bank best blog board book booking box browser business cache calendar call camera cart cat center chat check client cloud cms code
collection commerce community company computer config connect connector console contact content control core data database
delete design desktop device digital direct document domain download drive easy edge editor email engine enterprise event
events express external file files filter firewall flash form forms forum framework free gallery game gate gateway global go
graph group guard health help home hub image import info internet io job key lab language learning library link linux
live local lock login mail manager manage management map market media member message mobile modem monitor multi music
network new news note office online open order page panel pay payment phone photo platform plugin plus point portal post
power pro product project protect proxy public query quick red remote report reports request router rsa safe school search secure
security server service services share shell shop simple site smart social software solution solutions sound source spring
storage store studio sun support system systems table team teams tech terminal test text theme ticket time tool tools total
track tracker transfer update upload user video view viewer vision web website widget wiki windows wireless word work works desk single sign signon ipv4 ipv6 http https ssh ftp dns tcp udp ssl tls vpn api rest sql xml json
html smtp ldap snmp dhcp`
    .split(/\s+/)
    .filter(Boolean),
);

/** Thresholds of {@link buildCpeGazetteer}. */
export interface CpeGazetteerOptions {
  /** Fewest CVEs naming a vendor for it to be matched (default 5). */
  minVendorCves?: number;
  /** Fewest CVEs naming a product for it to be matched (default 3). */
  minProductCves?: number;
  /**
   * Lower-case names never matched alone (one token): the ATT&CK gazetteer's names and aliases,
   * so `Octopus` (malware S0340) is not called the vendor Octopus Deploy.
   */
  exclude?: ReadonlySet<string>;
}

/** A matcher built from a store's catalog. */
export interface CpeGazetteer {
  /** Vendor and product mentions in `text`, by offset; `toks` may pass `tokens(text)` when already computed. */
  find(text: string, toks?: readonly Span[]): Entity[];
  /** Vendor keys + product keys matched. */
  readonly size: number;
}

/** Whether a token is marked as a name on its own: a digit beside letters, an inner capital or a hyphen. */
function markedName(word: string): boolean {
  return /\p{L}/u.test(word) && (/\d/.test(word) || /\p{Ll}\p{Lu}/u.test(word) || /\p{L}-\p{L}/u.test(word));
}

/**
 * Builds the gazetteer of `catalog` (TrendsStore.vendorProducts).
 * @example buildCpeGazetteer(catalog).find('Attackers exploited PAN-OS GlobalProtect.') // [{type: 'product', text: 'PAN-OS', id: 'cpe:paloaltonetworks:panos', …}]
 */
export function buildCpeGazetteer(catalog: VendorProductCatalog, options: CpeGazetteerOptions = {}): CpeGazetteer {
  const minVendor = options.minVendorCves ?? 5;
  const minProduct = options.minProductCves ?? 3;
  const vendors = new Map<string, number>();
  for (const v of catalog.vendors) if (v.cves >= minVendor && v.key.length >= 3 && !/^\d+$/.test(v.key)) vendors.set(v.key, v.cves);
  /** product key → its vendor with most CVEs; and vendor → its products. */
  const products = new Map<string, { vendor: string; cves: number }>();
  const byVendor = new Map<string, Set<string>>();
  for (const p of catalog.products) {
    if (p.cves < minProduct || p.productKey.length < 3 || /^\d+$/.test(p.productKey)) continue;
    const best = products.get(p.productKey);
    if (!best || p.cves > best.cves) products.set(p.productKey, { vendor: p.vendorKey, cves: p.cves });
    const set = byVendor.get(p.vendorKey) ?? new Set<string>();
    set.add(p.productKey);
    byVendor.set(p.vendorKey, set);
  }

  /** Per-token facts of one text, computed once: key piece, word-ness, capital, joinable to the previous token. */
  interface Tokens {
    toks: readonly Span[];
    piece: string[];
    /** 0: punctuation (breaks runs); 1: a lone letter (only alone); 2: a word. */
    kind: Uint8Array;
    cap: Uint8Array;
    /** Separated from the previous token by exactly one space or hyphen. */
    joins: Uint8Array;
  }

  function prepare(text: string, toks: readonly Span[]): Tokens {
    const n = toks.length;
    const piece: string[] = new Array(n);
    const kind = new Uint8Array(n);
    const cap = new Uint8Array(n);
    const joins = new Uint8Array(n);
    for (let k = 0; k < n; k++) {
      const t = toks[k] as Span;
      const w = t.text;
      // ASCII letters and digits only (most tokens): the key is the lower-case form.
      let plain = true;
      let upper = false;
      for (let c = 0; c < w.length; c++) {
        const code = w.charCodeAt(c);
        if (code >= 65 && code <= 90) upper = true;
        else if (!((code >= 97 && code <= 122) || (code >= 48 && code <= 57))) {
          plain = false;
          break;
        }
      }
      const p = plain ? w.toLowerCase() : productKey(w);
      piece[k] = p;
      kind[k] = p.length === 0 ? 0 : p.length === 1 && /^\p{L}$/u.test(w) ? 1 : 2;
      cap[k] = (plain ? upper : w !== w.toLowerCase()) ? 1 : 0;
      if (k > 0) {
        const prev = toks[k - 1] as Span;
        const gap = t.start - prev.end;
        const c = text.charCodeAt(prev.end);
        joins[k] = gap === 1 && (c === 32 || c === 45) ? 1 : 0;
      }
    }
    return { toks, piece, kind, cap, joins };
  }

  /** The longest run at `i` accepted by `accept` (key → entity fields), or null. */
  function longest(
    t: Tokens,
    i: number,
    accept: (key: string, t: Tokens, i: number, j: number) => { type: Entity['type']; id: string } | null,
  ): { end: number; type: Entity['type']; id: string } | null {
    if (t.kind[i] === 0) return null;
    // Candidate ends: extend while tokens are words joined by one space or hyphen.
    let last = i + 1;
    while (last < t.toks.length && last - i < MAX_TOKENS && t.joins[last] === 1 && t.kind[last] === 2 && t.kind[i] === 2) last++;
    let anyCap = false;
    for (let k = i; k < last; k++) if (t.cap[k] === 1) anyCap = true;
    if (!anyCap) return null;
    for (let j = last; j > i; j--) {
      let capital = false;
      let key = '';
      for (let k = i; k < j; k++) {
        if (t.cap[k] === 1) capital = true;
        key += t.piece[k];
      }
      if (!capital || key.length < 3 || /^\d+$/.test(key)) continue;
      const hit = accept(key, t, i, j);
      if (hit) return { end: j, ...hit };
    }
    return null;
  }

  const exclude = options.exclude ?? new Set<string>();
  const vendorAt = (key: string, _t: Tokens, i: number, j: number) => {
    const cves = vendors.get(key);
    if (cves === undefined) return null;
    if (j - i === 1 && (GENERIC_WORDS.has(key) || exclude.has(key))) return null;
    // A name that is also a product at least half as often (`PHP`, `Python`, `Android`) is the product.
    const asProduct = products.get(key);
    if (asProduct && asProduct.cves * 2 >= cves) return null;
    return { type: 'organization' as const, id: `cpe:${key}` };
  };
  const productAt = (vendor: string | null) => (key: string, t: Tokens, i: number, j: number) => {
    const p = products.get(key);
    if (!p) return null;
    if (vendor !== null) {
      // Right after its vendor: any of that vendor's products, one word or more.
      return byVendor.get(vendor)?.has(key) ? { type: 'product' as const, id: `cpe:${vendor}:${key}` } : null;
    }
    if (j - i === 1) {
      if (GENERIC_WORDS.has(key) || exclude.has(key)) return null;
      if (!markedName((t.toks[i] as Span).text) && !vendors.has(key)) return null;
    }
    // A phrase of generic words only (`Management Console`, `Help Desk`) is not a name by itself.
    let generic = true;
    for (let k = i; k < j && generic; k++) generic = GENERIC_WORDS.has(t.piece[k] as string);
    if (generic) return null;
    return { type: 'product' as const, id: `cpe:${p.vendor}:${key}` };
  };

  const anyProduct = productAt(null);
  return {
    size: vendors.size + products.size,
    find(text: string, given?: readonly Span[]): Entity[] {
      const toks = given ?? tokens(text);
      const t = prepare(text, toks);
      const out: Entity[] = [];
      const push = (i: number, m: { end: number; type: Entity['type']; id: string }) => {
        const s = (toks[i] as Span).start;
        const e = (toks[m.end - 1] as Span).end;
        out.push({ type: m.type, text: text.slice(s, e), start: s, end: e, source: 'gazetteer', id: m.id });
      };
      for (let i = 0; i < toks.length; ) {
        if (t.kind[i] === 0) {
          i++;
          continue;
        }
        const product = longest(t, i, anyProduct);
        const vendor = longest(t, i, vendorAt);
        if (vendor && (!product || vendor.end >= product.end)) {
          push(i, vendor);
          i = vendor.end;
          // The vendor's own product right after it (`Microsoft Word`, `Apple iOS`).
          const own = i < toks.length && t.joins[i] === 1 ? longest(t, i, productAt(vendor.id.slice(4))) : null;
          if (own) {
            push(i, own);
            i = own.end;
          }
        } else if (product) {
          push(i, product);
          i = product.end;
        } else i++;
      }
      return out;
    },
  };
}

/** Seconds between two reads of the store's catalog by {@link liveCpeGazetteer}. */
export const CATALOG_REFRESH_SECONDS = 3600;

/** A gazetteer kept in step with the store: {@link current} is the newest one built. */
export interface LiveCpeGazetteer {
  /** The gazetteer of the last catalog read (null: none could be read); a read of a newer one starts when this one is older than the refresh interval. */
  current(): CpeGazetteer | null;
}

/**
 * Reads the catalog once (awaited) and again in the background every `refreshSeconds` (default
 * {@link CATALOG_REFRESH_SECONDS}) when asked, so a long-running server matches the vendors and
 * products synced since it started. A failed read keeps the previous gazetteer and calls `onError`;
 * never throws.
 */
export async function liveCpeGazetteer(
  read: () => Promise<VendorProductCatalog | null>,
  options: CpeGazetteerOptions & { refreshSeconds?: number; now?: () => number; onError?: (err: Error) => void } = {},
): Promise<LiveCpeGazetteer> {
  const now = options.now ?? Date.now;
  const refreshMs = (options.refreshSeconds ?? CATALOG_REFRESH_SECONDS) * 1000;
  let gazetteer: CpeGazetteer | null = null;
  let readAt = now();
  let reading: Promise<void> | null = null;
  const load = async (): Promise<void> => {
    try {
      const catalog = await read();
      gazetteer = catalog ? buildCpeGazetteer(catalog, options) : null;
    } catch (err) {
      options.onError?.(err as Error);
    }
  };
  await load();
  return {
    current() {
      if (!reading && now() - readAt >= refreshMs) {
        readAt = now();
        reading = load().finally(() => {
          reading = null;
        });
      }
      return gazetteer;
    },
  };
}
