/**
 * CERT-FR offline import on the real corpus: every bulletin of the JSON Lines file (counts checked
 * against the file, CVE links by origin), the per-bulletin folder giving the same records, bad
 * records rejected by reference and field, and files that are not CERT-FR refused up front.
 */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { gunzipSync, gzipSync } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { VigilError } from '../../errors.ts';
import { createLogger } from '../../log.ts';
import type { Advisory } from '../../model/advisory.ts';
import { corpusPath, hasCorpus } from '../../testing/corpus.ts';
import type { SourceEvent } from '../types.ts';
import { certfrSource } from './index.ts';

const log = createLogger('silent');
const tmp = mkdtempSync(path.join(os.tmpdir(), 'vigil-certfr-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));
const jsonl = () => corpusPath('cert-fr', 'certfr-avis-all-2000-2026.DERIVED.jsonl.gz');
const avis = () => corpusPath('cert-fr', 'avis');

async function collect(paths: string[]): Promise<SourceEvent[]> {
  const events: SourceEvent[] = [];
  for await (const e of certfrSource.importFiles(paths, { log })) events.push(e);
  return events;
}
const advisoriesOf = (events: SourceEvent[]): Advisory[] => events.flatMap((e) => (e.type === 'advisories' ? e.records : []));
const rejectedOf = (events: SourceEvent[]) => events.flatMap((e) => (e.type === 'rejected' ? [e] : []));
function write(name: string, content: string | Buffer): string {
  const file = path.join(tmp, name);
  writeFileSync(file, content);
  return file;
}

describe.skipIf(!hasCorpus())('CERT-FR import of the whole JSON Lines file', () => {
  let events: SourceEvent[] = [];
  let all: Advisory[] = [];
  beforeAll(async () => {
    events = await collect([jsonl()]);
    all = advisoriesOf(events);
  }, 120_000);

  it('imports every bulletin, in batches of at most 1,000, with every listed CVE link', () => {
    // PROVENANCE.md says 16,538 bulletins and 174,358 CVE references; the file in the corpus holds
    // 15,738 lines and 164,933 `cves[]` entries (counted with zcat | wc -l and Python's json).
    expect(rejectedOf(events)).toEqual([]);
    expect(all).toHaveLength(15_738);
    expect(new Set(all.map((a) => a.id)).size).toBe(15_738);
    const batches = events.flatMap((e) => (e.type === 'advisories' ? [e.records.length] : []));
    expect(Math.max(...batches)).toBe(1000);
    const cves = all.flatMap((a) => a.cves);
    expect(cves.filter((c) => c.origin === 'listed')).toHaveLength(164_933);
    // Found only in text: six bulletins name one CVE their list lacks.
    const text = all.flatMap((a) => a.cves.filter((c) => c.origin === 'text').map((c) => `${a.id} ${c.id}`));
    expect(text).toEqual([
      'CERTA-2012-AVI-373 CVE-2012-3296',
      'CERTFR-2024-AVI-0784 CVE-2024-8963',
      'CERTFR-2024-AVI-0796 CVE-2024-8190',
      'CERTFR-2024-AVI-0851 CVE-2024-8963',
      'CERTFR-2025-AVI-0177 CVE-2025-222234',
      'CERTFR-2025-AVI-1121 CVE-2025-23006',
    ]);
    expect(all.every((a) => a.kind === 'bulletin' && a.source === 'certfr')).toBe(true);
    expect(events.at(-1)).toEqual({ type: 'progress', done: expect.any(Number), total: expect.any(Number), unit: 'bytes', label: jsonl() });
  });

  it('keeps the 1,924 CVEs of CERTFR-2025-AVI-0969 and maps the dates and links', () => {
    const vmware = all.find((a) => a.id === 'CERTFR-2025-AVI-0969');
    expect(vmware?.title).toBe('Multiples vulnérabilités dans les produits VMware');
    expect(vmware?.cves).toHaveLength(1924);
    expect(vmware?.cves.every((c) => c.origin === 'listed' && /^CVE-\d{4}-\d{4,}$/.test(c.id))).toBe(true);
    const text = all.find((a) => a.id === 'CERTFR-2024-AVI-0784');
    expect(text?.cves.find((c) => c.id === 'CVE-2024-8963')).toEqual({ id: 'CVE-2024-8963', origin: 'text' });
    // The oldest bulletin: CERTA reference, dates at midnight UTC.
    expect(all[0]).toMatchObject({ id: 'CERTA-2000-AVI-001', url: 'https://www.cert.ssi.gouv.fr/avis/CERTA-2000-AVI-001/' });
    for (const a of all) {
      expect(a.published! <= a.modified).toBe(true);
      expect(a.modified).toMatch(/^\d{4}-\d{2}-\d{2}T00:00:00\.000Z$/);
    }
  });

  it('drops "N/A" vendors and products, keeps SCADA flags, and vendor advisories without a URL are left out', () => {
    const affected = all.flatMap((a) => a.affected);
    expect(affected).toHaveLength(72_652);
    expect(affected.some((x) => x.vendor === 'N/A' || x.product === 'N/A')).toBe(false);
    expect(affected.filter((x) => x.scada === true).length).toBeGreaterThan(4_000);
    // 34,861 vendor advisories in the file, 5,491 of them with a null, "None" or empty URL: not references.
    const vendor = all.flatMap((a) => a.vendorAdvisories ?? []);
    expect(vendor).toHaveLength(34_861 - 5_491);
    expect(vendor.every((v) => /^(https?|ftp):\/\//i.test(v.url))).toBe(true);
    expect(vendor.filter((v) => v.published === undefined).length).toBeGreaterThan(0);
  });
});

describe.skipIf(!hasCorpus())('CERT-FR per-bulletin JSON files', () => {
  it('maps CERTFR-2026-AVI-0001 field by field', async () => {
    const [a] = advisoriesOf(await collect([corpusPath('cert-fr', 'avis', '2026', 'CERTFR-2026-AVI-0001.json')]));
    expect(a).toMatchObject({
      id: 'CERTFR-2026-AVI-0001',
      source: 'certfr',
      kind: 'bulletin',
      title: 'Multiples vulnérabilités dans le noyau Linux de SUSE',
      summary: expect.stringMatching(/^De multiples vulnérabilités ont été découvertes dans le noyau Linux de SUSE\./),
      details: expect.stringMatching(/^## Solutions\n\nSe référer au bulletin de sécurité de l'éditeur/),
      published: '2026-01-02T00:00:00.000Z',
      modified: '2026-01-02T00:00:00.000Z',
      revisions: [{ date: '2026-01-02T00:00:00.000Z', description: 'Version initiale' }],
      risks: ["Atteinte à l'intégrité des données", 'Déni de service'],
      references: [],
      vendorAdvisories: [
        {
          url: 'https://www.suse.com/support/update/announcement/2025/suse-su-20254530-1',
          title: 'Bulletin de sécurité SUSE SUSE-SU-2025:4530-1',
          published: '2025-12-29',
        },
      ],
      url: 'https://www.cert.ssi.gouv.fr/avis/CERTFR-2026-AVI-0001/',
      aliases: [],
    });
    expect(a?.affected).toHaveLength(16);
    expect(a?.affected[0]).toEqual({ status: 'affected', vendor: 'SUSE', description: 'SUSE Manager Proxy 4.2', scada: false });
    expect(a?.cves.slice(0, 3)).toEqual([
      { id: 'CVE-2025-40121', origin: 'listed' },
      { id: 'CVE-2025-40204', origin: 'listed' },
      { id: 'CVE-2023-53659', origin: 'listed' },
    ]);
  });

  it('an alert (…-ALE-…) is kind alert with its page under /alerte/', async () => {
    // No real alert JSON is in the corpus (the mirror holds avis only): a real avis renamed.
    const doc = JSON.parse(readFileSync(corpusPath('cert-fr', 'avis', '2026', 'CERTFR-2026-AVI-0001.json'), 'utf8'));
    doc.reference = 'CERTFR-2026-ALE-001';
    const [a] = advisoriesOf(await collect([write('ale.json', JSON.stringify(doc, null, 2))]));
    expect([a?.id, a?.kind, a?.url]).toEqual(['CERTFR-2026-ALE-001', 'alert', 'https://www.cert.ssi.gouv.fr/alerte/CERTFR-2026-ALE-001/']);
  });

  it('reads the avis folder (616 files) into the same records as the JSON Lines file', async () => {
    const folder = advisoriesOf(await collect([avis()]));
    expect(folder).toHaveLength(616);
    const byId = new Map(advisoriesOf(await collect([jsonl()])).map((a) => [a.id, a]));
    for (const a of folder) expect(a, a.id).toEqual(byId.get(a.id));
  }, 120_000);

  it('reads a JSON array, a compact one-line bulletin and a gzipped copy whatever their names', async () => {
    const docs = ['CERTFR-2026-AVI-0001', 'CERTFR-2026-AVI-0002'].map((r) =>
      JSON.parse(readFileSync(corpusPath('cert-fr', 'avis', '2026', `${r}.json`), 'utf8')),
    );
    const array = write('two.json', JSON.stringify(docs, null, 2));
    const compact = write('one.json', JSON.stringify(docs[1]));
    const gz = write('bulletin.dat', gzipSync(JSON.stringify(docs[0], null, 2)));
    expect(advisoriesOf(await collect([array, compact, gz])).map((a) => a.id)).toEqual([
      'CERTFR-2026-AVI-0001',
      'CERTFR-2026-AVI-0002',
      'CERTFR-2026-AVI-0002',
      'CERTFR-2026-AVI-0001',
    ]);
  });
});

describe.skipIf(!hasCorpus())('CERT-FR bad input', () => {
  /** The first lines of the real JSON Lines file. */
  const realLines = () => gunzipSync(readFileSync(jsonl())).toString('utf8').split('\n', 20);

  it('rejects bad bulletins by reference and field and stores the rest', async () => {
    const lines = realLines();
    const docs = lines.map((l) => JSON.parse(l));
    docs[1].cves = 'CVE-2000-0001';
    docs[2].revisions[0].revision_date = '2000-02-30T00:00:00.000000';
    docs[3].affected_systems[0].product.vendor.scada = 'yes';
    delete docs[4].reference;
    docs[5].revisions = [];
    docs[6].cves = [{ name: 'CVE-2000-12', url: 'https://www.cve.org/CVERecord?id=CVE-2000-12' }];
    const out = docs.map((d) => JSON.stringify(d));
    out[7] = `${out[7]?.slice(0, 200)}`;
    const events = await collect([write('bad.jsonl', out.join('\n'))]);
    expect(rejectedOf(events).map((r) => [r.where.record, r.where.field])).toEqual([
      [docs[1].reference, 'cves'],
      [docs[2].reference, 'revisions.0.revision_date'],
      [docs[3].reference, 'affected_systems.0.product.vendor.scada'],
      ['line 5', 'reference'],
      [docs[5].reference, 'revisions'],
      [docs[6].reference, 'cves.0.name'],
      ['line 8', undefined],
    ]);
    expect(rejectedOf(events)[6]?.reason).toMatch(/^not valid JSON/);
    expect(advisoriesOf(events).map((a) => a.id)).toEqual([0, 8, 9, 10, 11, 12, 13, 14, 15, 16, 17, 18, 19].map((i) => docs[i].reference));
  });

  it('refuses a file that is not CERT-FR bulletins before importing anything', async () => {
    const ale = corpusPath('cert-fr', 'alerte', 'cert-fr-ale_with_cves.json');
    const kev = corpusPath('cisa-kev', 'known_exploited_vulnerabilities.json');
    for (const paths of [[ale], [avis(), kev], [corpusPath('cert-eu', 'samples')]]) {
      const events: SourceEvent[] = [];
      const run = async () => {
        for await (const e of certfrSource.importFiles(paths, { log })) events.push(e);
      };
      await expect(run()).rejects.toSatisfy((e) => e instanceof VigilError && e.code === 'VIGIL_INPUT_FORMAT');
      expect(events).toEqual([]);
    }
  });

  it('reads a truncated gzip up to where it is cut and says so', async () => {
    const cut = write('cut.jsonl.gz', readFileSync(jsonl()).subarray(0, 400_000));
    const events = await collect([cut]);
    const rejected = rejectedOf(events);
    expect(rejected).toHaveLength(1);
    expect(rejected[0]?.reason).toMatch(/^truncated or corrupt file after line \d+/);
    const n = Number(/after line (\d+)/.exec(rejected[0]?.reason ?? '')?.[1]);
    expect(advisoriesOf(events).length).toBeGreaterThanOrEqual(n - 1);
    expect(advisoriesOf(events).length).toBeGreaterThan(500);
  });
});
