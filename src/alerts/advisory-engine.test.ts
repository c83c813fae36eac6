/**
 * `advisory` and `exploit` events on real data, imported through the real sources: a CERT-FR
 * bulletin naming a watched product (its alert links the ANSSI page; a re-run or a re-import makes
 * no second alert, a revision makes one), the Spring4Shell GHSA record against purl entries on
 * both sides of the fix, and the Exploit-DB sample (one alert for the first exploit of a watched CVE).
 */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig, type VigilConfig } from '../config.ts';
import { createLogger } from '../log.ts';
import { importFiles } from '../pipeline.ts';
import { findSource } from '../sources/registry.ts';
import type { AlertStore } from '../store/alerts.ts';
import type { Store } from '../store/types.ts';
import { corpusPath, hasCorpus } from '../testing/corpus.ts';
import { openTestStores, type TestStores } from '../testing/store.ts';
import { emailContent } from './channels/email/index.ts';
import { baseline, evaluate } from './engine.ts';
import { previewAdvisories } from './advisory-preview.ts';
import { validateEntry } from './entry.ts';
import { alertText, headline } from './render.ts';
import { importWatchlistFile } from './watchlist-file.ts';

const log = createLogger();
const BULLETIN = 'CERTFR-2026-AVI-0049';
const ANSSI_PAGE = `https://www.cert.ssi.gouv.fr/avis/${BULLETIN}/`;

