import { readFileSync } from 'node:fs';
import { afterAll, describe, expect, it } from 'vitest';
import { corpusPath, hasCorpus } from '../../testing/corpus.ts';
import { parseFeed } from '../feeds/parse.ts';
import { createExtractor, extractInline } from './extractor.ts';

const SOURCE = { name: 'msft', tags: ['vendor'] };
const FETCHED = '2026-12-06T00:00:00.000Z';

describe.skipIf(!hasCorpus())('extraction in a worker thread', () => {
  const extractor = createExtractor();
  afterAll(() => extractor.close());
  const items = parseFeed(readFileSync(corpusPath('news/feeds/tsummey_cyberdash/microsoftsecurity.xml')), 'microsoftsecurity').items;

  it('builds the same documents as on this thread, for feed items and for pages read with readability', async () => {
    expect(items.length).toBeGreaterThan(5);
    for (const item of items) {
      const url = item.url ?? '';
      const html = `<html><head><title>${item.title}</title></head><body><nav><a href="/a">Home</a></nav><article>${item.contentHtml ?? ''}</article></body></html>`;
      for (const request of [
        { source: SOURCE, url, fetchedAt: FETCHED, item },
        { source: SOURCE, url, fetchedAt: FETCHED, item, html },
      ]) {
        const threaded = await extractor.extract(request);
        expect(threaded).toEqual(extractInline(request));
        expect(threaded.document.text.length).toBeGreaterThan(1000);
      }
    }
  });

  it('parses a real 800 KB feed there as on this thread', async () => {
    const body = readFileSync(corpusPath('news/feeds/tsummey_cyberdash/cybersecurity-advisories.xml'));
    const threaded = await extractor.parseFeed(body, 'https://www.cisa.gov/cybersecurity-advisories/all.xml');
    expect(threaded).toEqual(parseFeed(body, 'https://www.cisa.gov/cybersecurity-advisories/all.xml'));
    expect(threaded.items).toHaveLength(10);
  });

  it('passes an extraction error back with its code, and keeps working', async () => {
    const item = items[0];
    if (!item) throw new Error('no item');
    await expect(extractor.extract({ source: SOURCE, url: 'ftp://example.org/x', fetchedAt: FETCHED, item })).rejects.toMatchObject({
      code: 'VIGIL_URL_REFUSED',
    });
    const ok = await extractor.extract({ source: SOURCE, url: item.url ?? '', fetchedAt: FETCHED, item });
    expect(ok.document.title).toBe(item.title);
  });

  it('refuses work once closed', async () => {
    const other = createExtractor();
    await other.close();
    const item = items[0];
    if (!item) throw new Error('no item');
    await expect(other.extract({ source: SOURCE, url: item.url ?? '', fetchedAt: FETCHED, item })).rejects.toThrow(/closed/);
  });
});
