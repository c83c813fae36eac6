import { describe, expect, it } from 'vitest';
import type { WatchEntry } from '../model/alert.ts';
import { validateEntry, type WatchEntryInput } from './entry.ts';
import { IntelIndex } from './intel-match.ts';

function entry(input: WatchEntryInput): WatchEntry {
  return { ...validateEntry(input), id: 1, watchlist: 'w' };
}

const TEXT = 'Palo Alto Networks fixed PAN-OS 11.1 and GlobalProtect. The pan. OS team said remote\ncode execution is possible (CVE-2024-3400).';

describe('IntelIndex: entries on a document', () => {
  // One row per form: entry, title, text, the matched text (or null: no match).
  const rows: [string, WatchEntryInput, string, string, string | null][] = [
    ['vendor as people write it', { kind: 'vendor', value: 'Palo Alto Networks' }, 'Advisory', TEXT, 'Palo Alto Networks'],
    ['vendor as CPE writes it', { kind: 'vendor', value: 'paloaltonetworks' }, 'Advisory', TEXT, 'Palo Alto Networks'],
    ['vendor with underscores', { kind: 'vendor', value: 'palo_alto_networks' }, 'Advisory', TEXT, 'Palo Alto Networks'],
    ['product across a hyphen', { kind: 'product', value: 'pan-os' }, 'Advisory', TEXT, 'PAN-OS'],
    [
      'product with its vendor named in the title',
      { kind: 'product', value: 'pan-os', vendor: 'paloaltonetworks' },
      'Palo Alto Networks patches',
      'PAN-OS fixed.',
      'PAN-OS',
    ],
    ['product whose vendor the document does not name', { kind: 'product', value: 'pan-os', vendor: 'fortinet' }, 'Advisory', TEXT, null],
    ['no name across a sentence break', { kind: 'product', value: 'panos' }, 'Advisory', 'The pan. OS team', null],
    ['a part of a word is no vendor', { kind: 'vendor', value: 'global' }, 'Advisory', TEXT, null],
    ['keyword across a line break', { kind: 'keyword', value: 'remote code execution' }, 'Advisory', TEXT, 'remote\ncode execution'],
    ['keyword on word boundaries only', { kind: 'keyword', value: 'Global' }, 'Advisory', TEXT, null],
    ['keyword in the title', { kind: 'keyword', value: 'edge devices' }, 'Attacks on edge devices', TEXT, 'edge devices'],
    ['regex (RE2, case-insensitive)', { kind: 'regex', value: 'pan-os \\d+\\.\\d+' }, 'Advisory', TEXT, 'PAN-OS 11.1'],
    ['CVE the document names', { kind: 'cve', value: 'cve-2024-3400' }, 'Advisory', TEXT, 'CVE-2024-3400'],
    ['CVE it does not name', { kind: 'cve', value: 'CVE-2024-3401' }, 'Advisory', TEXT, null],
  ];
  it.each(rows)('%s', (_name, input, title, text, matched) => {
    const found = new IntelIndex([entry(input)]).match({ title, text, cves: ['CVE-2024-3400'] });
    if (matched === null) {
      expect(found).toEqual([]);
      return;
    }
    expect(found).toHaveLength(1);
    expect(found[0]?.reasons[0]?.matched.replace(/\s+/g, ' ')).toContain(matched.replace(/\s+/g, ' '));
  });

  it('a product version cannot be evaluated on prose: it matches and says so', () => {
    const [m] = new IntelIndex([entry({ kind: 'product', value: 'pan-os', version: '>=10.2.0 <10.2.9' })]).match({ title: '', text: TEXT, cves: [] });
    expect(m?.reasons[0]).toMatchObject({ via: 'intel', field: 'text' });
    expect(m?.reasons[0]?.version).toMatch(/not evaluated: a document's text states no versions Vigil can compare$/);
  });

  it('knows whether records of named CVEs can match (product-like entries)', () => {
    expect(new IntelIndex([entry({ kind: 'keyword', value: 'x' })]).productEntries).toBe(false);
    expect(new IntelIndex([entry({ kind: 'purl', value: 'pkg:npm/lodash' })]).productEntries).toBe(true);
  });
});
