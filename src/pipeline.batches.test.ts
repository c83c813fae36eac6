/**
 * The batch pipelining of the pipeline: batch N+1 is loaded before batch N is stored, so a CVE in
 * consecutive batches must be merged with the unsaved state of the earlier one.
 */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { createLogger } from './log.ts';
import type { VulnObservation } from './model/vulnerability.ts';
import { consume, emptySummary } from './pipeline.ts';
import { normalizeCve5Record } from './sources/cve5/index.ts';
import { normalizeNvdCve } from './sources/nvd/index.ts';
import type { SourceEvent } from './sources/types.ts';
import { corpusPath, hasCorpus } from './testing/corpus.ts';
import { openTestStores } from './testing/store.ts';

const log = createLogger('silent');

async function* batches(...records: VulnObservation[][]): AsyncGenerator<SourceEvent> {
  for (const r of records) yield { type: 'vulns', records: r };
}

describe.skipIf(!hasCorpus())('pipelined batches', () => {
  it('merges a CVE that comes in consecutive batches with the state not yet stored', async () => {
    const cve5 = normalizeCve5Record(JSON.parse(readFileSync(corpusPath('cve5', 'records', '2024', '3xxx', 'CVE-2024-3400.json'), 'utf8')));
    const nvd = normalizeNvdCve(JSON.parse(readFileSync(corpusPath('nvd', 'api2', 'records', 'CVE-2024-3400.json'), 'utf8')));
    if (!cve5.ok || !nvd.observation) throw new Error('corpus records do not normalise');
    const stores = await openTestStores();
    const { store } = stores;
    const s = emptySummary('test');
    await consume(batches([cve5.observation], [nvd.observation], [cve5.observation]), { store, log }, s);
    expect({ read: s.read, created: s.created, changed: s.changed, unchanged: s.unchanged, stored: s.stored }).toEqual({
      read: 3,
      created: 1,
      changed: 1,
      unchanged: 1,
      stored: 2,
    });
    const stored = await store.getVulnerability('CVE-2024-3400');
    expect(stored?.observations.map((o) => o.source).sort()).toEqual(['cve5', 'nvd']);
    expect(stored?.history.filter((h) => h.field === 'created')).toHaveLength(1);
    expect(stored?.history.some((h) => h.field === 'vulnStatus' && h.new === 'Awaiting Analysis' && h.source === 'nvd')).toBe(true);
    await stores.close();
  });
});
