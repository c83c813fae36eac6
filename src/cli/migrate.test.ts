/**
 * `vigil migrate` on a store built from the real corpus (CVE 5, NVD, KEV, EPSS, OSV/GHSA,
 * Exploit-DB, CERT-FR and CERT-EU files, users, watchlists, accounts, alerts from the engine): built on the
 * back end under test, copied to the other back end and back. Row for row every table (with its
 * generated priority and, on PostgreSQL, the rebuilt `fts`) and every answer of the interfaces
 * (getVulnerability of every CVE, the advisory lists, alerts, searches) are the same after the round
 * trip, and the other back end answers as the origin does. This test covers both back ends by
 * itself: each pass of the suite starts from its own back end's write paths.
 */
import { createHash } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { gunzipSync, gzipSync } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { evaluate } from '../alerts/engine.ts';
import { importWatchlistFile } from '../alerts/watchlist-file.ts';
import { loadConfig, type VigilConfig } from '../config.ts';
import { simhash } from '../intel/dedupe/simhash.ts';
import { parseFeed } from '../intel/feeds/parse.ts';
import type { IntelDocument } from '../intel/types.ts';
import { createLogger } from '../log.ts';
import type { NewAuditEntry } from '../model/account.ts';
import type { AdvisorySummary } from '../model/advisory.ts';
import { importFiles } from '../pipeline.ts';
import { findSource } from '../sources/registry.ts';
import { type Backend, openStores, type Stores } from '../store/index.ts';
import { copyStore } from '../store/copy/index.ts';
import { PgTables, SqliteTables, type TableIo } from '../store/copy/tables.ts';
import { runCli } from '../testing/cli.ts';
import { corpusPath, hasCorpus } from '../testing/corpus.ts';
import { openTestStores, TEST_BACKEND, type TestDatabase, type TestStores, testDatabase } from '../testing/store.ts';

const log = createLogger('silent');
const OTHER: Backend = TEST_BACKEND === 'sqlite' ? 'postgres' : 'sqlite';

/** Every table of a store at migration 14: a table the copy skipped would be missed by the comparisons. */
const TABLES = [
  'accounts', 'advisories', 'advisory_changes', 'advisory_cves', 'advisory_vendors', 'alert_comments', 'alert_state', 'alerts',
  'api_tokens', 'audit_log', 'changes', 'deliveries', 'document_analyses', 'epss_current', 'epss_days', 'epss_history',
  'intel_document_cves', 'intel_documents', 'intel_history', 'intel_sources', 'intel_validators', 'ioc_document_cves', 'ioc_lookups',
  'ioc_sightings', 'iocs', 'jobs', 'kev', 'kev_catalogs',
  'observations', 'owasp_cwes', 'search_cursors', 'sessions', 'settings', 'source_state', 'subscriptions', 'team_members', 'teams', 'users',
  'vuln_cwes', 'vuln_products', 'vulns', 'watch_entries', 'watchlists',
];

/** An audit row by alice. */
function auditEntry(at: string, action: string): NewAuditEntry {
  return { at, actor: 'alice', actorKind: 'session', tokenId: null, action, target: 'user:alice', outcome: 'success', statusCode: 200, ip: '127.0.0.1', userAgent: 'vitest', detail: { why: 'test' } };
}

/** Runs `fn` with table access to `stores` (one connection). */
async function withTables<T>(stores: Stores, fn: (io: TableIo) => Promise<T>): Promise<T> {
  if (stores.sqlite) return fn(new SqliteTables(stores.sqlite.db));
  const client = await (stores.pg as NonNullable<Stores['pg']>).pool.connect();
  try {
    return await fn(new PgTables(client, stores.pg?.schema ?? 'public'));
  } finally {
    client.release();
  }
}

