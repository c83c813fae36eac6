/**
 * What an export contains, read from the stores once: the indicators last seen since a date, the
 * intel documents published (else fetched) since then with their analyses and indicators, and the
 * CVEs either names. STIX (export/stix.ts) and MISP (export/misp.ts) are pure functions of it.
 */
import type { IntelStore, IntelSummary } from '../intel/types.ts';
import type { IocStore, StoredIoc, Tlp } from '../iocs/types.ts';
import type { AnalysisResult } from '../nlp/types.ts';
import type { Store } from '../store/types.ts';

/** One intel document of an export. */
export interface ExportDocument {
  document: IntelSummary;
  /** Its stored analysis (entities, techniques), or null when not analysed yet. */
  analysis: AnalysisResult | null;
  /** Indicators seen in it. */
  iocs: StoredIoc[];
}

/** One CVE of an export. */
export interface ExportCve {
  cveId: string;
  /** English description (first record source that has one), or null when the CVE is not stored. */
  description: string | null;
}

/** Everything one export writes. */
export interface ExportData {
  /** The `--since` the data was read with (ISO date or date-time), or null for everything. */
  since: string | null;
  /** Indicators last seen on or after `since`, newest first. */
  iocs: StoredIoc[];
  documents: ExportDocument[];
  /** CVEs named by the documents or linked to the indicators, sorted. */
  cves: ExportCve[];
}

/** The stores an export reads. `store` is optional: without it CVEs carry no description. */
export interface ExportSources {
  iocs: IocStore;
  intel: IntelStore;
  store?: Store;
}

/** Options of {@link readExportData}. */
export interface ReadExportOptions {
  /** Last seen / published on or after (`YYYY-MM-DD` or ISO 8601). */
  since?: string;
  /** At most this many indicators and this many documents (default 100,000 each). */
  max?: number;
}

const TLP_ORDER: readonly Tlp[] = ['clear', 'green', 'amber', 'amber+strict', 'red'];

/** The more restrictive of TLP labels (`clear` when none). */
export function strictestTlp(labels: Iterable<Tlp>): Tlp {
  let best = 0;
  for (const l of labels) best = Math.max(best, TLP_ORDER.indexOf(l));
  return TLP_ORDER[best] ?? 'clear';
}

/**
 * Reads an export's data, paging through the stores.
 * @throws whatever the stores throw (a closed database, a PostgreSQL error), cause kept.
 */
export async function readExportData(sources: ExportSources, options: ReadExportOptions = {}): Promise<ExportData> {
  const max = options.max ?? 100_000;
  const since = options.since ?? null;
  const iocs: StoredIoc[] = [];
  let cursor: string | undefined;
  do {
    const page = await sources.iocs.listIocs({ ...(since ? { since } : {}), limit: 1000, ...(cursor ? { cursor } : {}) });
    iocs.push(...page.items);
    cursor = page.nextCursor ?? undefined;
  } while (cursor && iocs.length < max);
  iocs.length = Math.min(iocs.length, max);

  const documents: ExportDocument[] = [];
  let after: { date: string; id: string } | undefined;
  for (;;) {
    const page = await sources.intel.listDocuments({ ...(since ? { since } : {}), limit: 500, ...(after ? { after } : {}) });
    for (const document of page) {
      const [stored, docIocs] = await Promise.all([sources.iocs.getDocumentAnalysis(document.id), sources.iocs.iocsOfDocument(document.id)]);
      documents.push({ document, analysis: stored?.analysis ?? null, iocs: docIocs });
    }
    if (page.length < 500 || documents.length >= max) break;
    const last = page[page.length - 1];
    if (!last) break;
    after = { date: last.published ?? last.fetchedAt, id: last.id };
  }

  const ids = new Set<string>();
  for (const d of documents) for (const c of [...d.document.cves, ...(d.analysis?.cves ?? [])]) ids.add(c.toUpperCase());
  for (const i of iocs) {
    for (const c of i.cves) ids.add(c.toUpperCase());
    if (i.type === 'cve') ids.add(i.value.toUpperCase());
  }
  const cves: ExportCve[] = [];
  for (const cveId of [...ids].sort()) {
    const stored = sources.store ? await sources.store.getVulnerability(cveId) : null;
    const description = stored?.observations.find((o) => o.description)?.description ?? null;
    cves.push({ cveId, description });
  }
  return { since, iocs, documents, cves };
}
