/**
 * The CVE routes on the real corpus: every list filter and every sort is checked against an
 * independent computation over the store (plain SQL on its tables), pages are walked to the end,
 * the merged record of CVE-2024-3400 is checked field by field against the raw corpus files
 * (CVE 5 record, NVD API 2.0 record, KEV catalog, EPSS days), and `POST /api/analyze` is checked
 * against what `vigil show` (buildView) computes.
 */
import { readFileSync } from 'node:fs';
import { gunzipSync } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildView } from '../analysis/view.ts';
import { ErrorCodes } from '../errors.ts';
import { productKey } from '../enrich/product-key.ts';
import { ftsTsquery } from '../store/postgres/query-pg.ts';
import { startTestApi, type TestApi } from '../testing/api.ts';
import { corpusPath, hasCorpus } from '../testing/corpus.ts';

const ID = 'CVE-2024-3400';

/** One row of the `vulns` table, as the independent expectation reads it. */
interface VulnRow {
  cve_id: string;
  state: string;
  published: string | null;
  cvss_score: number | null;
  epss: number | null;
  kev: number;
  priority: number;
}

interface Summary {
  id: string;
  published: string | null;
  cvssScore: number | null;
  epss: number | null;
  priority: number;
  kev: boolean;
  state: string;
}

/** The sort key of a row as the API documents it (highest first, no value last). */
const keyOf: Record<string, (r: { published: string | null; cvss: number | null; epss: number | null; priority: number }) => number | string> = {
  priority: (r) => r.priority,
  published: (r) => r.published ?? '',
  epss: (r) => r.epss ?? -1,
  cvss: (r) => r.cvss ?? -1,
};

/** Expected order: sort key descending, then CVE id ascending (the keyset tie-break). */
function expectedOrder(rows: VulnRow[], sort: string): string[] {
  const key = keyOf[sort] as (typeof keyOf)[string];
  const k = (r: VulnRow) => key({ published: r.published, cvss: r.cvss_score, epss: r.epss, priority: r.priority });
  return [...rows]
    .sort((a, b) => {
      const ka = k(a);
      const kb = k(b);
      if (ka !== kb) return ka < kb ? 1 : -1;
      return a.cve_id < b.cve_id ? -1 : a.cve_id > b.cve_id ? 1 : 0;
    })
    .map((r) => r.cve_id);
}

/** Scores of one corpus EPSS day (`CVE;epss;percentile` lines). */
function epssDay(date: string): Map<string, { score: number; percentile: number }> {
  const out = new Map<string, { score: number; percentile: number }>();
  for (const line of gunzipSync(readFileSync(corpusPath('epss', `emba-epss-${date}.ssv.gz`)))
    .toString('utf8')
    .split('\n')) {
    const [id, score, pct] = line.split(';');
    if (id && score && pct) out.set(id, { score: Number(score), percentile: Number(pct) });
  }
  return out;
}

function readJson(...parts: string[]): Record<string, unknown> {
  return JSON.parse(readFileSync(corpusPath(...parts), 'utf8')) as Record<string, unknown>;
}

