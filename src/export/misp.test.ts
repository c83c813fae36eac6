import { readdirSync, readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import type { StoredIoc } from '../iocs/types.ts';
import { IOC_TYPES } from '../nlp/types.ts';
import { corpusPath, hasCorpus } from '../testing/corpus.ts';
import type { ExportData } from './data.ts';
import { buildMispEvent, MISP_ATTRIBUTE_TYPES } from './misp.ts';

const EVENTS = corpusPath('misp-events', 'pymisp-tests');

/**
 * Pairs MISP's describeTypes allows but the corpus events do not show (describeTypes.json is not
 * in the corpus): sha512 in Payload delivery, AS in Network activity, btc/xmr in Financial fraud.
 */
const NOT_IN_CORPUS = new Set(['Payload delivery/sha512', 'Network activity/AS', 'Financial fraud/btc', 'Financial fraud/xmr']);
/** Attribute fields MISP has had since 2.4.120 that these (older) test events predate. */
const NEWER_ATTRIBUTE_FIELDS = new Set(['first_seen', 'last_seen']);

interface RealEvent {
  [key: string]: unknown;
  Attribute?: Record<string, unknown>[];
  Object?: { Attribute?: Record<string, unknown>[] }[];
}

/** The real events of the corpus (bare or wrapped in `Event`). */
function realEvents(): RealEvent[] {
  return readdirSync(EVENTS)
    .filter((f) => f.endsWith('.json'))
    .map((f) => JSON.parse(readFileSync(`${EVENTS}/${f}`, 'utf8')) as unknown)
    .filter((d): d is Record<string, unknown> => typeof d === 'object' && d !== null && !Array.isArray(d))
    .map((d) => (d.Event ?? d) as RealEvent);
}

function ioc(type: StoredIoc['type'], value: string, extra: Partial<StoredIoc> = {}): StoredIoc {
  return {
    type,
    value,
    firstSeen: '2017-11-14T08:00:00.000Z',
    lastSeen: '2017-11-15T08:00:00.000Z',
    sightings: 2,
    sources: ['us-cert'],
    cves: [],
    warning: null,
    tlp: 'clear',
    ...extra,
  };
}

/** One IOC of every exportable type; the values of FALLCHILL (ip-dst, md5) from the corpus event. */
function sampleData(): ExportData {
  const fallchill = realEvents().find((e) => String(e.info).includes('FALLCHILL'));
  const real = (fallchill?.Attribute ?? []).filter((a) => a.type === 'ip-dst' || a.type === 'md5').slice(0, 6);
  const iocs: StoredIoc[] = real.map((a) => ioc(a.type === 'md5' ? 'md5' : 'ipv4', String(a.value)));
  iocs.push(
    ioc('domain', 'google.com', { warning: { list: 'tranco', name: 'Top 1000 Tranco' } }),
    ioc('sha512', 'a'.repeat(128), { tlp: 'amber' }),
    ioc('asn', 'as13335'),
    ioc('btc', '1BoatSLRHtKNngkdXEeobR76b53LETtpyT'),
    ioc('xmr', `4${'8'.repeat(94)}`),
    ioc('registry', 'HKCU\\Software\\Microsoft\\Windows\\CurrentVersion\\Run'),
    ioc('email', 'bad@evil.example'),
    ioc('url', 'http://evil.example/x'),
    ioc('ssdeep', '3:abc:def'),
    ioc('filename', 'invoice.exe'),
    ioc('sha1', 'da39a3ee5e6b4b0d3255bfef95601890afd80709'),
    ioc('sha256', 'e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855'),
    ioc('ipv6', '2001:db8::1'),
    ioc('cidr', '198.51.100.0/24'),
    ioc('cve', 'cve-2017-0144'),
    ioc('attack', 'T1059'),
  );
  expect(real.length).toBeGreaterThan(0);
  return { since: '2017-11-01', iocs, documents: [], cves: [{ cveId: 'CVE-2017-0143', description: 'SMBv1 remote code execution' }] };
}

describe.skipIf(!hasCorpus())('MISP event export against real MISP events', () => {
  const events = realEvents();
  const realPairs = new Set(
    events.flatMap((e) => [...(e.Attribute ?? []), ...(e.Object ?? []).flatMap((o) => o.Attribute ?? [])]).map((a) => `${a.category}/${a.type}`),
  );

  it('maps every indicator type to a pair real events use (or describeTypes allows)', () => {
    for (const t of IOC_TYPES) {
      const m = MISP_ATTRIBUTE_TYPES[t];
      if (!m) continue;
      const pair = `${m.category}/${m.type}`;
      expect(realPairs.has(pair) || NOT_IN_CORPUS.has(pair), `${t} -> ${pair}`).toBe(true);
    }
    // The allowance list is only for pairs really missing from the corpus.
    for (const p of NOT_IN_CORPUS) expect(realPairs.has(p), p).toBe(false);
  });

  it('writes only keys real events have, with the same value types', () => {
    const event = buildMispEvent(sampleData(), { now: new Date('2017-11-20T00:00:00Z') });
    const realEventKeys = new Map<string, Set<string>>();
    const realAttrKeys = new Map<string, Set<string>>();
    const note = (m: Map<string, Set<string>>, o: Record<string, unknown>) => {
      for (const [k, v] of Object.entries(o)) {
        if (!m.has(k)) m.set(k, new Set());
        m.get(k)?.add(Array.isArray(v) ? 'array' : v === null ? 'null' : typeof v);
      }
    };
    for (const e of events) {
      note(realEventKeys, e);
      for (const a of e.Attribute ?? []) note(realAttrKeys, a);
    }
    for (const [k, v] of Object.entries(event)) {
      const kind = Array.isArray(v) ? 'array' : typeof v;
      expect(realEventKeys.get(k), `Event.${k}`).toContain(kind);
    }
    for (const a of event.Attribute) {
      for (const [k, v] of Object.entries(a)) {
        if (NEWER_ATTRIBUTE_FIELDS.has(k)) continue;
        expect(realAttrKeys.get(k), `Attribute.${k}`).toContain(Array.isArray(v) ? 'array' : typeof v);
      }
      expect(realPairs.has(`${a.category}/${a.type}`) || NOT_IN_CORPUS.has(`${a.category}/${a.type}`), `${a.category}/${a.type}`).toBe(true);
    }
    expect(event.date).toMatch(/^\d{4}-\d{2}-\d{2}$/);
  });

  it('exports warninglisted indicators and CVEs with to_ids false, the rest true', () => {
    const event = buildMispEvent(sampleData(), { now: new Date('2017-11-20T00:00:00Z') });
    const byValue = new Map(event.Attribute.map((a) => [a.value, a]));
    expect(byValue.get('google.com')?.to_ids).toBe(false);
    expect(byValue.get('google.com')?.comment).toContain('Top 1000 Tranco');
    expect(byValue.get('CVE-2017-0144')).toMatchObject({ type: 'vulnerability', to_ids: false });
    expect(byValue.get('CVE-2017-0143')).toMatchObject({ type: 'vulnerability', comment: 'SMBv1 remote code execution' });
    expect(byValue.get('AS13335')).toMatchObject({ type: 'AS', to_ids: true });
    expect(byValue.has('T1059')).toBe(false);
    expect(event.Tag.map((t) => t.name)).toContain('tlp:amber');
  });

  it('gives the same uuids on a re-export', () => {
    const a = buildMispEvent(sampleData(), { now: new Date('2017-11-20T00:00:00Z') });
    const b = buildMispEvent(sampleData(), { now: new Date('2017-11-20T00:00:00Z') });
    expect(b).toEqual(a);
    const uuids = a.Attribute.map((x) => x.uuid);
    expect(new Set(uuids).size).toBe(uuids.length);
    for (const u of [a.uuid, ...uuids]) expect(u).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-5[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
  });
});
