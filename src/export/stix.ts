/**
 * STIX 2.1 export (`vigil export stix`, `GET /api/v1/export/stix`): one bundle
 * (https://docs.oasis-open.org/cti/stix/v2.1/os/stix-v2.1-os.html) with Vigil's identity as the
 * producer, TLP 2.0 markings, an indicator per stored IOC (STIX pattern, export/stix-patterns.ts),
 * a vulnerability per CVE, intrusion-sets, malware, tools and attack-patterns from the documents'
 * analyses (ATT&CK ids as `mitre-attack` external references), a report per intel document
 * (`object_refs`), and relationships between what one document names together.
 *
 * Ids are UUIDv5 of type + value (export/ids.ts) and timestamps come from the data, so the same
 * store exports the same bundle byte for byte.
 */
import type { StoredIoc, Tlp } from '../iocs/types.ts';
import type { Entity } from '../nlp/types.ts';
import { type ExportData, strictestTlp } from './data.ts';
import { stixId } from './ids.ts';
import { TLP2_MARKING_IDS, tlpMarking } from './stix-markings.ts';
import { isStixIndicatorType, stixPattern } from './stix-patterns.ts';

/** One STIX object (SDO, SRO, marking): its common properties, the rest by type. */
export interface StixObject {
  type: string;
  id: string;
  [property: string]: unknown;
}

/** A STIX 2.1 bundle. */
export interface StixBundle {
  type: 'bundle';
  id: string;
  objects: StixObject[];
}

/** When Vigil's identity object was first made (fixed: re-exports must not change it). */
const IDENTITY_CREATED = '2026-01-01T00:00:00.000Z';
/** Vigil as the producer (`created_by_ref` of every object it makes). */
export const VIGIL_IDENTITY_ID = stixId('identity', 'vigil');

/** A STIX timestamp with milliseconds (the schemas require them on created/modified). */
function ts(date: string): string {
  return new Date(date).toISOString();
}

/** `https://attack.mitre.org/...` of an ATT&CK id (techniques, groups, software, tactics). */
function attackUrl(id: string): string {
  const [base = id, sub] = id.split('.');
  if (base.startsWith('TA')) return `https://attack.mitre.org/tactics/${base}`;
  if (base.startsWith('T')) return `https://attack.mitre.org/techniques/${base}${sub ? `/${sub}` : ''}`;
  if (base.startsWith('G')) return `https://attack.mitre.org/groups/${base}`;
  if (base.startsWith('S')) return `https://attack.mitre.org/software/${base}`;
  return `https://attack.mitre.org/`;
}

const ATTACK_ID = /^(?:T\d{4}(?:\.\d{3})?|G\d{4}|S\d{4})$/;

/** STIX type an entity becomes (threat actors as intrusion-sets, as ATT&CK does), or null. */
function entityStixType(e: Entity): 'intrusion-set' | 'malware' | 'tool' | null {
  if (e.type === 'threat-actor') return 'intrusion-set';
  if (e.type === 'malware') return 'malware';
  if (e.type === 'tool') return 'tool';
  return null;
}

/** Collects objects by id; the first definition wins, `created` widens to the earliest. */
class ObjectSet {
  readonly byId = new Map<string, StixObject>();
  add(object: StixObject): string {
    const known = this.byId.get(object.id);
    if (!known) this.byId.set(object.id, object);
    else {
      const was = known.created;
      const now = object.created;
      if (typeof was === 'string' && typeof now === 'string' && now < was) {
        known.created = now;
        if (typeof known.modified === 'string' && known.modified < now) known.modified = now;
      }
    }
    return object.id;
  }
}

