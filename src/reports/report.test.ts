/**
 * The subscribers' report on a store filled with a real corpus slice (NVD's "recent" feed: 1,182
 * CVEs published 2025-05-11 … 05-19, and the KEV catalog), on the back end of the pass: the data
 * against independent store queries, the HTML e-mail (critical CVEs listed, SVG charts that parse
 * as XML, data escaped), and delivery through the alert machinery to a real SMTP server and a
 * Slack-compatible receiver on loopback: one report per subscription and period, however many
 * times the due-check runs.
 */
import { XMLParser, XMLValidator } from 'fast-xml-parser';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createChannels } from '../alerts/channels/registry.ts';
import type { Channel } from '../alerts/channels/types.ts';
import { deliverDue } from '../alerts/deliver.ts';
import { type AlertsConfig, AlertsConfigFile } from '../config.ts';
import { createLogger } from '../log.ts';
import type { RankedVulnerability } from '../model/record.ts';
import { importFiles } from '../pipeline.ts';
import { findSource } from '../sources/registry.ts';
import { MAX_LIMIT } from '../store/query.ts';
import { corpusPath, hasCorpus } from '../testing/corpus.ts';
import { type Receiver, startReceiver } from '../testing/receiver.ts';
import { startSmtpServer, type TestSmtpServer } from '../testing/smtp.ts';
import { openTestStores, type TestStores } from '../testing/store.ts';
import { buildReport } from './build.ts';
import { queueDueReports } from './due.ts';
import { reportEmail } from './html.ts';
import { reportText } from './text.ts';
import type { ReportData } from './types.ts';

const log = createLogger('silent');
/** Sunday: the weekly report (weekday 0) and the daily one are both due at 08:00 UTC. */
const NOW = '2025-05-18T09:00:00.000Z';
const WEEK = { start: '2025-05-11', end: '2025-05-18', last: '2025-05-17' };

/** Every `<svg>…</svg>` of an HTML text. */
function svgs(html: string): string[] {
  return html.match(/<svg[\s\S]*?<\/svg>/g) ?? [];
}

/** Independently of the builder: non-rejected CVEs published in [start, end), from the ranked list by priority. */
async function publishedIn(stores: TestStores, start: string, end: string): Promise<RankedVulnerability[]> {
  const rows = await stores.store.rank({ since: start, limit: MAX_LIMIT });
  return rows.filter((r) => r.published !== null && r.published < `${end}T00:00:00.000Z`);
}

