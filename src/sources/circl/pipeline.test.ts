/**
 * The circl source through the pipeline into the store under test (SQLite or PostgreSQL: openTestStores): a record that came from
 * CIRCL is the same record the cve5 and nvd sources store, so importing it again from either side
 * changes nothing. The CIRCL response is built from real corpus records (see index.test.ts).
 */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createLogger } from '../../log.ts';
import { importFiles } from '../../pipeline.ts';
import type { Store } from '../../store/types.ts';
import { corpusPath, hasCorpus } from '../../testing/corpus.ts';
import { openTestStores, TEST_BACKEND, type TestStores } from '../../testing/store.ts';
import { cve5Source } from '../cve5/index.ts';
import { nvdSource } from '../nvd/index.ts';
import { circlSource, META_KEY } from './index.ts';

const log = createLogger('silent');
const CVES = [
  ['2024/3xxx/CVE-2024-3400', 'CVE-2024-3400'],
  ['2024/1xxx/CVE-2024-1709', 'CVE-2024-1709'],
] as const;
const cve5File = (p: string) => `${corpusPath('cve5', 'records', ...p.split('/'))}.json`;
const nvdFile = (id: string) => corpusPath('nvd', 'api2', 'records', `${id}.json`);

describe.skipIf(!hasCorpus())(`circl through the pipeline into the ${TEST_BACKEND} store (real records, vulnerability-lookup wrapping)`, () => {
  let stores: TestStores;
  let store: Store;
  let tmp: string;
  let response: string;
  beforeAll(async () => {
    stores = await openTestStores();
    store = stores.store;
    tmp = mkdtempSync(path.join(os.tmpdir(), 'vigil-circl-pipe-'));
    // A `last`-like array of records as `/api/vulnerability/<id>?with_meta=true` answers them.
    const records = CVES.map(([p, id]) => ({
      ...JSON.parse(readFileSync(cve5File(p), 'utf8')),
      [META_KEY]: { nvd: JSON.stringify({ cve: JSON.parse(readFileSync(nvdFile(id), 'utf8')) }) },
    }));
    response = path.join(tmp, 'circl-last.json');
    writeFileSync(response, JSON.stringify(records));
  });
  afterAll(async () => {
    await stores?.close();
    rmSync(tmp, { recursive: true, force: true });
  });

  it('stores a cve5 and an nvd observation per CVE; the same records from the cve5 and nvd sources change nothing', async () => {
    const first = await importFiles(circlSource, [response], { store, log });
    expect(first.rejected).toEqual([]);
    expect(first).toMatchObject({ read: 4, stored: 4, created: 2 });
    const fromCve5 = await importFiles(
      cve5Source,
      CVES.map(([p]) => cve5File(p)),
      { store, log },
    );
    expect(fromCve5).toMatchObject({ read: 2, stored: 0, unchanged: 2 });
    const fromNvd = await importFiles(
      nvdSource,
      CVES.map(([, id]) => nvdFile(id)),
      { store, log },
    );
    expect(fromNvd).toMatchObject({ read: 2, stored: 0, unchanged: 2 });
    const again = await importFiles(circlSource, [response], { store, log });
    expect(again).toMatchObject({ read: 4, stored: 0, unchanged: 4 });
  });
});
