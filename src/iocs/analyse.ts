/**
 * Analysis of intel documents on arrival (issue 14): each document a collection stores as created
 * or changed goes through the one analyzer (nlp/analyze.ts); its IOCs and CVE ids are saved as
 * sightings (`IocStore.saveDocumentIocs`, TLP from `nlp.defaultTlp`) and the whole analysis beside
 * it (`saveDocumentAnalysis`). A document whose analysis fails is logged and left without one
 * (`vigil iocs reanalyse` catches up); it never stops the others nor the collection.
 */
import type { Logger } from 'pino';
import type { VigilConfig } from '../config.ts';
import type { IntelDocument, IntelStore } from '../intel/types.ts';
import { sharedAnalyzer } from '../nlp/analyze.ts';
import { storeVendorProducts, type VendorProductsProvider } from '../nlp/context.ts';
import { messageWithCauses } from '../sources/http.ts';
import type { Stores } from '../store/index.ts';
import { type AsyncAnalyzer, sharedAnalysisThread } from './analysis-thread.ts';
import type { IocStore, Tlp } from './types.ts';

/** What analysing documents needs. */
export interface DocumentAnalysisDeps {
  /** The analyzer (built once, models loaded; a rejection is logged and analyses nothing): in process, or its thread. */
  analyzer: () => Promise<AsyncAnalyzer>;
  iocs: IocStore;
  /** TLP of the sightings (`nlp.defaultTlp`: public sources are `clear`). */
  tlp: Tlp;
  log: Logger;
  now: () => Date;
}

/** What {@link analyseDocuments} did. */
export interface AnalysisReport {
  analysed: number;
  failed: number;
  newIocs: number;
  newSightings: number;
}

/**
 * The text a document's analysis reads: its title, a blank line, its text. Offsets in the stored
 * analysis (`start`, `end`) index this string.
 */
export function analysedText(doc: Pick<IntelDocument, 'title' | 'text'>): string {
  return doc.title ? `${doc.title}\n\n${doc.text}` : doc.text;
}

/** Analyses `documents` one by one and stores what each contains. Never throws: failures are counted and logged. */
export async function analyseDocuments(deps: DocumentAnalysisDeps, documents: readonly IntelDocument[]): Promise<AnalysisReport> {
  const report: AnalysisReport = { analysed: 0, failed: 0, newIocs: 0, newSightings: 0 };
  if (!documents.length) return report;
  let analyzer: AsyncAnalyzer;
  try {
    analyzer = await deps.analyzer();
  } catch (err) {
    deps.log.warn({ error: messageWithCauses(err), documents: documents.length }, 'analysis: the analyzer cannot be built; documents left without analysis');
    report.failed = documents.length;
    return report;
  }
  for (const doc of documents) {
    try {
      const analysis = await analyzer.analyze(analysedText(doc), doc.language ? { lang: doc.language } : {});
      const saved = await deps.iocs.saveDocumentIocs({
        documentId: doc.id,
        source: doc.source,
        seen: doc.published ?? doc.fetchedAt,
        tlp: deps.tlp,
        iocs: analysis.iocs,
        cves: analysis.cves,
      });
      await deps.iocs.saveDocumentAnalysis(doc.id, analysis, deps.now().toISOString());
      report.analysed++;
      report.newIocs += saved.newIocs;
      report.newSightings += saved.newSightings;
    } catch (err) {
      report.failed++;
      deps.log.warn({ document: doc.id, source: doc.source, error: messageWithCauses(err) }, 'analysis of a document failed');
      deps.log.debug({ err }, 'analysis failure: stack');
    }
  }
  return report;
}

/**
 * The analysis hook of a collection (`IntelServices.analyse`): the shared analyzer of `config`
 * (nlp.modelDir, warninglists), sightings in `iocs` with TLP `config.nlp.defaultTlp`.
 * @param options.thread analyse in the process's analysis thread (analysis-thread.ts), not on
 *   this one: a process serving the API.
 * @param options.stores the open stores: the entity gazetteer adds their vendors and products
 *   (asked for by the analysis thread when `thread`).
 * @param options.vendorProducts where the analysis thread reads them when `stores` is not given.
 */
export function documentAnalyser(
  config: VigilConfig,
  iocs: IocStore,
  log: Logger,
  options: { thread?: boolean; stores?: Stores; vendorProducts?: VendorProductsProvider } = {},
): (documents: readonly IntelDocument[]) => Promise<AnalysisReport> {
  const { thread, stores } = options;
  const vendorProducts = options.vendorProducts ?? storeVendorProducts(stores);
  const deps: DocumentAnalysisDeps = {
    analyzer: async () => (thread ? sharedAnalysisThread(config, vendorProducts) : sharedAnalyzer(config, stores)),
    iocs,
    tlp: config.nlp.defaultTlp,
    log,
    now: () => new Date(),
  };
  return (documents) => analyseDocuments(deps, documents);
}

/** Most documents one {@link reanalyse} run reads (the ids are held in memory). */
const MAX_PENDING = 10_000_000;

/** Options of {@link reanalyse}. */
export interface ReanalyseOptions {
  /** Every stored document, not only those without an analysis. */
  all?: boolean;
  /** Documents per batch (default 50). */
  batch?: number;
  /** After each batch: documents done of `total`. */
  onProgress?: (done: number, total: number) => void;
  signal?: AbortSignal;
}

/**
 * Analyses stored documents: those without an analysis (oldest first), or every one with `all`
 * (`vigil iocs reanalyse`). A document that fails is logged, counted and not tried again in this run.
 */
export async function reanalyse(deps: DocumentAnalysisDeps, intel: IntelStore, options: ReanalyseOptions = {}): Promise<AnalysisReport> {
  const batch = Math.max(1, options.batch ?? 50);
  const total: AnalysisReport = { analysed: 0, failed: 0, newIocs: 0, newSightings: 0 };
  const add = (r: AnalysisReport) => {
    total.analysed += r.analysed;
    total.failed += r.failed;
    total.newIocs += r.newIocs;
    total.newSightings += r.newSightings;
  };
  const load = async (ids: string[]) => (await Promise.all(ids.map((id) => intel.getDocument(id)))).filter((d) => d !== null);
  if (options.all) {
    const count = await intel.countDocuments({});
    let after: { date: string; id: string } | undefined;
    let done = 0;
    for (;;) {
      options.signal?.throwIfAborted();
      const page = await intel.listDocuments({ limit: Math.min(batch, 500), ...(after ? { after } : {}) });
      if (!page.length) break;
      add(await analyseDocuments(deps, await load(page.map((d) => d.id))));
      done += page.length;
      options.onProgress?.(done, count);
      const last = page[page.length - 1];
      if (!last) break;
      after = { date: last.published ?? last.fetchedAt, id: last.id };
    }
    return total;
  }
  // The ids first: a document that fails stays without analysis, and must not be read again.
  const ids = await deps.iocs.documentsWithoutAnalysis(MAX_PENDING);
  for (let i = 0; i < ids.length; i += batch) {
    options.signal?.throwIfAborted();
    add(await analyseDocuments(deps, await load(ids.slice(i, i + batch))));
    options.onProgress?.(Math.min(i + batch, ids.length), ids.length);
  }
  return total;
}
