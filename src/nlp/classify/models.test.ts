/**
 * The impact and news-event models, trained quick (a seeded subset, fewer iterations) on the real
 * corpus: held-out figures above floors, stored and loaded through ModelRepository, predictions
 * best first and at their thresholds, the impact model silent on English.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../../config.ts';
import { corpusDir, hasCorpus } from '../../testing/corpus.ts';
import { ModelRepository } from '../models.ts';
import type { TrainedModel } from '../types.ts';
import { loadCasie, stripRiskSentence } from './data.ts';
import { loadTextClassifiers } from './index.ts';
import { EVENTS_MODEL, eventsModel, IMPACT_MODEL, impactModel } from './models.ts';
import type { MultiLabelPayload } from './multilabel.ts';

describe.skipIf(!hasCorpus())('impact-certfr and events-casie (quick training on the corpus)', () => {
  const dir = mkdtempSync(path.join(tmpdir(), 'vigil-classify-'));
  const models = new ModelRepository(dir);
  const config = loadConfig(undefined);
  let impact: TrainedModel<MultiLabelPayload>;
  let events: TrainedModel<MultiLabelPayload>;

  beforeAll(async () => {
    const ctx = { dataDir: corpusDir, quick: true, seed: 42, progress: () => {} };
    [impact, events] = await Promise.all([impactModel.train(ctx), eventsModel.train(ctx)]);
  }, 60_000);
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('reads every CASIE article of the corpus, labels mapped to the event labels', () => {
    const articles = loadCasie(corpusDir);
    expect(articles.length).toBe(800);
    expect(new Set(articles.flatMap((a) => a.labels ?? []))).toEqual(new Set(['data-breach', 'phishing', 'ransom', 'vulnerability-disclosed', 'patch']));
  });

  it('scores held-out records above floors (quick: 1,500 bulletins, 400 articles)', () => {
    expect(impact.metrics['test.microF1']).toBeGreaterThan(0.8);
    expect(events.metrics['test.macroF1']).toBeGreaterThan(0.65);
    expect(impact.data.train).toBeGreaterThan(900);
    // Without CERT-FR's templated impact sentence the model has far less to go on: measured, not hidden.
    expect(impact.metrics['test.noRiskSentence.microF1']).toBeLessThan(impact.metrics['test.microF1'] as number);
  });

  it('trains deterministically for a seed', async () => {
    const again = await eventsModel.train({ dataDir: corpusDir, quick: true, seed: 42, progress: () => {} });
    expect(again.payload.thresholds).toEqual(events.payload.thresholds);
    expect(again.metrics).toEqual(events.metrics);
  });

  it('lists untrained models as missing, then classifies with the stored ones', async () => {
    expect(await loadTextClassifiers({ config, models })).toEqual({ classifiers: [], missing: [IMPACT_MODEL, EVENTS_MODEL] });
    models.save(IMPACT_MODEL, impact);
    models.save(EVENTS_MODEL, events);
    const { classifiers, missing } = await loadTextClassifiers({ config, models });
    expect(missing).toEqual([]);
    const byScheme = new Map(classifiers.map((c) => [c.scheme, c]));
    expect(byScheme.get('impact')?.model).toMatchObject({ name: IMPACT_MODEL, version: 1 });

    const french =
      'Multiples vulnérabilités dans le noyau Linux de Red Hat. De multiples vulnérabilités ont été découvertes dans le noyau Linux de Red Hat. Elles permettent à un attaquant de provoquer une exécution de code arbitraire à distance et un déni de service à distance.';
    const labels = byScheme.get('impact')?.predict(french, 'fr') ?? [];
    expect(labels.map((l) => l.label)).toEqual(expect.arrayContaining(['remote-code-execution', 'denial-of-service']));
    expect(labels.map((l) => l.probability)).toEqual([...labels.map((l) => l.probability)].sort((a, b) => b - a));
    const thresholds = impact.payload.thresholds;
    for (const l of labels) expect(l.probability).toBeGreaterThanOrEqual(thresholds[l.label] as number);
    // French model: English text (given or detected) gets no impact label.
    const english =
      'Multiple vulnerabilities were found in the Linux kernel. They allow a remote attacker to execute arbitrary code and cause a denial of service.';
    expect(byScheme.get('impact')?.predict(english, 'en')).toEqual([]);
    expect(byScheme.get('impact')?.predict(english)).toEqual([]);
    expect(byScheme.get('impact')?.predict(french)).toEqual(labels);

    const news =
      'The city said on Tuesday that a ransomware attack encrypted its servers and the attackers demanded a ransom of 50 bitcoin to restore access to the files. Officials refused to pay the ransom.';
    expect(byScheme.get('event')?.predict(news, 'en')[0]?.label).toBe('ransom');
    expect(byScheme.get('event')?.predict(news)[0]?.label).toBe('ransom');
    expect(byScheme.get('event')?.predict(french)).toEqual([]);
  });

  it('strips the templated impact sentence and nothing else', () => {
    const text =
      'Une vulnérabilité a été découverte dans Zimbra. Elle permet à un attaquant de provoquer une injection de code indirecte à distance (XSS). Mettre à jour.';
    expect(stripRiskSentence(text)).toBe('Une vulnérabilité a été découverte dans Zimbra.  Mettre à jour.');
  });
});
