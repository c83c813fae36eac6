/**
 * Candidate patterns and checks for each IOC type, run over the refanged copy of a text
 * (refang.ts). Each regex is linear (no nested unbounded quantifiers) and global; callers reset
 * `lastIndex`. Values are normalised here: lowercase domains/hashes/e-mail addresses, uppercase CVE
 * ids, compressed IPv6.
 */
import { isIP } from 'node:net';
import { isSSDEEP } from 'ioc-extractor';
import { parse } from 'tldts';

const OCTET = '(?:25[0-5]|2[0-4]\\d|1\\d\\d|[1-9]?\\d)';
/** IPv4, optionally with a `/prefix` (then a CIDR); not inside a longer dotted number (versions, OIDs). */
export const IPV4 = new RegExp(`(?<![\\d.])${OCTET}(?:\\.${OCTET}){3}(?:/(\\d{1,2}))?(?![\\d]|\\.\\d)`, 'g');
/** A run that may be an IPv6 address (validated with node:net), optionally with a `/prefix`. */
export const IPV6 = /(?<![\w:.])(?=[0-9A-Fa-f:]*:[0-9A-Fa-f]*:)[0-9A-Fa-f:]{2,39}(?:(?<=:)\d{1,3}(?:\.\d{1,3}){3})?(?:\/(\d{1,3}))?(?![\w:])/g;
/** URLs with a scheme; the host is checked separately, trailing punctuation trimmed by {@link trimUrl}. */
export const URL_RE = /\b(?:https?|ftps?|sftp|wss?|tcp|udp|smb):\/\/[^\s<>"'`|\\[\]{}^]+/gi;
/** E-mail addresses (local part @ a dotted host). */
export const EMAIL = /(?<![\w.%+-])[A-Za-z0-9][A-Za-z0-9._%+-]{0,63}@(?:[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?\.)+[A-Za-z][A-Za-z0-9-]{1,62}\b/g;
/** Dotted names (checked against the public-suffix list). */
export const DOMAIN = /(?<![\w@.-])(?:[A-Za-z0-9_](?:[A-Za-z0-9_-]{0,61}[A-Za-z0-9])?\.)+[A-Za-z][A-Za-z0-9-]{1,62}(?![\w-]|\.\w)/g;
/** Hex runs of 32–128 characters (hash lengths are picked by {@link hashType}). */
// One bounded run instead of an alternation of four lengths (which re-scanned each run four times);
// runs of other lengths are dropped by hashType().
export const HEX = /(?<![0-9A-Za-z_])[0-9A-Fa-f]{32,128}(?![0-9A-Za-z_])/g;
/** ssdeep fuzzy hashes: `blocksize:hash:hash`. */
export const SSDEEP = /(?<![\w:])\d{1,10}:[A-Za-z0-9/+]{3,64}:[A-Za-z0-9/+]{3,64}(?:,"[^"\n]{0,200}")?(?![\w:])/g;
/** CVE ids with any dash (hyphen, non-breaking, en/em dash) or underscore. */
export const CVE = /\bCVE[-‐‑–—_ ]?(\d{4})[-‐‑–—_](\d{4,7})\b/gi;
/** ATT&CK ids (tactic, technique, sub-technique, group, software, mitigation): uppercase only. */
export const ATTACK = /(?<![\w.-])(?:TA00\d\d|T1\d{3}(?:\.\d{3})?|[GS][01]\d{3}|M1\d{3})(?![\w-]|\.\d)/g;
/** Autonomous system numbers: `AS13335`, `ASN 13335`. */
export const ASN = /\bASN?[ ]?(\d{1,10})\b/g;
/** Bitcoin: Base58Check (`1…`, `3…`) and Bech32 (`bc1…`). */
export const BTC = /(?<![\w])(?:[13][1-9A-HJ-NP-Za-km-z]{25,34}|bc1[02-9ac-hj-np-z]{11,71}|BC1[02-9AC-HJ-NP-Z]{11,71})(?!\w)/g;
/** Monero addresses (95 characters starting with 4 or 8). */
export const XMR = /(?<!\w)[48][0-9AB][1-9A-HJ-NP-Za-km-z]{93}(?!\w)/g;

/** Extensions that make a word a file name worth reporting (executables, documents, scripts, archives). */
// biome-ignore format: a word list
export const FILE_EXTENSIONS = [
  'exe', 'dll', 'sys', 'scr', 'com', 'bat', 'cmd', 'ps1', 'psm1', 'vbs', 'vbe', 'js', 'jse', 'wsf', 'hta', 'lnk', 'jar',
  'msi', 'cpl', 'ocx', 'drv', 'doc', 'docx', 'docm', 'dot', 'dotm', 'xls', 'xlsx', 'xlsm', 'xlsb', 'ppt', 'pptx', 'pptm',
  'pdf', 'rtf', 'one', 'chm', 'iso', 'img', 'vhd', 'vhdx', 'zip', 'rar', '7z', 'cab', 'gz', 'tgz', 'apk', 'ipa', 'dmg',
  'pkg', 'elf', 'so', 'ko', 'dylib', 'sh', 'py', 'pyw', 'pl', 'php', 'jsp', 'asp', 'aspx', 'ashx', 'war', 'bin', 'dat', 'tmp', 'ini', 'nls', 'tlb',
] as const;
const FILE_EXT_RE = FILE_EXTENSIONS.filter((e) => e !== 'com').join('|');
/** A file name: one word (no path separator, no spaces) with a listed extension (a versioned `libx.so.1.2` too). `.com` is left to domains. */
export const FILENAME = new RegExp(`(?<![\\w.$~-])[\\w$~-][\\w$~.-]{0,200}\\.(?:${FILE_EXT_RE})(?:\\.\\d{1,4}){0,4}(?![\\w-]|\\.\\w)`, 'gi');
/** Windows registry keys under a hive; inner segments may contain spaces, the last may not. */
export const REGISTRY =
  /\b(?:HKLM|HKCU|HKCR|HKU|HKCC|HKEY_LOCAL_MACHINE|HKEY_CURRENT_USER|HKEY_CLASSES_ROOT|HKEY_USERS|HKEY_CURRENT_CONFIG)(?::)?(?:\\{1,2}[^\\\r\n\t"'`|<>]{1,255}(?=\\))*(?:\\{1,2}[^\\\s"'`|<>]{0,255})?/g;

/**
 * Top-level domains that are also common file extensions: a bare `report.zip` or `notes.md` is a
 * file name unless the text defanged it or it is the host of a URL or e-mail address.
 */
export const FILE_LIKE_TLDS = new Set(['zip', 'mov', 'sh', 'py', 'md', 'ps', 'one', 'app', 'rs', 'so']);

/** Characters trimmed from a URL's end (closing parentheses only when unbalanced). */
export function trimUrl(url: string): string {
  let u = url;
  for (;;) {
    const last = u.at(-1);
    if (last === undefined) return u;
    // `+` closes AsciiDoc passthroughs (`+http://x/+`, `++…++`); `*`/`_` close emphasis.
    if ('.,;:!?\'"*_+'.includes(last)) u = u.slice(0, -1);
    else if (last === ')' && (u.match(/\(/g)?.length ?? 0) < (u.match(/\)/g)?.length ?? 0)) u = u.slice(0, -1);
    else return u;
  }
}

/** The public-suffix verdict on a host: its lowercase form when it ends in a known (ICANN or private) suffix, else null. */
export function checkHost(host: string): string | null {
  const cached = hostCache.get(host);
  if (cached !== undefined) return cached;
  const verdict = checkHostUncached(host);
  if (hostCache.size >= 50_000) hostCache.clear();
  hostCache.set(host, verdict);
  return verdict;
}

// Names repeat a lot within and across reports; tldts parses are the costliest step per candidate.
const hostCache = new Map<string, string | null>();

function checkHostUncached(host: string): string | null {
  const h = host.toLowerCase().replace(/\.$/, '');
  if (h.length > 253) return null;
  const p = parse(h, { allowPrivateDomains: true });
  if (!p.domain || !p.publicSuffix || (!p.isIcann && !p.isPrivate)) return null;
  // A suffix that is only a private-registry rule but not itself an ICANN TLD is not enough.
  const tld = h.slice(h.lastIndexOf('.') + 1);
  const icann = parse(`x.${tld}`);
  if (!icann.isIcann) return null;
  return h;
}

/** Compressed IPv6 text, or null when not a valid address. */
export function normaliseIpv6(s: string): string | null {
  if (isIP(s) !== 6) return null;
  try {
    return new URL(`http://[${s}]/`).hostname.slice(1, -1);
  } catch {
    return null;
  }
}

/** The hash type of a hex run by its length. */
export function hashType(hex: string): 'md5' | 'sha1' | 'sha256' | 'sha512' | null {
  switch (hex.length) {
    case 32:
      return 'md5';
    case 40:
      return 'sha1';
    case 64:
      return 'sha256';
    case 128:
      return 'sha512';
    default:
      return null;
  }
}

/** ssdeep check from ioc-extractor (its shape test), on the hash without a trailing file name. */
export function isSsdeep(s: string): boolean {
  return isSSDEEP(s.replace(/,".*$/, ''));
}
