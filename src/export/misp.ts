/**
 * MISP event export (`vigil export misp`, `GET /api/v1/export/misp`): one event in the JSON MISP
 * imports (`{"Event": {…, "Attribute": […], "Tag": […]}}`, MISP core format:
 * https://www.misp-standard.org/rfc/misp-standard-core.html). As MISP writes it, numeric fields are
 * strings (`"threat_level_id": "4"`, `"timestamp": "1700000000"`) and `to_ids` a boolean.
 *
 * Type → category pairs: those seen in real MISP events (the PyMISP test events of the corpus)
 * where they appear there; `sha512`, `AS`, `btc` and `xmr`, absent from them, take the category
 * MISP's describeTypes lists first for them ({@link MISP_ATTRIBUTE_TYPES}). A warninglisted
 * indicator is exported with `to_ids: false` (MISP's own rule for warninglist hits), its list named
 * in the comment. CVEs become `vulnerability` attributes; ATT&CK techniques of the analyses become
 * `misp-galaxy:mitre-attack-pattern` tags; ATT&CK ids found as text are not attributes.
 */
import type { StoredIoc, Tlp } from '../iocs/types.ts';
import type { IocType } from '../nlp/types.ts';
import { type ExportData, strictestTlp } from './data.ts';
import { uuidV5 } from './ids.ts';

/** MISP attribute type and category of each indicator type; null: not exported as an attribute. */
export const MISP_ATTRIBUTE_TYPES: Readonly<Record<IocType, { type: string; category: string } | null>> = {
  ipv4: { type: 'ip-dst', category: 'Network activity' },
  ipv6: { type: 'ip-dst', category: 'Network activity' },
  // MISP's ip-dst accepts a CIDR block (its validator allows `/n`).
  cidr: { type: 'ip-dst', category: 'Network activity' },
  domain: { type: 'domain', category: 'Network activity' },
  url: { type: 'url', category: 'Network activity' },
  email: { type: 'email-src', category: 'Payload delivery' },
  md5: { type: 'md5', category: 'Payload delivery' },
  sha1: { type: 'sha1', category: 'Payload delivery' },
  sha256: { type: 'sha256', category: 'Payload delivery' },
  sha512: { type: 'sha512', category: 'Payload delivery' },
  ssdeep: { type: 'ssdeep', category: 'Payload delivery' },
  filename: { type: 'filename', category: 'Payload delivery' },
  registry: { type: 'regkey', category: 'Persistence mechanism' },
  asn: { type: 'AS', category: 'Network activity' },
  btc: { type: 'btc', category: 'Financial fraud' },
  xmr: { type: 'xmr', category: 'Financial fraud' },
  cve: { type: 'vulnerability', category: 'Payload delivery' },
  attack: null,
};

/** A MISP tag as events carry it. */
export interface MispTag {
  name: string;
}

/** One MISP attribute. `timestamp` is Unix seconds as a string; first/last seen ISO 8601. */
export interface MispAttribute {
  uuid: string;
  type: string;
  category: string;
  value: string;
  to_ids: boolean;
  comment: string;
  timestamp: string;
  /** "5": inherit the event's distribution. */
  distribution: string;
  first_seen?: string;
  last_seen?: string;
  Tag: MispTag[];
}

/** A MISP event (the `Event` member). */
export interface MispEvent {
  uuid: string;
  info: string;
  /** `YYYY-MM-DD`. */
  date: string;
  /** "1" high … "4" undefined: Vigil does not rate a collection. */
  threat_level_id: string;
  /** "0" initial, "1" ongoing, "2" completed. */
  analysis: string;
  /** "0" your organisation only: the importing analyst widens it. */
  distribution: string;
  published: boolean;
  timestamp: string;
  Attribute: MispAttribute[];
  Tag: MispTag[];
}

/** Unix seconds of an ISO date, as MISP's string. */
function unix(iso: string): string {
  return String(Math.floor(Date.parse(iso) / 1000));
}

/** MISP's TLP taxonomy tag (`tlp:clear`, `tlp:amber+strict`). */
function tlpTag(tlp: Tlp): MispTag {
  return { name: `tlp:${tlp}` };
}

