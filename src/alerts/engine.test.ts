/**
 * The alert engine on the real corpus, step by step as the feeds would bring it: a CNA record
 * before NVD (provisional alert), NVD's analysis (confirmation, no repeat), two KEV catalogs
 * (baseline, then "added to KEV"), three EPSS days (movements, checked against the raw files).
 */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { gunzipSync } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildView } from '../analysis/view.ts';
import { loadConfig, type VigilConfig } from '../config.ts';
import { createLogger } from '../log.ts';
import type { Alert } from '../model/alert.ts';
import type { KevEntry } from '../model/vulnerability.ts';
import { importFiles } from '../pipeline.ts';
import { findSource } from '../sources/registry.ts';
import type { AlertStore } from '../store/alerts.ts';
import type { Store } from '../store/types.ts';
import { corpusPath, hasCorpus } from '../testing/corpus.ts';
import { officialEpss } from '../testing/mirror.ts';
import { openTestStores, type TestStores } from '../testing/store.ts';
import { evaluate } from './engine.ts';
import { loadPlan } from './plan.ts';
import { kevOnlyView } from './facts.ts';
import { importWatchlistFile } from './watchlist-file.ts';

const log = createLogger();

function epssFile(date: string): Map<string, number> {
  const out = new Map<string, number>();
  for (const line of gunzipSync(readFileSync(corpusPath('epss', `emba-epss-${date}.ssv.gz`))).toString('utf8').split('\n')) {
    const [id, score] = line.split(';');
    if (id && score) out.set(id, Number(score));
  }
  return out;
}

function catalog(file: string): KevEntry[] {
  return (JSON.parse(readFileSync(corpusPath('cisa-kev', file), 'utf8')) as { vulnerabilities: (Omit<KevEntry, 'cveId'> & { cveID: string })[] }).vulnerabilities.map(({ cveID, ...e }) => ({ ...e, cveId: cveID }));
}

