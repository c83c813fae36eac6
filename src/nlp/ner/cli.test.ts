/**
 * `vigil nlp tag` and `vigil nlp eval ner` as a user runs them (a child process), with a model
 * trained quickly into a temporary model folder; a missing model is a clear error.
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { CLI } from '../../testing/cli.ts';
import { corpusDir, corpusPath, hasCorpus } from '../../testing/corpus.ts';
import { ModelRepository } from '../models.ts';
import { formatReport } from './cli.ts';
import { nerModels } from './index.ts';

const dir = mkdtempSync(path.join(tmpdir(), 'vigil-ner-cli-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function vigil(args: string[], input?: string) {
  return spawnSync(process.execPath, [...CLI, ...args], {
    encoding: 'utf8',
    input,
    env: { ...process.env, VIGIL_LOG_LEVEL: 'silent', VIGIL_MODEL_DIR: dir, VIGIL_DATA_DIR: corpusDir },
  });
}

describe.skipIf(!hasCorpus())('vigil nlp tag / eval ner', () => {
  it('says which model is missing', () => {
    const r = vigil(['nlp', 'tag', '--scheme', 'cyner', '-'], 'APT28\n');
    expect(r.status).not.toBe(0);
    expect(r.stderr).toMatch(/ner-cyner is not trained yet/);
  });

  it('tags CoNLL tokens round trip and evaluates a gold file', async () => {
    const def = nerModels.find((m) => m.name === 'ner-cyner');
    if (!def) throw new Error('ner-cyner not defined');
    const trained = new ModelRepository(dir).save('ner-cyner', await def.train({ dataDir: corpusDir, quick: true, progress: () => {} }));

    // Real valid sentences, gold tags left in a second column (the tagger reads the first), CRLF.
    const gold = readFileSync(corpusPath('ner/cyner-mitre/valid.txt'), 'utf8')
      .split(/\r?\n\r?\n/)
      .slice(0, 30);
    const r = vigil(['nlp', 'tag', '--scheme', 'cyner', '-'], `${gold.join('\r\n\r\n')}\r\n`);
    expect(r.stderr).toBe('');
    expect(r.status).toBe(0);
    const out = r.stdout.replace(/\n$/, '').split('\n\n');
    expect(out.length).toBe(30);
    out.forEach((sentence, i) => {
      const rows = sentence.split('\n').map((l) => l.split('\t'));
      const tokens = (gold[i] ?? '').split(/\r?\n/).map((l) => l.split('\t')[0]);
      expect(rows.map((x) => x[0])).toEqual(tokens);
      for (const row of rows) expect(row[1]).toMatch(/^(O|[BI]-(Malware|Indicator|System|Organization|Vulnerability))$/);
    });
    expect(r.stdout).toMatch(/\tB-[A-Za-z]+\n/);

    const e = vigil(['nlp', 'eval', 'ner', '--scheme', 'cyner', corpusPath('ner/cyner-mitre/valid.txt'), '--json']);
    expect(e.status).toBe(0);
    const report = JSON.parse(e.stdout);
    expect(report.model).toMatchObject({ name: 'ner-cyner', version: trained.version });
    // The training measured the same model on the same file.
    expect(report.overall.f1).toBeCloseTo(trained.metrics['valid.f1'] ?? -1, 6);
    expect(Object.keys(report.byType)).toEqual(expect.arrayContaining(['Malware', 'Indicator', 'System']));
    expect(report.sentences).toBe(813);
    const text = formatReport(report);
    expect(text).toMatch(new RegExp(`^overall\\s+\\d+\\.\\d\\s+\\d+\\.\\d\\s+${(100 * report.overall.f1).toFixed(1)}\\s+${report.overall.support}\\b`, 'm'));
  }, 120_000);
});
