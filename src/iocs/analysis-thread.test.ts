/**
 * The analysis thread's entity gazetteer reads the store's vendors and products through its
 * parent (the store lives on the serving thread): a real worker thread, the real analyzer with
 * no trained model (gazetteers only), the corpus catalog as the parent's answer.
 */
// vigil-test: the back end cannot matter (the catalog is the parent's answer; TrendsStore.vendorProducts is tested on both back ends in trends/store.test.ts).
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../config.ts';
import { corpusCatalog } from '../testing/catalog.ts';
import { corpusDir, hasCorpus } from '../testing/corpus.ts';
import { startAnalysisThread } from './analysis-thread.ts';

describe.skipIf(!hasCorpus())('analysis thread: store vendors and products', () => {
  const models = mkdtempSync(path.join(tmpdir(), 'vigil-thread-'));
  const config = loadConfig(undefined, { VIGIL_DATA_DIR: corpusDir });
  config.nlp.modelDir = models;
  const threads: { close(): Promise<void> }[] = [];
  afterAll(async () => {
    for (const t of threads) await t.close();
    rmSync(models, { recursive: true, force: true });
  });
  const TEXT = 'Fortinet fixed FortiOS after APT28 exploited it.';

  it('asks its parent for the catalog once when built, and names vendors and products with their ids', async () => {
    const catalog = await corpusCatalog();
    let asked = 0;
    const thread = startAnalysisThread(config, async () => {
      asked++;
      return catalog;
    });
    threads.push(thread);
    const result = await thread.analyze(TEXT);
    const named = result.entities.map((e) => `${e.type}:${e.text}:${e.id ?? ''}`);
    expect(named).toContain('organization:Fortinet:cpe:fortinet');
    expect(named).toContain('product:FortiOS:cpe:fortinet:fortios');
    expect(named).toContain('threat-actor:APT28:G0007');
    await thread.analyze(TEXT);
    expect(asked).toBe(1);
  }, 60_000);

  it('without a catalog (no store, or a failing one) it still analyses, with ATT&CK names only', async () => {
    for (const provider of [null, async () => Promise.reject(new Error('store closed'))]) {
      const thread = startAnalysisThread(config, provider);
      threads.push(thread);
      const result = await thread.analyze(TEXT);
      expect(result.entities.some((e) => e.id?.startsWith('cpe:'))).toBe(false);
      expect(result.entities.map((e) => e.id)).toContain('G0007');
    }
  }, 60_000);
});
