/**
 * `intel` events on real data: documents built from the corpus feeds (BleepingComputer before the
 * baseline; CISA advisories and the Microsoft Security blog after it) and matched by keyword,
 * vendor, CVE and CPE (through a stored CVE record) entries. The expected documents are computed
 * from the feed text, not written down.
 */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig, type VigilConfig } from '../config.ts';
import { buildDocument } from '../intel/extract/document.ts';
import { type FeedItem, parseFeed } from '../intel/feeds/parse.ts';
import type { IntelDocument } from '../intel/types.ts';
import { createLogger } from '../log.ts';
import type { Alert } from '../model/alert.ts';
import { importFiles } from '../pipeline.ts';
import { findSource } from '../sources/registry.ts';
import { corpusPath, hasCorpus } from '../testing/corpus.ts';
import { openTestStores, type TestStores } from '../testing/store.ts';
import { emailContent } from './channels/email/index.ts';
import { discordPayload } from './channels/discord/index.ts';
import { slackPayload } from './channels/slack/index.ts';
import { teamsPayload } from './channels/teams/index.ts';
import { telegramText } from './channels/telegram/index.ts';
import { webhookBody } from './channels/webhook/index.ts';
import { baseline, evaluate } from './engine.ts';
import { INTEL_CVE_LIMIT } from './intel-engine.ts';
import { alertText, headline } from './render.ts';
import { importWatchlistFile } from './watchlist-file.ts';

const log = createLogger();
const FETCHED = '2026-08-01T10:00:00.000Z';
/** Stored CVE records (CVSS 9.3 and 10), both named by CISA's Medusa advisory. */
const RECORDS = ['CVE-2023-48788', 'CVE-2024-1709'];

function feed(file: string, source: string): { item: FeedItem; doc: IntelDocument }[] {
  const items = parseFeed(readFileSync(corpusPath('news', 'feeds', ...file.split('/'))), 'https://feeds.example.org/').items;
  return items
    .filter((i) => i.url)
    .map((item) => ({ item, doc: buildDocument({ source: { name: source, tags: ['news'] }, url: item.url as string, fetchedAt: FETCHED, item }) }));
}

/** Whether a word occurs on word boundaries in the title or text (an oracle independent of the matcher). */
function names(doc: IntelDocument, word: string): boolean {
  return new RegExp(`(?<![\\p{L}\\p{N}_])${word}(?![\\p{L}\\p{N}_])`, 'iu').test(`${doc.title}\n${doc.text}`);
}

