import { readFileSync } from 'node:fs';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { corpusPath, hasCorpus } from '../testing/corpus.ts';
import { sentences, tokens } from './text.ts';

describe('sentences', () => {
  it.each([
    ['two sentences', 'APT28 used Mimikatz. It dumped LSASS.', ['APT28 used Mimikatz.', 'It dumped LSASS.']],
    ['abbreviation', 'Tools, e.g. Mimikatz, were used. Then more.', ['Tools, e.g. Mimikatz, were used.', 'Then more.']],
    ['company suffix', 'Microsoft Corp. Released a patch.', ['Microsoft Corp. Released a patch.']],
    ['defanged domain', 'It beacons to evil[.]com. Then it sleeps.', ['It beacons to evil[.]com.', 'Then it sleeps.']],
    ['file name and version', 'It drops cmd.exe and v2.3 of the loader. Done!', ['It drops cmd.exe and v2.3 of the loader.', 'Done!']],
    ['question and exclamation', 'Is it bad? Yes! Patch now.', ['Is it bad?', 'Yes!', 'Patch now.']],
    ['blank line', 'Indicators\n\n1.2.3.4 was the C2', ['Indicators', '1.2.3.4 was the C2']],
    ['bullets', 'It uses:\n- PowerShell\n- WMI', ['It uses:', '- PowerShell', '- WMI']],
    ['lowercase after stop', 'At 3 p.m. the actor returned.', ['At 3 p.m. the actor returned.']],
    ['closing quote', 'He said "stop." Then left.', ['He said "stop."', 'Then left.']],
  ])('%s', (_name, text, expected) => {
    expect(sentences(text).map((s) => s.text)).toEqual(expected);
  });

  it('gives offsets into the text, in order, for any text', () => {
    fc.assert(
      fc.property(fc.string({ maxLength: 300 }), (text) => {
        let last = 0;
        for (const s of sentences(text)) {
          expect(text.slice(s.start, s.end)).toBe(s.text);
          expect(s.start).toBeGreaterThanOrEqual(last);
          expect(s.text.trim()).toBe(s.text);
          expect(s.text.length).toBeGreaterThan(0);
          last = s.end;
        }
      }),
    );
  });
});

describe('tokens', () => {
  it.each([
    ['indicator-like words stay whole', 'Run cmd.exe via T1059.001 for CVE-2024-3400', ['Run', 'cmd.exe', 'via', 'T1059.001', 'for', 'CVE-2024-3400']],
    ['punctuation alone', 'Hello, world!', ['Hello', ',', 'world', '!']],
    ['paths and addresses', 'C:\\Windows\\x.dll user@host', ['C:\\Windows\\x.dll', 'user@host']],
    ['unicode letters', 'Ransomware über Zürich', ['Ransomware', 'über', 'Zürich']],
  ])('%s', (_name, text, expected) => {
    expect(tokens(text).map((t) => t.text)).toEqual(expected);
  });

  it('offsets match the text', () => {
    fc.assert(
      fc.property(fc.string({ maxLength: 200 }), (text) => {
        for (const t of tokens(text)) expect(text.slice(t.start, t.end)).toBe(t.text);
      }),
    );
  });
});

describe('sentences and tokens together', () => {
  // The entity recognizer tokenises a text once and hands each sentence the tokens between its offsets.
  const viaText = (text: string) => {
    const all = tokens(text);
    return sentences(text).map((s) => all.filter((t) => t.start >= s.start && t.end <= s.end).map((t) => [t.text, t.start]));
  };
  const viaSentences = (text: string) => sentences(text).map((s) => tokens(s.text).map((t) => [t.text, s.start + t.start]));

  it("a text's tokens are its sentences' tokens, none across a boundary (random texts of words, stops, quotes, bullets)", () => {
    const piece = fc.constantFrom(
      'APT28',
      'e.g.',
      'evil[.]com',
      'v2.3',
      '"stop."',
      'it',
      'U.S.',
      '.',
      '!',
      '?',
      ' ',
      '  ',
      '\n',
      '\n\n',
      '\n- ',
      '\n1. ',
      "'",
      '’s',
      ')',
      'x.y',
      '|',
    );
    fc.assert(
      fc.property(fc.array(piece, { maxLength: 60 }), (parts) => {
        const text = parts.join('');
        expect(viaText(text)).toEqual(viaSentences(text));
        expect(viaText(text).flat().length).toBe(tokens(text).length);
      }),
    );
  });

  it.skipIf(!hasCorpus())('on the ESET Turla report too', () => {
    const text = readFileSync(corpusPath('iocs/eset-malware-ioc/turla/README.adoc'), 'utf8');
    expect(viaText(text)).toEqual(viaSentences(text));
    expect(viaText(text).flat().length).toBe(tokens(text).length);
  });
});
