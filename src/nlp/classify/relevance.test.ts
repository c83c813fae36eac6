/**
 * Relevance on a real store: CVE 5 records of the corpus imported through the pipeline, alerts
 * about them stored, analysts' decisions set through the triage store. The analysts here act on
 * the enterprise vendors they run and ignore the rest (a pattern of real teams); the model must
 * learn it from the CVE text alone, beating the majority baseline under cross-validation.
 */
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createLogger } from '../../log.ts';
import { importFiles } from '../../pipeline.ts';
import { findSource } from '../../sources/registry.ts';
import type { NewAlert } from '../../store/alerts.ts';
import { sampleAlert } from '../../testing/alerts.ts';
import { runCli } from '../../testing/cli.ts';
import { corpusPath, hasCorpus } from '../../testing/corpus.ts';
import { openTestStores, type TestStores } from '../../testing/store.ts';
import { combineRelevance, crossValidate, RelevanceModel, relevanceModel } from './relevance.ts';
import { keywordRules, loadDecisions } from './relevance-data.ts';

const RUN = ['microsoft', 'oracle corporation', 'google', 'fortinet', 'cisco', 'ivanti', 'apple', 'linux', 'siemens'];

/** Published corpus records with their CNA's first vendor, by CVE id. */
function corpusRecords(): { file: string; cveId: string; vendor: string }[] {
  const root = corpusPath('cve5', 'records');
  return readdirSync(root, { recursive: true, encoding: 'utf8' })
    .filter((f) => /CVE-\d+-\d+\.json$/.test(f))
    .sort()
    .map((f) => {
      const record = JSON.parse(readFileSync(path.join(root, f), 'utf8'));
      return {
        file: path.join(root, f),
        cveId: record.cveMetadata.cveId as string,
        vendor: String(record.containers?.cna?.affected?.[0]?.vendor ?? 'n/a').toLowerCase(),
      };
    });
}

