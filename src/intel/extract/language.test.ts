import { readdirSync, readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { corpusPath, hasCorpus } from '../../testing/corpus.ts';
import { parseFeed } from '../feeds/parse.ts';
import { detectLanguage, MIN_LANGUAGE_WEIGHT, textWeight, toIso6391 } from './language.ts';

const corpus = hasCorpus();

function tally(codes: (string | null)[]): Record<string, number> {
  const out: Record<string, number> = {};
  for (const c of codes) out[String(c)] = (out[String(c)] ?? 0) + 1;
  return out;
}

describe('detectLanguage', () => {
  it.each([
    ['', null],
    ['CVE-2024-3400', null],
    ['Patch now: critical flaw', null],
    ['https://www.cert.ssi.gouv.fr/avis/CERTFR-2025-AVI-0001/ https://example.com/a/b/c/d/e/f/g', null],
    ['12345 67890 12345 67890 12345 67890 12345 67890 12345 67890', null],
  ])('too little to tell: %j', (text, expected) => {
    expect(detectLanguage(text)).toBe(expected);
  });

  it('weighs CJK characters as five letters', () => {
    expect(textWeight('abc')).toBe(3);
    expect(textWeight('安全')).toBe(10);
    expect(textWeight('12 - !')).toBe(0);
    expect(MIN_LANGUAGE_WEIGHT).toBe(50);
  });

  it('maps franc codes to ISO 639-1', () => {
    expect(toIso6391('eng')).toBe('en');
    expect(toIso6391('cmn')).toBe('zh');
    expect(toIso6391('arb')).toBe('ar');
    expect(toIso6391('ceb')).toBeNull();
    expect(toIso6391('und')).toBeNull();
  });

  it.skipIf(!corpus)('English: every summary of the real news feeds', () => {
    const texts: string[] = [];
    const feeds = ['tsummey_cyberdash/bleepingcomputer.xml', 'tsummey_cyberdash/securityweek.xml', 'tsummey_cyberdash/databreaches.xml'];
    feeds.push('tsummey_cyberdash/microsoftsecurity.xml', 'b2ngyon_ainews_fixtures/thehackernews.xml', 'b2ngyon_ainews_fixtures/krebsonsecurity.xml');
    for (const f of feeds) {
      for (const item of parseFeed(readFileSync(corpusPath('news/feeds', f)), 'https://example.com/').items) if (item.summary) texts.push(item.summary);
    }
    expect(texts.length).toBeGreaterThan(50);
    expect(tally(texts.map(detectLanguage))).toEqual({ en: texts.length });
  });

  it.skipIf(!corpus)('French: every CERT-FR advisory title + summary of 2023-2026', () => {
    const texts: string[] = [];
    for (const year of ['2023', '2024', '2025', '2026']) {
      for (const f of readdirSync(corpusPath('cert-fr/avis', year))) {
        const avis = JSON.parse(readFileSync(corpusPath('cert-fr/avis', year, f), 'utf8')) as { title: string; summary: string };
        texts.push(`${avis.title}\n\n${avis.summary}`);
      }
    }
    expect(texts.length).toBeGreaterThan(400);
    expect(tally(texts.map(detectLanguage))).toEqual({ fr: texts.length });
  });

  it.skipIf(!corpus)('Chinese: feed titles of a Chinese security feed list', () => {
    const opml = readFileSync(corpusPath('news/feedlists/zer0yu_CyberSecurityRSS/tiny.opml'), 'utf8');
    const titles = [...opml.matchAll(/title="([^"]*\p{Script=Han}[^"]*)"/gu)].map((m) => m[1]!);
    expect(titles.length).toBeGreaterThan(100);
    // One title is too short to tell ('博客', 'blog'); the long ones and all of them together are Chinese.
    expect(detectLanguage('博客')).toBeNull();
    const long = titles.filter((t) => textWeight(t) >= MIN_LANGUAGE_WEIGHT);
    expect(long.length).toBeGreaterThanOrEqual(20);
    expect(tally(long.map(detectLanguage))).toEqual({ zh: long.length });
    // The list also holds three Japanese blog names (kana), enough to tip the whole to Japanese.
    const kana = /[\p{Script=Hiragana}\p{Script=Katakana}]/u;
    expect(detectLanguage(titles.filter((t) => !kana.test(t)).join('。'))).toBe('zh');
  });
});