/** Every row of every table (`SELECT *`: generated columns and full text included), in key order. */
async function snapshot(stores: Stores): Promise<Record<string, unknown[]>> {
  return withTables(stores, async (io) => {
    const out: Record<string, unknown[]> = {};
    for (const t of await io.tables()) {
      const order = t.key.map((k) => `"${k}"`).join(', ');
      out[t.name] = stores.sqlite
        ? stores.sqlite.db.prepare(`SELECT * FROM "${t.name}" ORDER BY ${order}`).all()
        : await (stores.pg as NonNullable<Stores['pg']>).query(`SELECT *, ${['vulns', 'advisories', 'intel_documents'].includes(t.name) ? 'fts::text AS fts' : '1 AS one'} FROM "${t.name}" ORDER BY ${order}`);
    }
    return out;
  });
}

/** Every answer a user can get from the store's interfaces, volatile fields (file size) aside. */
async function answers(stores: Stores, cveIds: string[]) {
  const { store, alerts, auth, triage, intel } = stores;
  const vulnerabilities = [];
  for (const id of cveIds) vulnerabilities.push(await store.getVulnerability(id));
  const advisories: AdvisorySummary[] = [];
  for (let after: { published: string; id: string } | undefined; ; ) {
    const page = await store.listAdvisories({ limit: 500, ...(after ? { after } : {}) });
    advisories.push(...page);
    const last = page.at(-1);
    if (page.length < 500 || !last) break;
    after = { published: last.published ?? last.modified, id: last.id };
  }
  const stats = await store.stats();
  return {
    vulnerabilities,
    advisories,
    advisory: await Promise.all(advisories.slice(0, 50).map((a) => store.getAdvisory(a.id))),
    linked: await Promise.all(['CVE-2024-3400', 'CVE-2023-44487', 'CVE-2021-44228'].map((id) => store.advisoriesForCve(id))),
    ranked: await store.rank({ limit: 10_000, includeRejected: true }),
    searches: await Promise.all(['remote code execution', 'pan-os', 'fortios', 'vulnérabilité'].map((text) => store.rank({ text, limit: 100 }))),
    advisorySearches: await Promise.all(['fortinet', 'microsoft windows'].map((text) => store.listAdvisories({ text, limit: 100 }))),
    vendorAdvisories: await store.listAdvisories({ vendor: 'microsoft', limit: 100 }),
    stats: { ...stats, bytes: null },
    sources: await store.listSourceStates(),
    alerts: await alerts.listAlerts({ limit: 10_000 }),
    users: await alerts.listUsers(),
    watchlists: await alerts.listWatchlists(),
    accounts: await auth.listAccounts(),
    tokens: await auth.listTokens(),
    audit: await auth.listAudit({ limit: 1_000 }),
    inbox: await triage.listInbox({ limit: 1_000 }),
    intelDocuments: await intel.listDocuments({ limit: 500 }),
    intelDocument: await Promise.all((await intel.listDocuments({ limit: 500 })).map((d) => intel.getDocument(d.id))),
    intelSearches: await Promise.all(['vulnerability', 'ivanti connect secure', 'cve 2024'].map((text) => intel.listDocuments({ text }))),
    intelSources: await intel.listSources(),
    intelCounts: await intel.sourceCounts(),
    intelValidators: await intel.getValidators(INTEL_FEED),
    iocs: await stores.iocs.listIocs({ limit: 1000 }),
    iocSightings: await stores.iocs.sightingsSince(0, 10_000),
    lastSighting: await stores.iocs.lastSightingId(),
  };
}

const INTEL_FEED = 'https://www.cisa.gov/cybersecurity-advisories/all.xml';

