/**
 * The advisory routes and the advisories of the CVE view, over the test API's store (the corpus
 * subset with the advisory sample folders: GHSA/Go OSV, Exploit-DB, CERT-FR, CERT-EU, CSAF) plus
 * every CERT-FR bulletin of the full JSON Lines file that names CVE-2024-3400, CVE-2021-44228 or
 * CVE-2022-22965 (written to a temporary file and imported like any other).
 *
 * Checked against the corpus files themselves: every CERT-FR bulletin's listed CVEs are on its
 * page and every one of those CVEs' pages lists the bulletin; the three CVEs above show their
 * advisories; pages walk the whole list in order without repeats; a newly stored advisory shows
 * on a CVE page already served (the view cache) together with the conflict it raises.
 */
import { createReadStream, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { createInterface } from 'node:readline';
import { createGunzip } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createLogger } from '../log.ts';
import type { Advisory, AdvisorySummary } from '../model/advisory.ts';
import type { VulnerabilityView } from '../model/record.ts';
import { importFiles } from '../pipeline.ts';
import { findSource } from '../sources/registry.ts';
import { startTestApi, type TestApi } from '../testing/api.ts';
import { corpusPath, hasCorpus } from '../testing/corpus.ts';

const NAMED = ['CVE-2024-3400', 'CVE-2021-44228', 'CVE-2022-22965'];

/** The CERT-FR per-bulletin files of the corpus: reference and listed CVE ids. */
function certfrFiles(): { reference: string; cves: string[] }[] {
  const root = corpusPath('cert-fr', 'avis');
  return readdirSync(root).flatMap((year) =>
    readdirSync(path.join(root, year)).map((f) => {
      const doc = JSON.parse(readFileSync(path.join(root, year, f), 'utf8')) as { reference: string; cves: { name: string }[] };
      return { reference: doc.reference, cves: doc.cves.map((c) => c.name) };
    }),
  );
}

/** Lines of the full CERT-FR JSON Lines file naming one of `ids` (as written: listed or in the text). */
async function certfrLinesNaming(ids: string[]): Promise<string[]> {
  const out: string[] = [];
  const lines = createInterface({ input: createReadStream(corpusPath('cert-fr', 'certfr-avis-all-2000-2026.DERIVED.jsonl.gz')).pipe(createGunzip()) });
  for await (const line of lines) if (ids.some((id) => new RegExp(`${id}(?![0-9])`).test(line))) out.push(line);
  return out;
}

type Page = { items: AdvisorySummary[]; nextCursor: string | null; total: number };