describe.skipIf(!hasCorpus())('intel alerts on the corpus news feeds', () => {
  const dir = mkdtempSync(path.join(tmpdir(), 'vigil-intel-engine-'));
  let stores: TestStores;
  let config: VigilConfig;
  const deps = () => ({ store: stores.store, alerts: stores.alerts, intel: stores.intel, config: config.alerts, log, merge: config.ssvc });
  const before = feed('tsummey_cyberdash/bleepingcomputer.xml', 'bleepingcomputer');
  const after = [...feed('tsummey_cyberdash/cybersecurity-advisories.xml', 'cisa'), ...feed('tsummey_cyberdash/microsoftsecurity.xml', 'microsoft')].map(
    (x) => x.doc,
  );
  const ids = (docs: IntelDocument[]) => docs.map((d) => d.id).sort();
  const alertsOf = async (watchlist: string) => (await stores.alerts.listAlerts({ watchlist, limit: 500 })).filter((a) => a.event === 'intel');
  const docOf = (a: Alert) => a.explanation.event.intel?.id as string;

  beforeAll(async () => {
    writeFileSync(
      path.join(dir, 'vigil.config.yaml'),
      `alerts:
  channels:
    mail: { type: email, host: 127.0.0.1, port: 2525, from: vigil@example.org }
    hook: { type: webhook, url: "http://127.0.0.1:59999/hook", secret: "0123456789abcdef0123" }
`,
    );
    config = loadConfig(path.join(dir, 'vigil.config.yaml'), {});
    stores = await openTestStores();
    writeFileSync(
      path.join(dir, 'watch.yaml'),
      `users:
  - { name: alice, email: alice@example.org }
watchlists:
  - name: ransomware
    owner: { user: alice }
    entries: [{ keyword: ransomware }]
    subscriptions: [{ channel: hook, events: [intel] }]
  - name: ransomware-severe
    owner: { user: alice }
    entries: [{ keyword: ransomware, minCvss: 9 }]
    subscriptions: [{ channel: hook, events: [intel] }]
  - name: sharepoint
    owner: { user: alice }
    entries: [{ cve: CVE-2025-53770 }]
    subscriptions: [{ channel: hook, events: [intel] }, { channel: mail, events: [new, kev_added] }]
  - name: ivanti
    owner: { user: alice }
    entries: [{ vendor: Ivanti }]
    subscriptions: [{ channel: mail }]
  - name: fortinet
    owner: { user: alice }
    entries: [{ cpe: "cpe:2.3:a:fortinet:forticlientems:*:*:*:*:*:*:*:*" }]
    subscriptions: [{ channel: hook, events: [intel] }]
`,
    );
    await importWatchlistFile(path.join(dir, 'watch.yaml'), stores.alerts, config.alerts);
    for (const id of RECORDS) {
      const [, year, n] = id.split('-') as [string, string, string];
      const s = await importFiles(findSource('cve5').source, [corpusPath('cve5', 'records', year, `${n.slice(0, -3)}xxx`, `${id}.json`)], {
        store: stores.writer,
        log,
      });
      expect(s.error ?? null).toBeNull();
    }
    // Collected before alerting looked: history, not news.
    expect((await stores.intel.saveDocuments(before.map((x) => x.doc))).created).toBe(before.length);
    expect((await evaluate(deps())).alerts).toEqual([]);
    expect(await stores.alerts.getState('intelChanges')).toBe(String(await stores.intel.lastIntelChangeId()));
    expect((await stores.intel.saveDocuments(after)).created).toBe(after.length);
  }, 60_000);

  afterAll(async () => {
    await stores?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('a keyword: one alert per document whose title or text has the word, none for documents before the baseline', async () => {
    const s = await evaluate(deps());
    expect(s.intelChanges).toBe(after.length);
    const expected = after.filter((d) => names(d, 'ransomware'));
    expect(expected.length).toBeGreaterThan(2);
    expect(before.some((x) => names(x.doc, 'ransomware'))).toBe(true); // they exist, and stay quiet
    const list = await alertsOf('ransomware');
    expect(list.map(docOf).sort()).toEqual(ids(expected));
    for (const a of list) {
      expect([a.cveId, a.eventKey]).toEqual([docOf(a), `intel:${docOf(a)}`]);
      expect(a.explanation.matches[0]).toMatchObject({ kind: 'keyword', via: 'intel' });
      expect(a.explanation.matches[0]?.matched.toLowerCase()).toContain('ransomware');
    }
  });

  it('thresholds: a keyword with minCvss alerts only documents naming a stored CVE that meets it', async () => {
    const expected = after.filter((d) => names(d, 'ransomware') && d.cves.slice(0, INTEL_CVE_LIMIT).some((c) => RECORDS.includes(c)));
    expect(expected.map((d) => d.title)).toEqual(['#StopRansomware: Medusa Ransomware']);
    const list = await alertsOf('ransomware-severe');
    expect(list.map(docOf)).toEqual(ids(expected));
    expect(list[0]?.explanation.thresholds).toEqual([{ name: 'minCvss', required: 9, actual: 10, passed: true }]);
    expect(list[0]?.facts.severity).toBe('CRITICAL');
  });

  it('a CVE entry: the document naming it, with the CVE as the subject; a subscription without intel hears nothing', async () => {
    const expected = after.filter((d) => d.cves.includes('CVE-2025-53770'));
    expect(expected.map((d) => d.source)).toEqual(['microsoft']);
    const list = await stores.alerts.listAlerts({ watchlist: 'sharepoint' });
    expect(list.map((a) => [a.channel, a.event, a.cveId, a.eventKey])).toEqual([['hook', 'intel', 'CVE-2025-53770', `intel:${expected[0]?.id}`]]);
    const a = list[0] as Alert;
    expect(a.explanation.matches.map((m) => [m.kind, m.via, m.matched])).toEqual([['cve', 'cve-id', 'CVE-2025-53770']]);
    expect(headline(a, 300)).toBe(`UNSCORED CVE-2025-53770 in the news (microsoft): ${expected[0]?.title}`);
  });

  it('a vendor entry with the default events: the documents naming the vendor, rendered with title, source, link and words', async () => {
    const expected = after.filter((d) => names(d, 'ivanti'));
    expect(expected.length).toBeGreaterThan(0);
    const list = await alertsOf('ivanti');
    expect(list.map(docOf).sort()).toEqual(ids(expected));
    const a = list.find((x) => x.explanation.event.intel?.title.includes('Ivanti Cloud Service')) as Alert;
    const doc = after.find((d) => d.id === docOf(a)) as IntelDocument;
    expect(a.facts.link).toBe(doc.url);
    // None of the CVEs it names is stored: no scores, no severity.
    expect(headline(a, 300)).toBe(`In the news (cisa): ${doc.title}`);
    const text = alertText(a);
    expect(text).toContain(`Document: ${doc.title}`);
    expect(text).toContain('Source: cisa');
    expect(text).toContain(`CVEs (${doc.cves.length}): ${doc.cves.join(', ')}`);
    expect(text).toContain(`Link: ${doc.url}`);
    expect(text).toMatch(/Matched vendor entry "vendor Ivanti" on the document's title or text: (title|text) = ".*Ivanti/);
    expect(text).not.toContain('EPSS');
    const mail = emailContent({ alerts: [a] });
    expect(mail.subject).toContain(doc.title.slice(0, 40));
    expect(mail.html).toContain(`<a href="${doc.url}">`);
    expect(mail.text).toContain(doc.url);
    // Every channel says which document and links it (each escapes in its own markup).
    const word = doc.title.split(' ').find((w) => /^[A-Za-z]{6,}$/.test(w)) as string;
    for (const [channel, body] of [
      ['slack', JSON.stringify(slackPayload({ alerts: [a] }))],
      ['discord', JSON.stringify(discordPayload({ alerts: [a] }))],
      ['teams', JSON.stringify(teamsPayload({ alerts: [a] }))],
      ['telegram', telegramText({ alerts: [a] })],
      ['webhook', JSON.stringify(webhookBody({ alerts: [a] }))],
    ] as const) {
      expect(body, channel).toContain(doc.url);
      expect(body, channel).toContain(word);
    }
  });

  it('a CPE entry matches through the stored record of a CVE the document names: that CVE is the subject', async () => {
    const expected = after.filter((d) => d.cves.slice(0, INTEL_CVE_LIMIT).includes('CVE-2023-48788'));
    const list = await alertsOf('fortinet');
    expect(list.map(docOf)).toEqual(ids(expected));
    const a = list[0] as Alert;
    expect(a.cveId).toBe('CVE-2023-48788');
    expect(a.explanation.matches[0]).toMatchObject({ kind: 'cpe', via: 'intel-cve' });
    expect(a.explanation.matches[0]).toMatchObject({ field: 'CVE-2023-48788 affected[0].product', matched: 'FortiClientEMS' });
    expect(a.facts.link).toBe(expected[0]?.url);
    expect(headline(a, 300)).toBe(`CRITICAL CVE-2023-48788 in the news (cisa): ${expected[0]?.title}`);
  });

  it('a second pass, or the same documents saved again, makes no alert', async () => {
    expect((await evaluate(deps())).alerts).toEqual([]);
    expect((await stores.intel.saveDocuments(after)).unchanged).toBe(after.length);
    expect((await evaluate(deps())).alerts).toEqual([]);
  });

  it('an edit that adds the word alerts once; an edit of a document already alerted does not', async () => {
    const quiet = before.find((x) => !names(x.doc, 'ransomware')) as { item: FeedItem; doc: IntelDocument };
    const line = 'The intrusion ended with ransomware deployed on the file servers.';
    const edited = buildDocument({
      source: { name: 'bleepingcomputer', tags: ['news'] },
      url: quiet.doc.url,
      fetchedAt: FETCHED,
      item: { ...quiet.item, summary: `${quiet.item.summary} ${line}`, contentHtml: null },
    });
    expect(edited.id).toBe(quiet.doc.id);
    const alerted = after.find((d) => names(d, 'ransomware')) as IntelDocument;
    const again = { ...alerted, text: `${alerted.text}\n\nUpdated with new indicators.`, contentHash: 'f'.repeat(64) };
    expect((await stores.intel.saveDocuments([edited, again])).changed).toBe(2);
    const s = await evaluate(deps());
    expect(s.alerts).toHaveLength(1);
    const a = (await stores.alerts.getAlert(s.alerts[0] as number)) as Alert;
    expect([a.watchlist, a.cveId]).toEqual(['ransomware', quiet.doc.id]);
    expect(a.explanation.event.intel?.change).toBe('changed');
    expect(a.explanation.event.summary).toMatch(/^edited bleepingcomputer document/);
  });

  it('the intel history reads by id in pages, oldest first, to the last id', async () => {
    const all: number[] = [];
    for (let cursor = 0; ; ) {
      const page = await stores.intel.intelChangesSince(cursor, 7);
      if (!page.length) break;
      expect(page.length).toBeLessThanOrEqual(7);
      all.push(...page.map((c) => c.id));
      cursor = page.at(-1)?.id as number;
    }
    // Created rows for every document, and the two edits.
    expect(all).toHaveLength(before.length + after.length + 2);
    expect(all).toEqual([...all].sort((x, y) => x - y));
    expect(all.at(-1)).toBe(await stores.intel.lastIntelChangeId());
    const [first] = await stores.intel.intelChangesSince(0, 1);
    expect(first).toMatchObject({ documentId: before[0]?.doc.id, kind: 'created', previousHash: null, title: before[0]?.doc.title });
  });

  it('baseline marks the intel history as seen', async () => {
    const b = await baseline(stores.alerts, stores.intel);
    expect(b.intelChanges).toBe(await stores.intel.lastIntelChangeId());
    expect(await stores.alerts.getState('intelChanges')).toBe(String(b.intelChanges));
  });
});
