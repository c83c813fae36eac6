/**
 * Bad input shared by the record sources: an oversized record is rejected by line or id while
 * its neighbours import, and unknown fields (a newer upstream schema) are accepted and ignored.
 */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { createLogger } from '../log.ts';
import { corpusPath, hasCorpus } from '../testing/corpus.ts';
import { cve5Source } from './cve5/index.ts';
import { MAX_RECORD_BYTES } from './files.ts';
import { nvdSource } from './nvd/index.ts';
import type { Source, SourceEvent } from './types.ts';

const log = createLogger('silent');
const dir = mkdtempSync(path.join(tmpdir(), 'vigil-bad-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

async function run(source: Source, file: string) {
  const events: SourceEvent[] = [];
  for await (const e of source.importFiles([file], { log })) events.push(e);
  return {
    ids: events.flatMap((e) => (e.type === 'vulns' ? e.records.map((r) => r.cveId) : [])),
    rejected: events.flatMap((e) => (e.type === 'rejected' ? [e] : [])),
  };
}

describe.skipIf(!hasCorpus())('oversized records and unknown fields', () => {
  const huge = 'A'.repeat(MAX_RECORD_BYTES + 10);

  it('cve5 JSON Lines: an oversized line is rejected by line number, the others import', async () => {
    const record = JSON.parse(readFileSync(corpusPath('cve5', 'records', '2024', '3xxx', 'CVE-2024-3400.json'), 'utf8'));
    const big = structuredClone(record);
    big.cveMetadata.cveId = 'CVE-2024-99999';
    big.containers.cna.descriptions[0].value = huge;
    const extra = structuredClone(record);
    extra.cveMetadata.cveId = 'CVE-2024-99998';
    extra.containers.cna.x_futureField = { anything: [1, 2, 3] };
    extra.someNewTopLevelKey = true;
    const file = path.join(dir, 'big.jsonl');
    writeFileSync(file, [JSON.stringify(record), JSON.stringify(big), JSON.stringify(extra)].join('\n'));
    const got = await run(cve5Source as Source, file);
    expect(got.ids).toEqual(['CVE-2024-3400', 'CVE-2024-99998']);
    expect(got.rejected).toHaveLength(1);
    expect(got.rejected[0]?.where).toMatchObject({ origin: file, record: '2' });
    expect(got.rejected[0]?.reason).toMatch(/longer than \d+ bytes/);
  });

  it('nvd API 2.0 page: an oversized record is rejected by CVE id, the others import', async () => {
    const page = JSON.parse(readFileSync(corpusPath('nvd', 'api2', 'vunnel-full-page.json'), 'utf8'));
    const victim = page.vulnerabilities[5].cve;
    victim.descriptions[0].value = huge;
    page.vulnerabilities[6].cve.someFutureField = { nested: true };
    const file = path.join(dir, 'page.json');
    writeFileSync(file, JSON.stringify(page));
    const got = await run(nvdSource as Source, file);
    expect(got.ids).toHaveLength(page.vulnerabilities.length - 1);
    expect(got.ids).not.toContain(victim.id);
    expect(got.ids).toContain(page.vulnerabilities[6].cve.id);
    expect(got.rejected).toHaveLength(1);
    expect(got.rejected[0]?.where.record).toBe(victim.id);
    expect(got.rejected[0]?.reason).toMatch(/over the \d+ limit/);
  });
});
