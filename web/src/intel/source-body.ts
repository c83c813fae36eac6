/**
 * The add-source form's fields (as typed: numbers as text, the interval in minutes) and the
 * request body they make for `POST /api/v1/scraping/sources` and `…/sources/test`. Pure, so the
 * bodies are unit-tested against the server's own schema (src/web/intel-source-body.test.ts).
 */
import type { IntelSourceInput } from '../types-intel.ts';

/** The form's fields as typed (numbers as text: empty means the server's default). */
export interface SourceFields {
  name: string;
  kind: 'feed' | 'page';
  url: string;
  enabled: boolean;
  tags: string;
  intervalMinutes: string;
  /** `none`, `tor` or `socks`: then {@link SourceFields.socks} holds the proxy's URL. */
  proxy: 'none' | 'tor' | 'socks';
  socks: string;
  robots: 'obey' | 'ignore';
  fetchArticles: 'auto' | 'always' | 'never';
  title: string;
  content: string;
  date: string;
  links: string;
  follow: string;
  maxPages: string;
  maxDepth: string;
  minContentLength: string;
  minDelaySeconds: string;
  /** One `Name: value` per line. */
  headers: string;
}

export const EMPTY_SOURCE_FIELDS: SourceFields = {
  name: '',
  kind: 'feed',
  url: '',
  enabled: true,
  tags: '',
  intervalMinutes: '60',
  proxy: 'none',
  socks: '',
  robots: 'obey',
  fetchArticles: 'auto',
  title: '',
  content: '',
  date: '',
  links: '',
  follow: '',
  maxPages: '',
  maxDepth: '',
  minContentLength: '',
  minDelaySeconds: '',
  headers: '',
};

/** A number field's value, or undefined when left empty (the server's default). */
function num(s: string): number | undefined {
  return s.trim() === '' ? undefined : Number(s);
}

/**
 * The request body of the fields: empty fields are left out (the server's defaults apply),
 * feed-only and page-only fields only for their kind; the interval goes from minutes to seconds;
 * headers are read from `Name: value` lines, tags from a comma-separated list.
 */
export function sourceBody(f: SourceFields): IntelSourceInput {
  const minutes = num(f.intervalMinutes);
  const headers: Record<string, string> = {};
  for (const line of f.headers.split('\n')) {
    const at = line.indexOf(':');
    if (at > 0) headers[line.slice(0, at).trim()] = line.slice(at + 1).trim();
  }
  const body: IntelSourceInput = {
    name: f.name.trim(),
    kind: f.kind,
    url: f.url.trim(),
    enabled: f.enabled,
    intervalSeconds: minutes === undefined ? undefined : Math.round(minutes * 60),
    proxy: f.proxy === 'socks' ? f.socks.trim() : f.proxy,
    robots: f.robots,
    tags: f.tags
      .split(',')
      .map((t) => t.trim())
      .filter((t) => t !== ''),
    minContentLength: num(f.minContentLength),
    minDelaySeconds: num(f.minDelaySeconds),
    headers: Object.keys(headers).length > 0 ? headers : undefined,
  };
  if (f.kind === 'feed') body.fetchArticles = f.fetchArticles;
  else {
    const selectors = { title: f.title.trim(), content: f.content.trim(), date: f.date.trim(), links: f.links.trim() };
    body.selectors = Object.fromEntries(Object.entries(selectors).filter(([, v]) => v !== ''));
    body.follow = f.follow.trim() || null;
    body.maxPages = num(f.maxPages);
    body.maxDepth = num(f.maxDepth);
  }
  return body;
}
