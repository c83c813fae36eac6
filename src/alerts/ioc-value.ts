/**
 * Indicators as watchlist entries write them (`ioc` entries): how a value is read (refanged,
 * typed, checked) and the canonical form two indicators of one type are compared on. What a
 * watched indicator matches is in ioc-match.ts.
 */
import { isIPv4, isIPv6 } from 'node:net';
import { domainToASCII } from 'node:url';
import { isBTC, isEmail, isSSDEEP, isXMR, refang } from 'ioc-extractor';
import { parse as parseDomain } from 'tldts';
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
export function ipv6Text(value: string): string | null {
  if (!isIPv6(value)) return null;
  try {
    return new URL(`http://[${value}]/`).hostname.slice(1, -1);
  } catch {
    return null;
  }
}

/** Lowercase ASCII (punycode) host name without a trailing dot, or null when it is not one. */
export function hostText(value: string): string | null {
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