describe.skipIf(!hasCorpus())('alert engine on the real corpus', () => {
  const dir = mkdtempSync(path.join(tmpdir(), 'vigil-engine-'));
  let stores: TestStores;
  let store: Store;
  let alerts: AlertStore;
  let config: VigilConfig;
  const deps = () => ({ store, alerts, config: config.alerts, log, merge: config.ssvc });
  const run = async (source: string, paths: string[]) => importFiles(findSource(source).source, paths, { store, log });

  beforeAll(async () => {
    writeFileSync(
      path.join(dir, 'vigil.config.yaml'),
      `alerts:
  channels:
    mail: { type: email, host: 127.0.0.1, port: 2525, from: vigil@example.org }
    hook: { type: webhook, url: "http://127.0.0.1:59999/hook", secret: "0123456789abcdef0123" }
  fallback: { channel: mail, to: admin@example.org }
`,
    );
    config = loadConfig(path.join(dir, 'vigil.config.yaml'), {});
    stores = await openTestStores();
    ({ store, alerts } = stores);
    writeFileSync(
      path.join(dir, 'watch.yaml'),
      `users:
  - { name: alice, email: alice@example.org }
watchlists:
  - name: edge
    owner: { user: alice }
    entries:
      - { product: pan-os, vendor: paloaltonetworks }
    subscriptions:
      - { channel: mail }
  - name: remote-access
    owner: { user: alice }
    entries:
      - { product: screenconnect, vendor: ConnectWise, version: "23.9.7" }
    subscriptions:
      - { channel: mail }
  - name: kev-vendors
    owner: { user: alice }
    entries:
      - { vendor: Citrix }
      - { vendor: Apple }
    subscriptions:
      - { channel: hook, events: [kev_added] }
  - name: rce
    owner: { user: alice }
    entries:
      - { keyword: remote code execution }
    subscriptions:
      - { channel: hook, events: [epss_threshold, epss_jump], epssAbove: 0.1, epssJump: 0.05 }
`,
    );
    await importWatchlistFile(path.join(dir, 'watch.yaml'), alerts, config.alerts);
  }, 60_000);

  afterAll(async () => {
    await stores?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  let panos: Alert;

  it('alerts on a CNA record before NVD has analysed it: provisional, with KEV and SSVC from CISA ADP', async () => {
    await run('cve5', [corpusPath('cve5', 'records')]);
    const s = await evaluate(deps());
    expect(s.alerts.length).toBeGreaterThan(0);
    const list = await alerts.listAlerts({ cveId: 'CVE-2024-3400' });
    expect(list.map((a) => [a.watchlist, a.event])).toEqual([['edge', 'new']]);
    panos = list[0] as Alert;
    expect(panos.provisional).toBe(true);
    expect(panos.recipients).toEqual(['alice@example.org']);
    expect(panos.explanation.matches.length).toBeGreaterThan(0);
    expect(panos.explanation.matches.every((m) => m.via === 'cna-affected' || m.via === 'adp-affected' || m.via === 'cna-cpe')).toBe(true);
    const view = buildView((await store.getVulnerability('CVE-2024-3400'))!, config.ssvc);
    expect(panos.facts.ssvc).toBe(view.ssvc?.decision);
    expect(panos.facts.ssvc).not.toBeNull();
    const kev = catalog('known_exploited_vulnerabilities.json').find((e) => e.cveId === 'CVE-2024-3400');
    expect(panos.facts.kev?.dateAdded).toBe(kev?.dateAdded);
    expect(panos.facts.severity).toBe(view.severity);
    expect(panos.facts.cvss?.score).toBe(view.primaryCvss?.baseScore);
    // Every alert of the edge watchlist is a PAN-OS CVE.
    for (const a of await alerts.listAlerts({ watchlist: 'edge', limit: 1000 })) expect(a.facts.products.join(' ').toLowerCase()).toMatch(/pan-?os/);
  });

  it('sends a critical new CVE that names no vendor (so no watchlist can match it) to the administrator', async () => {
    const plan = await loadPlan(alerts, config.alerts);
    const expected: string[] = [];
    for (const id of await alerts.candidateCves({ all: true })) {
      const view = buildView((await store.getVulnerability(id))!, config.ssvc);
      const noVendor = view.products.every((p) => ['n/a', 'unknown', ''].includes(p.vendor.trim().toLowerCase()));
      if (view.state === 'PUBLISHED' && view.severity === 'CRITICAL' && noVendor && plan.index.match(view).length === 0) expected.push(id);
    }
    expect(expected.length).toBeGreaterThan(0);
    const fallback = (await alerts.listAlerts({ limit: 10000 })).filter((a) => a.subscriptionId === null);
    expect(fallback.map((a) => a.cveId).sort()).toEqual(expected.sort());
    for (const a of fallback) expect(a).toMatchObject({ channel: 'mail', recipients: ['admin@example.org'], event: 'new', explanation: { fallback: true } });
  });

  it('a second evaluation makes nothing', async () => {
    expect((await evaluate(deps())).alerts).toEqual([]);
  });

  it("confirms a provisional alert when NVD's CPE data agrees, without repeating it", async () => {
    // CVE-2024-1709 (ConnectWise ScreenConnect): the CNA's affected versions first, NVD's CPE later.
    const [before] = await alerts.listAlerts({ cveId: 'CVE-2024-1709' });
    expect(before).toMatchObject({ watchlist: 'remote-access', event: 'new', provisional: true, confirmedAt: null });
    await run('nvd', [corpusPath('nvd', 'api2')]);
    const s = await evaluate(deps());
    expect(s.confirmations).toBeGreaterThan(0);
    const after = await alerts.listAlerts({ cveId: 'CVE-2024-1709' });
    expect(after.filter((a) => a.event === 'new')).toHaveLength(1);
    expect(after.find((a) => a.id === before?.id)?.confirmedAt).not.toBeNull();
    // The corpus's NVD record of CVE-2024-3400 is still "Awaiting Analysis" (no CPE): still provisional.
    const panosNow = (await alerts.listAlerts({ cveId: 'CVE-2024-3400' })).filter((a) => a.event === 'new');
    expect(panosNow.map((a) => [a.id, a.confirmedAt])).toEqual([[panos.id, null]]);
  });

  it('KEV: the first catalog is a baseline; the next one gives "added to KEV", also for CVEs known only from KEV', async () => {
    await run('kev', [corpusPath('cisa-kev', 'known_exploited_vulnerabilities-2025.08.18.json')]);
    await evaluate(deps());
    expect(await alerts.listAlerts({ watchlist: 'kev-vendors' })).toEqual([]);
    await run('kev', [corpusPath('cisa-kev', 'known_exploited_vulnerabilities.json')]);
    await evaluate(deps());
    const before = new Set(catalog('known_exploited_vulnerabilities-2025.08.18.json').map((e) => e.cveId));
    const added = catalog('known_exploited_vulnerabilities.json').filter((e) => !before.has(e.cveId));
    const expected = added.filter((e) => ['Citrix', 'Apple'].includes(e.vendorProject)).map((e) => e.cveId);
    expect(expected.length).toBeGreaterThan(0);
    const got = await alerts.listAlerts({ watchlist: 'kev-vendors' });
    expect(got.map((a) => a.cveId).sort()).toEqual(expected.sort());
    for (const a of got) {
      expect(a.event).toBe('kev_added');
      expect(a.explanation.matches[0]?.via).toBe('kev');
      expect(a.facts.kev?.dateAdded).toBe(added.find((e) => e.cveId === a.cveId)?.dateAdded);
    }
  });

  it('EPSS: the first day is a baseline; later days alert on threshold crossings and jumps, as the raw files say', async () => {
    const days = ['2026-06-14', '2026-08-09', '2026-08-16'];
    for (const d of days) await run('epss', [corpusPath('epss', `emba-epss-${d}.ssv.gz`)]);
    await evaluate(deps());
    const got = (await alerts.listAlerts({ watchlist: 'rce', limit: 100000 })).map((a) => `${a.cveId} ${a.eventKey}`).sort();

    // The oracle: the raw files, and the watchlist's matches.
    const plan = await loadPlan(alerts, config.alerts);
    const files = days.map(epssFile);
    const expected = new Set<string>();
    const ids = new Set([...(files[1]?.keys() ?? []), ...(files[2]?.keys() ?? [])]);
    for (const id of ids) {
      const events: string[] = [];
      for (const i of [1, 2]) {
        const now = files[i]?.get(id);
        const prev = files[i - 1]?.get(id) ?? 0;
        if (now === undefined || now <= prev) continue;
        if (prev < 0.1 && now >= 0.1 && !events.includes('epss_threshold')) events.push('epss_threshold');
        if (now - prev >= 0.05) events.push(`epss_jump:${days[i]}`);
      }
      if (!events.length) continue;
      const stored = await store.getVulnerability(id);
      const kev = stored ? null : await alerts.getKevEntry(id);
      const view = stored ? buildView(stored, config.ssvc) : kev ? kevOnlyView(kev, null) : null;
      if (view?.state !== 'PUBLISHED' || !plan.index.match(view).some((m) => m.entry.watchlist === 'rce')) continue;
      for (const e of events) expected.add(`${id} ${e}`);
    }
    expect(expected.size).toBeGreaterThan(0);
    expect(got).toEqual([...expected].sort());
  }, 240_000); // three whole EPSS days (~300k scores each): ~15 s each to import on PostgreSQL

  it('re-importing everything and evaluating again makes nothing', async () => {
    await run('cve5', [corpusPath('cve5', 'records')]);
    await run('nvd', [corpusPath('nvd', 'api2')]);
    await run('kev', [corpusPath('cisa-kev', 'known_exploited_vulnerabilities.json')]);
    expect((await evaluate(deps())).alerts).toEqual([]);
  });
});

describe.skipIf(!hasCorpus())('a CVE rejected after it was alerted', () => {
  it('tells the subscriptions that were alerted, although the rejected record no longer matches their entries', async () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'vigil-rejected-'));
    try {
      writeFileSync(path.join(dir, 'c.yaml'), 'alerts:\n  channels:\n    mail: { type: email, host: 127.0.0.1, port: 2525, from: vigil@example.org }\n');
      const config = loadConfig(path.join(dir, 'c.yaml'), {});
      const stores = await openTestStores();
      const { store, alerts } = stores;
      const deps = { store, alerts, config: config.alerts, log };
      await alerts.upsertUser({ name: 'alice', email: 'alice@example.org', handles: {} });
      await alerts.upsertWatchlist({ name: 'edge', owner: { user: 'alice' }, description: null });
      await alerts.addEntry({ watchlist: 'edge', kind: 'vendor', value: 'Palo Alto Networks', thresholds: {} });
      await alerts.upsertSubscription({ watchlist: 'edge', channel: 'mail', target: null, events: ['new', 'rejected'], mode: 'immediate', quietHours: null, timezone: 'UTC', epssAbove: 0.1, epssJump: 0.1 });
      // The real record, then the same id as its CNA would reject it (a later dateUpdated, the CNA container reduced to the reason).
      const real = JSON.parse(readFileSync(corpusPath('cve5', 'records', '2024', '3xxx', 'CVE-2024-3400.json'), 'utf8'));
      writeFileSync(path.join(dir, 'published.json'), JSON.stringify(real));
      await importFiles(findSource('cve5').source, [path.join(dir, 'published.json')], { store, log });
      await evaluate(deps);
      const rejectedRecord = {
        ...real,
        cveMetadata: { ...real.cveMetadata, state: 'REJECTED', dateUpdated: '2026-11-01T00:00:00.000Z', dateRejected: '2026-11-01T00:00:00.000Z' },
        containers: { cna: { providerMetadata: real.containers.cna.providerMetadata, rejectedReasons: [{ lang: 'en', value: 'Test: this candidate was withdrawn.' }] } },
      };
      writeFileSync(path.join(dir, 'rejected.json'), JSON.stringify(rejectedRecord));
      await importFiles(findSource('cve5').source, [path.join(dir, 'rejected.json')], { store, log });
      await evaluate(deps);
      const list = await alerts.listAlerts({ cveId: 'CVE-2024-3400' });
      expect(list.map((a) => a.event).sort()).toEqual(['new', 'rejected']);
      const rejected = list.find((a) => a.event === 'rejected');
      expect(rejected?.explanation.event.summary).toMatch(/rejected \(was PUBLISHED\); you were alerted about it before/);
      expect(rejected?.facts.state).toBe('REJECTED');
      await stores.close();
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe.skipIf(!hasCorpus())('EPSS model versions', () => {
  /** Alerts made by two EPSS days (2026-06-14, 2026-08-09) scored by these models, for a watchlist of every CVE. */
  async function movements(firstModel: string, secondModel: string): Promise<number> {
    const dir = mkdtempSync(path.join(tmpdir(), 'vigil-epss-model-'));
    try {
      writeFileSync(path.join(dir, 'c.yaml'), 'alerts:\n  channels:\n    hook: { type: webhook, url: "http://127.0.0.1:59999/x", secret: "0123456789abcdef0123" }\n');
      const config = loadConfig(path.join(dir, 'c.yaml'), {});
      const stores = await openTestStores();
      const { store, alerts } = stores;
      await importFiles(findSource('cve5').source, [corpusPath('cve5', 'records')], { store, log });
      await alerts.upsertUser({ name: 'alice', email: null, handles: {} });
      await alerts.upsertWatchlist({ name: 'everything', owner: { user: 'alice' }, description: null });
      await alerts.addEntry({ watchlist: 'everything', kind: 'regex', value: '.', thresholds: {} });
      await alerts.upsertSubscription({ watchlist: 'everything', channel: 'hook', target: null, events: ['epss_threshold', 'epss_jump'], mode: 'immediate', quietHours: null, timezone: 'UTC', epssAbove: 0.1, epssJump: 0.05 });
      for (const [date, model] of [['2026-06-14', firstModel], ['2026-08-09', secondModel]] as const) {
        const file = path.join(dir, `epss_scores-${date}.csv.gz`);
        writeFileSync(file, officialEpss(date, model));
        await importFiles(findSource('epss').source, [file], { store, log });
      }
      const s = await evaluate({ store, alerts, config: config.alerts, log });
      expect(s.epssDays).toEqual(['2026-06-14', '2026-08-09']);
      await stores.close();
      return s.alerts.length;
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  }

  it('alerts on no movement between two days scored by different EPSS models (the same days under one model do move)', async () => {
    expect(await movements('v2025.03.14', 'v2025.03.14')).toBeGreaterThan(0);
    expect(await movements('v2023.03.01', 'v2025.03.14')).toBe(0);
  }, 300_000);
});
