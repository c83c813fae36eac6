/**
 * The analyzer's composition: on a real ESET report with no model trained, the IOC extractor
 * (warninglists from the corpus) and the ATT&CK gazetteer still answer and every model is named
 * as missing; the filters that keep headings, table rows and indicator lists away from the
 * technique classifier and random runs out of the tagger's entities.
 */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../config.ts';
import { corpusPath, hasCorpus } from '../testing/corpus.ts';
import { createAnalyzer, isPlausibleEntity, isProse, modelsSignature } from './analyze.ts';
import { ModelRepository } from './models.ts';
import { sentences } from './text.ts';
import type { Entity } from './types.ts';

const dir = mkdtempSync(path.join(tmpdir(), 'vigil-analyze-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const words = new Set(['1ad46547e3dc264f940bf62df455b26e65b0101f', 'http://evil.example.com/a.php', 'hxxp://evil[.]example[.]com/a.php']);

describe('isProse', () => {
  it.each([
    ['a sentence of a report', 'The dropper then uses PowerShell to download the second stage from its server.', true],
    ['an AsciiDoc heading', '=== Registry keys', false],
    ['a table row', '|2023-06-02 |C&C server of LunarWeb (compromised VPS).', false],
    ['a path', '* `C:\\Windows\\System32\\DynamicAuth.bin`', false],
    ['a defanged URL in markup', '- `++hxxp://evil[.]example[.]com/a.php++` was used', false],
    ['a hash list line', '1ad46547e3dc264f940bf62df455b26e65b0101f Win32/Turla.AN trojan', false],
    ['one pipe', 'The loader reads the config | then decrypts it with a fixed key.', true],
    ['two pipes', 'The loader reads the config | then | decrypts it with a fixed key.', false],
  ])('%s', (_name, sentence, expected) => {
    expect(isProse(sentence, words)).toBe(expected);
  });

  it.skipIf(!hasCorpus())('counts words as the full match counts do, on every sentence of an ESET report (it stops at the thresholds)', () => {
    const text = readFileSync(corpusPath('iocs/eset-malware-ioc/turla/README.adoc'), 'utf8');
    const reference = (s: string): boolean =>
      (s.match(/\p{L}[\p{L}'’-]*/gu)?.length ?? 0) >= 5 &&
      (s.match(/(?<![\p{L}\p{N}_\\/.])\p{Ll}{2,}(?![\p{L}\p{N}_\\/.])/gu)?.length ?? 0) >= 3 &&
      s.split('|').length - 1 < 2 &&
      s.length > 0; // no indicators: the last condition holds for any non-empty sentence
    const all = sentences(text).map((s) => s.text);
    expect(all.length).toBeGreaterThan(50);
    expect(all.filter((s) => isProse(s, new Set()))).toEqual(all.filter(reference));
    expect(all.filter((s) => isProse(s, new Set())).length).toBeGreaterThan(10);
  });
});

describe('isPlausibleEntity', () => {
  const model = (text: string): Entity => ({ type: 'malware', text, start: 0, end: text.length, source: 'model' });
  it.each([
    ['a malware name', 'LunarWeb', true],
    ['two words', 'JScript backdoor', true],
    ['a base64 run', 'RnZC1OFgVafqgVR', false],
    ['a key with slashes', 'XbArHHl/Jpf7BQtS', false],
    ['across lines', 'Gazer\nCarbon', false],
    ['a hash', '1ad46547e3dc264f940bf62df455b26e65b0101f', false],
    ['no letters', '08:14:47', false],
    // Tagged in ESET's Turla report by the taggers: code and paths, not entities.
    ['a C++ member', 'InjectManager::LoadNtdll', false],
    ['a destructor', '~LTManager', false],
    ['a code span', '`AutorunManager', false],
    ['a registry path', 'HKCU\\Software\\Microsoft\\Windows', false],
    ['a name with a hyphen', 'Crutch v3-backdoor', true],
  ])('%s', (_name, text, expected) => {
    expect(isPlausibleEntity(model(text), words)).toBe(expected);
  });

  it('keeps every gazetteer match', () => {
    expect(isPlausibleEntity({ ...model('RnZC1OFgVafqgVR'), source: 'gazetteer' }, words)).toBe(true);
  });
});

describe.skipIf(!hasCorpus())('createAnalyzer without models', () => {
  it('finds the IOCs (defanged ones refanged, benign ones flagged) and ATT&CK names of a real ESET report, and names every model missing', async () => {
    const config = loadConfig(undefined, { VIGIL_DATA_DIR: corpusPath(), VIGIL_MODEL_DIR: dir });
    const models = new ModelRepository(dir);
    const analyzer = await createAnalyzer({ config, models });
    const text = readFileSync(corpusPath('iocs/eset-malware-ioc/turla/README.adoc'), 'utf8');
    const result = analyzer.analyze(text);
    for (const ioc of result.iocs) expect(text.slice(ioc.start, ioc.end)).toBe(ioc.original);
    // Every SHA-1 of the campaign's samples file the README names is found.
    const samples = readFileSync(corpusPath('iocs/eset-malware-ioc/turla/samples.sha1'), 'utf8').split(/\s+/).filter(Boolean);
    const named = samples.filter((h) => text.toLowerCase().includes(h.toLowerCase()));
    const sha1 = new Set(result.iocs.filter((i) => i.type === 'sha1').map((i) => i.value));
    expect(named.length).toBeGreaterThan(10);
    for (const h of named) expect(sha1).toContain(h.toLowerCase());
    const defanged = result.iocs.filter((i) => i.original !== i.value && /\[\.\]|hxxp/i.test(i.original));
    expect(defanged.length).toBeGreaterThan(5);
    for (const d of defanged) expect(d.value).not.toMatch(/\[\.\]|hxxp/i);
    expect(result.iocs.some((i) => i.warning)).toBe(true);
    expect(result.entities).toEqual(expect.arrayContaining([expect.objectContaining({ type: 'threat-actor', text: 'Turla', source: 'gazetteer' })]));
    expect(result.techniques).toEqual([]);
    expect(result.severity).toBeNull();
    expect(result.models.used).toEqual([]);
    expect(result.models.missing).toEqual(expect.arrayContaining(['techniques', 'severity', 'impact-certfr', 'events-casie']));
  });

  it('changes its models signature when a model is trained', () => {
    const models = new ModelRepository(dir);
    const before = modelsSignature(models);
    models.save('severity', { payload: {}, metrics: {}, data: { files: [], train: 0, valid: 0 } });
    expect(modelsSignature(models)).not.toBe(before);
  });
});
