/**
 * Analysis on arrival through the real collection path (intel/service.ts collectSources with a
 * loopback site replaying a corpus feed), on the back end under test: every stored document is
 * analysed, and a document whose analysis fails (a fault injected into the real analyzer) is
 * logged and left without analysis while the others are stored and analysed; an analyzer that
 * cannot be built stores the documents anyway.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../config.ts';
import { collectSources, type IntelServices } from '../intel/service.ts';
import { validateSource } from '../intel/sources/schema.ts';
import { createLogger } from '../log.ts';
import { sharedAnalyzer } from '../nlp/analyze.ts';
import type { Analyzer } from '../nlp/types.ts';
import { corpusDir, corpusPath, hasCorpus } from '../testing/corpus.ts';
import { type IntelSite, startIntelSite } from '../testing/intel-site.ts';
import { openTestStores, type TestStores } from '../testing/store.ts';
import { analyseDocuments, type DocumentAnalysisDeps } from './analyse.ts';

const MICROSOFT = corpusPath('news', 'feeds', 'tsummey_cyberdash', 'microsoftsecurity.xml');

describe.skipIf(!hasCorpus())('analysis on arrival', () => {
  let site: IntelSite;
  let stores: TestStores;
  const models = mkdtempSync(path.join(tmpdir(), 'vigil-analyse-'));
  const config = loadConfig(undefined, { VIGIL_DATA_DIR: corpusDir });
  config.nlp.modelDir = models;
  config.intel.allowHosts = ['127.0.0.1'];
  config.intel.minDelaySeconds = 0;
  const warnings: unknown[] = [];
  const log = createLogger('silent');
  log.warn = ((obj: unknown) => void warnings.push(obj)) as typeof log.warn;

  beforeAll(async () => {
    site = await startIntelSite([{ file: MICROSOFT, origin: 'https://www.microsoft.com', path: '/en-us/security/blog/feed/' }]);
    stores = await openTestStores();
  });
  afterAll(async () => {
    await stores?.close();
    await site?.close();
    rmSync(models, { recursive: true, force: true });
  });

  it('analyses every stored document; one failing analysis loses neither the others nor the collection', async () => {
    const real = await sharedAnalyzer(config);
    const items = site.items(MICROSOFT);
    const poisoned = items[1]?.title as string;
    // The real analyzer, failing on one document's text.
    const analyzer: Analyzer = {
      warninglists: real.warninglists,
      analyze: (text, options) => {
        if (text.startsWith(poisoned)) throw new Error('injected analysis failure');
        return real.analyze(text, options);
      },
    };
    const deps: DocumentAnalysisDeps = { analyzer: async () => analyzer, iocs: stores.iocs, tlp: 'green', log, now: () => new Date() };
    const services: IntelServices = {
      intel: stores.intel,
      store: stores.store,
      config: config.intel,
      log,
      now: () => new Date(),
      analyse: (docs) => analyseDocuments(deps, docs),
    };
    const source = { name: 'ms', kind: 'feed', url: site.feedUrl(MICROSOFT), robots: 'ignore', fetchArticles: 'never', minContentLength: 0 };
    await stores.intel.saveSource(validateSource(source, { allowHosts: ['127.0.0.1'], torProxy: config.intel.torProxy }, new Date()));
    const [outcome] = await collectSources(services, ['ms']);
    expect(outcome?.error).toBeUndefined();
    const stored = await stores.intel.listDocuments({ limit: 500 });
    expect(stored.length).toBe(outcome?.report?.created);
    const failed = stored.filter((d) => d.title === poisoned).map((d) => d.id);
    expect(failed).toHaveLength(1);
    expect(await stores.iocs.documentsWithoutAnalysis(100)).toEqual(failed);
    expect(warnings).toContainEqual(expect.objectContaining({ document: failed[0], error: 'injected analysis failure' }));
    const some = (await stores.iocs.listIocs({ limit: 5 })).items;
    expect(some.length).toBeGreaterThan(0);
    expect(some.every((i) => i.tlp === 'green')).toBe(true);

    // An analyzer that cannot be built: logged, the documents say so by lacking an analysis.
    const broken = await analyseDocuments({ ...deps, analyzer: () => Promise.reject(new Error('model file damaged')) }, [
      (await stores.intel.getDocument(failed[0] as string)) as NonNullable<Awaited<ReturnType<typeof stores.intel.getDocument>>>,
    ]);
    expect(broken).toEqual({ analysed: 0, failed: 1, newIocs: 0, newSightings: 0 });
  });
});