describe.skipIf(!hasCorpus())('CVE routes on the real corpus', () => {
  let api: TestApi;
  let token: string;
  let all: VulnRow[];
  /** CVEs with a vendor key starting with Palo Alto Networks' key. */
  let paloAlto: Set<string>;
  /** Non-rejected CVEs matching "remote code execution", in FTS5 rank order on SQLite. */
  let relevance: string[];

  /**
   * The non-rejected CVEs whose full text holds every word of `text` (each a quoted FTS5 string,
   * ANDed: store/query.ts ftsQuery), read from the engine: FTS5 in rank order on SQLite; on
   * PostgreSQL the `fts` column matched by the same tokens (postgres/query-pg.ts), in id order.
   */
  async function ftsMatches(text: string): Promise<string[]> {
    const words = text.split(' ');
    if (api.sqlite) {
      const match = words.map((w) => `"${w}"`).join(' ');
      return api.sqlite.db
        .prepare(
          `SELECT v.cve_id FROM vulns_fts f JOIN vulns v ON v.rowid = f.rowid WHERE vulns_fts MATCH ? AND v.state != 'REJECTED' ORDER BY f.rank, v.cve_id`,
        )
        .pluck()
        .all(match) as string[];
    }
    const rows = await api.sql<{ cve_id: string }>(
      "SELECT cve_id FROM vulns WHERE fts @@ ?::tsquery AND state != 'REJECTED' ORDER BY cve_id",
      ftsTsquery(text),
    );
    return rows.map((r) => r.cve_id);
  }

  /** The stored `last_modified` of a CVE's NVD observation. */
  const nvdModified = async (id: string) =>
    (await api.sql<{ m: string }>("SELECT last_modified AS m FROM observations WHERE cve_id = ? AND source = 'nvd'", id)).map((r) => r.m);

  async function get(url: string) {
    return api.app.inject({ method: 'GET', url, headers: { authorization: `Bearer ${token}` } });
  }

  /** Follows `nextCursor` from the first page to the last. @returns every item and the page count. */
  async function walk(path: string, query: Record<string, string>): Promise<{ items: Summary[]; pages: number }> {
    const items: Summary[] = [];
    let cursor: string | null = null;
    let pages = 0;
    do {
      const qs = new URLSearchParams({ ...query, ...(cursor ? { cursor } : {}) });
      const r = await get(`${path}?${qs}`);
      expect(r.statusCode, r.body).toBe(200);
      const body = r.json() as { items: Summary[]; nextCursor: string | null };
      items.push(...body.items);
      cursor = body.nextCursor;
      pages++;
      expect(pages).toBeLessThan(1000);
    } while (cursor);
    return { items, pages };
  }

  beforeAll(async () => {
    api = await startTestApi();
    token = await api.login('vic');
    all = await api.sql<VulnRow>('SELECT cve_id, state, published, cvss_score, epss, kev, priority FROM vulns');
    const key = productKey('Palo Alto Networks');
    paloAlto = new Set(
      (await api.sql<{ cve_id: string }>('SELECT DISTINCT cve_id FROM vuln_products WHERE substr(vendor_key, 1, ?) = ?', key.length, key)).map((r) => r.cve_id),
    );
    relevance = await ftsMatches('remote code execution');
  });
  afterAll(async () => api?.close());

  const notRejected = () => all.filter((r) => r.state !== 'REJECTED');
  const ids = (rows: VulnRow[]) => rows.map((r) => r.cve_id).sort();
  const idsOf = (items: Summary[]) => items.map((i) => i.id).sort();

  describe('GET /api/v1/cves filters agree with SQL over the store', () => {
    const rows: { name: string; query: Record<string, string>; expected: () => VulnRow[] }[] = [
      { name: 'no filter (rejected left out)', query: {}, expected: () => notRejected() },
      { name: 'includeRejected', query: { includeRejected: 'true' }, expected: () => all },
      { name: 'kev', query: { kev: 'true' }, expected: () => notRejected().filter((r) => r.kev === 1) },
      { name: 'minCvss 9', query: { minCvss: '9' }, expected: () => notRejected().filter((r) => r.cvss_score !== null && r.cvss_score >= 9) },
      { name: 'minEpss 0.5', query: { minEpss: '0.5' }, expected: () => notRejected().filter((r) => r.epss !== null && r.epss >= 0.5) },
      {
        name: 'since 2024-06-01',
        query: { since: '2024-06-01' },
        expected: () => notRejected().filter((r) => r.published !== null && r.published >= '2024-06-01T00:00:00.000Z'),
      },
      {
        name: 'vendor (display name, normalised)',
        query: { vendor: 'Palo Alto Networks' },
        expected: () => notRejected().filter((r) => paloAlto.has(r.cve_id)),
      },
      {
        name: 'kev + minCvss + since together',
        query: { kev: 'true', minCvss: '7', since: '2024-01-01' },
        expected: () =>
          notRejected().filter(
            (r) => r.kev === 1 && r.cvss_score !== null && r.cvss_score >= 7 && r.published !== null && r.published >= '2024-01-01T00:00:00.000Z',
          ),
      },
    ];
    it.each(rows)('$name', async ({ query, expected }) => {
      const want = expected();
      expect(want.length).toBeGreaterThan(0);
      const { items } = await walk('/api/v1/cves', { ...query, limit: '50' });
      expect(idsOf(items)).toEqual(ids(want));
    });

    it('every filter that is not "no filter" really filters something out of this corpus', () => {
      expect(all.length).toBeGreaterThan(400);
      expect(all.filter((r) => r.state === 'REJECTED').length).toBeGreaterThan(0);
      for (const row of rows.slice(2)) expect(row.expected().length, row.name).toBeLessThan(notRejected().length);
    });
  });

  describe('keyset pages (limit 7) visit every CVE once, in non-increasing sort order', () => {
    it.each(['priority', 'published', 'epss', 'cvss'])('sort=%s', async (sort) => {
      const { items, pages } = await walk('/api/v1/cves', { sort, limit: '7', includeRejected: 'true' });
      expect(pages).toBe(Math.ceil(all.length / 7));
      const seen = items.map((i) => i.id);
      expect(new Set(seen).size).toBe(seen.length);
      expect(seen).toEqual(expectedOrder(all, sort));
      const key = keyOf[sort] as (typeof keyOf)[string];
      const values = items.map((i) => key({ published: i.published, cvss: i.cvssScore, epss: i.epss, priority: i.priority }));
      for (let i = 1; i < values.length; i++)
        expect((values[i] as number | string) <= (values[i - 1] as number | string), `${seen[i]} after ${seen[i - 1]}`).toBe(true);
    });

    it('pages of a filtered list (kev, by EPSS) are the filtered set, in order', async () => {
      const { items } = await walk('/api/v1/cves', { sort: 'epss', kev: 'true', limit: '7' });
      expect(items.map((i) => i.id)).toEqual(
        expectedOrder(
          notRejected().filter((r) => r.kev === 1),
          'epss',
        ),
      );
    });
  });

  describe('relevance search', () => {
    const q = 'remote code execution';
    /** The same words as quoted FTS5 terms, ANDed (store/query.ts ftsQuery): read in beforeAll. */
    const fts = () => relevance;
    it('pages with its offset cursor, without duplicates, in rank order', async () => {
      // Rank order is the engine's (FTS5 bm25 here; PostgreSQL ts_rank_cd, where the pages are
      // checked against the store's matches as a set, without duplicates).
      const want = fts();
      expect(want.length).toBeGreaterThan(14);
      const { items, pages } = await walk('/api/v1/search', { q, sort: 'relevance', limit: '7' });
      const seen = items.map((i) => i.id);
      expect(new Set(seen).size).toBe(seen.length);
      if (api.sqlite) expect(seen).toEqual(want);
      else expect([...seen].sort()).toEqual([...want].sort());
      expect(pages).toBe(Math.ceil(want.length / 7));
    });

    it.each(['/api/v1/cves', '/api/v1/search'])('q on %s without a sort filters by the same words, in priority order (as vigil search)', async (route) => {
      const want = new Set(fts());
      const { items } = await walk(route, { q, limit: '50' });
      expect(idsOf(items)).toEqual([...want].sort());
      expect(items.map((i) => i.id)).toEqual(
        expectedOrder(
          notRejected().filter((r) => want.has(r.cve_id)),
          'priority',
        ),
      );
    });

    it('the CVE id itself is searchable', async () => {
      const r = await get(`/api/v1/search?q=${ID}`);
      expect(r.statusCode).toBe(200);
      expect((r.json() as { items: Summary[] }).items.map((i) => i.id)).toContain(ID);
    });
  });

  describe('cursors belong to their query', () => {
    async function firstCursor(path: string, query: Record<string, string>): Promise<string> {
      const r = await get(`${path}?${new URLSearchParams({ ...query, limit: '7' })}`);
      const c = (r.json() as { nextCursor: string | null }).nextCursor;
      expect(c).toBeTypeOf('string');
      return c as string;
    }
    const rows = [
      { name: 'an epss cursor on sort=cvss', from: ['/api/v1/cves', { sort: 'epss' }], to: ['/api/v1/cves', { sort: 'cvss' }] },
      { name: 'a priority cursor on sort=published', from: ['/api/v1/cves', {}], to: ['/api/v1/cves', { sort: 'published' }] },
      {
        name: 'a relevance cursor on the priority list',
        from: ['/api/v1/search', { q: 'windows', sort: 'relevance' }],
        to: ['/api/v1/cves', { q: 'windows' }],
      },
      { name: 'a priority cursor on relevance search', from: ['/api/v1/cves', {}], to: ['/api/v1/search', { q: 'windows', sort: 'relevance' }] },
    ] as const;
    it.each(rows)('$name is 400', async ({ from, to }) => {
      const cursor = await firstCursor(from[0], from[1]);
      const r = await get(`${to[0]}?${new URLSearchParams({ ...to[1], cursor })}`);
      expect(r.statusCode).toBe(400);
      expect(r.json()).toMatchObject({ statusCode: 400, code: 'VIGIL_BAD_REQUEST' });
      expect((r.json() as { message: string }).message).toMatch(/cursor/);
    });
  });

  describe(`GET /api/v1/cves/${ID}: the merged record, checked against the raw corpus files`, () => {
    const cve5 = () =>
      readJson('cve5', 'records', '2024', '3xxx', `${ID}.json`) as {
        cveMetadata: { dateUpdated: string };
        containers: {
          cna: { title: string };
          adp: { metrics?: { other?: { type: string; content: { options: Record<string, string>[]; timestamp?: string } } }[] }[];
        };
      };
    const nvd = () => readJson('nvd', 'api2', 'records', `${ID}.json`) as { lastModified: string; vulnStatus: string };
    let view: Record<string, unknown> & {
      sources: { source: string; lastModified: string; vulnStatus?: string }[];
      kev: Record<string, unknown>;
      epss: { score: number; percentile: number; date: string; history: { date: string; score: number; percentile: number }[] };
      ssvc: Record<string, unknown>;
      priority: { score: number; factors: { name: string; contribution: number; value: number | null }[] };
      primaryCvss: { baseScore: number; baseSeverity: string };
      cvss: { source: string }[];
      history: unknown[];
    };

    beforeAll(async () => {
      const r = await get(`/api/v1/cves/${ID}`);
      expect(r.statusCode).toBe(200);
      view = r.json();
    });

    it('merges the CVE 5 and NVD records (each with its own lastModified)', () => {
      const bySource = Object.fromEntries(view.sources.map((s) => [s.source, s]));
      expect(Object.keys(bySource).sort()).toEqual(['cve5', 'nvd']);
      expect(bySource.cve5?.lastModified).toBe(new Date(cve5().cveMetadata.dateUpdated).toISOString());
      // NVD API 2.0 times carry no zone: they are UTC.
      expect(bySource.nvd?.lastModified).toBe(new Date(`${nvd().lastModified}Z`).toISOString());
      expect(bySource.nvd?.vulnStatus).toBe(nvd().vulnStatus);
      expect(view.title).toBe(cve5().containers.cna.title);
      expect(new Set(view.cvss.map((c) => c.source))).toEqual(new Set(['cve5', 'nvd']));
      expect(view.severity).toBe(view.primaryCvss.baseSeverity);
    });

    it('has the KEV entry of the newest catalog file (dateAdded, due date, ransomware use)', () => {
      const catalog = readJson('cisa-kev', 'known_exploited_vulnerabilities.json') as { vulnerabilities: Record<string, string>[] };
      const entry = catalog.vulnerabilities.find((v) => v.cveID === ID);
      expect(entry).toBeDefined();
      expect(view.kev).toMatchObject({
        dateAdded: entry?.dateAdded,
        dueDate: entry?.dueDate,
        knownRansomwareCampaignUse: entry?.knownRansomwareCampaignUse,
        vendorProject: entry?.vendorProject,
        product: entry?.product,
      });
    });

    it('has EPSS of the newest day, and a history that reads back both days of the corpus', () => {
      const days = ['2026-08-09', '2026-08-16'];
      const files = days.map((d) => epssDay(d).get(ID));
      expect(view.epss).toMatchObject({ date: '2026-08-16', score: files[1]?.score, percentile: files[1]?.percentile });
      // The history keeps change points: the score in effect on a day is the last point on or before it.
      const points = [...view.epss.history, { date: view.epss.date, score: view.epss.score, percentile: view.epss.percentile }];
      for (const [i, day] of days.entries()) {
        const inEffect = points.filter((p) => p.date <= day).at(-1);
        expect(inEffect?.score, day).toBe(files[i]?.score);
      }
      expect(view.epss.history[0]?.date).toBe(days[0]);
    });

    it('has the CISA ADP SSVC decision points of the CVE 5 record', () => {
      const metric = cve5()
        .containers.adp.flatMap((a) => a.metrics ?? [])
        .find((m) => m.other?.type === 'ssvc')?.other?.content;
      expect(metric).toBeDefined();
      const option = (name: string) => metric?.options.find((o) => name in o)?.[name]?.toLowerCase();
      expect(view.ssvc).toMatchObject({
        exploitation: option('Exploitation'),
        automatable: option('Automatable'),
        technicalImpact: option('Technical Impact'),
      });
      expect(view.ssvc.decision).toBeTypeOf('string');
    });

    it('has priority factors that sum to the score, equal to the store’s generated column', () => {
      const sum = view.priority.factors.reduce((s, f) => s + f.contribution, 0);
      expect(view.priority.score).toBeCloseTo(sum, 2);
      expect(view.priority.score).toBe(all.find((r) => r.cve_id === ID)?.priority);
      expect(Object.fromEntries(view.priority.factors.map((f) => [f.name, f.value]))).toMatchObject({
        kev: 1,
        epss: view.epss.score,
        cvss: view.primaryCvss.baseScore,
      });
    });

    it('has the change history of the changes table, as the history route does', async () => {
      const changes = await api.sql('SELECT field, old, new, source, at FROM changes WHERE cve_id = ? ORDER BY at, id', ID);
      expect(changes.length).toBeGreaterThan(1);
      expect(view.history).toEqual(changes);
      const r = await get(`/api/v1/cves/${ID}/history`);
      expect(r.statusCode).toBe(200);
      expect((r.json() as { items: Record<string, unknown>[] }).items).toEqual(changes.map((c) => ({ cveId: ID, ...c })));
    });

    it.each(['', '/history'])('a well-formed unknown id is 404 (%s)', async (suffix) => {
      const unknown = 'CVE-2099-0001';
      expect(all.some((r) => r.cve_id === unknown)).toBe(false);
      const r = await get(`/api/v1/cves/${unknown}${suffix}`);
      expect(r.statusCode).toBe(404);
      const body = r.json() as { code: string; message: string; requestId: string; statusCode: number };
      expect(body).toMatchObject({ statusCode: 404, code: 'VIGIL_NOT_FOUND' });
      expect(body.message).toContain(unknown);
      expect(body.requestId).toBeTypeOf('string');
      expect(Object.keys(ErrorCodes)).toContain(body.code);
    });
  });

  describe('POST /api/analyze', () => {
    const cve5Record = () => readJson('cve5', 'records', '2024', '3xxx', `${ID}.json`);
    const nvdId = 'CVE-2023-4966';
    const nvdRecord = () => readJson('nvd', 'api2', 'records', `${nvdId}.json`);
    type Result = {
      input: number;
      id: string | null;
      severity: string | null;
      cvss: Record<string, unknown> | null;
      priority: { score: number } | null;
      ssvc: unknown;
      error: string | null;
    };

    async function analyze(cves: unknown[]): Promise<Result[]> {
      const r = await api.app.inject({ method: 'POST', url: '/api/analyze', headers: { authorization: `Bearer ${token}` }, payload: { cves } });
      expect(r.statusCode, r.body).toBe(200);
      return (r.json() as { results: Result[] }).results;
    }

    /** What `vigil show` computes from the store. */
    async function shown(id: string) {
      const stored = await api.store.getVulnerability(id);
      expect(stored).not.toBeNull();
      return buildView(stored!, api.config.ssvc);
    }

    it('gives results in input order; bad inputs name their problem and leave the good ones as `vigil show` computes them', async () => {
      const brokenCve5 = cve5Record() as { cveMetadata: Record<string, unknown> };
      delete brokenCve5.cveMetadata.cveId;
      const brokenNvd = { ...nvdRecord(), published: 42 };
      // The stored NVD observation is this very file (same lastModified), so the analysis must equal the stored view.
      const storedNvd = (await nvdModified(nvdId))[0];
      expect(storedNvd).toBe(new Date(`${(nvdRecord() as { lastModified: string }).lastModified}Z`).toISOString());

      const inputs = [ID, cve5Record(), nvdRecord(), brokenCve5, 'not a CVE id', brokenNvd, 'CVE-2099-0001'];
      const results = await analyze(inputs);
      expect(results.map((r) => r.input)).toEqual(inputs.map((_, i) => i));
      expect(results.map((r) => r.error === null)).toEqual([true, true, true, false, false, false, false]);
      expect(results[3]?.error).toMatch(/cveMetadata\.cveId/);
      expect(results[4]?.error).toMatch(/not a CVE id/);
      expect(results[5]?.error).toMatch(/\bpublished\b/);
      expect(results[6]?.error).toMatch(/CVE-2099-0001 is not in the store/);

      for (const [i, id] of [ID, ID, nvdId].entries()) {
        const v = await shown(id);
        const r = results[i] as Result;
        expect(r.id).toBe(id);
        expect(r.severity).toBe(v.severity);
        expect(r.priority).toEqual(v.priority);
        expect(r.ssvc).toEqual(v.ssvc);
        expect(r.cvss).toEqual({
          version: v.primaryCvss?.version,
          vector: v.primaryCvss?.vector,
          baseScore: v.primaryCvss?.baseScore,
          baseSeverity: v.primaryCvss?.baseSeverity,
          scorer: v.primaryCvss?.scorer,
        });
      }

      // The same good inputs alone give the same results: bad neighbours change nothing.
      const alone = await analyze([ID, cve5Record(), nvdRecord()]);
      expect(alone.map(({ input: _i, ...r }) => r)).toEqual(results.slice(0, 3).map(({ input: _i, ...r }) => r));
    });

    it('stores nothing', async () => {
      const observations = async () => (await api.sql<{ n: number }>('SELECT count(*) AS n FROM observations'))[0]?.n;
      const before = await observations();
      const changed = { ...nvdRecord(), lastModified: '2030-01-01T00:00:00.000', vulnStatus: 'Modified' };
      const [r] = await analyze([changed]);
      expect(r?.error).toBeNull();
      expect(await observations()).toBe(before);
      expect((await nvdModified(nvdId))[0]).not.toBe('2030-01-01T00:00:00.000Z');
    });
  });
});
