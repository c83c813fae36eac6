import { createHash } from 'node:crypto';
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { VigilError } from '../../errors.ts';
import { createLogger } from '../../log.ts';
import type { Advisory } from '../../model/advisory.ts';
import { importFiles } from '../../pipeline.ts';
import { corpusPath, hasCorpus } from '../../testing/corpus.ts';
import { openTestStores } from '../../testing/store.ts';
import type { SourceEvent } from '../types.ts';
import { csafSource, readOfflineFeed, verifySha512 } from './index.ts';

const log = createLogger('silent');
const CISA = () => corpusPath('csaf', 'cisagov', 'csaf_files');
const REDHAT = () => corpusPath('csaf', 'redhat');

async function collect(paths: string[]): Promise<SourceEvent[]> {
  const events: SourceEvent[] = [];
  for await (const e of csafSource.importFiles(paths, { log })) events.push(e);
  return events;
}
const advisoriesOf = (events: SourceEvent[]) => events.flatMap((e) => (e.type === 'advisories' ? e.records : []));
const rejectedOf = (events: SourceEvent[]) => events.filter((e): e is Extract<SourceEvent, { type: 'rejected' }> => e.type === 'rejected');

/** Every file under a folder, recursively. */
function walk(dir: string): string[] {
  return readdirSync(dir, { recursive: true, withFileTypes: true })
    .filter((e) => e.isFile())
    .map((e) => path.join(e.parentPath, e.name));
}

