/**
 * IOC extraction from free text (reports, advisories, pasted notes), defanged forms included.
 *
 * How: the text is refanged once into a copy with an offset map (refang.ts), every pattern of
 * patterns.ts runs over the copy, and each hit is mapped back so `text.slice(start, end) ===
 * original`. ioc-extractor (8.x) gives values without positions, so it serves as a validator
 * (`isSSDEEP`) and as the reference for the defanged forms; the positions are ours.
 *
 * Choices an analyst would make, and that MISP tooling (freetext import, ioc-extractor, iocextract)
 * makes too:
 * - Each distinct (type, value) is reported once, at its FIRST occurrence; later mentions are not
 *   repeated (readable output; the IOC store counts sightings per document, not per mention).
 * - A URL's host is also reported as a `domain` (or `ipv4`/`ipv6`), and an e-mail address's domain
 *   as a `domain`: blocklists and pivots use the host, and a warninglist can flag it separately.
 * - A bare name whose TLD is also a file extension (`report.zip`, `setup.app`) is a `filename`,
 *   unless it is defanged (`report[.]zip`) or the host of a URL or e-mail address.
 * - A name like `Emotet.AL` (an ESET detection name: uppercase TLD after a mixed-case label) is not a
 *   domain unless defanged.
 * - A labelled hyperlink that is not defanged (AsciiDoc `https://www.misp-project.org[MISP]`,
 *   Markdown `[MISP](https://www.misp-project.org)`) is a citation, not an indicator: neither the URL
 *   nor its host is reported, unless the label names the host (`[evil.com](http://evil.com)`). In the ESET and Unit 42 reports every such link points to a blog post,
 *   a paper, a threat-intel portal or a project page (MISP, Snort, YARA); indicators are written
 *   bare or defanged.
 * - A name right after a single backslash (`%TEMP%\fl6371.data`) is a path's file, not a domain.
 */
import type { Ioc, IocType } from '../types.ts';
import {
  ASN,
  ATTACK,
  BTC,
  CVE,
  checkHost,
  DOMAIN,
  EMAIL,
  FILE_LIKE_TLDS,
  FILENAME,
  HEX,
  hashType,
  IPV4,
  IPV6,
  isSsdeep,
  normaliseIpv6,
  REGISTRY,
  SSDEEP,
  trimUrl,
  URL_RE,
  XMR,
} from './patterns.ts';
import { originalSpan, refangWithMap } from './refang.ts';
import { isBase58Btc, isBech32Btc, isXmrShape } from './wallets.ts';

interface Hit {
  type: IocType;
  value: string;
  start: number;
  end: number;
}

function* matches(re: RegExp, s: string): Generator<RegExpExecArray> {
  re.lastIndex = 0;
  for (let m = re.exec(s); m !== null; m = re.exec(s)) yield m;
}

/** Host (and its span inside the refanged text) of a URL candidate, or null when it is not a real host. */
function urlHost(url: string, at: number): { host: string; start: number; end: number; ip: 4 | 6 | 0 } | null {
  const s = url.indexOf('://') + 3;
  let e = s;
  while (e < url.length && !'/?#'.includes(url[e] ?? '')) e++;
  let auth = url.slice(s, e);
  let off = s;
  const atSign = auth.lastIndexOf('@');
  if (atSign >= 0) {
    off += atSign + 1;
    auth = auth.slice(atSign + 1);
  }
  const host = auth.replace(/:\d{1,5}$/, '');
  if (host.startsWith('[') || host.includes(':')) {
    const v6 = host.replace(/^\[|\]$/g, '');
    return normaliseIpv6(v6) ? { host: v6, start: at + off, end: at + off + host.length, ip: 6 } : null;
  }
  if (/^\d{1,3}(?:\.\d{1,3}){3}$/.test(host)) {
    return host.split('.').every((o) => Number(o) <= 255) ? { host, start: at + off, end: at + off + host.length, ip: 4 } : null;
  }
  const h = checkHost(host);
  return h ? { host: h, start: at + off, end: at + off + host.length, ip: 0 } : null;
}

/** Lowercases a URL's scheme and host; the path keeps its case. */
function normaliseUrl(url: string): string {
  const s = url.indexOf('://') + 3;
  let e = s;
  while (e < url.length && !'/?#'.includes(url[e] ?? '')) e++;
  return url.slice(0, e).toLowerCase() + url.slice(e);
}

