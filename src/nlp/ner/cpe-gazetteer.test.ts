/**
 * The store-vendor/product gazetteer on a real catalog: the vendor and product keys of the
 * corpus' 400 CVE 5 records (merged as the store merges them), matched in real CERT-EU advisory
 * text and in sentences written the ways reports write names.
 */
// vigil-test: the back end cannot matter (the catalog is built from the records here; TrendsStore.vendorProducts is tested on both back ends in trends/store.test.ts).
import { readFileSync } from 'node:fs';
import { gunzipSync } from 'node:zlib';
import { beforeAll, describe, expect, it } from 'vitest';
import { productKey } from '../../enrich/product-key.ts';
import { corpusCatalog } from '../../testing/catalog.ts';
import { corpusPath, hasCorpus } from '../../testing/corpus.ts';
import type { VendorProductCatalog } from '../../trends/types.ts';
import { buildCpeGazetteer, liveCpeGazetteer } from './cpe-gazetteer.ts';

describe.skipIf(!hasCorpus())('store vendor/product gazetteer', () => {
  let catalog: VendorProductCatalog;
  beforeAll(async () => {
    catalog = await corpusCatalog();
  }, 60_000);
  const find = (text: string, options = {}) => buildCpeGazetteer(catalog, { minVendorCves: 2, minProductCves: 2, ...options }).find(text);
  const brief = (text: string, options = {}) => find(text, options).map((e) => `${e.type}:${e.text}:${e.id}`);

  it('finds vendors and their products as reports write them, with CPE-style ids', () => {
    expect(brief('Palo Alto Networks fixed PAN-OS; Microsoft patched Windows Server 2019 and Google Chrome.')).toEqual([
      'organization:Palo Alto Networks:cpe:paloaltonetworks',
      'product:PAN-OS:cpe:paloaltonetworks:panos',
      'organization:Microsoft:cpe:microsoft',
      'product:Windows Server 2019:cpe:microsoft:windowsserver2019',
      'organization:Google:cpe:google',
      'product:Chrome:cpe:google:chrome',
    ]);
    // Spelling variants share the key: `PanOS`, `Pan-OS`.
    expect(brief('PanOS and Pan-OS')).toEqual(['product:PanOS:cpe:paloaltonetworks:panos', 'product:Pan-OS:cpe:paloaltonetworks:panos']);
  });

  it('does not take everyday words, lower-case prose, punctuation-joined runs or rare names for names', () => {
    expect(find('the linux server sent mail; fortios was patched, chrome too.')).toEqual([]);
    // `Chrome` alone is no marked name and no vendor: only after its vendor.
    expect(brief('Chrome was updated.')).toEqual([]);
    // Punctuation breaks a run: `Microsoft. Windows` is two sentences.
    expect(brief('Microsoft. Windows')).toEqual(['organization:Microsoft:cpe:microsoft']);
    // Thresholds: with every vendor needing 1,000 CVEs, none matches.
    expect(find('Microsoft and Google', { minVendorCves: 1000 })).toEqual([]);
    // The ATT&CK names given as excluded are never matched alone.
    expect(brief('Google', { exclude: new Set(['google']) })).toEqual([]);
  });

  it('on real CERT-EU advisories: every match is a catalog key above the thresholds, capitalised, within one run of words', () => {
    const lines = gunzipSync(readFileSync(corpusPath('cert-eu', 'certeu-security-advisories-2017-2026.DERIVED.jsonl.gz')))
      .toString('utf8')
      .split('\n')
      .filter(Boolean)
      .slice(-200);
    const text = lines
      .map((l) =>
        Object.values(JSON.parse(l) as Record<string, unknown>)
          .filter((v) => typeof v === 'string')
          .join('\n'),
      )
      .join('\n');
    const found = find(text);
    const vendors = new Map(catalog.vendors.map((v) => [v.key, v.cves]));
    const products = new Map(catalog.products.map((p) => [`${p.vendorKey}:${p.productKey}`, p.cves]));
    expect(found.length).toBeGreaterThan(50);
    for (const e of found) {
      expect(text.slice(e.start, e.end)).toBe(e.text);
      expect(e.text).not.toBe(e.text.toLowerCase());
      expect(e.text).toMatch(/^[\p{L}\p{N}]+(?:[ -][\p{L}\p{N}.]+)*$/u);
      const key = (e.id as string).slice(4);
      if (e.type === 'organization') expect(vendors.get(key), e.text).toBeGreaterThanOrEqual(2);
      else expect(products.get(key), e.text).toBeGreaterThanOrEqual(2);
      expect(productKey(e.text)).toBe(e.type === 'organization' ? key : key.slice(key.indexOf(':') + 1));
    }
    const ids = new Set(found.map((e) => e.id));
    for (const id of ['cpe:microsoft', 'cpe:fortinet', 'cpe:fortinet:fortios', 'cpe:cisco']) expect(ids, id).toContain(id);
  });

  it('a live gazetteer reads the catalog again after the refresh interval, keeping the last one when a read fails', async () => {
    let clock = 0;
    let reads = 0;
    let fail = false;
    const errors: string[] = [];
    const live = await liveCpeGazetteer(
      async () => {
        reads++;
        if (fail) throw new Error('store closed');
        return reads === 1 ? { vendors: [], products: [] } : catalog;
      },
      { minVendorCves: 2, refreshSeconds: 60, now: () => clock, onError: (e) => errors.push(e.message) },
    );
    expect(reads).toBe(1);
    expect(live.current()?.find('Microsoft')).toEqual([]);
    clock = 59_999;
    live.current();
    expect(reads).toBe(1);
    clock = 60_000;
    live.current();
    await new Promise((r) => setTimeout(r, 10));
    expect(reads).toBe(2);
    expect(
      live
        .current()
        ?.find('Microsoft')
        .map((e) => e.id),
    ).toEqual(['cpe:microsoft']);
    fail = true;
    clock = 120_000;
    live.current();
    await new Promise((r) => setTimeout(r, 10));
    expect(errors).toEqual(['store closed']);
    expect(
      live
        .current()
        ?.find('Microsoft')
        .map((e) => e.id),
    ).toEqual(['cpe:microsoft']);
  });
});