/** The indicator object of one IOC, or null when its type has no pattern. */
function indicatorOf(ioc: StoredIoc): StixObject | null {
  if (!isStixIndicatorType(ioc.type)) return null;
  const pattern = stixPattern(ioc.type, ioc.value);
  if (!pattern) return null;
  const created = ts(ioc.firstSeen);
  const modified = ts(ioc.lastSeen) < created ? created : ts(ioc.lastSeen);
  const seenIn = `Seen in ${ioc.sightings} document(s) of ${ioc.sources.join(', ') || 'no source'}`;
  return {
    type: 'indicator',
    spec_version: '2.1',
    id: stixId('indicator', `${ioc.type}|${ioc.value}`),
    created_by_ref: VIGIL_IDENTITY_ID,
    created,
    modified,
    name: ioc.value,
    description: ioc.warning
      ? `${seenIn}. On the MISP warninglist "${ioc.warning.name}" (${ioc.warning.list}): a possible false positive (lists of well-known, often benign values such as public resolvers, CDNs, VPN and cloud ranges, dynamic DNS).`
      : `${seenIn}.`,
    indicator_types: [ioc.warning ? 'benign' : 'malicious-activity'],
    pattern,
    pattern_type: 'stix',
    pattern_version: '2.1',
    valid_from: created,
    labels: [`vigil-ioc-type:${ioc.type}`],
    object_marking_refs: [TLP2_MARKING_IDS[ioc.tlp]],
  };
}

/** Common properties of an SDO Vigil makes. */
function sdo(type: string, key: string, created: string, tlp: Tlp): StixObject {
  return {
    type,
    spec_version: '2.1',
    id: stixId(type, key),
    created_by_ref: VIGIL_IDENTITY_ID,
    created,
    modified: created,
    object_marking_refs: [TLP2_MARKING_IDS[tlp]],
  };
}

/** A relationship SRO (`source relationship_type target`), id from the three. */
function relationship(kind: string, source: string, target: string, created: string, tlp: Tlp, description: string): StixObject {
  return {
    ...sdo('relationship', `${kind}|${source}|${target}`, created, tlp),
    relationship_type: kind,
    source_ref: source,
    target_ref: target,
    description,
  };
}

/**
 * Builds the STIX 2.1 bundle of an export.
 * @example JSON.stringify(buildStixBundle(await readExportData(stores, { since: '2025-01-01' })))
 */