/** Whether a name reads like a detection name (`Emotet.AL`, `Agent.AQ`): an uppercase TLD after a label with lowercase letters. */
function looksLikeDetectionName(name: string): boolean {
  const dot = name.lastIndexOf('.');
  const tld = name.slice(dot + 1);
  return tld !== tld.toLowerCase() && /[a-z]/.test(name.slice(0, dot));
}

/**
 * Whether the URL at [start, end) of the refanged text, whose host is `host` (lowercase), is a
 * labelled hyperlink: AsciiDoc `url[label]` (the label right after the URL, on the same line) or
 * Markdown `[label](url)`, with a label that does not name the host (`[evil.com](http://evil.com)`
 * shows the indicator itself). Defanged brackets (`[.]`, `[:]`) are gone from the refanged text.
 */
function isLabelledLink(t: string, start: number, end: number, host: string): boolean {
  let label: string | null = null;
  if (t[end] === '[') {
    const close = t.indexOf(']', end);
    if (close > end + 1 && close - end <= 200) label = t.slice(end + 1, close);
  } else if (t[start - 1] === '(' && t[start - 2] === ']' && t[end] === ')') {
    const open = t.lastIndexOf('[', start - 2);
    if (open >= 0 && start - open <= 200) label = t.slice(open + 1, start - 2);
  }
  return label !== null && label.trim() !== '' && !label.includes('\n') && !label.toLowerCase().includes(host);
}

