import { readFileSync } from 'node:fs';
import { parseHTML } from 'linkedom';
import { describe, expect, it } from 'vitest';
import { corpusPath, hasCorpus } from '../../testing/corpus.ts';
import { parseFeed } from '../feeds/parse.ts';
import { fragmentText, nodeText, type TextSourceNode } from './text.ts';

function viaDom(html: string): string {
  const { document } = parseHTML(`<html><body>${html}</body></html>`);
  return nodeText([document.body as unknown as TextSourceNode]);
}

// biome-ignore format: a table
const CASES: [string, string, string][] = [
  ['paragraphs', '<p>one&nbsp;<b>two</b></p><p>three</p>', 'one two\n\nthree'],
  ['inline tags join words', '<p>Ivanti <a href="/x">Connect</a><em> Secure</em></p>', 'Ivanti Connect Secure'],
  ['whitespace collapsed', '<p>  a \n\t b  </p>\n\n<p>\nc\n</p>', 'a b\n\nc'],
  ['br breaks', 'line one<br>line two<br/>line three', 'line one\n\nline two\n\nline three'],
  ['list items', '<ul><li>first</li><li>second</li></ul>', 'first\n\nsecond'],
  ['headings', '<h2>Mitigation</h2><p>Patch.</p>', 'Mitigation\n\nPatch.'],
  ['table cells stay on their row', '<table><tr><td>CVE-2025-1</td><td>9.8</td></tr><tr><td>CVE-2025-2</td><td>7.5</td></tr></table>', 'CVE-2025-1 9.8\n\nCVE-2025-2 7.5'],
  ['scripts, styles, nav, forms dropped', '<p>keep</p><script>var x = "<p>no</p>";</script><style>p{}</style><nav>menu</nav><form>f</form><noscript>n</noscript>', 'keep'],
  ['comments dropped', '<p>a<!-- hidden --> b</p>', 'a b'],
  ['entities decoded once', '<p>&amp;lt;b&amp;gt; &#8217; &quot;</p>', '&lt;b&gt; ’ "'],
  ['empty blocks leave nothing', '<div><p> </p><div></div></div><p>x</p>', 'x'],
  ['nested blocks', '<div>before<div>inner</div>after</div>', 'before\n\ninner\n\nafter'],
  ['empty', '', ''],
];

describe('fragmentText and nodeText agree', () => {
  it.each(CASES)('%s', (_name, html, expected) => {
    expect(fragmentText(html)).toBe(expected);
    expect(viaDom(html)).toBe(expected);
  });

  it.each([
    ['unclosed tags', '<p x<b y'],
    ['unclosed scripts', '<p>x</p><script>'],
    ['unclosed comments', '<p>x</p><!--'],
    ['unclosed CDATA', '<p>x</p><![CDATA['],
  ])('reads a megabyte of %s in linear time', (_name, unit) => {
    const html = unit.repeat(Math.ceil(1_000_000 / unit.length));
    const started = performance.now();
    fragmentText(html);
    // Quadratic scanning took ~1 s for 64 KB, so minutes for this; linear takes milliseconds.
    expect(performance.now() - started).toBeLessThan(3000);
  });

  it('an unclosed skipped element runs to the end, as in a browser', () => {
    expect(fragmentText('<p>kept</p><script>var a = 1; <p>not text</p>')).toBe('kept');
    expect(fragmentText('<p>kept</p><!-- <p>hidden</p>')).toBe('kept');
    expect(fragmentText('<p>a <![CDATA[b < c]]> d</p>')).toBe('a b < c d');
  });

  it.skipIf(!hasCorpus())('on every real content:encoded body of the news feeds', () => {
    const items = ['tsummey_cyberdash/microsoftsecurity.xml', 'b2ngyon_ainews_fixtures/krebsonsecurity.xml'].flatMap(
      (f) => parseFeed(readFileSync(corpusPath('news/feeds', f)), 'https://example.com/').items,
    );
    const bodies = items.map((i) => i.contentHtml).filter((h): h is string => h !== null);
    expect(bodies.length).toBe(15);
    for (const html of bodies) {
      const text = fragmentText(html);
      expect(text.length).toBeGreaterThan(100);
      expect(text).not.toMatch(/<\/?[a-z]+[\s>]|&[a-z]+;|&#\d+;/i);
      expect(text).toBe(viaDom(html));
    }
  });
});
