/**
 * The osv and ghsa sources through the pipeline into the store under test (SQLite or PostgreSQL: openTestStores), on the real
 * corpus: the Go vulndb export and the GitHub advisory-database files imported, re-imported
 * without a change, joined to their CVEs; a live osv sync whose cursor the pipeline saves.
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createLogger } from '../../log.ts';
import { importFiles, syncSource } from '../../pipeline.ts';
import type { Store } from '../../store/types.ts';
import { corpusPath, hasCorpus } from '../../testing/corpus.ts';
import { openTestStores, TEST_BACKEND, type TestStores } from '../../testing/store.ts';
import { startUpstream, type Upstream } from '../../testing/upstream.ts';
import { zipOf } from '../cve5/test-bundles.ts';
import { listFiles } from '../files.ts';
import { ghsaSource } from '../ghsa/index.ts';
import { osvToGhsaRest } from '../ghsa/testing.ts';
import { HttpClient } from '../http.ts';
import { OsvConfigSchema, osvSource } from './index.ts';

const log = createLogger('silent');

describe.skipIf(!hasCorpus())(`osv through the pipeline into the ${TEST_BACKEND} store (real Go vulndb and GitHub files)`, () => {
  let stores: TestStores;
  let store: Store;
  beforeAll(async () => {
    stores = await openTestStores();
    store = stores.store;
  });
  afterAll(() => stores?.close());

  it('imports 4,291 Go and 12 GitHub advisories, 0 rejected; a second import changes nothing', async () => {
    const paths = [corpusPath('osv', 'go-vulndb-osv-all.jsonl.gz'), corpusPath('ghsa', 'advisories')];
    const first = await importFiles(osvSource, paths, { store, log });
    expect(first.rejected).toEqual([]);
    expect(first.advisories).toEqual({ created: 4303, changed: 0, unchanged: 0, stale: 0 });
    expect(await store.countAdvisories({ source: 'osv' })).toBe(4303);
    const again = await importFiles(osvSource, paths, { store, log });
    expect(again.advisories).toEqual({ created: 0, changed: 0, unchanged: 4303, stale: 0 });
  });

  it('stores Spring4Shell whole and joins it to CVE-2022-22965; keeps GHSA-5crp-9r3c-p9vr without a CVE', async () => {
    const spring = await store.getAdvisory('GHSA-36p3-wjmg-h94x');
    expect(spring?.advisory.affected).toHaveLength(10);
    expect(spring?.advisory.affected.map((a) => a.purl)).toContain('pkg:maven/org.springframework/spring-webmvc');
    expect((await store.advisoriesForCve('CVE-2022-22965')).map((a) => a.id)).toContain('GHSA-36p3-wjmg-h94x');
    const newtonsoft = await store.getAdvisory('GHSA-5crp-9r3c-p9vr');
    expect(newtonsoft?.advisory).toMatchObject({ cves: [], severity: 'LOW' });
    // Go vulndb's GO-2022-0298 names CVE-2022-21687 and aliases its GHSA.
    expect((await store.advisoriesForCve('CVE-2022-21687')).map((a) => a.id)).toEqual(['GO-2022-0298']);
  });
});

describe.skipIf(!hasCorpus())('live syncs through the pipeline (loopback upstreams serving the real files)', () => {
  let upstream: Upstream;
  let stores: TestStores;
  let store: Store;
  beforeAll(async () => {
    stores = await openTestStores();
    store = stores.store;
    const files = await listFiles(corpusPath('osv', 'go-vulndb'));
    const zip = await zipOf(files.map((f) => [path.basename(f), readFileSync(f)]));
    const ghsa = (await listFiles(corpusPath('ghsa', 'advisories'))).map((f) => osvToGhsaRest(JSON.parse(readFileSync(f, 'utf8'))));
    ghsa.sort((a, b) => String(a.updated_at).localeCompare(String(b.updated_at)));
    upstream = await startUpstream({
      '/Go/all.zip': (_req, res) => {
        res.writeHead(200, { 'content-type': 'application/zip' }).end(zip);
        return true;
      },
      '/Go/modified_id.csv': (_req, res) => {
        res.writeHead(200, { 'content-type': 'text/csv' }).end(files.map((f) => `0001-01-01T00:00:00Z,${path.basename(f, '.json')}`).join('\n'));
        return true;
      },
      '/advisories': (_req, res) => {
        res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify(ghsa));
        return true;
      },
    });
  });
  afterAll(async () => {
    await upstream?.close();
    await stores?.close();
  });

  it('osv: the first sync stores 300 advisories and its per-ecosystem cursor; the next reads only modified_id.csv', async () => {
    const http = new HttpClient({ minBackoffSeconds: 0.01, retries: 2 });
    const config = OsvConfigSchema.parse({ baseUrl: upstream.baseUrl, ecosystems: ['Go'] });
    const first = await syncSource(osvSource, config, { store, log, http });
    expect(first.error).toBeNull();
    expect(first.advisories?.created).toBe(300);
    expect((await store.getSourceState('osv'))?.cursor).toBe('{"Go":"0001-01-01T00:00:00.000Z"}');
    upstream.requests.length = 0;
    const second = await syncSource(osvSource, config, { store, log, http });
    expect(second.error).toBeNull();
    expect(second.read).toBe(0);
    expect(upstream.requests).toEqual(['/Go/modified_id.csv']);
  });

  it('ghsa: a sync stores the 12 advisories with source ghsa and saves the newest updated_at as cursor', async () => {
    const http = new HttpClient({ minBackoffSeconds: 0.01, retries: 2 });
    const summary = await syncSource(ghsaSource, { baseUrl: upstream.baseUrl, type: 'reviewed', perPage: 100, maxPages: 100 }, { store, log, http });
    expect(summary.error).toBeNull();
    expect(summary.rejected).toEqual([]);
    expect(summary.advisories?.created).toBe(12);
    expect(await store.countAdvisories({ source: 'ghsa' })).toBe(12);
    expect((await store.getSourceState('ghsa'))?.cursor).toBe('2024-09-23T20:43:56.000Z');
  });
});
