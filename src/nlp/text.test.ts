import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
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
