/**
 * Alert fixtures for channel and rendering tests, built from the real-data corpus: the CVE 5
 * record (CNA + CISA ADP vulnrichment) merged by `analysis/merge.ts`, the CISA KEV catalog
 * (2025-08-25) and EMBA's EPSS re-packaging (2026-08-16 and 2026-08-09). Nothing is copied into
 * the repository; callers check `hasCorpus()` first (these functions throw without it).
 */
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { gunzipSync } from 'node:zlib';
import { mergeVulnerability } from '../analysis/merge.ts';
import { buildView } from '../analysis/view.ts';
import { factsFromView } from '../alerts/facts.ts';
import type { AlertMessage } from '../alerts/channels/types.ts';
import { productKey } from '../enrich/product-key.ts';
import type { Alert, AlertExplanation, AlertFacts } from '../model/alert.ts';
import type { Vulnerability } from '../model/record.ts';
import type { KevEntry, VulnObservation } from '../model/vulnerability.ts';
import { normalizeCve5Record } from '../sources/cve5/normalize.ts';
import { parseKevJson } from '../sources/kev/parse.ts';
import { corpusPath } from './corpus.ts';

/** The CVE the single-alert fixture is about (PAN-OS GlobalProtect command injection). */
export const SAMPLE_CVE = 'CVE-2024-3400';

/** Day of the EPSS file used for the facts. */
const EPSS_DAY = '2026-08-16';

let kevCache: Map<string, KevEntry> | undefined;
const epssText = new Map<string, string>();
const merged = new Map<string, Vulnerability>();

function kevCatalog(): Map<string, KevEntry> {
  if (!kevCache) {
    const file = corpusPath('cisa-kev', 'known_exploited_vulnerabilities.json');
    const parsed = parseKevJson(readFileSync(file, 'utf8'), file);
    if (!parsed.catalog) throw new Error(`KEV catalog ${file} did not parse`);
    kevCache = new Map(parsed.catalog.entries.map((e) => [e.cveId, e]));
  }
  return kevCache;
}

/**
 * EPSS score and percentile (0–1) of a CVE on a corpus day: `2026-08-16`, `2026-08-09` or
 * `2026-06-14` (EMBA `CVE;epss;percentile` lines); `null` when the day does not list it.
 */
export function corpusEpss(cveId: string, date: string): { score: number; percentile: number } | null {
  let text = epssText.get(date);
  if (text === undefined) {
    text = gunzipSync(readFileSync(corpusPath('epss', `emba-epss-${date}.ssv.gz`))).toString('utf8');
    epssText.set(date, text);
  }
  const at = text.indexOf(`${cveId};`);
  if (at < 0 || (at > 0 && text[at - 1] !== '\n')) return null;
  const [, score, percentile] = text.slice(at, text.indexOf('\n', at)).split(';');
  return { score: Number(score), percentile: Number(percentile) };
}

/** Path of a CVE 5 record in the corpus tree (`records/2024/3xxx/CVE-2024-3400.json`). */
function recordPath(cveId: string): string {
  const [, year, num] = cveId.split('-');
  return corpusPath('cve5', 'records', year ?? '', `${Math.floor(Number(num) / 1000)}xxx`, `${cveId}.json`);
}

/** The observation of a CVE from its corpus CVE 5 file. */
function corpusObservation(cveId: string): VulnObservation {
  const file = recordPath(cveId);
  const result = normalizeCve5Record(JSON.parse(readFileSync(file, 'utf8')));
  if (!result.ok) throw new Error(`${file}: ${result.problems.map((p) => p.reason).join('; ')}`);
  return result.observation;
}

/** The merged record of a CVE from its corpus CVE 5 file. */
export function corpusVulnerability(cveId: string): Vulnerability {
  let v = merged.get(cveId);
  if (!v) {
    v = mergeVulnerability([corpusObservation(cveId)]).vulnerability;
    merged.set(cveId, v);
  }
  return v;
}

/** {@link AlertFacts} of a corpus CVE, as the alerting code makes them (link: NVD's page). */
export function corpusFacts(cveId: string): AlertFacts {
  const epss = corpusEpss(cveId, EPSS_DAY);
  const view = buildView({
    observations: [corpusObservation(cveId)],
    kev: kevCatalog().get(cveId) ?? null,
    kevHint: null,
    epss: epss ? { ...epss, date: EPSS_DAY } : null,
    epssHistory: [],
    history: [],
    priority: 0,
  });
  return factsFromView(view);
}

/** Overrides for {@link sampleAlert}: any alert field; `facts` and `explanation` are merged one level deep. */
export type AlertOverrides = Partial<Omit<Alert, 'facts' | 'explanation'>> & {
  facts?: Partial<AlertFacts>;
  explanation?: Partial<AlertExplanation>;
};