export function buildStixBundle(data: ExportData): StixBundle {
  const set = new ObjectSet();
  const tlps = new Set<Tlp>();
  const indicatorIds = new Map<string, string>();
  for (const ioc of [...data.iocs, ...data.documents.flatMap((d) => d.iocs)]) {
    const ind = indicatorOf(ioc);
    if (!ind) continue;
    indicatorIds.set(`${ioc.type}|${ioc.value}`, set.add(ind));
    tlps.add(ioc.tlp);
  }
  const cveCreated = new Map<string, string>();
  for (const d of data.documents) {
    const when = ts(d.document.published ?? d.document.fetchedAt);
    for (const c of d.document.cves) if (!cveCreated.has(c) || when < (cveCreated.get(c) ?? when)) cveCreated.set(c, when);
  }
  const cveIds = new Map<string, string>();
  for (const c of data.cves) {
    const v = sdo('vulnerability', c.cveId, cveCreated.get(c.cveId) ?? IDENTITY_CREATED, 'clear');
    Object.assign(v, {
      name: c.cveId,
      ...(c.description ? { description: c.description } : {}),
      external_references: [{ source_name: 'cve', external_id: c.cveId, url: `https://www.cve.org/CVERecord?id=${c.cveId}` }],
    });
    cveIds.set(c.cveId, set.add(v));
    tlps.add('clear');
  }

  for (const d of data.documents) {
    const doc = d.document;
    const when = ts(doc.published ?? doc.fetchedAt);
    const tlp = strictestTlp(d.iocs.map((i) => i.tlp));
    tlps.add(tlp);
    const refs = new Set<string>();
    const actors: string[] = [];
    const software: string[] = [];
    const patterns: string[] = [];
    // Named things: entities (gazetteer ids when known), ATT&CK ids found as IOCs, technique hits.
    for (const e of d.analysis?.entities ?? []) {
      const type = entityStixType(e);
      if (!type) continue;
      const attackId = e.id && ATTACK_ID.test(e.id) ? e.id : null;
      const o = sdo(type, attackId ?? e.text.trim().toLowerCase(), when, tlp);
      Object.assign(o, { name: e.text.trim(), ...(type === 'malware' ? { is_family: true } : {}) });
      if (attackId) o.external_references = [{ source_name: 'mitre-attack', external_id: attackId, url: attackUrl(attackId) }];
      const id = set.add(o);
      (type === 'intrusion-set' ? actors : software).push(id);
    }
    const techniques = new Map<string, string>();
    for (const t of d.analysis?.techniques ?? []) techniques.set(t.id, t.name);
    for (const i of d.iocs) if (i.type === 'attack' && /^T\d{4}/.test(i.value) && !techniques.has(i.value)) techniques.set(i.value, i.value);
    for (const [id, name] of techniques) {
      const o = sdo('attack-pattern', id, when, tlp);
      Object.assign(o, { name, external_references: [{ source_name: 'mitre-attack', external_id: id, url: attackUrl(id) }] });
      patterns.push(set.add(o));
    }
    const indicators = d.iocs.flatMap((i) => indicatorIds.get(`${i.type}|${i.value}`) ?? []);
    const benign = new Set(d.iocs.filter((i) => i.warning).flatMap((i) => indicatorIds.get(`${i.type}|${i.value}`) ?? []));
    const vulns = [...new Set([...doc.cves, ...(d.analysis?.cves ?? [])])].flatMap((c) => cveIds.get(c) ?? []);
    for (const id of [...indicators, ...vulns, ...actors, ...software, ...patterns]) refs.add(id);

    const together = `Named together in "${doc.title}" (${doc.url}).`;
    const rels: StixObject[] = [];
    for (const ind of indicators) {
      if (benign.has(ind)) continue;
      for (const target of [...software, ...actors]) rels.push(relationship('indicates', ind, target, when, tlp, together));
    }
    for (const actor of actors) {
      for (const target of [...software, ...patterns]) rels.push(relationship('uses', actor, target, when, tlp, together));
      for (const v of vulns) rels.push(relationship('targets', actor, v, when, tlp, together));
    }
    for (const sw of software) {
      if (set.byId.get(sw)?.type !== 'malware') continue;
      for (const p of patterns) rels.push(relationship('uses', sw, p, when, tlp, together));
    }
    for (const r of rels) refs.add(set.add(r));
    if (refs.size === 0) continue;
    const report = sdo('report', doc.id, when, tlp);
    Object.assign(report, {
      name: doc.title || doc.url,
      ...(doc.summary ? { description: doc.summary } : {}),
      report_types: ['threat-report'],
      published: when,
      object_refs: [...refs],
      external_references: [{ source_name: doc.source, url: doc.url, external_id: doc.id }],
      ...(doc.tags.length > 0 ? { labels: doc.tags } : {}),
    });
    set.add(report);
  }

  const identity: StixObject = {
    type: 'identity',
    spec_version: '2.1',
    id: VIGIL_IDENTITY_ID,
    created: IDENTITY_CREATED,
    modified: IDENTITY_CREATED,
    name: 'Vigil',
    description: 'Vigil vulnerability and threat-intelligence monitor: objects derived from collected public sources.',
    identity_class: 'system',
  };
  const markings = (['clear', 'green', 'amber', 'amber+strict', 'red'] as const).filter((t) => tlps.has(t)).map((t): StixObject => ({ ...tlpMarking(t) }));
  const objects = [identity, ...markings, ...set.byId.values()];
  return { type: 'bundle', id: stixId('bundle', `${data.since ?? 'all'}|${objects.map((o) => o.id).join(',')}`), objects };
}