describe.skipIf(!hasCorpus())('subscribers report on a corpus slice', () => {
  let stores: TestStores;
  let report: ReportData;

  beforeAll(async () => {
    stores = await openTestStores();
    for (const [source, paths] of [
      ['nvd', [corpusPath('nvd', 'nvdcve-1.1-recent.json.gz')]],
      ['kev', [corpusPath('cisa-kev', 'known_exploited_vulnerabilities.json')]],
    ] as const) {
      const s = await importFiles(findSource(source).source, [...paths], { store: stores.store, log });
      if (s.error) throw new Error(`${source}: ${s.error}`);
    }
    report = await buildReport(stores, { scope: { kind: 'all' }, period: 'week', date: WEEK.last, now: new Date(NOW) });
  }, 120_000);
  afterAll(async () => stores?.close());

  it('counts the CVEs the store says are new in the week, per day and severity', async () => {
    const independent = await publishedIn(stores, WEEK.start, WEEK.end);
    expect(independent.length).toBeGreaterThan(500);
    expect(report.totals.newCves).toBe(independent.length);
    expect(report.days.map((d) => d.date)).toEqual(['2025-05-11', '2025-05-12', '2025-05-13', '2025-05-14', '2025-05-15', '2025-05-16', '2025-05-17']);
    for (const d of report.days) {
      const those = independent.filter((r) => r.published?.startsWith(d.date));
      expect(
        Object.values(d.counts).reduce((a, b) => a + b, 0),
        d.date,
      ).toBe(those.length);
      expect(d.counts.CRITICAL, d.date).toBe(those.filter((r) => r.severity === 'CRITICAL').length);
    }
  });

  it('lists the highest-priority new critical CVEs, and the HTML shows each', async () => {
    const critical = (await publishedIn(stores, WEEK.start, WEEK.end)).filter((r) => r.severity === 'CRITICAL');
    expect(critical.length).toBeGreaterThan(10);
    expect(report.totals.critical).toBe(critical.length);
    expect(report.critical).toHaveLength(10);
    const listed = new Set(report.critical.map((c) => c.cveId));
    const ids = new Set(critical.map((c) => c.id));
    for (const c of report.critical) expect(ids.has(c.cveId), c.cveId).toBe(true);
    // The rank's order is by priority: none left out ranks above one listed.
    const lowest = Math.min(...report.critical.map((c) => c.priority));
    for (const r of critical) if (!listed.has(r.id)) expect(r.priority, r.id).toBeLessThanOrEqual(lowest);
    const { html, text } = reportEmail(report);
    for (const c of report.critical) {
      expect(html, c.cveId).toContain(`>${c.cveId}</a>`);
      expect(text, c.cveId).toContain(c.cveId);
    }
    expect(html).toContain(`New critical CVEs (${critical.length})`);
  });

  it('renders valid SVG charts, inline and as attachments', () => {
    const email = reportEmail(report);
    const inline = svgs(email.html);
    expect(inline.length).toBeGreaterThanOrEqual(1);
    expect(inline.length).toBe(email.attachments.length);
    for (const svg of [...inline, ...email.attachments.map((a) => a.content)]) {
      expect(XMLValidator.validate(svg)).toBe(true);
      const doc = new XMLParser({ ignoreAttributes: false }).parse(svg) as { svg: Record<string, string> };
      expect(doc.svg['@_xmlns']).toBe('http://www.w3.org/2000/svg');
      expect(doc.svg['@_role']).toBe('img');
    }
    // The stacked bars: one series per severity present, each a <path> per day with CVEs.
    expect(email.attachments[0]?.filename).toBe('new-cves.svg');
    expect(email.attachments[0]?.content).toContain('CRITICAL');
  });

  it('escapes everything from the data', () => {
    const evil = '<script>alert("x")</script> & <img src=x onerror=alert(1)>';
    const tampered: ReportData = {
      ...report,
      scope: 'watchlist:<b>edge</b>',
      critical: report.critical.map((c, i) => (i === 0 ? { ...c, title: evil } : c)),
      intel: [{ id: 'intel-0', source: 'x"y', title: evil, url: 'https://example.org/?a=1&b="2"', date: '2025-05-12T00:00:00Z', cves: [], clusterSize: 1 }],
    };
    const { html, subject } = reportEmail(tampered);
    expect(html).not.toMatch(/<script|<img|<b>edge/);
    expect(html).toContain('&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt; &amp; &lt;img src=x onerror=alert(1)&gt;');
    expect(html).toContain('href="https://example.org/?a=1&amp;b=&quot;2&quot;"');
    expect(subject).toContain('watchlist:<b>edge</b>'); // a header, not HTML: nodemailer encodes it
    for (const svg of svgs(html)) expect(XMLValidator.validate(svg)).toBe(true);
  });

  it('says which parts it could not build, and still renders', () => {
    for (const g of report.gaps) expect(reportText(report)).toContain(`Not available: ${g.section}`);
  });

  describe('delivery', () => {
    let smtp: TestSmtpServer;
    let rx: Receiver;
    let channels: Map<string, Channel>;
    let config: AlertsConfig;

    beforeAll(async () => {
      smtp = await startSmtpServer();
      rx = await startReceiver();
      const settings = {
        mail: { type: 'email', host: '127.0.0.1', port: smtp.port, from: 'vigil@example.org', tls: { rejectUnauthorized: false } },
        chat: { type: 'slack', url: `${rx.baseUrl}/slack/services/T0000/B0000/XXXXXXXXXXXXXXXXXXXXXXXX` },
        disc: { type: 'discord', url: `${rx.baseUrl}/discord/api/webhooks/123456789012345678/SECRETTOKENabcdef` },
      };
      channels = createChannels(settings);
      config = { ...AlertsConfigFile.parse({ digest: { at: '08:00', weekday: 0 } }), channels: settings as never };
      const { alerts } = stores;
      await alerts.upsertUser({ name: 'ana', email: 'ana@example.org', handles: {} });
      await alerts.upsertWatchlist({ name: 'edge', owner: { user: 'ana' }, description: null });
      await alerts.addEntry({ watchlist: 'edge', kind: 'vendor', value: 'microsoft', thresholds: {} });
      const sub = { watchlist: 'edge', target: null, quietHours: null, timezone: 'UTC', epssAbove: 0.1, epssJump: 0.1 };
      await alerts.upsertSubscription({ ...sub, channel: 'mail', events: ['new', 'report'], mode: 'weekly' });
      await alerts.upsertSubscription({ ...sub, channel: 'chat', events: ['report'], mode: 'immediate' });
      await alerts.upsertSubscription({ ...sub, channel: 'disc', events: ['report', 'kev_added'], mode: 'daily' });
    });
    afterAll(async () => {
      for (const c of channels.values()) await c.close();
      await Promise.all([smtp?.close(), rx?.close()]);
    });

    it('sends one report per subscription and period, however often the due-check runs', async () => {
      const deps = { stores, config, log, now: () => new Date(NOW) };
      const made = await queueDueReports(deps);
      expect(made).toHaveLength(3);
      expect(await queueDueReports(deps)).toHaveLength(0);
      // Another process that lost the state value: the store still keeps one alert per key.
      for (const w of await stores.alerts.listWatchlists()) for (const s of w.subscriptions) await stores.alerts.setState(`report.${s.id}`, '');
      expect(await queueDueReports(deps)).toHaveLength(0);
      const pass = () => deliverDue({ alerts: stores.alerts, channels, config, log, now: () => new Date(NOW) });
      expect(await pass()).toMatchObject({ messages: 3, sent: 3, failed: 0 });
      expect(await pass()).toMatchObject({ messages: 0 });
      expect(await queueDueReports({ ...deps, now: () => new Date('2025-05-18T23:00:00.000Z') })).toHaveLength(0);

      expect(smtp.messages).toHaveLength(1);
      const mail = smtp.messages[0];
      expect(mail?.to).toEqual(['ana@example.org']);
      expect(mail?.subject).toBe('Vigil weekly report (watchlist:edge): 2025-05-11 → 2025-05-17');
      const inline = svgs(mail?.html ?? '');
      expect(inline.length).toBeGreaterThanOrEqual(1);
      for (const svg of inline) expect(XMLValidator.validate(svg)).toBe(true);
      expect(mail?.text).toContain('New critical CVEs');

      // The watchlist's critical CVEs of the week, independently: its alerts' scope is what the matcher says.
      const weekly = (await stores.alerts.listAlerts({ watchlist: 'edge' })).find((a) => a.channel === 'mail');
      expect(weekly?.eventKey).toBe('report:week:2025-05-11');
      expect(weekly?.cveId).toBe('report:edge');

      // The chat subscription (mode immediate → daily): the text version, yesterday's report.
      const posts = rx.received.filter((r) => r.service === 'slack');
      expect(posts).toHaveLength(1);
      const body = JSON.stringify(posts[0]?.body);
      expect(body).toContain('Vigil daily report (watchlist:edge): 2025-05-17');
      expect(body).toContain('KEV additions');
      const embeds = rx.received.filter((r) => r.service === 'discord');
      expect(embeds).toHaveLength(1);
      expect(JSON.stringify(embeds[0]?.body)).toContain('Vigil daily report (watchlist:edge): 2025-05-17');
      expect(rx.rejected).toEqual([]);
    });
  });
});
