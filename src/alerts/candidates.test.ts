/**
 * The store's candidate query (`vigil watch test`, candidates.ts) on the real CVE 5 corpus, on the
 * back end under test: for each kind of entry, the candidates hold every stored CVE the matcher
 * matches (a superset, the contract of CandidateQuery), and a selective entry narrows them.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildView } from '../analysis/view.ts';
import { createLogger } from '../log.ts';
import type { WatchEntry } from '../model/alert.ts';
import type { VulnerabilityView } from '../model/record.ts';
import { importFiles } from '../pipeline.ts';
import { findSource } from '../sources/registry.ts';
import { corpusPath, hasCorpus } from '../testing/corpus.ts';
import { openTestStores, type TestStores } from '../testing/store.ts';
import { candidateQuery } from './candidates.ts';
import { MatchIndex } from './match.ts';

const ENTRIES: Omit<WatchEntry, 'id' | 'watchlist' | 'thresholds'>[] = [
  { kind: 'vendor', value: 'Palo Alto Networks' },
  { kind: 'product', value: 'pan-os', vendor: 'paloaltonetworks' },
  { kind: 'keyword', value: 'GlobalProtect' },
  { kind: 'keyword', value: 'remote code execution' },
  { kind: 'cve', value: 'CVE-2024-3400' },
  { kind: 'purl', value: 'pkg:rpm/qemu-kvm' },
  { kind: 'cpe', value: 'cpe:2.3:o:paloaltonetworks:pan-os:*:*:*:*:*:*:*:*' },
];

describe.skipIf(!hasCorpus())('candidate CVEs of a watchlist entry', () => {
  let stores: TestStores;
  let views: VulnerabilityView[];

  beforeAll(async () => {
    stores = await openTestStores();
    const s = await importFiles(findSource('cve5').source, [corpusPath('cve5', 'records')], { store: stores.writer, log: createLogger('silent') });
    expect(s.error ?? null).toBeNull();
    views = [];
    for (const id of await stores.alerts.candidateCves({ all: true })) {
      const stored = await stores.store.getVulnerability(id);
      if (stored) views.push(buildView(stored));
    }
  }, 120_000);
  afterAll(async () => stores?.close());

  it('every stored CVE for a regex entry', async () => {
    expect(views.length).toBeGreaterThan(300);
    expect(await stores.alerts.candidateCves(candidateQuery({ id: 1, watchlist: 'w', kind: 'regex', value: '.', thresholds: {} }))).toHaveLength(views.length);
  });

  it.each(ENTRIES)('$kind $value: every match is a candidate, and the candidates are few', async (e) => {
    const entry: WatchEntry = { id: 1, watchlist: 'w', thresholds: {}, ...e };
    const candidates = new Set(await stores.alerts.candidateCves(candidateQuery(entry)));
    const index = new MatchIndex([entry]);
    const matched = views.filter((v) => index.match(v).length > 0).map((v) => v.id);
    expect(matched.length).toBeGreaterThan(0);
    expect(matched.filter((id) => !candidates.has(id))).toEqual([]);
    expect(candidates.size).toBeLessThan(views.length / 2);
  });
});
