/**
 * URL canonicalisation for intel documents: one story reached through a newsletter link, a social
 * share or the feed itself gets one `canonicalUrl`, hence one document id.
 */
import { VigilError } from '../../errors.ts';

/**
 * Query parameters that identify the visitor or the campaign, never the page: Google Analytics
 * (`utm_*`, `_ga`, `_gl`), ad click ids (Google, Microsoft, Meta, Yandex, TikTok, X), Mailchimp,
 * HubSpot, Marketo, Twitter/X share referrals, Instagram.
 */
const TRACKING = new Set([
  '_ga',
  '_gl',
  'fbclid',
  'gclid',
  'gclsrc',
  'dclid',
  'gbraid',
  'wbraid',
  'msclkid',
  'yclid',
  'ttclid',
  'twclid',
  'igshid',
  'mc_cid',
  'mc_eid',
  '_hsenc',
  '_hsmi',
  '__hstc',
  '__hssc',
  '__hsfp',
  'hsctatracking',
  'mkt_tok',
  'ref_src',
  'ref_url',
  'oly_anon_id',
  'oly_enc_id',
  'vero_id',
  'wt.mc_id',
]);

/** Whether a query parameter name (as decoded, any case) is a tracking parameter. */
export function isTrackingParam(name: string): boolean {
  const n = name.toLowerCase();
  return n.startsWith('utm_') || TRACKING.has(n);
}

function decodedName(pair: string): string {
  const raw = pair.split('=', 1)[0] ?? '';
  try {
    return decodeURIComponent(raw.replace(/\+/g, ' '));
  } catch {
    return raw; // a stray `%` in a name: compare it as written
  }
}

/**
 * The canonical form of an http(s) URL: scheme and host lowercased, default port dropped, fragment
 * dropped, tracking parameters ({@link isTrackingParam}) removed; the other parameters keep their
 * order and spelling (no re-encoding), and an empty query loses its `?`. The path is left as the
 * WHATWG URL parser normalises it (dot segments resolved, percent-encoding kept).
 * @throws {VigilError} VIGIL_URL_REFUSED when `url` is not an absolute http(s) URL.
 * @example canonicalizeUrl('HTTPS://Example.COM:443/a?utm_source=x&id=7#top') // 'https://example.com/a?id=7'
 */
export function canonicalizeUrl(url: string): string {
  let u: URL;
  try {
    u = new URL(url.trim());
  } catch (cause) {
    throw new VigilError('VIGIL_URL_REFUSED', [`"${url}" is not an absolute URL`], { cause });
  }
  if (u.protocol !== 'http:' && u.protocol !== 'https:') throw new VigilError('VIGIL_URL_REFUSED', [`"${url}" is not http(s)`]);
  u.hash = '';
  if (u.search !== '') {
    const kept = u.search
      .slice(1)
      .split('&')
      .filter((pair) => pair !== '' && !isTrackingParam(decodedName(pair)));
    u.search = kept.length > 0 ? `?${kept.join('&')}` : '';
  }
  // `new URL('https://a.b/?')` keeps a bare `?`; setting search to '' removes it.
  return u.href.endsWith('?') ? u.href.slice(0, -1) : u.href;
}

/** Second-level labels that many country-code registries sell under (`co.uk`, `com.au`, `gouv.fr`). */
const GENERIC_SLD = new Set(['ac', 'co', 'com', 'edu', 'gob', 'go', 'gouv', 'gov', 'govt', 'ltd', 'mil', 'ne', 'net', 'nic', 'or', 'org', 'plc', 'sch']);

/**
 * The registrable part of a host name (its "site"), approximated without the Public Suffix List:
 * the last two labels, or the last three under a two-letter country code whose second level is a
 * generic one (`news.bbc.co.uk` → `bbc.co.uk`, `www.cert.ssi.gouv.fr` → `ssi.gouv.fr`). IP
 * addresses are their own site. Lowercased; a trailing dot is ignored.
 */
export function registrableDomain(host: string): string {
  const h = host.toLowerCase().replace(/\.$/, '');
  if (/^\[.*\]$/.test(h) || /^\d{1,3}(?:\.\d{1,3}){3}$/.test(h)) return h;
  const labels = h.split('.');
  if (labels.length <= 2) return h;
  const tld = labels[labels.length - 1]!;
  const sld = labels[labels.length - 2]!;
  const keep = tld.length === 2 && GENERIC_SLD.has(sld) ? 3 : 2;
  return labels.slice(-keep).join('.');
}

/** Whether two http(s) URLs belong to the same site ({@link registrableDomain} of their hosts). */
export function sameSite(a: string, b: string): boolean {
  try {
    return registrableDomain(new URL(a).hostname) === registrableDomain(new URL(b).hostname);
  } catch {
    return false;
  }
}