/** The CISA advisories feed of the news corpus as intel documents (a stand-in for intel/collect.ts), and a near-duplicate of the first. */
function intelDocuments(): IntelDocument[] {
  const sha256 = (text: string) => createHash('sha256').update(text).digest('hex');
  const feed = parseFeed(readFileSync(corpusPath('news', 'feeds', 'tsummey_cyberdash', 'cybersecurity-advisories.xml')), INTEL_FEED);
  const docs = feed.items.map((item): IntelDocument => {
    const url = item.url ?? item.guid;
    const text = item.summary ?? '';
    const title = item.title ?? '';
    return {
      id: `intel-${sha256(url).slice(0, 20)}`,
      source: 'cisa',
      url,
      canonicalUrl: url,
      title,
      author: item.author,
      published: item.published,
      fetchedAt: '2026-08-16T09:00:00.000Z',
      language: 'en',
      text,
      summary: text.slice(0, 500),
      contentHash: sha256(`${title}\n${text}`),
      simhash: simhash(text),
      tags: item.categories,
      cves: [...new Set((`${title}\n${text}`.match(/CVE-\d{4}-\d{4,}/gi) ?? []).map((c) => c.toUpperCase()))].sort(),
    };
  });
  const first = docs[0] as IntelDocument;
  const text = first.text.replace(/\bthe\b/, 'a');
  return [...docs, { ...first, id: 'intel-mirror', url: `${first.url}?mirror`, source: 'mirror', text, contentHash: sha256(text), simhash: simhash(text) }];
}

/**
 * Where two sets of answers differ: per answer, the indexes (CVE ids for `vulnerabilities`) of the
 * items whose JSON differs, with the first difference; empty when they are the same.
 */
function differences(a: Record<string, unknown>, b: Record<string, unknown>, cveIds: string[]): string[] {
  const out: string[] = [];
  for (const key of Object.keys(a)) {
    const [x, y] = [a[key], b[key]];
    const xs = Array.isArray(x) ? x : [x];
    const ys = Array.isArray(y) ? y : [y];
    const bad: string[] = [];
    let first = '';
    for (let i = 0; i < Math.max(xs.length, ys.length); i++) {
      const [l, r] = [JSON.stringify(xs[i]), JSON.stringify(ys[i])];
      if (l === r) continue;
      bad.push(key === 'vulnerabilities' ? (cveIds[i] ?? String(i)) : String(i));
      if (!first) {
        let at = 0;
        while (at < Math.min((l ?? '').length, (r ?? '').length) && l?.[at] === r?.[at]) at++;
        first = `…${(l ?? 'undefined').slice(Math.max(0, at - 60), at + 80)}… vs …${(r ?? 'undefined').slice(Math.max(0, at - 60), at + 80)}…`;
      }
    }
    if (xs.length !== ys.length) bad.push(`length ${xs.length} vs ${ys.length}`);
    if (bad.length) out.push(`${key}: ${bad.length} differ (${bad.slice(0, 5).join(', ')}${bad.length > 5 ? ', …' : ''}); first: ${first}`);
  }
  return out;
}

