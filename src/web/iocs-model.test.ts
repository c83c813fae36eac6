/**
 * The IOC pages' pure helpers (web/src/iocs/model.ts): filters to URL/API query and back, the
 * indicator's dashboard path (a URL value is one path segment the router decodes back), the detail
 * answer read in either wrapping, sightings per month with empty months kept, distinct indicators
 * and entity chips, the severity worded as predicted, and the VirusTotal summary of a real v3
 * answer from the corpus (api-fixtures).
 */
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import {
  countBy,
  distinctIocs,
  documentAnalysisOf,
  entityGroups,
  iocDetailOf,
  iocFiltersOf,
  iocPath,
  iocQuery,
  severityText,
  sightingsPerMonth,
  vtSummary,
} from '../../web/src/iocs/model.ts';
import type { Entity, Ioc } from '../nlp/types.ts';
import { corpusPath, hasCorpus } from '../testing/corpus.ts';

describe('IOC list filters', () => {
  it.each([
    [
      'q=evil&type=domain&warning=1',
      { q: 'evil', type: 'domain', source: '', since: '', warning: '1' },
      { q: 'evil', type: 'domain', source: '', since: '', warning: 'true' },
    ],
    [
      'warning=false&source=%20ESET%20&since=2025-01-01',
      { q: '', type: '', source: ' ESET ', since: '2025-01-01', warning: '0' },
      { q: '', type: '', source: 'eset', since: '2025-01-01', warning: 'false' },
    ],
    ['warning=maybe', { q: '', type: '', source: '', since: '', warning: '' }, { q: '', type: '', source: '', since: '', warning: '' }],
  ])('%s', (query, filters, api) => {
    const f = iocFiltersOf(new URLSearchParams(query));
    expect(f).toEqual(filters);
    expect(iocQuery(f)).toEqual(api);
  });
});

describe('iocPath', () => {
  it('keeps a URL value in one path segment that decodes back', () => {
    const value = 'http://evil.example.com/a/b?x=1#y';
    const p = iocPath('url', value);
    const segments = p.split('/').filter(Boolean);
    expect(segments).toHaveLength(3);
    expect(decodeURIComponent(segments[2]!)).toBe(value);
  });
});

describe('iocDetailOf', () => {
  const ioc = {
    type: 'domain',
    value: 'a.example',
    firstSeen: '2025-01-01T00:00:00.000Z',
    lastSeen: '2025-02-01T00:00:00.000Z',
    sightings: 2,
    sources: ['eset'],
    cves: [],
    warning: null,
    tlp: 'clear',
  };
  const sighting = { documentId: 'intel-1', source: 'eset', title: 'T', url: null, seen: '2025-02-01T00:00:00.000Z', original: 'a[.]example', tlp: 'clear' };
  it('reads {ioc, sightings} and {...ioc, sightings: [...]}', () => {
    expect(iocDetailOf({ ioc, sightings: [sighting] })).toEqual({ ioc, sightings: [sighting] });
    const flat = iocDetailOf({ ...ioc, sightings: [sighting, sighting] });
    expect(flat.ioc.sightings).toBe(2);
    expect(flat.sightings).toHaveLength(2);
  });
  it('refuses another shape', () => {
    expect(() => iocDetailOf({ items: [] })).toThrow(/unknown shape/);
  });
});

describe('documentAnalysisOf', () => {
  const analysis = { iocs: [], cves: [], entities: [], techniques: [], classification: { labels: [] }, severity: null, models: { used: [], missing: [] } };
  it('reads the analysis nested or beside its date, and null before analysis', () => {
    expect(documentAnalysisOf({ analysis: { analysis, analysed: '2025-01-01T00:00:00.000Z' } })).toEqual({ analysis, analysed: '2025-01-01T00:00:00.000Z' });
    expect(documentAnalysisOf({ analysis, analysed: '2025-01-02T00:00:00.000Z' })).toEqual({ analysis, analysed: '2025-01-02T00:00:00.000Z' });
    expect(documentAnalysisOf({ analysis: null, analysed: null })).toBeNull();
    expect(documentAnalysisOf({})).toBeNull();
  });
});