describe.skipIf(!hasCorpus())('relevance from triage decisions (real store, real CVE records)', () => {
  let stores: TestStores;
  const log = createLogger('silent');
  let ids: { relevant: string[]; ignored: string[] };

  beforeAll(async () => {
    stores = await openTestStores();
    const records = corpusRecords();
    const relevant = records.filter((r) => RUN.includes(r.vendor)).slice(0, 40);
    const ignored = records.filter((r) => !RUN.includes(r.vendor)).slice(0, 40);
    const summary = await importFiles(
      findSource('cve5').source,
      [...relevant, ...ignored].map((r) => r.file),
      { store: stores.store, log },
    );
    expect(summary.error).toBeNull();
    ids = { relevant: relevant.map((r) => r.cveId), ignored: ignored.map((r) => r.cveId) };
  }, 60_000);
  afterAll(async () => stores?.close());

  /** Stores one alert per CVE and sets its triage; returns nothing. */
  async function decide(cves: string[], triage: 'triaged' | 'fixed' | 'ignored' | 'new', key: string): Promise<void> {
    const made: NewAlert[] = cves.map((cveId) => {
      const { id: _i, status: _s, attempts: _a, sentAt: _t, lastError: _e, confirmedAt: _c, deliveredTo: _d, ...a } = sampleAlert();
      return { ...a, cveId, eventKey: `${key}:${cveId}` };
    });
    const created = await stores.alerts.commitEvaluation({ alerts: made, confirmations: [], state: {}, at: '2026-11-01T00:00:00.000Z' });
    for (const id of created) expect(await stores.triage.updateTriage(id, { triage })).toBe(true);
  }

  it('says there are too few decisions, and refuses to train on fewer than 5 per class', async () => {
    await decide(ids.relevant.slice(0, 3), 'triaged', 'a');
    await decide(ids.ignored.slice(0, 2), 'ignored', 'a');
    const decisions = await loadDecisions(stores);
    expect(decisions).toHaveLength(5);
    // The text is the stored record's, not the alert's facts (sampleAlert's are CVE-2024-3400's).
    expect(decisions.every((d) => !d.text.includes('GlobalProtect') || d.subject === 'CVE-2024-3400')).toBe(true);
    const report = crossValidate(decisions);
    expect(report).toMatchObject({ relevant: 3, notRelevant: 2, tooFew: true, folds: 2 });
    await expect(relevanceModel.train({ dataDir: '', progress: () => {}, stores })).rejects.toMatchObject({ code: 'VIGIL_DATA_MISSING' });
  });

  it('learns the analysts’ pattern: cross-validated accuracy above the majority baseline', async () => {
    await decide(ids.relevant.slice(3, 20), 'triaged', 'b');
    await decide(ids.relevant.slice(20), 'fixed', 'b');
    await decide(ids.ignored.slice(2), 'ignored', 'b');
    // `new` is no decision; an ignored alert beside a triaged one about the same CVE: relevant.
    await decide(ids.relevant.slice(0, 5), 'ignored', 'c');
    const decisions = await loadDecisions(stores);
    expect(
      decisions
        .filter((d) => d.relevant)
        .map((d) => d.subject)
        .sort(),
    ).toEqual([...ids.relevant].sort());
    expect(
      decisions
        .filter((d) => !d.relevant)
        .map((d) => d.subject)
        .sort(),
    ).toEqual([...ids.ignored].sort());
    const report = crossValidate(decisions, 7);
    expect(report).toMatchObject({ relevant: 40, notRelevant: 40, folds: 5, tooFew: false, baseline: 0.5 });
    expect(report.cvAccuracy).toBeGreaterThan(0.7);

    const trained = await relevanceModel.train({ dataDir: '', progress: () => {}, stores, quick: true });
    expect(trained.metrics['cv.accuracy']).toBeGreaterThan(0.7);
    const model = RelevanceModel.fromPayload(JSON.parse(JSON.stringify(trained.payload)), 'test');
    const text = decisions.find((d) => d.subject === ids.relevant[0])?.text ?? '';
    expect(model.probability(text)).toBeGreaterThan(0.5);

    // A keyword rule makes a CVE relevant unless the model is sure it is not.
    const rules = keywordRules([{ id: 1, watchlist: 'web', kind: 'keyword', value: 'SQL injection', thresholds: {} }]);
    const sqli = decisions.find((d) => /SQL injection/i.test(d.text) && !d.relevant);
    expect(sqli).toBeDefined();
    const verdict = combineRelevance(sqli?.text ?? '', rules, model);
    expect(verdict.rules).toEqual(['web: keyword:SQL injection']);
    expect(verdict.relevant).toBe((verdict.probability as number) >= 0.2);
    expect(combineRelevance(sqli?.text ?? '', [], model).relevant).toBe(false);
    expect(combineRelevance('nothing to see', rules, null)).toEqual({ probability: null, rules: [], relevant: false });
  });

  it('vigil nlp relevance --report --score reads the same store (one CLI run)', async () => {
    const modelDir = mkdtempSync(path.join(tmpdir(), 'vigil-relevance-'));
    try {
      const run = await runCli(['nlp', 'relevance', '--report', '--score', ids.relevant[0] as string, '--score', ids.ignored[0] as string], {
        VIGIL_DB: stores.database,
        VIGIL_MODEL_DIR: modelDir,
      });
      expect(run.stderr).toContain('relevance model not trained');
      expect(run.status).toBe(0);
      expect(run.stdout).toContain('decisions: 40 relevant (triaged/fixed), 40 not relevant (ignored)');
      expect(run.stdout).toMatch(/cross-validated accuracy: 0\.\d{3} over 5 folds \(always answering the majority class: 0\.500\)/);
      expect(run.stdout).not.toContain('too few decisions');
      expect(run.stdout).toMatch(new RegExp(`^${ids.relevant[0]}\\s+no model\\s+(yes|no)`, 'm'));
    } finally {
      rmSync(modelDir, { recursive: true, force: true });
    }
  }, 30_000);
});
