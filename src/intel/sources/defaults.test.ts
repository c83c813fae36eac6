/**
 * The shipped default sources: each validates (schema and guard), disabled; names and URLs unique;
 * tags from the fixed vocabulary; each URL, title and category re-read from the corpus list its
 * origin names, and reported active by clivoa's feed_status.json when listed there.
 */
import { readFileSync } from 'node:fs';
import { parse } from 'csv-parse/sync';
import { describe, expect, it } from 'vitest';
import { corpusPath, hasCorpus } from '../../testing/corpus.ts';
import { parseOpml } from '../feeds/opml.ts';
import { DEFAULT_TAGS, DEFAULTS, defaultSources, type FeedList } from './defaults.ts';

const now = new Date('2026-12-06T01:00:00.000Z');

describe('defaultSources', () => {
  const sources = defaultSources(now);

  it('gives the 74 defaults, validated, disabled feeds', () => {
    expect(sources).toHaveLength(74);
    expect(sources.length).toBe(DEFAULTS.sources.length);
    for (const s of sources) {
      expect(s).toMatchObject({ kind: 'feed', enabled: false, intervalSeconds: 3600, proxy: 'none', robots: 'obey', createdAt: now.toISOString() });
    }
  });

  it('names and URLs are unique; every URL is https', () => {
    expect(new Set(sources.map((s) => s.name)).size).toBe(sources.length);
    expect(new Set(sources.map((s) => s.url)).size).toBe(sources.length);
    expect(sources.filter((s) => !s.url.startsWith('https://')).map((s) => s.name)).toEqual([]);
  });

  it('tags come from the fixed vocabulary; each kind is represented', () => {
    const vocabulary: readonly string[] = DEFAULT_TAGS;
    for (const s of sources) {
      expect(s.tags.length).toBeGreaterThan(0);
      for (const t of s.tags) expect(vocabulary).toContain(t);
    }
    const count = (tag: string) => sources.filter((s) => s.tags.includes(tag)).length;
    expect([count('news'), count('cert'), count('vendor'), count('research'), count('advisory')]).toEqual([17, 17, 35, 30, 20]);
  });

  it('the header names each list used, with its commit and licence', () => {
    const used = new Set(DEFAULTS.sources.map((s) => s.origin.list));
    expect(DEFAULTS.lists.map((l) => l.id).sort()).toEqual([...used].sort());
    for (const l of DEFAULTS.lists) {
      expect(l.commit).toMatch(/^[0-9a-f]{40}$/);
      expect(l.licence).not.toBe('');
    }
    expect(DEFAULTS.lists.find((l) => l.id === 'awesome-threat-intel-blogs')?.licence).toMatch(/^CC-BY-4\.0: .*muchdogesec/);
  });
});

/** URL → title and category, as the list gives them (read here independently of the generator). */
function listed(list: FeedList): Map<string, { title: string; category: string | null }> {
  const text = readFileSync(corpusPath(list.corpus), 'utf8');
  if (list.format === 'opml') return new Map(parseOpml(text, list.corpus).feeds.map((f) => [f.xmlUrl, { title: f.title, category: f.category }]));
  const rows = parse(text, { columns: true }) as { name: string; type: string; category: string; feed_url: string }[];
  const out = new Map<string, { title: string; category: string | null }>();
  for (const r of rows) if (r.feed_url && !out.has(r.feed_url)) out.set(r.feed_url, { title: r.name, category: `${r.type} / ${r.category}` });
  return out;
}

describe.runIf(hasCorpus())('defaults against the corpus feed lists', () => {
  it('each default is in the list its origin names, as listed', () => {
    const lists = new Map(DEFAULTS.lists.map((l) => [l.id, listed(l)]));
    const missing = DEFAULTS.sources.filter((s) => lists.get(s.origin.list)?.get(s.url) === undefined).map((s) => s.name);
    expect(missing).toEqual([]);
    for (const s of DEFAULTS.sources) expect(lists.get(s.origin.list)?.get(s.url)).toEqual({ title: s.origin.title, category: s.origin.category });
    expect(DEFAULTS.sources.filter((s) => s.origin.list === 'clivoa')).toHaveLength(72);
  });

  it("clivoa's health report has every default it checked as active", () => {
    const status = (
      JSON.parse(readFileSync(corpusPath('news/feedlists/clivoa_awesome-security-feeds/feed_status.json'), 'utf8')) as {
        results: Record<string, { status: string }>;
      }
    ).results;
    const checked = DEFAULTS.sources
      .map((s) => [s.name, (status[s.url] ?? status[s.url.replace(/\/$/, '')])?.status] as const)
      .filter(([, st]) => st !== undefined);
    expect(checked.length).toBe(72);
    expect(checked.filter(([, st]) => st !== 'active')).toEqual([]);
  });
});