describe.skipIf(!hasCorpus())('csaf offline import of the real corpus', () => {
  let advisories: Advisory[];
  let events: SourceEvent[];
  let documentFiles: string[];
  beforeAll(async () => {
    events = await collect([CISA(), REDHAT()]);
    advisories = advisoriesOf(events);
    documentFiles = [...walk(CISA()), ...walk(REDHAT())].filter((f) => f.endsWith('.json') && !f.includes('-feed-'));
  });

  it('imports every corpus document (56 CISA OT, 4 CISA IT VEX, 8 Red Hat) and rejects none', () => {
    expect(documentFiles).toHaveLength(68);
    expect(rejectedOf(events)).toEqual([]);
    expect(advisories).toHaveLength(68);
    expect(new Set(advisories.map((a) => a.id)).size).toBe(68);
    expect(advisories.filter((a) => a.id.startsWith('ICS'))).toHaveLength(56);
    expect(advisories.filter((a) => a.id.startsWith('RHSA-'))).toHaveLength(8);
    // PROVENANCE: the CISA documents hold 140 vulnerabilities, all with a CVE.
    const cisaCves = advisories.filter((a) => !a.id.startsWith('RHSA-')).reduce((n, a) => n + a.cves.length, 0);
    expect(cisaCves).toBe(140);
    for (const a of advisories) {
      expect(a.source).toBe('csaf');
      expect(a.modified).toMatch(/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$/);
      expect(a.url).toMatch(/^https:\/\//);
      expect(a.tlp).toBe('WHITE');
      expect(a.affected.length).toBeGreaterThan(0);
    }
  });

  it('every .sha512 in the corpus verifies against its document', () => {
    const hashFiles = walk(corpusPath('csaf')).filter((f) => f.endsWith('.sha512'));
    expect(hashFiles).toHaveLength(10);
    for (const h of hashFiles) expect(verifySha512(readFileSync(h.slice(0, -'.sha512'.length)), readFileSync(h, 'utf8'))).toEqual({ ok: true });
  });

  it('maps a CISA ICS advisory: tracking, web page as url, CVSS, CWE, notes, references', () => {
    const a = advisories.find((x) => x.id === 'ICSA-24-291-03');
    const raw = JSON.parse(readFileSync(path.join(CISA(), 'OT/white/2024/icsa-24-291-03.json'), 'utf8'));
    expect(a).toMatchObject({
      kind: 'vendor',
      title: raw.document.title,
      published: new Date(raw.document.tracking.initial_release_date).toISOString(),
      modified: new Date(raw.document.tracking.current_release_date).toISOString(),
      url: 'https://www.cisa.gov/news-events/ics-advisories/icsa-24-291-03',
      cves: raw.vulnerabilities.map((v: { cve: string }) => ({ id: v.cve, origin: 'listed' })),
      cwes: [raw.vulnerabilities[0].cwe.id],
    });
    expect(a?.cvss?.[0]).toEqual({ vector: raw.vulnerabilities[0].scores[0].cvss_v3.vectorString, score: raw.vulnerabilities[0].scores[0].cvss_v3.baseScore });
    expect(a?.severity).toBe(raw.vulnerabilities[0].scores[0].cvss_v3.baseSeverity);
    expect(a?.summary).toBe(raw.document.notes.find((n: { category: string }) => n.category === 'summary').text.trim());
    expect(a?.details).not.toContain('Legal Notice');
    expect(a?.references.map((r) => r.url)).toContain(raw.document.references[0].url);
    expect(a?.revisions?.length).toBe(raw.document.tracking.revision_history.length);
    // Vendor → product → version branches, one entry per product with its versions.
    expect(a?.affected.every((e) => e.status === 'affected' && e.vendor && e.product && e.cves?.[0] === raw.vulnerabilities[0].cve)).toBe(true);
  });

  it('gives the 4 CISA csaf_vex documents kind vex, with affected and fixed entries (they state no known_not_affected)', () => {
    const vex = advisories.filter((a) => a.kind === 'vex');
    expect(vex.map((a) => a.id).sort()).toEqual(['VA-24-201-01', 'VA-24-254-01', 'VA-24-254-02', 'VA-24-262-01']);
    for (const a of vex) {
      expect(a.affected.some((e) => e.status === 'affected')).toBe(true);
      expect(a.affected.some((e) => e.status === 'fixed')).toBe(true);
    }
    expect(vex.flatMap((a) => a.affected).filter((e) => e.status === 'not_affected')).toEqual([]);
  });

  it('keeps Red Hat known_not_affected as not_affected, with purl, platform CPE and the CVE (RHSA-2025:23414)', () => {
    const a = advisories.find((x) => x.id === 'RHSA-2025:23414');
    const notAffected = a?.affected.filter((e) => e.status === 'not_affected') ?? [];
    expect(notAffected.length).toBeGreaterThan(0);
    const raw = JSON.parse(readFileSync(path.join(REDHAT(), 'rhsa-2025_23414.json'), 'utf8'));
    const naCves = raw.vulnerabilities
      .filter((v: { product_status: Record<string, unknown> }) => v.product_status.known_not_affected)
      .map((v: { cve: string }) => v.cve);
    for (const e of notAffected) {
      expect(e.purl).toMatch(/^pkg:rpm\/redhat\/bind/);
      expect(e.cpes).toEqual(['cpe:2.3:o:redhat:rhel_els:6:*:*:*:*:*:*:*']);
      expect(e.cves).toEqual(naCves);
    }
  });

  it('maps a Red Hat RHSA: aggregate severity, purl-bearing packages with versions, CVEs, vendor fix, errata page', () => {
    const a = advisories.find((x) => x.id === 'RHSA-2024:1431');
    const raw = JSON.parse(readFileSync(path.join(REDHAT(), 'rhsa-2024_1431.json'), 'utf8'));
    expect(a?.severity).toBe(raw.document.aggregate_severity.text);
    expect(a?.url).toBe('https://access.redhat.com/errata/RHSA-2024:1431');
    expect(a?.cves.map((c) => c.id)).toEqual(raw.vulnerabilities.map((v: { cve: string }) => v.cve));
    expect(a?.vendorAdvisories?.map((r) => r.url)).toContain('https://access.redhat.com/errata/RHSA-2024:1431');
    const withPurl = a?.affected.filter((e) => e.purl) ?? [];
    expect(withPurl.length).toBeGreaterThan(10);
    for (const e of withPurl) {
      expect(e.purl).not.toContain('@');
      expect(e.versions?.length).toBeGreaterThan(0);
      expect(e.cpes?.[0]).toMatch(/^cpe:2\.3:[aoh]:redhat:/);
    }
    // Grouping: far fewer entries than the product ids the document lists.
    const ids = new Set(raw.vulnerabilities.flatMap((v: { product_status: Record<string, string[]> }) => Object.values(v.product_status).flat()));
    expect(a?.affected.length).toBeLessThan(ids.size / 2);
  });

  it('never resolves an offline feed entry outside the feed folder (%2F decoded inside a segment)', async () => {
    const root = mkdtempSync(path.join(tmpdir(), 'vigil-csaf-feed-'));
    try {
      writeFileSync(path.join(root, 'secret.json'), '{}');
      const feedDir = path.join(root, 'white');
      mkdirSync(feedDir);
      const entry = (src: string) => ({ id: src, updated: '2024-01-01T00:00:00Z', content: { src } });
      writeFileSync(
        path.join(feedDir, 'feed.json'),
        JSON.stringify({
          feed: {
            link: [{ rel: 'self', href: 'https://x.example/white/feed.json' }],
            entry: [entry('https://x.example/white/a%2F..%2F..%2Fsecret.json'), entry('https://x.example/other/%2E%2E%2Fsecret.json')],
          },
        }),
      );
      const read = await readOfflineFeed(path.join(feedDir, 'feed.json'));
      expect(read.files).toEqual([]);
      expect(read.absent).toBe(2);
    } finally {
      rmSync(root, { recursive: true, force: true });
    }
  });

  it('reads the ROLIE feeds offline: entries resolved to the sampled documents, the rest counted absent', async () => {
    const ot = await readOfflineFeed(path.join(CISA(), 'OT/white/cisa-csaf-ot-feed-tlp-white.json'));
    expect(ot.rejected).toEqual([]);
    expect(ot.files).toHaveLength(56);
    expect(ot.absent).toBe(2379 - 56);
    expect(ot.files).toContain(path.join(CISA(), 'OT/white/2024/icsa-24-291-03.json'));
    const it = await readOfflineFeed(path.join(CISA(), 'IT/white/cisa-csaf-it-feed-tlp-white.json'));
    expect([it.files.length, it.absent]).toEqual([4, 0]);
    const viaFeeds = advisoriesOf(
      await collect([path.join(CISA(), 'OT/white/cisa-csaf-ot-feed-tlp-white.json'), path.join(CISA(), 'IT/white/cisa-csaf-it-feed-tlp-white.json')]),
    );
    expect(viaFeeds).toHaveLength(60);
  });

  it('refuses a file that is neither CSAF nor ROLIE before importing anything', async () => {
    const events: SourceEvent[] = [];
    const run = async () => {
      for await (const e of csafSource.importFiles([path.join(REDHAT(), 'rhsa-2024_0010.json'), path.join(CISA(), 'OT/white/changes.csv')], { log }))
        events.push(e);
    };
    await expect(run()).rejects.toSatisfy((e: unknown) => e instanceof VigilError && e.code === 'VIGIL_INPUT_FORMAT' && e.message.includes('changes.csv'));
    expect(events).toEqual([]);
  });

  describe('bad documents are rejected by id and field or by file; the rest go on', () => {
    let dir: string;
    beforeAll(() => {
      dir = mkdtempSync(path.join(tmpdir(), 'vigil-csaf-'));
      // Schema drift: a real document whose first CVSS base score became a string.
      const drift = JSON.parse(readFileSync(path.join(CISA(), 'OT/white/2024/icsa-24-291-03.json'), 'utf8'));
      drift.vulnerabilities[0].scores[0].cvss_v3.baseScore = '5.3';
      writeFileSync(path.join(dir, 'drift.json'), JSON.stringify(drift));
      // SHA-512 mismatch: a real VEX document and its real .sha512, one byte changed.
      const name = 'va-24-254-01.json';
      const bytes = readFileSync(path.join(CISA(), 'IT/white/2024', name));
      const tampered = Buffer.from(bytes.toString('utf8').replace('"Initial publication"', '"Initial publicatioN"'));
      writeFileSync(path.join(dir, name), tampered);
      writeFileSync(path.join(dir, `${name}.sha512`), readFileSync(path.join(CISA(), 'IT/white/2024', `${name}.sha512`)));
      // A good document with a correct hash written here.
      const good = readFileSync(path.join(REDHAT(), 'rhsa-2024_6163.json'));
      writeFileSync(path.join(dir, 'rhsa-2024_6163.json'), good);
      writeFileSync(path.join(dir, 'rhsa-2024_6163.json.sha512'), `${createHash('sha512').update(good).digest('hex')}  rhsa-2024_6163.json\n`);
      // Truncated JSON that still sniffs as CSAF.
      writeFileSync(path.join(dir, 'truncated.json'), bytes.subarray(0, 500));
    });
    afterAll(() => rmSync(dir, { recursive: true, force: true }));

    it('rejects drift, mismatch and truncation, imports the good document', async () => {
      const events = await collect([dir]);
      expect(advisoriesOf(events).map((a) => a.id)).toEqual(['RHSA-2024:6163']);
      const rejected = rejectedOf(events).map((e) => ({ file: path.basename(e.where.origin), record: e.where.record, field: e.where.field }));
      expect(rejected).toEqual([
        { file: 'drift.json', record: 'ICSA-24-291-03', field: 'vulnerabilities.0.scores.0.cvss_v3.baseScore' },
        { file: 'truncated.json', record: undefined, field: undefined },
        { file: 'va-24-254-01.json', record: undefined, field: 'sha512' },
      ]);
      expect(rejectedOf(events)[2]?.reason).toContain('SHA-512 mismatch');
    });
  });

  it('re-importing through the pipeline into a store changes nothing', async () => {
    const stores = await openTestStores();
    const { store } = stores;
    try {
      const first = await importFiles(csafSource, [CISA(), REDHAT()], { store, log });
      expect(first.error).toBeNull();
      expect(first.rejected).toEqual([]);
      expect([first.read, first.created]).toEqual([68, 68]);
      const again = await importFiles(csafSource, [CISA(), REDHAT()], { store, log });
      expect([again.read, again.created, again.changed, again.stored, again.unchanged]).toEqual([68, 0, 0, 0, 68]);
      const stored = await store.getAdvisory('RHSA-2025:23414');
      expect(stored?.advisory.affected.filter((e) => e.status === 'not_affected').length).toBeGreaterThan(0);
      expect(await store.countAdvisories({ source: 'csaf', kind: 'vex' })).toBe(4);
    } finally {
      await stores.close();
    }
  });
});
