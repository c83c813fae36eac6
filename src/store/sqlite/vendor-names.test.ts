/** The vendor display-name rule (vendor-names.ts), one row per case, and the names a store shows, on the back end under test. */
import { describe, expect, it } from 'vitest';
import { createLogger } from '../../log.ts';
import { importFiles } from '../../pipeline.ts';
import { findSource } from '../../sources/registry.ts';
import { corpusPath, hasCorpus } from '../../testing/corpus.ts';
import { openTestStores } from '../../testing/store.ts';
import { AsyncVendorNames, displayName, VendorNames } from './vendor-names.ts';

describe('displayName', () => {
  it.each([
    { name: 'a capitalised spelling beats a more common CPE key', spellings: ['microsoft', 'microsoft', 'microsoft', 'Microsoft'], want: 'Microsoft' },
    { name: 'the most common capitalised spelling', spellings: ['Oracle', 'Oracle Corp', 'Oracle', 'oracle'], want: 'Oracle' },
    { name: 'all lower case: the most common', spellings: ['dlink', 'd-link', 'd-link'], want: 'd-link' },
    { name: 'a tie: alphabetical', spellings: ['ZyXEL', 'Zyxel'], want: 'ZyXEL' },
    { name: 'a name holding a comma', spellings: ['MediaTek, Inc.', 'mediatek, inc.'], want: 'MediaTek, Inc.' },
    { name: 'nothing stated', spellings: [], want: null },
  ])('$name', ({ spellings, want }) => {
    expect(displayName(spellings)).toBe(want);
  });
});

describe('VendorNames and AsyncVendorNames read the same lists alike', () => {
  const lists: Record<string, string[]> = { microsoft: ['microsoft', 'Microsoft, Oracle'], mediatekinc: ['MediaTek, Inc., Google'] };
  it('sync and batched async give the same names', async () => {
    const sync = new VendorNames((key) => lists[key] ?? []);
    const lookups: string[][] = [];
    const batched = new AsyncVendorNames(async (keys) => {
      lookups.push(keys);
      return new Map(keys.map((k) => [k, lists[k] ?? []]));
    });
    const records = [['microsoft', 'Unknown Co'], ['MediaTek, Inc.'], []];
    expect(await batched.displayAll(records)).toEqual(records.map((r) => sync.display(r)));
    expect(sync.display(['microsoft', 'Unknown Co'])).toEqual(['Microsoft', 'Unknown Co']);
    expect(lookups).toEqual([['microsoft', 'unknownco', 'mediatekinc']]);
    await batched.displayAll(records);
    // Names are cached; a key no record names is asked again (its first record may have arrived).
    expect(lookups.at(-1)).toEqual(['unknownco']);
  });
});

describe.skipIf(!hasCorpus())('vendor names of stored records', () => {
  it('a list shows the CNA spelling of a vendor, not the CPE key', async () => {
    const stores = await openTestStores();
    try {
      const log = createLogger('silent');
      await importFiles(findSource('cve5').source, [corpusPath('cve5', 'records', '2024', '3xxx', 'CVE-2024-3400.json')], { store: stores.store, log });
      await importFiles(findSource('nvd').source, [corpusPath('nvd', 'api2', 'records', 'CVE-2024-3400.json')], { store: stores.store, log });
      const [row] = await stores.store.rank({ vendor: 'palo alto', limit: 1 });
      expect(row?.id).toBe('CVE-2024-3400');
      expect(row?.vendors).toEqual(['Palo Alto Networks']);
    } finally {
      await stores.close();
    }
  });
});
