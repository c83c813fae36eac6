/**
 * Intel sources to and from OPML feed lists (OPML 2.0 http://opml.org/spec2.opml): export for
 * another reader, import of a curated list. Only feed sources have an OPML form; the other settings
 * (interval, proxy, headers, which may hold secrets) are not written.
 */
import { VigilError } from '../../errors.ts';
import type { FeedRejection } from '../feeds/parse.ts';
import { type OpmlFeed, parseOpml, toOpml } from '../feeds/opml.ts';
import type { IntelSource } from '../types.ts';
import { type SourcePolicy, validateSource } from './schema.ts';

/** Longest source name (schema.ts). */
const NAME_MAX = 64;

/**
 * A source name from a title: lower case, accents dropped, every run of other characters than
 * `a-z 0-9 . _ -` made one `-`, no leading or trailing `.`/`_`/`-`, at most `max` characters.
 * A valid name is its own slug. Empty when nothing is left (a title in another script).
 * @example slugName('Krebs on Security') // 'krebs-on-security'
 */
export function slugName(title: string, max = NAME_MAX): string {
  return title
    .normalize('NFKD')
    .replace(/\p{M}+/gu, '')
    .toLowerCase()
    .replace(/[^a-z0-9._-]+/g, '-')
    .slice(0, max)
    .replace(/^[._-]+|[._-]+$/g, '');
}

/** A tag from one category level: letters (any script) and digits kept, other runs made `-`; at most 64 characters. */
function slugTag(category: string): string {
  return category
    .normalize('NFKC')
    .toLowerCase()
    .replace(/[^\p{L}\p{N}]+/gu, '-')
    .slice(0, NAME_MAX)
    .replace(/^-+|-+$/g, '');
}

/** Tags from an OPML category path (`Gov / CERT & Advisories` → `gov`, `cert-advisories`), at most 20. */
export function categoryTags(category: string | null): string[] {
  if (category === null) return [];
  const tags = category
    .split(/\s*\/\s*/)
    .map(slugTag)
    .filter((t) => t !== '');
  return [...new Set(tags)].slice(0, 20);
}

/** The host of `url` without `www.`, as a name: the fallback for a title that slugs to nothing. */
function hostName(url: string): string {
  try {
    return slugName(new URL(url).hostname.replace(/^www\./, ''));
  } catch {
    return '';
  }
}

/**
 * Writes the feed sources as OPML 2.0, in the order given: title and text are the source name,
 * the tags are the category path (so {@link sourcesFromOpml} gives back the names, URLs and tags).
 * Page sources have no OPML form and are left out.
 * @example sourcesToOpml(await store.listSources())
 */
export function sourcesToOpml(sources: readonly IntelSource[], title = 'Vigil intel sources'): string {
  const feeds: OpmlFeed[] = sources
    .filter((s) => s.kind === 'feed')
    .map((s) => ({ title: s.name, xmlUrl: s.url, htmlUrl: null, category: s.tags.length > 0 ? s.tags.join(' / ') : null, description: null }));
  return toOpml(feeds, title);
}

/** Outcome of {@link sourcesFromOpml}: the sources made and each outline left out, with why. */
export interface OpmlImport {
  sources: IntelSource[];
  rejected: FeedRejection[];
}

/**
 * Reads an OPML feed list into feed sources: names slugged from the titles (else the host),
 * repeated names suffixed `-2`, `-3`…; category levels become tags; other settings the defaults
 * (enabled). Outlines whose URL the SSRF guard refuses (a private address, a `.onion` host without
 * a proxy…), or that fail the schema, land in `rejected` with the reason; so do parseOpml's
 * (invalid or repeated `xmlUrl`). Nothing is thrown for one bad outline.
 * @throws {VigilError} VIGIL_INPUT_FORMAT when `text` is not an OPML document.
 * @example sourcesFromOpml(readFileSync('feeds.opml', 'utf8'), 'feeds.opml', { allowHosts: [], torProxy: 'socks5h://127.0.0.1:9050' }, new Date())
 */
export function sourcesFromOpml(text: string, origin: string, policy: SourcePolicy, now: Date): OpmlImport {
  const list = parseOpml(text, origin);
  const rejected: FeedRejection[] = [...list.rejected];
  const sources: IntelSource[] = [];
  const taken = new Set<string>();
  for (const feed of list.feeds) {
    const record = `"${feed.title}" <${feed.xmlUrl}>`;
    const base = slugName(feed.title) || hostName(feed.xmlUrl) || 'feed';
    let name = base;
    for (let n = 2; taken.has(name); n++) name = `${base.slice(0, NAME_MAX - String(n).length - 1).replace(/[._-]+$/, '')}-${n}`;
    try {
      const source = validateSource({ name, kind: 'feed', url: feed.xmlUrl, tags: categoryTags(feed.category) }, policy, now);
      taken.add(name);
      sources.push(source);
    } catch (err) {
      if (!(err instanceof VigilError)) throw err;
      const field = err.code === 'VIGIL_URL_REFUSED' ? 'xmlUrl' : 'outline';
      rejected.push({ where: { origin, record, field }, reason: err.message });
    }
  }
  return { sources, rejected };
}
