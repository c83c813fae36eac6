/**
 * CERT-FR and CERT-EU through the pipeline into the store under test (SQLite or PostgreSQL), on
 * the real corpus: every bulletin stored and joined to its CVEs (listed and found in text), a re-import changes
 * nothing; and a live sync whose cursor the pipeline saves and sends back.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createLogger } from '../../log.ts';
import { importFiles, syncSource } from '../../pipeline.ts';
import type { Store } from '../../store/types.ts';
import { corpusPath, hasCorpus } from '../../testing/corpus.ts';
import { openTestStores, TEST_BACKEND, type TestStores } from '../../testing/store.ts';
import { startUpstream, type Upstream } from '../../testing/upstream.ts';
import { certeuSource } from '../certeu/index.ts';
import { HttpClient } from '../http.ts';
import { CertfrConfigSchema, certfrSource } from './index.ts';

const log = createLogger('silent');
const certfrJsonl = () => corpusPath('cert-fr', 'certfr-avis-all-2000-2026.DERIVED.jsonl.gz');
const certeuJsonl = () => corpusPath('cert-eu', 'certeu-security-advisories-2017-2026.DERIVED.jsonl.gz');

describe.skipIf(!hasCorpus())(`CERT-FR and CERT-EU imports through the pipeline into the ${TEST_BACKEND} store`, () => {
  let stores: TestStores;
  let store: Store;
  beforeAll(async () => {
    stores = await openTestStores();
    store = stores.store;
  });
  afterAll(() => stores?.close());

  it('stores all 15,738 CERT-FR bulletins; a second import changes nothing', async () => {
    const started = performance.now();
    const first = await importFiles(certfrSource, [certfrJsonl()], { store, log });
    const seconds = (performance.now() - started) / 1000;
    // Reported, not asserted (the machine is shared): the issue asks ≥ 5,000 bulletins/s.
    console.info(`certfr (${TEST_BACKEND}): ${first.read} bulletins parsed and stored in ${seconds.toFixed(2)} s (${Math.round(first.read / seconds)}/s)`);
    expect(first.rejected).toEqual([]);
    expect(first.advisories).toEqual({ created: 15_738, changed: 0, unchanged: 0, stale: 0 });
    expect(await store.countAdvisories({ source: 'certfr' })).toBe(15_738);
    const again = await importFiles(certfrSource, [certfrJsonl()], { store, log });
    expect(again.advisories).toEqual({ created: 0, changed: 0, unchanged: 15_738, stale: 0 });
  }, 180_000);

  it('joins bulletins to listed CVEs and to CVEs found only in their text', async () => {
    // CVE-2024-8963: listed by 0796, found only in the text of 0784 and 0851.
    const stored = await store.getAdvisory('CERTFR-2025-AVI-0969');
    expect(stored?.advisory.cves).toHaveLength(1924);
    expect((await store.advisoriesForCve('CVE-2024-8963')).map((a) => a.id).sort()).toEqual([
      'CERTFR-2024-AVI-0784',
      'CERTFR-2024-AVI-0796',
      'CERTFR-2024-AVI-0851',
    ]);
    expect((await store.getAdvisory('CERTFR-2024-AVI-0784'))?.advisory.cves.find((c) => c.id === 'CVE-2024-8963')).toEqual({
      id: 'CVE-2024-8963',
      origin: 'text',
    });
  });

  it('stores all 561 CERT-EU advisories (the one without content too); a second import changes nothing', async () => {
    const first = await importFiles(certeuSource, [certeuJsonl()], { store, log });
    expect(first.rejected).toEqual([]);
    expect(first.advisories).toEqual({ created: 561, changed: 0, unchanged: 0, stale: 0 });
    const again = await importFiles(certeuSource, [corpusPath('cert-eu', 'samples'), certeuJsonl()], { store, log });
    expect(again.advisories).toEqual({ created: 0, changed: 0, unchanged: 561 + 25, stale: 0 });
    expect((await store.advisoriesForCve('CVE-2026-1281')).map((a) => a.id)).toContain('CERT-EU-SA2026-001');
    expect((await store.getAdvisory('CERT-EU-SA2022-068'))?.advisory.title).toBe('UPDATE: New Microsoft Exchange Zero-Day Vulnerabilities');
  });
});

describe.skipIf(!hasCorpus())('CERT-FR live sync through the pipeline (loopback site, real bulletins)', () => {
  let upstream: Upstream;
  let stores: TestStores;
  let store: Store;
  const dir = () => corpusPath('cert-fr', 'avis', '2026');
  beforeAll(async () => {
    stores = await openTestStores();
    store = stores.store;
    const names = readdirSync(dir()).sort().slice(-10);
    const docs = names.map((n) => JSON.parse(readFileSync(`${dir()}/${n}`, 'utf8')));
    const items = docs
      .map((d) => {
        const date = new Date(`${(d.revisions.at(-1).revision_date as string).slice(0, 10)}T00:00:00Z`).toUTCString().replace('GMT', '+0000');
        return `<item><title>${d.reference}</title><link>https://www.cert.ssi.gouv.fr/avis/${d.reference}/</link><pubDate>${date}</pubDate></item>`;
      })
      .join('');
    const feed = (body: string) => `<?xml version="1.0"?><rss version="2.0"><channel><title>CERT-FR</title>${body}</channel></rss>`;
    upstream = await startUpstream({
      '/avis/feed/': (_req, res) => {
        res.writeHead(200, { 'content-type': 'application/rss+xml' }).end(feed(items));
        return true;
      },
      '/alerte/feed/': (_req, res) => {
        res.writeHead(200, { 'content-type': 'application/rss+xml' }).end(feed(''));
        return true;
      },
      '/avis/': (_req, res, url) => {
        const ref = /^\/avis\/([^/]+)\/json\/$/.exec(url.pathname)?.[1];
        if (!ref || !names.includes(`${ref}.json`)) return false;
        res.writeHead(200, { 'content-type': 'application/json' }).end(readFileSync(`${dir()}/${ref}.json`));
        return true;
      },
    });
  });
  afterAll(async () => {
    await upstream?.close();
    await stores?.close();
  });

  it('stores the feed items, saves the cursor, and the next sync fetches only the newest day again', async () => {
    const config = CertfrConfigSchema.parse({ baseUrl: upstream.baseUrl, rateLimit: { requests: 1000, perSeconds: 1 } });
    const deps = { store, log, http: new HttpClient({ retries: 0 }) };
    const first = await syncSource(certfrSource, config, deps);
    expect(first.error).toBeNull();
    expect(first.advisories).toEqual({ created: 10, changed: 0, unchanged: 0, stale: 0 });
    const cursor = (await store.getSourceState('certfr'))?.cursor;
    expect(cursor).toMatch(/^2026-\d{2}-\d{2}T00:00:00\.000Z$/);
    upstream.requests.length = 0;
    const second = await syncSource(certfrSource, config, deps);
    expect(second.error).toBeNull();
    expect(second.advisories?.created).toBe(0);
    expect(second.advisories?.unchanged).toBeGreaterThan(0);
    expect(upstream.requests.filter((r) => r.endsWith('/json/')).length).toBeLessThan(10);
  });
});
