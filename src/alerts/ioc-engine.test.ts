/**
 * `ioc` events on real data, on the back end under test: Unit 42's daily TA551/IcedID indicator
 * reports as intel documents, analysed by the real analyzer (iocs/analyse.ts) into the IOC store.
 * An analyst watches the indicators of one day's report, written as the report defangs them; the
 * next day's report, stored later, sights some of them again. Which alerts are due is computed
 * from the analyzer's output on both reports (not written down); delivery goes to a real SMTP
 * server on loopback.
 */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig, type VigilConfig } from '../config.ts';
import { buildDocument } from '../intel/extract/document.ts';
import type { IntelDocument } from '../intel/types.ts';
import { analyseDocuments, analysedText, type DocumentAnalysisDeps } from '../iocs/analyse.ts';
import { createLogger } from '../log.ts';
import type { Alert } from '../model/alert.ts';
import { sharedAnalyzer } from '../nlp/analyze.ts';
import type { Analyzer, Ioc } from '../nlp/types.ts';
import { corpusDir, corpusPath, hasCorpus } from '../testing/corpus.ts';
import { startSmtpServer, type TestSmtpServer } from '../testing/smtp.ts';
import { openTestStores, type TestStores } from '../testing/store.ts';
import { createChannels } from './channels/registry.ts';
import { deliverDue } from './deliver.ts';
import { evaluate } from './engine.ts';
import { headline } from './render.ts';
import { importWatchlistFile } from './watchlist-file.ts';

const log = createLogger('silent');
const report = (day: string) => corpusPath('iocs', 'pan-unit42-iocs', 'TA551', `${day}-TA551-IOCs-for-IcedID.txt`);
const WATCHED_TYPES = new Set(['ipv4', 'domain', 'sha256', 'url']);
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

function document(day: string, extra = '', fetchedAt = `${day}T12:00:00.000Z`): IntelDocument {
  const text = readFileSync(report(day), 'utf8');
  const url = `https://github.com/pan-unit42/iocs/blob/master/TA551/${day}-TA551-IOCs-for-IcedID.txt`;
  const item = {
    guid: url,
    url,
    title: `${day} TA551 IOCs for IcedID`,
    author: null,
    published: `${day}T00:00:00.000Z`,
    updated: null,
    summary: `${text}${extra}`,
    contentHtml: null,
    categories: [],
  };
  return buildDocument({ source: { name: 'unit42', tags: ['iocs'] }, url, fetchedAt, item });
}

/** The watched indicators an analyst takes from a report: every ipv4/domain/sha256/url not on a warninglist, as the report writes it. */
function watchedFrom(iocs: Ioc[]): Ioc[] {
  const seen = new Set<string>();
  return iocs.filter((i) => WATCHED_TYPES.has(i.type) && !i.warning && !seen.has(`${i.type}:${i.value}`) && seen.add(`${i.type}:${i.value}`)).slice(0, 150);
}

/** Oracle: the watched indicators a document's indicators sight (same type and value; a domain also by its subdomains, an address by URLs on it). */
function sighted(watched: Ioc[], doc: Ioc[]): Set<string> {
  const values = new Set(doc.map((i) => `${i.type}:${i.value}`));
  const domains = doc.filter((i) => i.type === 'domain').map((i) => i.value);
  const hosts = doc.filter((i) => i.type === 'url').map((i) => new URL(i.value).hostname);
  return new Set(
    watched
      .filter((w) =>
        w.type === 'domain'
          ? domains.some((d) => d === w.value || d.endsWith(`.${w.value}`))
          : values.has(`${w.type}:${w.value}`) || (w.type === 'ipv4' && hosts.includes(w.value)),
      )
      .map((w) => `ioc:${w.type}:${w.value}`),
  );
}