/**
 * A `kev_added` alert for CVE-2024-3400, matched provisionally by the product entry
 * `paloaltonetworks:pan-os 10.2.5` on the CNA's `affected` data, with a `minCvss` threshold.
 * @example const alert = sampleAlert({ provisional: false, confirmedAt: '2024-04-19T00:00:00.000Z' });
 */
export function sampleAlert(overrides: AlertOverrides = {}): Alert {
  const facts = corpusFacts(SAMPLE_CVE);
  const v = corpusVulnerability(SAMPLE_CVE);
  const index = v.affected.findIndex((a) => productKey(a.product ?? '') === productKey('pan-os') && a.provider !== 'CISA-ADP');
  const range = v.affected[index]?.versions.find((x) => x.status === 'affected' && x.lessThan);
  if (!facts.kev || !range) throw new Error(`${SAMPLE_CVE}: corpus lacks the KEV entry or the CNA's affected PAN-OS range`);
  const explanation: AlertExplanation = {
    event: {
      type: 'kev_added',
      summary: `added to KEV on ${facts.kev.dateAdded}`,
      changes: [{ field: 'kev.dateAdded', old: null, new: facts.kev.dateAdded, source: 'kev', at: `${facts.kev.dateAdded}T00:00:00.000Z` }],
    },
    matches: [
      {
        entryId: 7,
        kind: 'product',
        entry: 'paloaltonetworks:pan-os 10.2.5',
        via: 'cna-affected',
        field: `affected[${index}].product`,
        matched: `${v.affected[index]?.vendor} ${v.affected[index]?.product}`,
        version: `10.2.5 in [${range.version}, ${range.lessThan})`,
      },
    ],
    thresholds: [{ name: 'minCvss', required: 9, actual: facts.cvss?.score ?? null, passed: (facts.cvss?.score ?? 0) >= 9 }],
    provisional: true,
  };
  const { facts: factOverrides, explanation: explanationOverrides, ...rest } = overrides;
  return {
    id: 1,
    subscriptionId: 1,
    watchlist: 'edge-devices',
    channel: 'test',
    recipients: [],
    cveId: SAMPLE_CVE,
    event: 'kev_added',
    eventKey: 'kev_added',
    mode: 'immediate',
    createdAt: '2024-04-12T18:00:00.000Z',
    explanation: { ...explanation, ...explanationOverrides },
    facts: { ...facts, ...factOverrides },
    provisional: true,
    confirmedAt: null,
    status: 'pending',
    deliveredTo: [],
    attempts: 0,
    nextAttemptAt: '2024-04-12T18:00:00.000Z',
    sentAt: null,
    lastError: null,
    ...rest,
  };
}

let kevRecords: string[] | undefined;

/** CVE ids of the corpus CVE 5 records that are in the KEV catalog, sorted. */
function kevRecordIds(): string[] {
  if (!kevRecords) {
    const root = corpusPath('cve5', 'records');
    const files = readdirSync(root, { recursive: true, encoding: 'utf8' }).filter((f) => /CVE-\d+-\d+\.json$/.test(f));
    const kev = kevCatalog();
    kevRecords = files
      .map((f) => path.basename(f, '.json'))
      .filter((id) => kev.has(id))
      .sort();
  }
  return kevRecords;
}

/**
 * A daily digest of `n` `kev_added` alerts, one per corpus CVE 5 record listed in KEV (ids
 * 101…), each matched by a vendor entry on the CNA's vendor name.
 * @throws {RangeError} when the corpus has fewer than `n` such records (it has over 100).
 */
export function sampleDigest(n: number): AlertMessage {
  const ids = kevRecordIds();
  if (n > ids.length) throw new RangeError(`sampleDigest(${n}): the corpus has ${ids.length} KEV-listed CVE 5 records`);
  const alerts = ids.slice(0, n).map((cveId, i): Alert => {
    const facts = corpusFacts(cveId);
    const v = corpusVulnerability(cveId);
    const at = Math.max(
      0,
      v.affected.findIndex((a) => a.vendor && a.vendor !== 'n/a'),
    );
    const named = v.affected[at];
    const byVendor = named?.vendor !== undefined && named.vendor !== 'n/a';
    const value = (byVendor ? named?.vendor : named?.product) ?? cveId;
    return sampleAlert({
      id: 101 + i,
      cveId,
      eventKey: 'kev_added',
      createdAt: '2026-08-16T06:00:00.000Z',
      mode: 'daily',
      facts,
      explanation: {
        event: { type: 'kev_added', summary: `added to KEV on ${facts.kev?.dateAdded}` },
        matches: [
          byVendor
            ? { entryId: 8, kind: 'vendor', entry: value, via: 'cna-affected', field: `affected[${at}].vendor`, matched: value }
            : { entryId: 9, kind: 'product', entry: value, via: 'cna-affected', field: `affected[${at}].product`, matched: value },
        ],
        thresholds: [],
        provisional: true,
      },
    });
  });
  return { alerts, digest: { period: 'daily', from: '2026-08-15T06:00:00.000Z', to: '2026-08-16T06:00:00.000Z' } };
}