describe('charts and grouping', () => {
  it('counts sightings per month, empty months kept, across a year end', () => {
    const seen = ['2024-11-03', '2025-01-20', '2025-01-02', '2024-11-30'].map((d) => ({ seen: `${d}T10:00:00.000Z` }));
    expect(sightingsPerMonth(seen)).toEqual([
      ['2024-11', 2],
      ['2024-12', 0],
      ['2025-01', 2],
    ]);
    expect(sightingsPerMonth([])).toEqual([]);
  });

  it('counts by key, largest first', () => {
    expect(countBy(['sha1', 'domain', 'sha1', 'url'], (x) => x)).toEqual([
      ['sha1', 2],
      ['domain', 1],
      ['url', 1],
    ]);
  });

  it('lists each indicator once with its defanged forms', () => {
    const iocs: Ioc[] = [
      { type: 'domain', value: 'evil.example', original: 'evil[.]example', start: 0, end: 14 },
      { type: 'domain', value: 'evil.example', original: 'evil.example', start: 20, end: 32 },
      { type: 'domain', value: 'evil.example', original: 'evil(.)example', start: 40, end: 54 },
      { type: 'ipv4', value: '198.51.100.4', original: '198.51.100[.]4', start: 60, end: 74 },
    ];
    const rows = distinctIocs(iocs);
    expect(rows.map((r) => [r.ioc.value, r.count, r.originals])).toEqual([
      ['evil.example', 3, ['evil[.]example', 'evil(.)example']],
      ['198.51.100.4', 1, ['198.51.100[.]4']],
    ]);
  });

  it('groups entities by type, one chip per text and source', () => {
    const e = (type: Entity['type'], text: string, source: Entity['source'], id?: string): Entity => ({
      type,
      text,
      start: 0,
      end: text.length,
      source,
      ...(id ? { id } : {}),
    });
    const groups = entityGroups([
      e('threat-actor', 'APT28', 'gazetteer', 'G0007'),
      e('malware', 'Zebrocy', 'model'),
      e('threat-actor', 'apt28', 'gazetteer', 'G0007'),
      e('threat-actor', 'APT28', 'model'),
    ]);
    expect(groups.map(([t, chips]) => [t, chips.map((c) => `${c.text}/${c.source}/${c.count}`)])).toEqual([
      ['threat-actor', ['APT28/gazetteer/2', 'APT28/model/1']],
      ['malware', ['Zebrocy/model/1']],
    ]);
  });

  it('words the severity as predicted, an abstention as the model abstaining', () => {
    expect(severityText({ label: 'HIGH', probability: 0.934, model: 'severity@2' })).toBe('Predicted: HIGH (0.93, model severity@2)');
    expect(severityText({ label: null, probability: 0.4, model: 'severity@2' })).toMatch(/^Predicted: none — the model abstains/);
    expect(severityText(null, ['severity'])).toMatch(/not trained/);
  });
});

describe.skipIf(!hasCorpus())('vtSummary on real VirusTotal v3 answers', () => {
  const dir = corpusPath('api-fixtures');
  const files = existsSync(dir) ? readdirSync(dir, { recursive: true, encoding: 'utf8' }).filter((f) => /virustotal/i.test(f) && f.endsWith('.json')) : [];
  it.skipIf(files.length === 0)('reads verdict counts that add up to the engines of the answer', () => {
    let read = 0;
    for (const f of files) {
      const body = JSON.parse(readFileSync(path.join(dir, f), 'utf8')) as {
        data?: { attributes?: { last_analysis_results?: object; last_analysis_stats?: Record<string, number> } };
      };
      const stats = body.data?.attributes?.last_analysis_stats;
      if (!stats) continue;
      const s = vtSummary(body);
      expect(s, f).not.toBeNull();
      expect(s!.malicious + s!.suspicious + s!.harmless + s!.undetected, f).toBe(
        (stats.malicious ?? 0) + (stats.suspicious ?? 0) + (stats.harmless ?? 0) + (stats.undetected ?? 0),
      );
      expect(vtSummary({ body })).toEqual(s);
      read++;
    }
    expect(read).toBeGreaterThan(0);
  });
  it("reads the server's summary answer, and null when VirusTotal does not know the indicator", () => {
    const answer = {
      type: 'domain',
      value: 'a.example',
      found: true,
      fetched: '2026-12-06T04:00:00.000Z',
      cached: true,
      stats: { malicious: 3, suspicious: 1, harmless: 60, undetected: 20, timeout: 0 },
      reputation: -5,
      lastAnalysisDate: '2026-12-01T00:00:00.000Z',
      categories: [],
      tags: ['c2'],
      link: 'https://www.virustotal.com/gui/domain/a.example',
    };
    expect(vtSummary(answer)).toMatchObject({
      malicious: 3,
      suspicious: 1,
      harmless: 60,
      undetected: 20,
      reputation: -5,
      tags: ['c2'],
      cached: true,
      link: answer.link,
    });
    expect(vtSummary({ ...answer, found: false, stats: null })).toBeNull();
  });
  it('is null for a not-found answer', () => {
    expect(vtSummary({ body: null })).toBeNull();
    expect(vtSummary({ error: { code: 'NotFoundError' } })).toBeNull();
  });
});