describe.skipIf(!hasCorpus())('ioc alerts on Unit 42 TA551 reports', () => {
  const dir = mkdtempSync(path.join(tmpdir(), 'vigil-ioc-engine-'));
  let stores: TestStores;
  let smtp: TestSmtpServer;
  let config: VigilConfig;
  let analyzer: Analyzer;
  let analysis: DocumentAnalysisDeps;
  const deps = () => ({ store: stores.store, alerts: stores.alerts, intel: stores.intel, iocs: stores.iocs, config: config.alerts, log, merge: config.ssvc });
  const iocsOf = (doc: IntelDocument) => analyzer.analyze(analysedText(doc)).iocs;
  const keysOf = (list: Alert[], doc: IntelDocument) => new Set(list.filter((a) => a.cveId === doc.id).map((a) => a.eventKey));
  const dec07 = document('2020-12-07');
  const dec08 = document('2020-12-08');
  const nov03 = document('2020-11-03');
  const nov04 = document('2020-11-04');
  let watchedDec: Ioc[];
  let watchedNov: Ioc[];

  beforeAll(async () => {
    smtp = await startSmtpServer();
    writeFileSync(
      path.join(dir, 'vigil.config.yaml'),
      `alerts:\n  channels:\n    mail: { type: email, host: 127.0.0.1, port: ${smtp.port}, from: vigil@example.org, tls: { rejectUnauthorized: false } }\n`,
    );
    config = loadConfig(path.join(dir, 'vigil.config.yaml'), { VIGIL_DATA_DIR: corpusDir });
    config.nlp.modelDir = path.join(dir, 'models');
    analyzer = await sharedAnalyzer(config);
    stores = await openTestStores();
    analysis = { analyzer: async () => analyzer, iocs: stores.iocs, tlp: 'clear', log, now: () => new Date() };
    watchedDec = watchedFrom(iocsOf(dec07));
    watchedNov = watchedFrom(iocsOf(nov03));
    const entries = (list: Ioc[]) => list.map((i) => ({ ioc: i.original }));
    const file = {
      users: [{ name: 'alice', email: 'alice@example.org' }],
      watchlists: [
        { name: 'icedid-dec', owner: { user: 'alice' }, entries: entries(watchedDec), subscriptions: [{ channel: 'mail', events: ['ioc'] }] },
        { name: 'icedid-nov', owner: { user: 'alice' }, entries: entries(watchedNov), subscriptions: [{ channel: 'mail' }] },
        { name: 'intel-only', owner: { user: 'alice' }, entries: entries(watchedNov.slice(0, 5)), subscriptions: [{ channel: 'mail', events: ['intel'] }] },
      ],
    };
    writeFileSync(path.join(dir, 'watch.yaml'), JSON.stringify(file));
    await importWatchlistFile(path.join(dir, 'watch.yaml'), stores.alerts, config.alerts);
    // Before alerting looked: the two reports the watchlists come from, analysed, and December 8 stored but not analysed yet.
    await stores.intel.saveDocuments([dec07, nov03, dec08]);
    expect(await analyseDocuments(analysis, [dec07, nov03])).toMatchObject({ analysed: 2, failed: 0 });
    await sleep(5);
    expect((await evaluate(deps())).alerts).toEqual([]);
    expect(await stores.alerts.getState('iocSightings')).toBe(String(await stores.iocs.lastSightingId()));
    await sleep(5);
  }, 120_000);

  afterAll(async () => {
    await stores?.close();
    await smtp?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('a new report: one alert per watched indicator it sights again, none for other watchlists or events', async () => {
    const expected = sighted(watchedNov, iocsOf(nov04));
    expect(expected.size).toBeGreaterThan(3);
    await stores.intel.saveDocuments([nov04]);
    expect(await analyseDocuments(analysis, [nov04])).toMatchObject({ analysed: 1 });
    const s = await evaluate(deps());
    expect(s.iocSightings).toBeGreaterThan(0);
    const nov = await stores.alerts.listAlerts({ watchlist: 'icedid-nov', limit: 500 });
    expect(keysOf(nov, nov04)).toEqual(expected);
    expect(nov.every((a) => a.event === 'ioc' && a.cveId === nov04.id)).toBe(true);
    expect(await stores.alerts.listAlerts({ watchlist: 'intel-only' })).toEqual([]);
    expect(await stores.alerts.listAlerts({ watchlist: 'icedid-dec' })).toEqual([]);
    for (const a of nov) {
      const ioc = a.explanation.event.ioc;
      expect(ioc?.sightings).toBe(2);
      expect(ioc?.firstSeen.slice(0, 10)).toBe('2020-11-03');
      expect(ioc?.sources).toEqual(['unit42']);
      expect(a.explanation.event.summary).toMatch(/ sighted again \(first seen 2020-11-03, 2 documents\) in unit42 document "2020-11-04 TA551/);
      expect(a.explanation.matches[0]).toMatchObject({ kind: 'ioc', via: 'ioc' });
      expect(headline(a, 300)).toBe(`IOC ${ioc?.watched.value} sighted (unit42): ${nov04.title}`);
      expect(a.facts.link).toBe(nov04.url);
    }
  });

  it('delivers by e-mail: the indicator, its sightings and the document', async () => {
    const d = await deliverDue({ alerts: stores.alerts, channels: createChannels(config.alerts.channels), config: config.alerts, log });
    expect(d.sent).toBeGreaterThan(0);
    const mail = smtp.messages.find((m) => m.subject.startsWith('IOC ')) as NonNullable<(typeof smtp.messages)[number]>;
    expect(mail.to).toEqual(['alice@example.org']);
    const value = mail.subject.slice('IOC '.length).split(' ')[0] as string;
    expect(mail.text).toContain(`Indicator: `);
    expect(mail.text).toContain(value);
    expect(mail.text).toMatch(/Sightings: 2 documents, first seen 2020-11-03, last seen 2020-11-04, sources: unit42/);
    expect(mail.text).toContain(nov04.url);
  });

  it('an old document analysed late is history; an edit adding a watched indicator is news', async () => {
    expect(await analyseDocuments(analysis, [dec08])).toMatchObject({ analysed: 1 });
    // December 8 sights many of December 7's indicators, but was stored before alerting looked.
    const old = sighted(watchedDec, iocsOf(dec08));
    expect(old.size).toBeGreaterThan(3);
    expect((await evaluate(deps())).alerts).toEqual([]);
    const added = watchedDec.find((w) => w.type === 'domain' && !old.has(`ioc:${w.type}:${w.value}`)) as Ioc;
    // Fetched again now, with a line added.
    const edited = document('2020-12-08', `\n\nUPDATE: also seen today: ${added.original}`, new Date().toISOString());
    expect((await stores.intel.saveDocuments([edited])).changed).toBe(1);
    await analyseDocuments(analysis, [edited]);
    const s = await evaluate(deps());
    const dec = await stores.alerts.listAlerts({ watchlist: 'icedid-dec', limit: 500 });
    expect([...keysOf(dec, dec08)]).toEqual([`ioc:domain:${added.value}`]);
    expect(s.alerts).toHaveLength(1);
    expect(dec[0]?.explanation.event.intel?.change).toBe('changed');
    expect(dec[0]?.explanation.event.ioc?.sighted.map((x) => x.original)).toContain(added.original);
  });

  it('a second pass, or the documents analysed again, makes no alert', async () => {
    expect((await evaluate(deps())).alerts).toEqual([]);
    await analyseDocuments(analysis, [nov04, await stores.intel.getDocument(dec08.id).then((d) => d as IntelDocument)]);
    expect((await evaluate(deps())).alerts).toEqual([]);
  });
});