/** Every candidate hit in the refanged text `t`; `defanged(start,end)` tells whether the span was rewritten. */
function findHits(t: string, defanged: (start: number, end: number) => boolean): Hit[] {
  const hits: Hit[] = [];
  const urlSpans: [number, number][] = [];
  const hostStarts = new Set<number>();
  for (const m of matches(URL_RE, t)) {
    const u = trimUrl(m[0]);
    const host = urlHost(u, m.index);
    if (!host || u.length <= u.indexOf('://') + 3) continue;
    if (isLabelledLink(t, m.index, m.index + u.length, host.host.toLowerCase()) && !defanged(m.index, m.index + u.length)) {
      // Kept as a span so its host and path pieces are not reported as domains or file names either.
      urlSpans.push([m.index, m.index + u.length]);
      continue;
    }
    hits.push({ type: 'url', value: normaliseUrl(u), start: m.index, end: m.index + u.length });
    urlSpans.push([m.index, m.index + u.length]);
    hostStarts.add(host.start);
    if (host.ip)
      hits.push({
        type: host.ip === 4 ? 'ipv4' : 'ipv6',
        value: host.ip === 6 ? (normaliseIpv6(host.host) ?? host.host) : host.host,
        start: host.start,
        end: host.end,
      });
  }
  // URL spans come in text order and do not overlap: a binary search keeps this linear-ish.
  const inUrl = (s: number, e: number): boolean => {
    let lo = 0;
    let hi = urlSpans.length - 1;
    while (lo <= hi) {
      const mid = (lo + hi) >> 1;
      const [a, b] = urlSpans[mid] as [number, number];
      if (b <= s) lo = mid + 1;
      else if (a >= e) hi = mid - 1;
      else return true;
    }
    return false;
  };
  for (const m of matches(EMAIL, t)) {
    const at = m[0].indexOf('@');
    const domain = checkHost(m[0].slice(at + 1));
    if (!domain || inUrl(m.index, m.index + m[0].length)) continue;
    hits.push({ type: 'email', value: m[0].toLowerCase(), start: m.index, end: m.index + m[0].length });
    hits.push({ type: 'domain', value: domain, start: m.index + at + 1, end: m.index + m[0].length });
  }
  const domainSpans = new Set<number>();
  for (const m of matches(DOMAIN, t)) {
    const s = m.index;
    const e = s + m[0].length;
    const isHost = hostStarts.has(s);
    if (!isHost && inUrl(s, e)) continue;
    const d = checkHost(m[0]);
    if (!d) continue;
    const fanged = defanged(s, e);
    if (!isHost && !fanged) {
      if (t[s - 1] === '\\' && t[s - 2] !== '\\') continue;
      if (FILE_LIKE_TLDS.has(d.slice(d.lastIndexOf('.') + 1))) continue;
      if (looksLikeDetectionName(m[0])) continue;
    }
    hits.push({ type: 'domain', value: d, start: s, end: e });
    domainSpans.add(s);
  }
  for (const m of matches(IPV4, t)) {
    const prefix = m[1];
    if (prefix !== undefined && Number(prefix) <= 32) {
      hits.push({ type: 'cidr', value: m[0], start: m.index, end: m.index + m[0].length });
    } else {
      const ip = prefix === undefined ? m[0] : m[0].slice(0, m[0].indexOf('/'));
      hits.push({ type: 'ipv4', value: ip, start: m.index, end: m.index + ip.length });
    }
  }
  for (const m of matches(IPV6, t)) {
    const prefix = m[1];
    const addr = prefix === undefined ? m[0] : m[0].slice(0, m[0].indexOf('/'));
    const v = normaliseIpv6(addr);
    if (!v || !/[0-9a-f]{1,4}:.*[0-9a-f]/i.test(addr)) continue;
    if (prefix !== undefined && Number(prefix) <= 128) hits.push({ type: 'cidr', value: `${v}/${prefix}`, start: m.index, end: m.index + m[0].length });
    else hits.push({ type: 'ipv6', value: v, start: m.index, end: m.index + addr.length });
  }
  for (const m of matches(HEX, t)) {
    const type = hashType(m[0]);
    if (type) hits.push({ type, value: m[0].toLowerCase(), start: m.index, end: m.index + m[0].length });
  }
  for (const m of matches(SSDEEP, t)) {
    const v = m[0].replace(/,".*$/, '');
    if (isSsdeep(v)) hits.push({ type: 'ssdeep', value: v, start: m.index, end: m.index + v.length });
  }
  for (const m of matches(CVE, t)) hits.push({ type: 'cve', value: `CVE-${m[1]}-${m[2]}`, start: m.index, end: m.index + m[0].length });
  for (const m of matches(ATTACK, t)) hits.push({ type: 'attack', value: m[0], start: m.index, end: m.index + m[0].length });
  for (const m of matches(ASN, t)) {
    const n = Number(m[1]);
    if (n >= 1 && n <= 4294967295) hits.push({ type: 'asn', value: `AS${n}`, start: m.index, end: m.index + m[0].length });
  }
  for (const m of matches(BTC, t)) {
    if (isBase58Btc(m[0]) || isBech32Btc(m[0]))
      hits.push({ type: 'btc', value: m[0].startsWith('BC1') ? m[0].toLowerCase() : m[0], start: m.index, end: m.index + m[0].length });
  }
  for (const m of matches(XMR, t)) if (isXmrShape(m[0])) hits.push({ type: 'xmr', value: m[0], start: m.index, end: m.index + m[0].length });
  for (const m of matches(FILENAME, t)) {
    const s = m.index;
    const e = s + m[0].length;
    if (inUrl(s, e) || domainSpans.has(s) || /^[\d.]+$/.test(m[0].slice(0, m[0].lastIndexOf('.')))) continue;
    hits.push({ type: 'filename', value: m[0], start: s, end: e });
  }
  for (const m of matches(REGISTRY, t)) {
    // Trailing prose punctuation and AsciiDoc passthrough/code marks (`++…++`, backticks) are not part of a key.
    const v = m[0].replace(/[\s.,;:)\]+`]+$/, '');
    if (v.includes('\\')) hits.push({ type: 'registry', value: v, start: m.index, end: m.index + v.length });
  }
  return hits;
}

/**
 * Finds IOCs in `text`: each distinct (type, value) once, at its first occurrence, in text order.
 * Never throws (a failure inside returns what was found before it is impossible: the work is pure
 * string scanning; the guard only protects callers from a bug).
 *
 * @example extractIocs('C2: hxxp://evil[.]com/a') // url http://evil.com/a, domain evil.com
 */
export function extractIocs(text: string): Ioc[] {
  if (typeof text !== 'string' || text.length === 0) return [];
  try {
    const r = refangWithMap(text);
    const defanged = (s: number, e: number): boolean => {
      if (!r.changed) return false;
      const o = originalSpan(r, s, e);
      return o.end - o.start !== e - s || text.slice(o.start, o.end) !== r.text.slice(s, e);
    };
    const seen = new Set<string>();
    const out: Ioc[] = [];
    const hits = findHits(r.text, defanged).sort((a, b) => a.start - b.start || b.end - a.end);
    for (const h of hits) {
      const key = `${h.type}\0${h.value}`;
      if (seen.has(key)) continue;
      seen.add(key);
      const o = originalSpan(r, h.start, h.end);
      out.push({ type: h.type, value: h.value, original: text.slice(o.start, o.end), start: o.start, end: o.end });
    }
    return out;
  } catch (err) {
    // A bug must not take down the analysis of a document; it is reported, not swallowed silently.
    console.error('vigil: IOC extraction failed', err);
    return [];
  }
}
