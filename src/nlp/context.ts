/** What the analysis parts are built from (nlp/analyze.ts passes it to each part's loader). */
import type { Logger } from 'pino';
import type { VigilConfig } from '../config.ts';
import type { Stores } from '../store/index.ts';
import type { VendorProductCatalog } from '../trends/types.ts';
import type { ModelRepository } from './models.ts';

/**
 * The store's vendor and product keys for the entity gazetteer (nlp/ner/cpe-gazetteer.ts), asked
 * when the recognizer is built and again every hour; null when there is no store.
 */
export type VendorProductsProvider = () => Promise<VendorProductCatalog | null>;

/** Fewest CVEs naming a vendor or product for the catalog the analyzer asks a store for. */
export const CATALOG_MIN_CVES = 3;

/** The provider reading `stores` (TrendsStore.vendorProducts), or undefined without stores. */
export function storeVendorProducts(stores: Pick<Stores, 'trends'> | undefined): VendorProductsProvider | undefined {
  return stores ? () => stores.trends.vendorProducts({ minCves: CATALOG_MIN_CVES }) : undefined;
}

export interface AnalyzerContext {
  config: VigilConfig;
  /** The trained model files (`config.nlp.modelDir`). */
  models: ModelRepository;
  /** The open stores when there are any: the entity gazetteer adds the store's CPE vendors and products. */
  stores?: Stores;
  /** Where the store's vendors and products come from when `stores` is not in this thread (the analysis thread asks its parent). */
  vendorProducts?: VendorProductsProvider;
  log?: Logger;
}