describe.skipIf(!hasCorpus())('advisories in the API', () => {
  let api: TestApi;
  let headers: Record<string, string>;
  let tmp: string;
  /** References of the bulletins of the full file naming NAMED, by CVE. */
  const fromJsonl = new Map<string, Set<string>>();

  async function get<T>(url: string, status = 200): Promise<T> {
    const r = await api.app.inject({ url, headers });
    expect(r.statusCode, `${url}: ${r.body.slice(0, 300)}`).toBe(status);
    return r.json() as T;
  }

  beforeAll(async () => {
    api = await startTestApi();
    headers = { authorization: `Bearer ${await api.apiToken('vic', ['read'])}` };
    tmp = mkdtempSync(path.join(tmpdir(), 'vigil-advisories-'));
    const lines = await certfrLinesNaming(NAMED);
    for (const line of lines) {
      const doc = JSON.parse(line) as { reference: string; cves: { name: string }[]; content?: string };
      for (const id of NAMED) if (line.includes(id)) fromJsonl.set(id, (fromJsonl.get(id) ?? new Set()).add(doc.reference));
    }
    const file = path.join(tmp, 'certfr-named.jsonl');
    writeFileSync(file, `${lines.join('\n')}\n`);
    const summary = await importFiles(findSource('certfr').source, [file], { store: api.store, log: createLogger('silent'), merge: api.config.ssvc });
    expect(summary.error, JSON.stringify(summary)).toBeFalsy();
  }, 300_000);

  afterAll(async () => {
    await api?.close();
    if (tmp) rmSync(tmp, { recursive: true, force: true });
  });

  it('CVE-2024-3400, CVE-2021-44228 and CVE-2022-22965 list their advisories', async () => {
    expect([...(fromJsonl.get('CVE-2024-3400') ?? [])].length).toBeGreaterThanOrEqual(1);
    const views = Object.fromEntries(await Promise.all(NAMED.map(async (id) => [id, await get<VulnerabilityView>(`/api/v1/cves/${id}`)] as const)));
    const ids = (id: string) => views[id]?.advisories?.map((a) => a.id) ?? [];
    for (const id of NAMED) expect(ids(id), id).toEqual(expect.arrayContaining([...(fromJsonl.get(id) ?? [])]));
    expect(ids('CVE-2021-44228')).toContain('GHSA-jfh8-c2jp-5v3q');
    expect(ids('CVE-2022-22965')).toContain('GHSA-36p3-wjmg-h94x');
    const spring = views['CVE-2022-22965']?.advisories?.find((a) => a.id === 'GHSA-36p3-wjmg-h94x');
    expect(spring).toEqual({
      id: 'GHSA-36p3-wjmg-h94x',
      source: 'osv',
      kind: 'package',
      title: 'Remote Code Execution in Spring Framework',
      url: 'https://github.com/advisories/GHSA-36p3-wjmg-h94x',
      published: '2022-03-31T18:30:50.000Z',
    });
    for (const id of NAMED) {
      const v = views[id] as VulnerabilityView;
      expect([Array.isArray(v.exploits), Array.isArray(v.conflicts)], id).toEqual([true, true]);
      // Newest first.
      const dates = (v.advisories ?? []).map((a) => a.published ?? '');
      expect(dates, id).toEqual([...dates].sort().reverse());
    }
  });

  it("every CERT-FR bulletin's listed CVEs are on its page, and each of those CVEs' pages lists the bulletin", async () => {
    const files = certfrFiles();
    expect(files.length).toBe(616);
    const byCve = new Map<string, Set<string>>();
    const missing: string[] = [];
    for (const f of files) {
      const a = await get<{ cves: string[]; cveDetails: { id: string; origin: string }[]; source: string; kind: string }>(`/api/v1/advisories/${f.reference}`);
      expect([a.source, a.kind], f.reference).toEqual(['certfr', 'bulletin']);
      const listed = a.cveDetails.filter((c) => c.origin === 'listed').map((c) => c.id);
      for (const id of f.cves) if (!listed.includes(id)) missing.push(`${f.reference} ${id}`);
      expect(a.cves).toEqual(a.cveDetails.map((c) => c.id));
      for (const id of a.cves) byCve.set(id, (byCve.get(id) ?? new Set()).add(f.reference));
    }
    expect(missing).toEqual([]);
    const notLinked: string[] = [];
    for (const [id, refs] of byCve) {
      const v = await get<VulnerabilityView>(`/api/v1/cves/${id}`);
      const listed = new Set(v.advisories?.map((a) => a.id));
      for (const ref of refs) if (!listed.has(ref)) notLinked.push(`${id} ${ref}`);
    }
    expect(byCve.size).toBeGreaterThan(12_000);
    expect(notLinked).toEqual([]);
  }, 600_000);

  it('pages walk the whole list newest first, each row once, with the total on every page', async () => {
    const all: AdvisorySummary[] = [];
    let url = '/api/v1/advisories?source=certfr&limit=97';
    let pages = 0;
    for (;;) {
      const page = await get<Page>(url);
      const total = await api.store.countAdvisories({ source: 'certfr' });
      expect(page.total).toBe(total);
      all.push(...page.items);
      pages++;
      if (!page.nextCursor) break;
      url = `/api/v1/advisories?source=certfr&limit=97&cursor=${page.nextCursor}`;
    }
    expect(all.length).toBe(await api.store.countAdvisories({ source: 'certfr' }));
    expect(pages).toBe(Math.ceil(all.length / 97));
    expect(new Set(all.map((a) => a.id)).size).toBe(all.length);
    const key = (a: AdvisorySummary) => `${a.published ?? a.modified}|${a.id}`;
    for (let i = 1; i < all.length; i++)
      expect(key(all[i - 1] as AdvisorySummary) >= key(all[i] as AdvisorySummary), `${key(all[i - 1]!)} then ${key(all[i]!)}`).toBe(true);
  });

  /** What a filter keeps: a test on the row and its stored document. */
  type Holds = (a: AdvisorySummary, doc: Advisory) => boolean;
  const names = (doc: Advisory, re: RegExp) => re.test(doc.title) || doc.affected.some((e) => re.test(`${e.vendor ?? ''} ${e.product ?? ''}`));
  it.each([
    ['kind', 'kind=vex', (a) => a.kind === 'vex'],
    ['source', 'source=osv', (a) => a.source === 'osv'],
    ['cve', 'cve=CVE-2021-44228', (a) => a.cves.includes('CVE-2021-44228')],
    ['since', 'since=2026-01-01', (a) => (a.published ?? a.modified) >= '2026-01-01'],
    ['vendor', 'vendor=microsoft', (_a, doc) => names(doc, /microsoft/i)],
    ['q', 'q=Spring', (a, doc) => /spring/i.test(`${a.id} ${a.title} ${doc.summary ?? ''}`)],
  ] as [string, string, Holds][])('filters by %s', async (_name, query, holds) => {
    const page = await get<Page>(`/api/v1/advisories?${query}&limit=200`);
    expect(page.items.length).toBeGreaterThan(0);
    const failing: string[] = [];
    for (const a of page.items) {
      const doc = (await api.store.getAdvisory(a.id))?.advisory;
      if (!doc || !holds(a, doc)) failing.push(a.id);
    }
    expect(failing).toEqual([]);
    expect(page.total).toBeGreaterThanOrEqual(page.items.length);
  });

  it('lists exploits apart, with their Exploit-DB facts', async () => {
    const page = await get<Page>('/api/v1/exploits?limit=200');
    expect(page.total).toBe(await api.store.countAdvisories({ kind: 'exploit' }));
    expect(page.total).toBe(437);
    expect(page.items.every((a) => a.kind === 'exploit' && a.source === 'exploitdb' && typeof a.exploit?.verified === 'boolean')).toBe(true);
    const withCve = await get<Page>('/api/v1/exploits?source=exploitdb&limit=200&since=2000-01-01');
    expect(withCve.items.length).toBeGreaterThan(0);
    // The kind is fixed: the exploit list takes no kind.
    await get('/api/v1/exploits?kind=package', 400);
    // A CVE with a public exploit shows it in its view's exploits, not its advisories.
    const exploit = (await api.store.listAdvisories({ kind: 'exploit', limit: 500 })).find((a) => a.cves.length > 0);
    expect(exploit).toBeDefined();
    const view = await get<VulnerabilityView>(`/api/v1/cves/${exploit?.cves[0]}`);
    expect(view.exploits?.map((e) => e.id)).toContain(exploit?.id);
    expect(view.advisories?.map((a) => a.id)).not.toContain(exploit?.id);
    // Its priority counts the exploit as the ranked list does (the stored score).
    const stored = await api.store.getVulnerability(view.id);
    expect(view.priority.score).toBe(stored?.priority);
    if (!view.kev) expect(view.priority.factors.find((f) => f.name === 'exploit')?.contribution).toBeGreaterThan(0);
    const shown = view.exploits?.find((e) => e.id === exploit?.id);
    expect(shown).toEqual({ id: exploit?.id, source: 'exploitdb', url: exploit?.url, published: exploit?.published, ...exploit?.exploit });
  });

  it('answers one advisory with every field, and 404 for an unknown id', async () => {
    const a = await get<Record<string, unknown>>('/api/v1/advisories/GHSA-36p3-wjmg-h94x');
    expect(Object.keys(a).sort()).toEqual(
      [
        'id',
        'source',
        'kind',
        'title',
        'summary',
        'details',
        'published',
        'modified',
        'withdrawn',
        'revisions',
        'severity',
        'cvss',
        'aliases',
        'cves',
        'cveDetails',
        'cwes',
        'affected',
        'risks',
        'references',
        'vendorAdvisories',
        'url',
        'tlp',
        'exploit',
        'firstSeen',
        'history',
      ].sort(),
    );
    expect(a).toMatchObject({
      severity: 'CRITICAL',
      cves: ['CVE-2022-22965'],
      cveDetails: [{ id: 'CVE-2022-22965', origin: 'listed' }],
      cwes: ['CWE-74', 'CWE-94'],
    });
    expect((a.affected as unknown[]).length).toBe(10);
    expect((a.history as { field: string }[]).map((h) => h.field)).toEqual(['created']);
    const csaf = await get<{ tlp: string | null; kind: string }>('/api/v1/advisories/RHSA-2024:0010');
    expect(csaf.kind).toBe('vendor');
    const missing = await api.app.inject({ url: '/api/v1/advisories/GHSA-0000-0000-0000', headers });
    expect([missing.statusCode, missing.json().code, missing.json().message]).toEqual([404, 'VIGIL_NOT_FOUND', 'advisory GHSA-0000-0000-0000 not found']);
  });

  it.each([
    ['/api/v1/advisories?cursor=garbage', 'cursor'],
    [`/api/v1/advisories?cursor=${Buffer.from(JSON.stringify({ p: "2024' OR 1=1", i: 'x' })).toString('base64url')}`, 'cursor'],
    ['/api/v1/advisories?kind=blog', 'kind'],
    ['/api/v1/advisories?cve=CVE-24-1', 'cve'],
    ['/api/v1/advisories?limit=201', 'limit'],
    ['/api/v1/advisories/..%2F..%2Fetc', 'id'],
    ['/api/v1/advisories?since=2024-13-45', 'since'],
    ['/api/v1/exploits?since=2024-02-30', 'since'],
  ])('refuses %s', async (url, names) => {
    const r = await api.app.inject({ url, headers });
    expect([r.statusCode, r.json().code]).toEqual([400, 'VIGIL_BAD_REQUEST']);
    expect(r.json().message).toContain(names);
  });

  it('takes search words as words, never as query syntax', async () => {
    for (const q of ['"', 'log4j OR spring', 'NEAR(a b', "'; DROP TABLE advisories; --", '*']) {
      const page = await get<Page>(`/api/v1/advisories?q=${encodeURIComponent(q)}`);
      expect(page.total, q).toBe(page.items.length);
    }
    expect((await get<Page>('/api/v1/advisories?q=log4j')).items.map((a) => a.id)).toContain('GHSA-jfh8-c2jp-5v3q');
  });

  it('needs a credential with the read scope', async () => {
    expect((await api.app.inject({ url: '/api/v1/advisories' })).statusCode).toBe(401);
    const collectOnly = await api.apiToken('ana', ['collect']);
    expect((await api.app.inject({ url: '/api/v1/exploits', headers: { authorization: `Bearer ${collectOnly}` } })).statusCode).toBe(403);
  });

  it('a newly stored advisory shows on a CVE page already served, with the conflict it raises', async () => {
    const before = await get<VulnerabilityView>('/api/v1/cves/CVE-2024-3400');
    expect(before.severity).toBe('CRITICAL');
    expect(before.conflicts).toEqual([]);
    const low: Advisory = {
      id: 'GHSA-h6h6-test-0001',
      source: 'ghsa',
      kind: 'package',
      title: 'A low-rated advisory of our own for PAN-OS',
      modified: '2026-12-01T00:00:00.000Z',
      published: '2026-12-01T00:00:00.000Z',
      severity: 'LOW',
      aliases: [],
      cves: [{ id: 'CVE-2024-3400', origin: 'listed' }],
      affected: [],
      references: [],
    };
    await api.store.saveAdvisories([low]);
    const after = await get<VulnerabilityView>('/api/v1/cves/CVE-2024-3400');
    expect(after.advisories?.[0]).toEqual({ id: low.id, source: 'ghsa', kind: 'package', title: low.title, url: null, published: low.published });
    expect(after.conflicts).toEqual([
      {
        kind: 'severity',
        sources: [low.id, 'palo_alto'],
        detail: `GitHub advisory ${low.id} rates it LOW (low), lower than the primary CVSS 3.1 score 10.0 by palo_alto (CRITICAL).`,
      },
    ]);
  });

  it("Red Hat's Moderate for CVE-2024-8088 (HIGH by its CVE record) is a severity conflict on its page", async () => {
    // The CVE 5 record from the vulnrichment file, imported like any other; the RHSAs come from the fixture's CSAF folder.
    const lines = createInterface({ input: createReadStream(corpusPath('cve5', 'vulnrichment-2024-cve5.jsonl.gz')).pipe(createGunzip()) });
    let record = '';
    for await (const line of lines) if (line.includes('"cveId":"CVE-2024-8088"')) record = line;
    expect(record).not.toBe('');
    const file = path.join(tmp, 'CVE-2024-8088.jsonl');
    writeFileSync(file, `${record}\n`);
    const summary = await importFiles(findSource('cve5').source, [file], { store: api.store, log: createLogger('silent'), merge: api.config.ssvc });
    expect(summary.error).toBeFalsy();
    const v = await get<VulnerabilityView>('/api/v1/cves/CVE-2024-8088');
    expect(v.severity).toBe('HIGH');
    expect(v.advisories?.map((a) => a.id)).toEqual(expect.arrayContaining(['RHSA-2024:6163', 'RHSA-2024:9371']));
    const conflicts = v.conflicts?.filter((c) => c.sources[0]?.startsWith('RHSA-'));
    expect(conflicts?.map((c) => [c.kind, c.sources[0]]).sort()).toEqual([
      ['severity', 'RHSA-2024:6163'],
      ['severity', 'RHSA-2024:9371'],
    ]);
    expect(conflicts?.[0]?.detail).toMatch(
      /^CSAF advisory RHSA-2024:\d+ rates it Moderate \(medium\), lower than the primary CVSS [\d.]+ score [\d.]+ by .+ \(HIGH\)\.$/,
    );
  });

  it('a CVE only advisories name has a page saying no record is imported', async () => {
    const id = 'CVE-2099-424242';
    await get(`/api/v1/cves/${id}`, 404);
    await api.store.saveAdvisories([
      {
        id: 'CERTFR-2099-AVI-0001',
        source: 'certfr',
        kind: 'bulletin',
        title: 'Un bulletin de test',
        modified: '2099-01-02T00:00:00.000Z',
        aliases: [],
        cves: [{ id, origin: 'text' }],
        affected: [],
        references: [],
      },
    ]);
    const v = await get<VulnerabilityView>(`/api/v1/cves/${id}`);
    expect([v.id, v.recordImported, v.kev, v.epss, v.advisories?.map((a) => a.id)]).toEqual([id, false, null, null, ['CERTFR-2099-AVI-0001']]);
  });
});
