/**
 * Which products the merged record names as affected, on the real CVE 5 and NVD records of
 * CVE-2024-3400 and CVE-2024-8686 (Palo Alto Networks lists Cloud NGFW and Prisma Access as
 * "All (unaffected)").
 */
import { createReadStream, readFileSync } from 'node:fs';
import { createInterface } from 'node:readline';
import { createGunzip } from 'node:zlib';
import { beforeAll, describe, expect, it } from 'vitest';
import { formatView } from '../cli/show.ts';
import type { AffectedProduct, VulnObservation } from '../model/vulnerability.ts';
import { normalizeCve5Record } from '../sources/cve5/normalize.ts';
import { findSource } from '../sources/registry.ts';
import { createLogger } from '../log.ts';
import { corpusPath, hasCorpus } from '../testing/corpus.ts';
import { affectedStatus } from './affected.ts';
import { mergedProducts, mergeVulnerability } from './merge.ts';
import { buildView } from './view.ts';

async function cve5(id: string): Promise<VulnObservation> {
  const direct = corpusPath('cve5', 'records', '2024', '3xxx', `${id}.json`);
  if (id === 'CVE-2024-3400') {
    const r = normalizeCve5Record(JSON.parse(readFileSync(direct, 'utf8')));
    if (r.ok) return r.observation;
  }
  const lines = createInterface({ input: createReadStream(corpusPath('cve5', 'vulnrichment-2024-cve5.jsonl.gz')).pipe(createGunzip()) });
  for await (const line of lines) {
    if (!line.includes(`"${id}"`)) continue;
    const r = normalizeCve5Record(JSON.parse(line));
    if (r.ok && r.cveId === id) {
      lines.close();
      return r.observation;
    }
  }
  throw new Error(`${id} is not in the corpus`);
}

async function nvd(id: string): Promise<VulnObservation> {
  for await (const ev of findSource('nvd').source.importFiles([corpusPath('nvd', 'api2', 'records', `${id}.json`)], { log: createLogger() }))
    if (ev.type === 'vulns') for (const o of ev.records) if (o.cveId === id) return o;
  throw new Error(`${id} has no NVD record in the corpus`);
}

const names = (ps: { vendor: string; product: string }[] | undefined) => (ps ?? []).map((p) => `${p.vendor} ${p.product}`);

describe('affectedStatus', () => {
  const v = (status: 'affected' | 'unaffected' | 'unknown') => ({ version: '1.0', status });
  it.each<[Pick<AffectedProduct, 'versions' | 'defaultStatus'>, string]>([
    [{ versions: [v('affected')] }, 'affected'],
    [{ versions: [v('unaffected')], defaultStatus: 'affected' }, 'affected'],
    [{ versions: [], defaultStatus: 'affected' }, 'affected'],
    [{ versions: [{ version: 'All', status: 'unaffected' }], defaultStatus: 'unaffected' }, 'unaffected'], // CVE-2024-3400's Cloud NGFW
    [{ versions: [{ version: '0', lessThan: '*', status: 'unaffected' }], defaultStatus: 'unknown' }, 'unaffected'], // CISA ADP's cloud_ngfw
    [{ versions: [v('unaffected')] }, 'unaffected'],
    [{ versions: [], defaultStatus: 'unaffected' }, 'unaffected'],
    [{ versions: [v('unknown')], defaultStatus: 'unknown' }, 'unknown'],
    [{ versions: [v('unaffected'), v('unknown')], defaultStatus: 'unknown' }, 'unknown'],
    [{ versions: [], defaultStatus: 'unknown' }, 'unknown'],
  ])('%j → %s', (a, expected) => {
    expect(affectedStatus(a)).toBe(expected);
  });
});

describe.skipIf(!hasCorpus())('affected and unaffected products of real records', () => {
  let r3400: VulnObservation[];
  let r8686: VulnObservation[];
  beforeAll(async () => {
    r3400 = [await cve5('CVE-2024-3400'), await nvd('CVE-2024-3400')];
    r8686 = [await cve5('CVE-2024-8686')];
  });

  it('CVE-2024-3400: Cloud NGFW and Prisma Access ("All (unaffected)") are unaffected products, not affected ones', () => {
    const v = mergeVulnerability(r3400).vulnerability;
    expect(names(v.products)).toEqual(['Palo Alto Networks PAN-OS']);
    expect(names(v.unaffectedProducts)).toEqual(['Palo Alto Networks Cloud NGFW', 'Palo Alto Networks Prisma Access']);
  });

  it('CVE-2024-8686: the CISA ADP entries listing only unaffected versions add no affected product', () => {
    const v = mergeVulnerability(r8686).vulnerability;
    expect(names(v.products)).toEqual(['Palo Alto Networks PAN-OS']);
    expect(names(v.unaffectedProducts)).toEqual(['Palo Alto Networks Cloud NGFW', 'Palo Alto Networks Prisma Access']);
  });

  it('vigil show CVE-2024-3400 lists PAN-OS under PRODUCTS and the others as not affected', () => {
    const text = formatView(buildView({ observations: r3400, kev: null, kevHint: null, epss: null, epssHistory: [], history: [], priority: 0 }));
    const products = text.split('\n').find((l) => l.startsWith('PRODUCTS:'));
    expect(products).toBe('PRODUCTS: Palo Alto Networks PAN-OS');
    expect(text).toContain('NOT AFFECTED: Palo Alto Networks Cloud NGFW; Palo Alto Networks Prisma Access');
  });
});

describe.skipIf(!hasCorpus())('mergedProducts', () => {
  it('gives the products mergeVulnerability gives, on the 400 CVE 5 records and the NVD records', async () => {
    const byId = new Map<string, VulnObservation[]>();
    for (const [source, dir] of [['cve5', corpusPath('cve5', 'records')], ['nvd', corpusPath('nvd', 'api2')]] as const)
      for await (const ev of findSource(source).source.importFiles([dir], { log: createLogger() }))
        if (ev.type === 'vulns') for (const o of ev.records) byId.set(o.cveId, [...(byId.get(o.cveId) ?? []), o]);
    expect(byId.size).toBeGreaterThan(400);
    for (const obs of byId.values()) {
      const v = mergeVulnerability(obs).vulnerability;
      expect(mergedProducts([...obs].reverse())).toEqual({ products: v.products, unaffected: v.unaffectedProducts });
    }
  });
});
