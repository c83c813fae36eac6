/**
 * `vigil analyze`: the command as a user runs it on a real report (ESET's Amavaldo IoC README from
 * the corpus) with an empty model folder, in text and in JSON (the JSON is the analysis itself:
 * offsets point into the file); input limits (file and standard input); and the text rendering of
 * a hand-written analysis (dedupe, defanged forms, warninglists, entities by source, the predicted
 * severity worded as predicted, missing models with the training hint).
 */
// vigil-test: the back end cannot matter (`vigil analyze` reads a file and prints its analysis; the store it is given is never read).
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import type { AnalysisResult } from '../nlp/types.ts';
import { CLI } from '../testing/cli.ts';
import { corpusPath, hasCorpus } from '../testing/corpus.ts';
import { testDatabase } from '../testing/store.ts';
import { readAnalyzeInput } from './analyze.ts';
import { formatAnalysis, formatSeverity } from './analyze-format.ts';

const dir = mkdtempSync(path.join(tmpdir(), 'vigil-analyze-'));
const db = testDatabase();
afterAll(async () => {
  rmSync(dir, { recursive: true, force: true });
  await db.drop();
});

function vigil(args: string[], input?: string) {
  return spawnSync(process.execPath, [...CLI, '--db', db.database, ...args], {
    encoding: 'utf8',
    input,
    env: { ...process.env, VIGIL_LOG_LEVEL: 'silent', VIGIL_MODEL_DIR: path.join(dir, 'models'), VIGIL_DATA_DIR: corpusPath() },
  });
}

describe.skipIf(!hasCorpus())('vigil analyze on a real report', () => {
  const file = corpusPath('iocs', 'eset-malware-ioc', 'amavaldo', 'README.adoc');
  const text = readFileSync(file, 'utf8');

  it('prints the analysis as JSON', () => {
    const r = vigil(['analyze', file, '--json', '--lang', 'en']);
    expect(r.status, r.stderr).toBe(0);
    const body = JSON.parse(r.stdout) as AnalysisResult;
    expect(Object.keys(body).sort()).toEqual(['classification', 'cves', 'entities', 'iocs', 'models', 'severity', 'techniques']);
    for (const ioc of body.iocs) expect(text.slice(ioc.start, ioc.end)).toBe(ioc.original);
    expect(body.models.missing).toEqual(expect.arrayContaining(['techniques', 'severity']));
  });

  it('prints readable sections, with the training hint for the missing models', () => {
    const r = vigil(['analyze', file]);
    expect(r.status, r.stderr).toBe(0);
    for (const heading of [
      /^IOCs/m,
      /^CVEs: /m,
      /^Entities/m,
      /^ATT&CK techniques/m,
      /^Labels/m,
      /^Severity: not predicted \(model not trained\)$/m,
      /^Models: /m,
    ])
      expect(r.stdout).toMatch(heading);
    expect(r.stdout).toContain('vigil nlp train');
  });

  it('refuses a bad language code and a missing file, naming them', () => {
    const bad = vigil(['analyze', file, '--lang', 'english']);
    expect(bad.status).not.toBe(0);
    expect(bad.stderr).toContain('ISO 639-1');
    const missing = vigil(['analyze', path.join(dir, 'nope.txt')]);
    expect(missing.status).not.toBe(0);
    expect(missing.stderr).toContain('nope.txt');
    expect(missing.stderr).toContain('ENOENT');
  });
});

describe('readAnalyzeInput', () => {
  it('reads a file up to the limit and refuses a larger one, naming it and the limit', async () => {
    const f = path.join(dir, 'report.txt');
    writeFileSync(f, '\uFEFFC2 at 198.51.100.4');
    expect(await readAnalyzeInput(f, 100)).toBe('C2 at 198.51.100.4');
    await expect(readAnalyzeInput(f, 10)).rejects.toThrow(/report\.txt.*at most 0\.0 MB/);
  });

  it('reads standard input and stops at the limit', async () => {
    async function* chunks(n: number) {
      for (let i = 0; i < n; i++) yield Buffer.from('x'.repeat(1000));
    }
    expect((await readAnalyzeInput('-', 10_000, chunks(10))).length).toBe(10_000);
    await expect(readAnalyzeInput(undefined, 10_000, chunks(11))).rejects.toMatchObject({ code: 'VIGIL_INPUT_UNREADABLE' });
  });
});

describe('formatAnalysis', () => {
  const stamp = { name: 'techniques', version: 3, trainedAt: '2026-12-01T10:00:00.000Z' };
  const result: AnalysisResult = {
    iocs: [
      { type: 'domain', value: 'evil.example.com', original: 'evil[.]example[.]com', start: 0, end: 20 },
      { type: 'domain', value: 'evil.example.com', original: 'evil.example.com', start: 30, end: 46 },
      { type: 'domain', value: 'google.com', original: 'google.com', start: 50, end: 60, warning: { list: 'tranco', name: 'Top 10K Tranco' } },
    ],
    cves: ['CVE-2024-3400'],
    entities: [
      { type: 'threat-actor', text: 'APT28', start: 0, end: 5, source: 'gazetteer', id: 'G0007' },
      { type: 'threat-actor', text: 'APT28', start: 10, end: 15, source: 'gazetteer', id: 'G0007' },
      { type: 'malware', text: 'Zebrocy', start: 20, end: 27, source: 'model' },
    ],
    techniques: [{ id: 'T1059.001', name: 'Command and Scripting Interpreter: PowerShell', score: 0.912, sentence: 'They ran   PowerShell.' }],
    classification: { labels: [{ label: 'phishing', probability: 0.8, scheme: 'event' }] },
    severity: { label: 'HIGH', probability: 0.934, model: 'severity@2' },
    models: { used: [stamp], missing: ['ner-dnrti'] },
  };
  const out = formatAnalysis(result);

  it('lists each indicator once, with its defanged form, count and warninglist', () => {
    const evil = out.split('\n').filter((l) => l.includes('evil.example.com') && l.startsWith('domain'));
    expect(evil).toHaveLength(1);
    expect(evil[0]).toContain('evil[.]example[.]com');
    expect(evil[0]).toContain('×2');
    expect(out).toMatch(/google\.com.*on warninglist Top 10K Tranco/);
    expect(out).toContain('1 on a MISP warninglist: possible false positives');
  });

  it('groups entities by type with their source, and shows techniques, labels, severity and models', () => {
    expect(out).toMatch(/threat-actor: APT28 \(gazetteer G0007, ×2\)/);
    expect(out).toMatch(/malware: Zebrocy \(model\)/);
    expect(out).toMatch(/T1059\.001 +Command and Scripting Interpreter: PowerShell +0\.91 +They ran PowerShell\./);
    expect(out).toContain('event: phishing (0.80)');
    expect(out).toContain('Severity: predicted: HIGH (0.93, model severity@2)');
    expect(out).toContain('techniques@3 (trained 2026-12-01)');
    expect(out).toMatch(/not trained yet: ner-dnrti .*vigil nlp train/);
  });

  it('words an abstention as the model abstaining, never as a severity', () => {
    expect(formatSeverity({ label: null, probability: 0.41, model: 'severity@2' })).toBe(
      'predicted: none (the model abstains below its threshold: 0.41, model severity@2)',
    );
  });
});