describe.skipIf(!hasCorpus())('advisory and exploit alerts on real data', () => {
  const dir = mkdtempSync(path.join(tmpdir(), 'vigil-advisory-engine-'));
  let stores: TestStores;
  let store: Store;
  let alerts: AlertStore;
  let config: VigilConfig;
  const deps = () => ({ store, alerts, config: config.alerts, log, merge: config.ssvc });
  const run = async (source: string, paths: string[]) => {
    const s = await importFiles(findSource(source).source, paths, { store, log });
    expect(s.error ?? null).toBeNull();
    return s;
  };
  const bulletin = corpusPath('cert-fr', 'avis', '2026', `${BULLETIN}.json`);

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
      - { channel: mail, events: [advisory] }
  - name: spring-vulnerable
    owner: { user: alice }
    entries:
      - { purl: "pkg:maven/org.springframework/spring-webmvc@5.3.17" }
    subscriptions:
      - { channel: hook, events: [advisory] }
  - name: spring-fixed
    owner: { user: alice }
    entries:
      - { purl: "pkg:maven/org.springframework/spring-webmvc@5.3.18" }
    subscriptions:
      - { channel: hook, events: [advisory] }
  - name: rapid-reset
    owner: { user: alice }
    entries:
      - { keyword: request cancellation }
    subscriptions:
      - { channel: hook, events: [advisory] }
  - name: kernel
    owner: { user: alice }
    entries:
      - { cve: CVE-2017-16995 }
    subscriptions:
      - { channel: hook, events: [exploit, advisory] }
`,
    );
    await importWatchlistFile(path.join(dir, 'watch.yaml'), alerts, config.alerts);
    // The first evaluation is the baseline: advisories stored before it are history.
    const first = await evaluate(deps());
    expect(first.alerts).toEqual([]);
  }, 60_000);

  afterAll(async () => {
    await stores?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('a CERT-FR bulletin naming a watched product: one advisory alert, linking the ANSSI page', async () => {
    await run('certfr', [bulletin]);
    const s = await evaluate(deps());
    expect(s.advisoryChanges).toBeGreaterThan(0);
    const list = await alerts.listAlerts({ watchlist: 'edge' });
    expect(list).toHaveLength(1);
    const a = list[0]!;
    expect([a.event, a.cveId, a.eventKey]).toEqual(['advisory', BULLETIN, `advisory:${BULLETIN}:2026-01-15T00:00:00.000Z`]);
    expect(a.facts.link).toBe(ANSSI_PAGE);
    expect(a.explanation.event.advisory).toMatchObject({ id: BULLETIN, source: 'certfr', kind: 'bulletin', url: ANSSI_PAGE, changes: ['created'] });
    expect(a.explanation.event.advisory?.cveCount).toBeGreaterThan(20);
    expect(a.explanation.matches[0]).toMatchObject({ kind: 'product', entry: 'product paloaltonetworks:pan-os', via: 'advisory', matched: 'PAN-OS' });
    expect(headline(a, 300)).toBe(`UNSCORED ${BULLETIN} new CERT-FR bulletin: Multiples vulnérabilités dans les produits Palo Alto Networks`);
    const text = alertText(a);
    expect(text).toContain(`Advisory: ${BULLETIN}, CERT-FR bulletin (certfr), published 2026-01-15`);
    expect(text).toContain('Matched product entry "product paloaltonetworks:pan-os" on the advisory\'s affected products or packages');
    // The e-mail (text and HTML) links the ANSSI bulletin page.
    const mail = emailContent({ alerts: [a] });
    expect(mail.html).toContain(`<a href="${ANSSI_PAGE}">`);
    expect(mail.text).toContain(ANSSI_PAGE);
    expect(mail.subject).toContain(BULLETIN);
  });

  it('re-running or re-importing the same bulletin makes no second alert', async () => {
    expect((await evaluate(deps())).alerts).toEqual([]);
    await run('certfr', [bulletin]);
    expect((await evaluate(deps())).alerts).toEqual([]);
    expect(await alerts.listAlerts({ watchlist: 'edge' })).toHaveLength(1);
  });

  it('a revision of the bulletin is one more alert, which says what was revised', async () => {
    const json = JSON.parse(readFileSync(bulletin, 'utf8')) as { revisions: { description: string; revision_date: string }[] };
    json.revisions.push({ description: 'Ajout de correctifs', revision_date: '2026-02-02T00:00:00.000000' });
    const revised = path.join(dir, `${BULLETIN}.json`);
    writeFileSync(revised, JSON.stringify(json));
    await run('certfr', [revised]);
    const s = await evaluate(deps());
    expect(s.alerts).toHaveLength(1);
    const a = (await alerts.getAlert(s.alerts[0]!))!;
    expect([a.cveId, a.eventKey]).toEqual([BULLETIN, `advisory:${BULLETIN}:2026-02-02T00:00:00.000Z`]);
    expect(a.explanation.event.summary).toBe(`revised bulletin ${BULLETIN} (certfr), 2026-02-02: Ajout de correctifs`);
    expect(headline(a, 300)).toContain(`${BULLETIN} revised CERT-FR bulletin`);
    expect((await evaluate(deps())).alerts).toEqual([]);
  });

  it('Spring4Shell (GHSA-36p3-wjmg-h94x): spring-webmvc@5.3.17 is alerted, @5.3.18 is not', async () => {
    await run('osv', [corpusPath('ghsa', 'advisories', 'github-reviewed', '2022', '03', 'GHSA-36p3-wjmg-h94x', 'GHSA-36p3-wjmg-h94x.json')]);
    const s = await evaluate(deps());
    expect(s.alerts).toHaveLength(1);
    const a = (await alerts.getAlert(s.alerts[0]!))!;
    // One CVE named: it is the alert's subject.
    expect([a.watchlist, a.event, a.cveId, a.eventKey]).toEqual([
      'spring-vulnerable',
      'advisory',
      'CVE-2022-22965',
      'advisory:GHSA-36p3-wjmg-h94x:2022-06-01T22:15:49.000Z',
    ]);
    expect(a.explanation.matches[0]).toMatchObject({ via: 'advisory', field: 'affected[3].packageName', version: '5.3.17 in [5.3.0, 5.3.18) (Maven order)' });
    expect(a.facts.link).toBe('https://github.com/advisories/GHSA-36p3-wjmg-h94x');
    expect(headline(a, 300)).toMatch(/^CRITICAL CVE-2022-22965 package advisory GHSA-36p3-wjmg-h94x: /);
    expect(await alerts.listAlerts({ watchlist: 'spring-fixed' })).toEqual([]);
  });

  it('a bulletin matching through the record of one CVE it names: that CVE is the subject', async () => {
    // CERTFR-2024-AVI-0108 (Fortinet) names 7 CVEs; only CVE-2023-44487's record says "request cancellation".
    await run('cve5', [corpusPath('cve5', 'records', '2023', '44xxx', 'CVE-2023-44487.json')]);
    await run('certfr', [corpusPath('cert-fr', 'avis', '2024', 'CERTFR-2024-AVI-0108.json')]);
    const s = await evaluate(deps());
    expect(s.alerts).toHaveLength(1);
    const a = (await alerts.getAlert(s.alerts[0]!))!;
    expect([a.watchlist, a.event, a.cveId, a.eventKey]).toEqual([
      'rapid-reset',
      'advisory',
      'CVE-2023-44487',
      'advisory:CERTFR-2024-AVI-0108:2024-04-10T00:00:00.000Z',
    ]);
    expect(a.explanation.matches[0]).toMatchObject({ kind: 'keyword', via: 'advisory-cve', field: 'CVE-2023-44487 description' });
    // The facts are the CVE's; the link is the bulletin's ANSSI page.
    expect(a.facts.description).toMatch(/^The HTTP\/2 protocol allows a denial of service/);
    expect(a.facts.link).toBe('https://www.cert.ssi.gouv.fr/avis/CERTFR-2024-AVI-0108/');
    expect(headline(a, 300)).toMatch(/ CVE-2023-44487 CERT-FR bulletin CERTFR-2024-AVI-0108: Multiples vulnérabilités dans les produits Fortinet$/);
  });

  it('the Exploit-DB sample: one exploit alert for the watched CVE, about its first exploit', async () => {
    await run('exploitdb', [corpusPath('exploitdb', 'files_exploits-sample.csv')]);
    const s = await evaluate(deps());
    const mine = await alerts.listAlerts({ watchlist: 'kernel' });
    expect(mine.map((a) => [a.event, a.cveId, a.eventKey])).toEqual([['exploit', 'CVE-2017-16995', 'exploit']]);
    expect(s.alerts).toEqual([mine[0]!.id]);
    // EDB-44298 (2018-03-16) came before EDB-45010 (2018-07-10), which names the same CVE.
    const a = mine[0]!;
    expect(a.explanation.event.advisory).toMatchObject({ id: 'EDB-44298', kind: 'exploit', source: 'exploitdb' });
    expect(a.explanation.event.summary).toMatch(/^first public exploit: EDB-44298 "Linux Kernel < 4\.4\.0-116/);
    expect(a.explanation.matches[0]).toMatchObject({ kind: 'cve', via: 'cve-id', matched: 'CVE-2017-16995' });
    expect(headline(a, 300)).toMatch(/ CVE-2017-16995 first public exploit EDB-44298: Linux Kernel/);
    expect((await evaluate(deps())).alerts).toEqual([]);
  });

  it('the watchlist preview lists the stored advisories unsaved entries match', async () => {
    const entries = [
      validateEntry({ kind: 'product', value: 'pan-os', vendor: 'paloaltonetworks' }),
      validateEntry({ kind: 'purl', value: 'pkg:maven/org.springframework/spring-webmvc@5.3.17' }),
      validateEntry({ kind: 'purl', value: 'pkg:maven/org.springframework/spring-webmvc@5.3.18' }),
      validateEntry({ kind: 'cve', value: 'CVE-2017-16995' }), // only exploits name it: they are left out
    ];
    const p = await previewAdvisories(store, entries);
    expect(p.matches.map((m) => [m.advisoryId, m.entryIndex])).toEqual([
      [BULLETIN, 0],
      ['GHSA-36p3-wjmg-h94x', 1],
    ]);
    expect(p.matches[1]?.reasons[0]?.version).toBe('5.3.17 in [5.3.0, 5.3.18) (Maven order)');
    expect(p.candidates).toBeGreaterThanOrEqual(2);
  });

  it('baseline marks the advisory history as seen', async () => {
    const b = await baseline(alerts);
    expect(b.advisoryChanges).toBe(await alerts.lastAdvisoryChangeId());
    expect(await alerts.getState('advisoryChanges')).toBe(String(b.advisoryChanges));
  });
});