/** The attribute of one stored indicator, or null for types MISP gets otherwise. */
function attributeOf(ioc: StoredIoc): MispAttribute | null {
  const map = MISP_ATTRIBUTE_TYPES[ioc.type];
  if (!map) return null;
  const value = ioc.type === 'asn' ? ioc.value.replace(/^as/i, 'AS') : ioc.type === 'cve' ? ioc.value.toUpperCase() : ioc.value;
  const seen = `Seen in ${ioc.sightings} document(s) of ${ioc.sources.join(', ') || 'no source'}`;
  const comment = ioc.warning ? `${seen}; on the MISP warninglist "${ioc.warning.name}" (${ioc.warning.list})` : seen;
  return {
    uuid: uuidV5(`misp-attribute|${ioc.type}|${value}`),
    type: map.type,
    category: map.category,
    value,
    // A CVE is context, not a detection signature; a warninglisted value would raise false alarms.
    to_ids: ioc.warning === null && ioc.type !== 'cve',
    comment,
    timestamp: unix(ioc.lastSeen),
    distribution: '5',
    first_seen: new Date(ioc.firstSeen).toISOString(),
    last_seen: new Date(ioc.lastSeen).toISOString(),
    Tag: [tlpTag(ioc.tlp)],
  };
}

/** Options of {@link buildMispEvent}. */
export interface MispExportOptions {
  /** The export's time (event date and timestamp when there is no indicator). */
  now: Date;
}

/**
 * Builds the MISP event of an export: one attribute per indicator (IOC store) and per CVE, the
 * event tagged with the strictest TLP of its attributes and with the ATT&CK techniques found.
 * The event uuid derives from `since`, so re-exporting the same window updates the same event.
 * @example JSON.stringify({ Event: buildMispEvent(data, { now: new Date() }) })
 */
export function buildMispEvent(data: ExportData, options: MispExportOptions): MispEvent {
  const attributes = new Map<string, MispAttribute>();
  const tlps: Tlp[] = [];
  for (const ioc of [...data.iocs, ...data.documents.flatMap((d) => d.iocs)]) {
    const a = attributeOf(ioc);
    if (!a || attributes.has(a.uuid)) continue;
    attributes.set(a.uuid, a);
    tlps.push(ioc.tlp);
  }
  for (const c of data.cves) {
    const uuid = uuidV5(`misp-attribute|cve|${c.cveId}`);
    if (attributes.has(uuid)) continue;
    const when = data.documents.find((d) => d.document.cves.includes(c.cveId))?.document;
    attributes.set(uuid, {
      uuid,
      type: 'vulnerability',
      category: 'Payload delivery',
      value: c.cveId,
      to_ids: false,
      comment: c.description ?? '',
      timestamp: unix(when ? (when.published ?? when.fetchedAt) : options.now.toISOString()),
      distribution: '5',
      Tag: [tlpTag('clear')],
    });
  }
  const techniques = new Map<string, string>();
  for (const d of data.documents) for (const t of d.analysis?.techniques ?? []) techniques.set(t.id, t.name);
  const list = [...attributes.values()];
  const newest = list.reduce((max, a) => Math.max(max, Number(a.timestamp)), 0);
  return {
    uuid: uuidV5(`misp-event|${data.since ?? 'all'}`),
    info: data.since ? `Vigil: indicators seen since ${data.since}` : 'Vigil: all indicators',
    date: options.now.toISOString().slice(0, 10),
    threat_level_id: '4',
    analysis: '0',
    distribution: '0',
    published: false,
    timestamp: newest > 0 ? String(newest) : unix(options.now.toISOString()),
    Attribute: list,
    Tag: [
      tlpTag(strictestTlp(tlps)),
      { name: 'type:OSINT' },
      ...[...techniques].sort(([a], [b]) => a.localeCompare(b)).map(([id, name]) => ({ name: `misp-galaxy:mitre-attack-pattern="${name} - ${id}"` })),
    ],
  };
}