describe.skipIf(!hasCorpus())(`vigil migrate: ${TEST_BACKEND} → ${OTHER} → ${TEST_BACKEND} on the real corpus`, () => {
  const dir = mkdtempSync(path.join(tmpdir(), 'vigil-migrate-'));
  const databases: TestDatabase[] = [];
  const fresh = (backend: Backend) => {
    const db = testDatabase(backend);
    databases.push(db);
    return db.database;
  };
  let origin: TestStores;
  let config: VigilConfig;
  let before: Record<string, unknown[]>;
  let cveIds: string[];

  beforeAll(async () => {
    origin = await openTestStores();
    const run = (source: string, paths: string[]) => importFiles(findSource(source).source, paths.map((p) => corpusPath(p)), { store: origin.store, log });
    await run('cve5', ['cve5/records']);
    await run('nvd', ['nvd/api2', 'nvd/nvdcve-1.1-recent.json.gz']);
    await run('kev', ['cisa-kev/known_exploited_vulnerabilities-2025.08.18.json', 'cisa-kev/known_exploited_vulnerabilities.json']);
    // EPSS: the real day, cut to the stored CVEs and every 500th other line (the whole day is 360k rows).
    const known = new Set((await origin.store.rank({ limit: 10_000, includeRejected: true })).map((r) => r.id));
    const lines = gunzipSync(readFileSync(corpusPath('epss', 'emba-epss-2026-08-16.ssv.gz'))).toString('utf8').split('\n');
    const epss = path.join(dir, 'emba-epss-2026-08-16.ssv.gz');
    writeFileSync(epss, gzipSync(lines.filter((l, i) => known.has(l.split(';')[0] ?? '') || i % 500 === 0).join('\n')));
    await importFiles(findSource('epss').source, [epss], { store: origin.store, log });
    await run('osv', ['ghsa/advisories']);
    await run('exploitdb', ['exploitdb/files_exploits-sample.csv']);
    await run('certfr', ['cert-fr/avis']);
    await run('certeu', ['cert-eu/samples']);
    writeFileSync(
      path.join(dir, 'vigil.config.yaml'),
      'alerts:\n  channels:\n    mail: { type: email, host: 127.0.0.1, port: 2525, from: vigil@example.org }\n  fallback: { channel: mail, to: admin@example.org }\n',
    );
    config = loadConfig(path.join(dir, 'vigil.config.yaml'), {});
    writeFileSync(
      path.join(dir, 'watch.yaml'),
      `users:
  - { name: alice, email: alice@example.org }
teams:
  - { name: soc, members: [alice] }
watchlists:
  - name: edge
    owner: { user: alice }
    entries:
      - { product: pan-os, vendor: paloaltonetworks }
      - { vendor: Fortinet }
    subscriptions:
      - { channel: mail }
  - name: rce
    owner: { team: soc }
    entries:
      - { keyword: remote code execution }
    subscriptions:
      - { channel: mail, events: [epss_threshold], epssAbove: 0.5 }
`,
    );
    await importWatchlistFile(path.join(dir, 'watch.yaml'), origin.alerts, config.alerts);
    const evaluated = await evaluate({ store: origin.store, alerts: origin.alerts, config: config.alerts, log });
    expect(evaluated.alerts.length).toBeGreaterThan(0);
    await origin.auth.upsertAccount({ name: 'alice', role: 'admin', passwordHash: '$argon2id$v=19$m=19456,t=2,p=1$c2FsdHNhbHQ$aGFzaGhhc2hoYXNoaGFzaA' });
    await origin.auth.createToken({ user: 'alice', name: 'ci', tokenHash: 'f'.repeat(64), prefix: 'vgl_ffff', scopes: ['read'], expiresAt: null });
    await origin.auth.audit(auditEntry('2026-08-16T10:00:00.000Z', 'token.create'));
    const first = evaluated.alerts[0] as number;
    await origin.triage.updateTriage(first, { triage: 'triaged', assignee: 'alice' });
    await origin.triage.addComment({ alertId: first, author: 'alice', body: 'patched on the edge firewalls', at: '2026-08-16T11:00:00.000Z' });
    await origin.auth.setSetting('jwt.key', 'k'.repeat(43));
    await origin.intel.saveSource({
      name: 'cisa', kind: 'feed', url: INTEL_FEED, enabled: true, intervalSeconds: 3600, proxy: 'none', headers: { 'X-Key': 'k' }, minDelaySeconds: 1.5,
      robots: 'obey', fetchArticles: 'never', selectors: {}, follow: null, maxPages: 20, maxDepth: 1, minContentLength: 200, tags: ['cert'],
      createdAt: '2026-08-16T08:00:00.000Z', updatedAt: '2026-08-16T08:00:00.000Z',
    });
    const intelSaved = await origin.intel.saveDocuments(intelDocuments());
    expect(intelSaved.created).toBe(11);
    expect(intelSaved.changes.at(-1)?.cluster).toBe(intelSaved.changes[0]?.documentId);
    // Searches find something on the origin: a copy that lost the full text would answer differently.
    expect((await origin.intel.listDocuments({ text: 'vulnerability' })).length).toBeGreaterThan(3);
    await origin.intel.saveValidators({ url: INTEL_FEED, etag: '"v1"', lastModified: null, fetchedAt: '2026-08-16T09:00:00.000Z' });
    // Indicators of the documents (their CVE ids and URLs), an analysis and a cached look-up: the copy carries migration 11's tables.
    for (const d of intelDocuments()) {
      const found = [...d.cves.map((c) => ({ type: 'cve' as const, value: c })), { type: 'url' as const, value: d.url }];
      const iocs = found.map((i) => ({ ...i, original: i.value, start: 0, end: 0 }));
      await origin.iocs.saveDocumentIocs({ documentId: d.id, source: 'cisa', seen: d.published ?? d.fetchedAt, tlp: 'clear', iocs, cves: d.cves });
    }
    const analysis = { iocs: [], cves: [], entities: [], techniques: [], classification: { labels: [] }, severity: null, models: { used: [], missing: [] } };
    await origin.iocs.saveDocumentAnalysis(intelDocuments()[0]?.id ?? '', analysis, '2026-08-16T09:30:00.000Z');
    await origin.iocs.saveLookup({ provider: 'virustotal', type: 'domain', value: 'cisa.gov', fetched: '2026-08-16T09:30:00.000Z', body: { id: 'cisa.gov' } });
    before = await snapshot(origin);
    cveIds = (before.vulns as { cve_id: string }[]).map((r) => r.cve_id);
    // A few CVEs only EPSS knows: their view is built from the EPSS tables.
    const recorded = new Set(cveIds);
    cveIds.push(...(before.epss_current as { cve_id: string }[]).filter((r) => !recorded.has(r.cve_id)).slice(0, 25).map((r) => r.cve_id));
  }, 600_000);

  afterAll(async () => {
    await origin?.close();
    for (const db of databases) await db.drop();
    rmSync(dir, { recursive: true, force: true });
  });

  let middle: string;

  /** Whether a PostgreSQL copy has planner statistics for its tables at once (SQLite: nothing to check). */
  async function analyzed(s: Stores): Promise<boolean> {
    if (!s.pg) return true;
    const rows = await s.pg.query<{ tablename: string }>('SELECT DISTINCT tablename FROM pg_stats WHERE schemaname = current_schema()');
    const tables = new Set(rows.map((r) => r.tablename));
    return ['vulns', 'vuln_products', 'observations', 'epss_current'].every((t) => tables.has(t));
  }

  it('copies every table there and back, row for row (priorities and full text rebuilt), and every answer of the interfaces is the same', async () => {
    expect(Object.keys(before).sort()).toEqual(TABLES);
    expect(before.vulns?.length).toBeGreaterThan(2_000);
    expect(before.epss_current?.length).toBeGreaterThan(1_000);
    expect(before.advisories?.length).toBeGreaterThan(500);
    middle = fresh(OTHER);
    const there = await copyStore(origin.database, middle, { batchSize: 700 });
    expect(there.counts.filter((c) => c.source !== c.target)).toEqual([]);
    expect(there.ok).toBe(true);
    const back = fresh(TEST_BACKEND);
    const again = await copyStore(middle, back, { batchSize: 1_000 });
    expect(again.ok).toBe(true);
    const copy = await openStores(back);
    try {
      const after = await snapshot(copy);
      for (const table of TABLES) expect({ table, rows: after[table] }).toEqual({ table, rows: before[table] });
      expect(differences(await answers(origin, cveIds), await answers(copy, cveIds), cveIds)).toEqual([]);
      expect(await analyzed(copy)).toBe(true);
    } finally {
      await copy.close();
    }
  }, 600_000);

  it(`the copy on ${OTHER} answers as the origin on ${TEST_BACKEND} does (volatile fields aside)`, async () => {
    const other = await openStores(middle);
    try {
      expect(differences(await answers(origin, cveIds), await answers(other, cveIds), cveIds)).toEqual([]);
      expect(await analyzed(other)).toBe(true);
    } finally {
      await other.close();
    }
  }, 300_000);

  it('refuses a target holding data unless forced; a copy interrupted mid-table leaves the target as it was, and a re-run ends as an uninterrupted copy', async () => {
    const complete = await openStores(middle);
    const reference = await snapshot(complete);
    await complete.close();
    await expect(copyStore(origin.database, middle)).rejects.toMatchObject({ code: 'VIGIL_BAD_REQUEST', message: expect.stringMatching(/not empty .*--force/) });

    // A crash half way through the observations: nothing of the attempt is visible.
    await expect(
      copyStore(origin.database, middle, {
        force: true,
        batchSize: 100,
        afterBatch: (table, copied) => {
          if (table === 'observations' && copied >= 300) throw new Error('killed');
        },
      }),
    ).rejects.toThrow('killed');
    const stores = await openStores(middle);
    try {
      expect(await snapshot(stores)).toEqual(reference);
    } finally {
      await stores.close();
    }
    // Forced again over the complete copy: the same end state.
    expect((await copyStore(origin.database, middle, { force: true, batchSize: 333 })).ok).toBe(true);
    const rerun = await openStores(middle);
    try {
      expect(await snapshot(rerun)).toEqual(reference);
    } finally {
      await rerun.close();
    }
  }, 600_000);

  it('moves the identity sequences past the copied ids: the next alert, change and audit entry get new ids', async () => {
    const other = await openStores(middle);
    try {
      const maxAudit = Math.max(...(before.audit_log as { id: number }[]).map((r) => r.id));
      expect(await other.auth.audit(auditEntry('2026-08-17T00:00:00.000Z', 'auth.login'))).toBeGreaterThan(maxAudit);
      const maxComment = Math.max(...(before.alert_comments as { id: number }[]).map((r) => r.id));
      const comment = await other.triage.addComment({ alertId: (before.alerts as { id: number }[])[0]?.id as number, author: 'alice', body: 'again', at: '2026-08-17T00:00:00.000Z' });
      expect(comment.id).toBeGreaterThan(maxComment);
    } finally {
      await other.close();
    }
  }, 120_000);

  it('vigil migrate prints the counts of every table and refuses a store onto itself or a missing source', async () => {
    // A small store (the KEV catalog): the command's output, not the copy, is under test here.
    const small = fresh(TEST_BACKEND);
    const kev = await openStores(small);
    await importFiles(findSource('kev').source, [corpusPath('cisa-kev', 'known_exploited_vulnerabilities.json')], { store: kev.store, log });
    await kev.close();
    const target = fresh(OTHER);
    const ok = await runCli(['migrate', '--from', small, '--to', target]);
    expect(ok.stderr).toBe('');
    expect(ok.status).toBe(0);
    expect(ok.stdout).toMatch(new RegExp(`TABLE +SOURCE \\(${TEST_BACKEND}\\) +TARGET \\(${OTHER}\\)`));
    expect(ok.stdout).toMatch(/\nvulns +1,404 +1,404 +ok\n/);
    expect(ok.stdout).toMatch(/\nkev +1,404 +1,404 +ok\n/);
    expect(ok.stdout).toMatch(/\nvulns \(full text\) +[\d,]+ +[\d,]+ +ok\n/);
    expect(ok.stdout).not.toMatch(/MISMATCH/);
    expect(ok.stdout).toMatch(/copied [\d,]+ rows from .* in [\d.]+ s/);
    const self = await runCli(['migrate', '--from', small, '--to', small]);
    expect(self.status).toBe(1);
    expect(self.stderr).toMatch(/same store/);
    const missing = await runCli(['migrate', '--from', path.join(dir, 'nothing.db'), '--to', fresh(OTHER)]);
    expect(missing.status).toBe(1);
    expect(missing.stderr).toMatch(/nothing\.db not found/);
  }, 300_000);
});
