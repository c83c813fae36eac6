import { describe, expect, it } from 'vitest';
import { JsonArraySplitter, JsonStructureError } from './json-split.ts';
import { mergeReferences } from './normalize.ts';
import { nvdTimestampToIso } from './schema.ts';
import { nvdApiDate, nvdPageUrl } from './sync.ts';

const KEYS = ['CVE_Items', 'vulnerabilities'];

/** Feeds `text` in chunks of `size` bytes; returns the elements, the array key and end()'s result. */
function split(text: string, size: number): { elements: (string | null)[]; key: string | null; doc: string | undefined } {
  const bytes = Buffer.from(text, 'utf8');
  const s = new JsonArraySplitter(KEYS);
  const elements: (string | null)[] = [];
  for (let i = 0; i < bytes.length; i += size) {
    s.feed(bytes.subarray(i, i + size));
    for (const e of s.take()) elements.push(e.text);
  }
  return { elements, key: s.arrayKey, doc: s.end() };
}

// Strings with escaped quotes, backslash runs and brackets inside them, non-ASCII text, nested arrays.
const tricky = [
  { a: 'x\\"}]', b: ['[', '{'] },
  { b: '\\\\', c: '\\' },
  { c: [1, { d: '}' }], e: 'é — 漢字 \u2028' },
  { f: '"', g: '\\"\\\\"' },
];

describe('JsonArraySplitter', () => {
  const forms = [
    ['1.1 feed', JSON.stringify({ CVE_data_type: 'CVE', CVE_data_numberOfCVEs: '4', CVE_Items: tricky }, null, 2), 'CVE_Items'],
    ['API 2.0 page', JSON.stringify({ resultsPerPage: 4, vulnerabilities: tricky, totalResults: 4 }), 'vulnerabilities'],
    ['top-level array', `\ufeff${JSON.stringify(tricky)}`, ''],
  ] as const;
  for (const [name, text, key] of forms) {
    it(`splits a ${name} identically at every chunk size`, () => {
      const size = Buffer.byteLength(text);
      for (let chunk = 1; chunk <= size; chunk += chunk < 40 ? 1 : 37) {
        const { elements, key: found, doc } = split(text, chunk);
        expect(found, `chunk ${chunk}`).toBe(key);
        expect(doc).toBeUndefined();
        expect(
          elements.map((e) => JSON.parse(e as string)),
          `chunk ${chunk}`,
        ).toEqual(tricky);
      }
    });
  }

  it('returns a bare record (no record array) whole from end()', () => {
    const record = { id: 'CVE-2024-3400', descriptions: [{ lang: 'en', value: 'a "quoted" [x]' }], references: [] };
    for (const chunk of [1, 7, 1000]) {
      const { elements, key, doc } = split(JSON.stringify(record, null, 2), chunk);
      expect(elements).toEqual([]);
      expect(key).toBeNull();
      expect(JSON.parse(doc as string)).toEqual(record);
    }
  });

  it('reports non-object array elements by index and keeps the objects around them', () => {
    const { elements } = split('{"CVE_Items":[{"a":1}, null, "x", 7, [1,2], {"b":2}]}', 5);
    expect(elements).toEqual(['{"a":1}', null, null, null, null, '{"b":2}']);
  });

  it('ignores arrays under other keys and splits only the record array', () => {
    const { elements, key } = split('{"other":[{"x":1}],"CVE_Items":[{"a":1}],"after":[{"y":2}]}', 3);
    expect(key).toBe('CVE_Items');
    expect(elements).toEqual(['{"a":1}']);
  });

  const damaged = [
    ['cut inside a string', '{"CVE_Items":[{"a":1},{"b":"tex', /inside a string/],
    ['cut between records', '{"CVE_Items":[{"a":1},', /2 unclosed bracket/],
    ['an extra closing bracket', '{"CVE_Items":[{"a":1}]}}', /unbalanced '}'/],
    ['two top-level values', '{"CVE_Items":[]}{"CVE_Items":[]}', /more than one top-level value/],
    ['empty input', '   ', /no JSON object or array/],
  ] as const;
  for (const [name, text, message] of damaged) {
    it(`throws JsonStructureError on ${name}, after the complete records`, () => {
      const s = new JsonArraySplitter(KEYS);
      let error: unknown;
      try {
        s.feed(Buffer.from(text));
        s.end();
      } catch (err) {
        error = err;
      }
      expect(error).toBeInstanceOf(JsonStructureError);
      expect((error as Error).message).toMatch(message);
      if (text.includes('{"a":1}')) expect(s.take().map((e) => e.text)).toContain('{"a":1}');
    });
  }
});

describe('nvdTimestampToIso', () => {
  const rows = [
    ['2023-10-18T18:04:18.493', '2023-10-18T18:04:18.493Z'], // API 2.0: no zone, UTC
    ['2025-02-17T10:15Z', '2025-02-17T10:15:00.000Z'], // 1.1 feeds: minutes, Z
    ['2024-04-12T08:15:06', '2024-04-12T08:15:06.000Z'],
    ['2024-04-12T08:15:06.2', '2024-04-12T08:15:06.200Z'],
    ['2024-02-29T00:00:00.000', '2024-02-29T00:00:00.000Z'], // leap day
    ['2021-08-04T13:00:00.000+01:00', '2021-08-04T12:00:00.000Z'], // explicit offset
    ['2023-02-29T00:00:00.000', null],
    ['2023-13-01T00:00:00.000', null],
    ['2023-10-18', null],
    ['yesterday', null],
  ] as const;
  for (const [input, expected] of rows) {
    it(`${input} -> ${expected}`, () => expect(nvdTimestampToIso(input)).toBe(expected));
  }
});

describe('mergeReferences', () => {
  it('keeps one entry per URL with the union of tags, in first-seen order', () => {
    const merged = mergeReferences([{ url: 'https://a', tags: ['Patch'] }, { url: 'https://b' }, { url: 'https://a', tags: ['Vendor Advisory', 'Patch'] }]);
    expect(merged).toEqual([
      { url: 'https://a', tags: ['Patch', 'Vendor Advisory'] },
      { url: 'https://b', tags: [] },
    ]);
  });
});

describe('NVD API request form', () => {
  it('writes dates as NVD documents them, + URL-encoded', () => {
    expect(nvdApiDate(new Date('2021-08-04T13:00:00Z'))).toBe('2021-08-04T13:00:00.000%2B00:00');
  });
  it('builds page URLs, keeping a mirror base URL’s own query', () => {
    const [a, b] = [new Date('2024-01-01T00:00:00Z'), new Date('2024-04-30T00:00:00Z')];
    expect(nvdPageUrl('https://services.nvd.nist.gov/rest/json/cves/2.0', a, b, 2000, 2000)).toBe(
      'https://services.nvd.nist.gov/rest/json/cves/2.0?lastModStartDate=2024-01-01T00:00:00.000%2B00:00&lastModEndDate=2024-04-30T00:00:00.000%2B00:00&resultsPerPage=2000&startIndex=2000',
    );
    expect(nvdPageUrl('http://mirror/cves?noRejected', a, b, 0, 10)).toMatch(/^http:\/\/mirror\/cves\?noRejected&lastModStartDate=/);
  });
});
