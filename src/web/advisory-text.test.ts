/**
 * The dashboard's advisory helpers (web/src/advisory/), pure functions: the Markdown reader that
 * turns upstream text into a tree rendered as text (never HTML), and the wording of OSV ranges.
 * One row per form; the real documents' shapes (CERT-EU front matter and `_History:_`, GHSA
 * fenced code, CERT-FR `## Solutions`) come from the corpus files' text.
 */
import { readFileSync } from 'node:fs';
import { gunzipSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { rangeIntervals } from '../../web/src/advisory/affected.ts';
import { type Block, type Inline, parseBlocks, parseInline } from '../../web/src/advisory/markdown.ts';
import { safeUrl } from '../../web/src/advisory/url.ts';
import type { AdvisoryRange } from '../../web/src/types-advisories.ts';
import { corpusPath, hasCorpus } from '../testing/corpus.ts';

describe('parseInline', () => {
  const rows: [string, Inline[]][] = [
    ['plain text', [{ t: 'text', v: 'plain text' }]],
    [
      'use `a<b>` here',
      [
        { t: 'text', v: 'use ' },
        { t: 'code', v: 'a<b>' },
        { t: 'text', v: ' here' },
      ],
    ],
    [
      '**CVE-2026-1281** is',
      [
        { t: 'strong', v: 'CVE-2026-1281' },
        { t: 'text', v: ' is' },
      ],
    ],
    ['_History:_', [{ t: 'em', v: 'History:' }]],
    ['a snake_case_name stays', [{ t: 'text', v: 'a snake_case_name stays' }]],
    ['2 * 3 * 4', [{ t: 'text', v: '2 * 3 * 4' }]],
    [
      'see [the fix](https://example.org/fix "title").',
      [
        { t: 'text', v: 'see ' },
        { t: 'link', v: 'the fix', url: 'https://example.org/fix' },
        { t: 'text', v: '.' },
      ],
    ],
    ['<https://example.org/a>', [{ t: 'link', v: 'https://example.org/a', url: 'https://example.org/a' }]],
    [
      'at https://example.org/a/b.',
      [
        { t: 'text', v: 'at ' },
        { t: 'link', v: 'https://example.org/a/b', url: 'https://example.org/a/b' },
        { t: 'text', v: '.' },
      ],
    ],
    [
      'fixes cve-2022-22965, too',
      [
        { t: 'text', v: 'fixes ' },
        { t: 'cve', v: 'CVE-2022-22965' },
        { t: 'text', v: ', too' },
      ],
    ],
    ['<img src=x onerror=alert(1)>', [{ t: 'text', v: '<img src=x onerror=alert(1)>' }]],
    [
      '[x](javascript:alert(1))',
      [
        { t: 'link', v: 'x', url: 'javascript:alert(1' },
        { t: 'text', v: ')' },
      ],
    ],
  ];
  it.each(rows)('%s', (text, expected) => {
    expect(parseInline(text)).toEqual(expected);
  });
});

describe('parseBlocks', () => {
  const rows: [string, string, Block['t'][]][] = [
    ['front matter is left out', "---\ntitle: 'x'\n---\n\n# Summary\n\nText.", ['heading', 'para']],
    ['paragraphs keep their line breaks', 'one\ntwo\n\nthree', ['para', 'para']],
    ['bullet and ordered lists', '* a\n* b\n\n1. c\n2. d', ['list', 'list']],
    ['a fenced block keeps Markdown as code', '```go\n# not a heading\n```\nafter', ['code', 'para']],
    ['indented code', '    $ curl x\n    $ y\n\ntext', ['code', 'para']],
    ['a quote', '> quoted\n> more', ['quote']],
    ['a pipe table', '| a | b |\n|---|---|\n| 1 | 2 |\n| 3 | 4 |', ['table']],
    ['a rule between paragraphs', 'a\n\n---\n\nb', ['para', 'para']],
  ];
  it.each(rows)('%s', (_name, text, kinds) => {
    expect(parseBlocks(text).map((b) => b.t)).toEqual(kinds);
  });

  it('reads list items with their continuation lines, and table cells', () => {
    expect(parseBlocks('- first\n  goes on\n- second')).toEqual([
      { t: 'list', ordered: false, items: [[{ t: 'text', v: 'first\ngoes on' }], [{ t: 'text', v: 'second' }]] },
    ]);
    const [table] = parseBlocks('| id | fixed |\n| :-- | --: |\n| `x` | 1.2 |');
    expect(table).toEqual({
      t: 'table',
      head: [[{ t: 'text', v: 'id' }], [{ t: 'text', v: 'fixed' }]],
      rows: [[[{ t: 'code', v: 'x' }], [{ t: 'text', v: '1.2' }]]],
    });
  });

  it.skipIf(!hasCorpus())('reads a real CERT-EU advisory: front matter out, history list, headings', () => {
    const lines = gunzipSync(readFileSync(corpusPath('cert-eu', 'certeu-security-advisories-2017-2026.DERIVED.jsonl.gz')))
      .toString('utf8')
      .trim()
      .split('\n');
    const doc = JSON.parse(lines.at(-1)!) as { content_markdown: string };
    const blocks = parseBlocks(doc.content_markdown);
    expect(blocks[0]).toEqual({ t: 'para', text: [{ t: 'em', v: 'History:' }] });
    expect(blocks[1]?.t).toBe('list');
    const headings = blocks.filter((b) => b.t === 'heading').map((b) => (b.t === 'heading' ? b.text.map((r) => r.v).join('') : ''));
    expect(headings.slice(0, 3)).toEqual(['Summary', 'Technical Details', 'Affected Products']);
    expect(JSON.stringify(blocks)).toContain('{"t":"strong","v":"CVE-2026-1281"}');
  });

  it.skipIf(!hasCorpus())('reads the GHSA details of Spring4Shell without losing text', () => {
    const file = corpusPath('ghsa', 'advisories', 'github-reviewed', '2022', '03', 'GHSA-36p3-wjmg-h94x', 'GHSA-36p3-wjmg-h94x.json');
    const { details } = JSON.parse(readFileSync(file, 'utf8')) as { details: string };
    const blocks = parseBlocks(details);
    expect(blocks.length).toBeGreaterThan(3);
    const words = (s: string) =>
      s
        .replace(/[`*_#>|\-[\]()]/g, ' ')
        .split(/\s+/)
        .filter((w) => /^[A-Za-z]{4,}$/.test(w));
    const rendered = JSON.stringify(blocks);
    for (const w of words(details)) expect(rendered, w).toContain(w);
  });
});

describe('safeUrl', () => {
  const rows: [string, string | null][] = [
    ['https://www.cert.ssi.gouv.fr/avis/CERTFR-2026-AVI-0196/', 'https://www.cert.ssi.gouv.fr/avis/CERTFR-2026-AVI-0196/'],
    ['http://example.org', 'http://example.org/'],
    ['javascript:alert(1)', null],
    [' JavaScript:alert(1)', null],
    ['data:text/html,<script>alert(1)</script>', null],
    ['/relative/path', null],
    ['', null],
  ];
  it.each(rows)('%s', (url, expected) => {
    expect(safeUrl(url)).toBe(expected);
  });
});

describe('rangeIntervals', () => {
  const r = (events: AdvisoryRange['events'], type: AdvisoryRange['type'] = 'ECOSYSTEM'): AdvisoryRange => ({ type, events });
  const rows: [string, AdvisoryRange, string[]][] = [
    ['from the first version to a fix', r([{ introduced: '0' }, { fixed: '5.2.20' }]), ['< 5.2.20']],
    ['one bounded interval', r([{ introduced: '5.3.0' }, { fixed: '5.3.18' }]), ['≥ 5.3.0, < 5.3.18']],
    ['two intervals', r([{ introduced: '0' }, { fixed: '1.2' }, { introduced: '2.0' }, { fixed: '2.3' }]), ['< 1.2', '≥ 2.0, < 2.3']],
    ['last affected (included)', r([{ introduced: '1.0' }, { last_affected: '1.4' }]), ['≥ 1.0, ≤ 1.4']],
    ['no fix yet', r([{ introduced: '3.1' }]), ['≥ 3.1']],
    ['every version', r([{ introduced: '0' }]), ['all versions']],
    ['a limit', r([{ introduced: '1.0' }, { limit: '2.0' }]), ['≥ 1.0, < 2.0 (limit)']],
    ['git commits shortened', r([{ introduced: 'a'.repeat(40) }, { fixed: 'b'.repeat(40) }], 'GIT'), [`≥ ${'a'.repeat(12)}, < ${'b'.repeat(12)}`]],
  ];
  it.each(rows)('%s', (_name, range, expected) => {
    expect(rangeIntervals(range)).toEqual(expected);
  });
});
