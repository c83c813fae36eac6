/**
 * `vigil iocs` end to end on the back end under test: documents of a real corpus feed (Microsoft
 * Security Blog, full texts with hashes and addresses) stored without analysis (as before issue
 * 14), then `reanalyse` (a second run finds nothing to do), `list`, `show` and `export` checked
 * against the analyzer's own output on the same texts.
 */
import { createHash } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { parse } from 'csv-parse/sync';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../config.ts';
import { simhash } from '../intel/dedupe/simhash.ts';
import { htmlToText, parseFeed } from '../intel/feeds/parse.ts';
import type { IntelDocument } from '../intel/types.ts';
import { analysedText } from '../iocs/analyse.ts';
import type { StoredIoc } from '../iocs/types.ts';
import { createAnalyzer } from '../nlp/analyze.ts';
import { ModelRepository } from '../nlp/models.ts';
import { openStores } from '../store/index.ts';
import { runCli } from '../testing/cli.ts';
import { corpusDir, corpusPath, hasCorpus } from '../testing/corpus.ts';
import { type TestDatabase, testDatabase } from '../testing/store.ts';

const MICROSOFT = corpusPath('news', 'feeds', 'tsummey_cyberdash', 'microsoftsecurity.xml');

/** The feed's first items as stored documents (a stand-in for intel/collect.ts). */
function documents(): IntelDocument[] {
  const sha256 = (text: string) => createHash('sha256').update(text).digest('hex');
  const feed = parseFeed(readFileSync(MICROSOFT), 'https://www.microsoft.com/en-us/security/blog/feed/');
  return feed.items.slice(0, 8).map((item) => {
    const url = item.url ?? item.guid;
    const title = item.title ?? '';
    const text = item.contentHtml ? htmlToText(item.contentHtml) : (item.summary ?? '');
    return {
      id: `intel-${sha256(url).slice(0, 20)}`,
      source: 'ms-blog',
      url,
      canonicalUrl: url,
      title,
      author: item.author,
      published: item.published,
      fetchedAt: '2026-08-01T10:00:00.000Z',
      language: 'en',
      text,
      summary: text.slice(0, 500) || null,
      contentHash: sha256(`${title}\n${text}`),
      simhash: simhash(text),
      tags: [],
      cves: [],
    };
  });
}

describe.skipIf(!hasCorpus())('vigil iocs', () => {
  let db: TestDatabase;
  let dir: string;
  let config: string;
  const docs = documents();
  /** `type value` → documents naming it, from the analyzer itself. */
  const expected = new Map<string, Set<string>>();
  const vigil = (...args: string[]) => runCli(['--config', config, '--db', db.database, ...args]);

  beforeAll(async () => {
    db = testDatabase();
    dir = mkdtempSync(path.join(tmpdir(), 'vigil-iocs-cli-'));
    config = path.join(dir, 'vigil.config.json');
    // No trained model: the same analysis on every machine.
    writeFileSync(config, JSON.stringify({ nlp: { modelDir: path.join(dir, 'models') } }));
    const stores = await openStores(db.database);
    try {
      expect((await stores.intel.saveDocuments(docs)).created).toBe(docs.length);
    } finally {
      await stores.close();
    }
    const settings = loadConfig(config, { ...process.env, VIGIL_DATA_DIR: corpusDir });
    const analyzer = await createAnalyzer({ config: settings, models: new ModelRepository(settings.nlp.modelDir) });
    for (const d of docs)
      for (const ioc of analyzer.analyze(analysedText(d), { lang: 'en' }).iocs) {
        const key = `${ioc.type} ${ioc.value}`;
        expected.set(key, (expected.get(key) ?? new Set()).add(d.id));
      }
  }, 120_000);
  afterAll(async () => {
    await db?.drop();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it('analyses the stored documents once, then lists, shows and exports what the analyzer finds', async () => {
    expect([...expected.keys()].some((k) => k.startsWith('sha256 '))).toBe(true);
    const first = await vigil('iocs', 'reanalyse', '--json');
    expect(first.status, first.stderr).toBe(0);
    expect(JSON.parse(first.stdout)).toMatchObject({ analysed: docs.length, failed: 0, newIocs: expected.size });
    const again = await vigil('iocs', 'reanalyse', '--json');
    expect(JSON.parse(again.stdout)).toMatchObject({ analysed: 0, failed: 0 });

    const list = await vigil('iocs', 'list', '--json', '--limit', '1000');
    expect(list.status, list.stderr).toBe(0);
    const listed = JSON.parse(list.stdout) as StoredIoc[];
    expect(listed.map((i) => `${i.type} ${i.value}`).sort()).toEqual([...expected.keys()].sort());
    for (const i of listed) expect(i.sightings).toBe(expected.get(`${i.type} ${i.value}`)?.size);

    const [key, ids] = [...expected.entries()].filter(([k]) => k.startsWith('sha256 '))[0] as [string, Set<string>];
    const shown = await vigil('iocs', 'show', 'sha256', key.slice(7));
    expect(shown.status, shown.stderr).toBe(0);
    for (const id of ids) expect(shown.stdout).toContain(id);
    expect(shown.stdout).toContain(`seen ${ids.size} time(s)`);

    const csv = await vigil('iocs', 'export', '--format', 'csv', '--type', 'sha256', '--no-warning');
    expect(csv.status, csv.stderr).toBe(0);
    const rows = parse(csv.stdout, { columns: true }) as Record<string, string>[];
    const hashes = listed.filter((i) => i.type === 'sha256' && !i.warning);
    expect(rows.map((r) => r.value).sort()).toEqual(hashes.map((i) => i.value).sort());
  }, 240_000);
});
