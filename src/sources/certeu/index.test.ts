/**
 * CERT-EU offline import on the real corpus (every advisory of the JSON Lines file, the samples
 * folder giving the same records, the record without content kept), bad records rejected by serial
 * number and field, files that are not CERT-EU refused up front; and the mapping's parsers
 * table-tested on forms found in the corpus.
 */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { gunzipSync } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { VigilError } from '../../errors.ts';
import { createLogger } from '../../log.ts';
import type { Advisory } from '../../model/advisory.ts';
import { corpusPath, hasCorpus } from '../../testing/corpus.ts';
import type { SourceEvent } from '../types.ts';
import { certeuPublishDate, certeuSource, historyRevisions, htmlToText, referenceLinks, splitFrontMatter } from './index.ts';

const log = createLogger('silent');
const tmp = mkdtempSync(path.join(os.tmpdir(), 'vigil-certeu-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));
const jsonl = () => corpusPath('cert-eu', 'certeu-security-advisories-2017-2026.DERIVED.jsonl.gz');
const samples = () => corpusPath('cert-eu', 'samples');

async function collect(paths: string[]): Promise<SourceEvent[]> {
  const events: SourceEvent[] = [];
  for await (const e of certeuSource.importFiles(paths, { log })) events.push(e);
  return events;
}
const advisoriesOf = (events: SourceEvent[]): Advisory[] => events.flatMap((e) => (e.type === 'advisories' ? e.records : []));
const rejectedOf = (events: SourceEvent[]) => events.flatMap((e) => (e.type === 'rejected' ? [e] : []));

describe.skipIf(!hasCorpus())('CERT-EU import of the real advisories', () => {
  let all: Advisory[] = [];
  beforeAll(async () => {
    const events = await collect([jsonl()]);
    expect(rejectedOf(events)).toEqual([]);
    all = advisoriesOf(events);
  }, 60_000);

  it('imports all 561 advisories with the CVEs their text names (1,418 distinct ids)', () => {
    expect(all).toHaveLength(561);
    expect(new Set(all.map((a) => a.id)).size).toBe(561);
    expect(all.every((a) => a.kind === 'bulletin' && a.source === 'certeu' && /^CERT-EU-SA\d{4}-\d{3}$/.test(a.id))).toBe(true);
    const cves = all.flatMap((a) => a.cves);
    expect(cves.every((c) => c.origin === 'text')).toBe(true);
    expect(new Set(cves.map((c) => c.id)).size).toBe(1418);
    // The en dash of 2023-025 ("CVE-2023–27350") is read; the typo "CCVE-2024-0132" of 2024-104 is no id.
    expect(all.find((a) => a.id === 'CERT-EU-SA2023-025')?.cves.map((c) => c.id)).toContain('CVE-2023-27350');
    expect(all.find((a) => a.id === 'CERT-EU-SA2024-104')?.cves.map((c) => c.id)).not.toContain('CVE-2024-0132');
    for (const a of all) expect(a.published! <= a.modified, a.id).toBe(true);
  });

  it('maps 2026-001 field by field', () => {
    const a = all.find((x) => x.id === 'CERT-EU-SA2026-001');
    expect(a).toMatchObject({
      title: 'Critical vulnerabilities in Ivanti EPMM',
      summary: expect.stringMatching(/^On 29 January 2026, Ivanti released a security advisory .* limited number of cases\.$/),
      details: expect.stringMatching(/^_History:_\n\n\* _30\/01\/2026 --- v1\.0 -- Initial publication_\n\n# Summary\n/),
      published: '2026-01-30T09:09:06.000Z',
      modified: '2026-01-30T09:09:06.000Z',
      revisions: [{ date: '2026-01-30T00:00:00.000Z', description: 'v1.0 -- Initial publication' }],
      cves: [
        { id: 'CVE-2026-1281', origin: 'text' },
        { id: 'CVE-2026-1340', origin: 'text' },
      ],
      affected: [],
      references: [
        { url: 'https://forums.ivanti.com/s/article/Security-Advisory-Ivanti-Endpoint-Manager-Mobile-EPMM-CVE-2026-1281-CVE-2026-1340?language=en_US' },
      ],
      url: 'https://cert.europa.eu/publications/security-advisories/2026-001/',
    });
  });

  it('dates a revised advisory from its history: 2017-012 first published 12 May, last changed 22 May', () => {
    const a = all.find((x) => x.id === 'CERT-EU-SA2017-012');
    expect([a?.published, a?.modified, a?.revisions?.length]).toEqual(['2017-05-12T00:00:00.000Z', '2017-05-22T13:46:00.000Z', 7]);
  });

  it('keeps 2022-068, whose content fields are null, with the CVEs of its description', () => {
    const a = all.find((x) => x.id === 'CERT-EU-SA2022-068');
    expect(a).toMatchObject({ title: 'UPDATE: New Microsoft Exchange Zero-Day Vulnerabilities', published: '2022-12-21T12:50:00.000Z', references: [] });
    expect(a?.details).toBeUndefined();
    expect(a?.cves.map((c) => c.id)).toEqual(['CVE-2022-41040', 'CVE-2022-41082', 'CVE-2022-41080']);
  });

  it('reads the samples folder (25 files) into the same records as the JSON Lines file', async () => {
    const folder = advisoriesOf(await collect([samples()]));
    expect(folder).toHaveLength(25);
    const byId = new Map(all.map((a) => [a.id, a]));
    for (const a of folder) expect(a, a.id).toEqual(byId.get(a.id));
  });
});

describe.skipIf(!hasCorpus())('CERT-EU bad input', () => {
  it('rejects bad advisories by serial number and field and keeps the rest', async () => {
    const docs = gunzipSync(readFileSync(jsonl()))
      .toString('utf8')
      .split('\n', 8)
      .map((l) => JSON.parse(l));
    docs[1].publish_date = '2017-02-09 15:39:00';
    docs[2].title = 42;
    docs[3].content_markdown = { text: 'x' };
    docs[4].publish_date = '31-02-2017 10:00:00';
    delete docs[5].serial_number;
    const file = path.join(tmp, 'bad.jsonl');
    writeFileSync(file, docs.map((d) => JSON.stringify(d)).join('\n'));
    const events = await collect([file]);
    expect(rejectedOf(events).map((r) => [r.where.record, r.where.field])).toEqual([
      ['2017-002', 'publish_date'],
      ['2017-003', 'title'],
      ['2017-004', 'content_markdown'],
      ['2017-005', 'publish_date'],
      ['line 6', 'serial_number'],
    ]);
    expect(advisoriesOf(events).map((a) => a.id)).toEqual(['CERT-EU-SA2017-001', 'CERT-EU-SA2017-007', 'CERT-EU-SA2017-008']);
  });

  it('refuses files that are not CERT-EU advisories before importing anything', async () => {
    for (const paths of [[corpusPath('cert-fr', 'avis', '2026')], [samples(), corpusPath('cisa-kev', 'known_exploited_vulnerabilities.json')]]) {
      const events: SourceEvent[] = [];
      const run = async () => {
        for await (const e of certeuSource.importFiles(paths, { log })) events.push(e);
      };
      await expect(run()).rejects.toSatisfy((e) => e instanceof VigilError && e.code === 'VIGIL_INPUT_FORMAT');
      expect(events).toEqual([]);
    }
  });
});

describe('CERT-EU field parsers', () => {
  it.each([
    ['30-01-2026 09:09:06', '2026-01-30T09:09:06.000Z'],
    ['24-01-2017 14:13', '2017-01-24T14:13:00.000Z'],
    ['31-02-2017 10:00:00', null],
    ['2017-01-24 14:13:00', null],
    ['24-01-2017 25:00:00', null],
  ])('publish_date %s → %s', (value, expected) => {
    expect(certeuPublishDate(value)).toBe(expected);
  });

  it.each([
    // 2026-001: ISO dates; 2020-005: "Month D, YYYY"; 2022-068 has no front matter.
    [
      "---    \ntitle: 'Critical vulnerabilities in Ivanti EPMM'\nnumber: '2026-001'\nversion: '1.0'\noriginal_date: '2026-01-29'\ndate: '2026-01-30'\n---\n\n_History:_",
      { number: '2026-001', date: '2026-01-30' },
      '_History:_',
    ],
    [
      "---\ntitle: 'x'\nversion: '1.1'\nnumber: '2020-005'\ndate: 'January 21, 2020'\n---\n\n# Summary",
      { number: '2020-005', date: 'January 21, 2020' },
      '# Summary',
    ],
    ['# Summary\n\ntext', {}, '# Summary\n\ntext'],
  ])('front matter %#', (markdown, front, body) => {
    const r = splitFrontMatter(markdown);
    expect(r.front).toMatchObject(front);
    expect(r.body).toBe(body);
  });

  it('history lines in both separators (" -- " and ": ") and one-digit days', () => {
    const body =
      '_History:_\n\n* _28/06/2017 --- v1.0: Initial publication_\n* _29/06/2017 --- v1.1: Some corrections_\n* _5/07/2017 --- v1.2 -- Update_\n\n# Summary';
    expect(historyRevisions(body)).toEqual([
      { date: '2017-06-28T00:00:00.000Z', description: 'v1.0: Initial publication' },
      { date: '2017-06-29T00:00:00.000Z', description: 'v1.1: Some corrections' },
      { date: '2017-07-05T00:00:00.000Z', description: 'v1.2 -- Update' },
    ]);
  });

  it('references with and without a label, tabs, and nothing outside the References section', () => {
    const body =
      '# Summary\n\n[9] <https://not.a/reference>\n\n# References\n\n[1] <https://a.example/1>\n[2] Cisco --- <https://b.example/2>\n[3]\t<https://c.example/3>\n[4] CVE-2017-0199 <https://d.example/4>';
    expect(referenceLinks(body)).toEqual([
      { url: 'https://a.example/1' },
      { url: 'https://b.example/2', title: 'Cisco' },
      { url: 'https://c.example/3' },
      { url: 'https://d.example/4', title: 'CVE-2017-0199' },
    ]);
  });

  it('description HTML to text', () => {
    expect(htmlToText('On 29 January 2026, Ivanti <b>released</b> an &amp; advisory.<br>\nSecond line &#8211; <i>x</i>&lt;y&gt;<br>\n')).toBe(
      'On 29 January 2026, Ivanti released an & advisory.\n\nSecond line – x<y>',
    );
  });

  it('reads an entity beyond Unicode as U+FFFD instead of throwing (one bad advisory must not stop a sync)', () => {
    expect(htmlToText('a &#9999999999; b &#x110000; c &#x1F600;')).toBe('a \ufffd b \ufffd c \u{1F600}');
  });
});
