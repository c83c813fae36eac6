/** IOC extraction and MISP warninglists (issue 14). STUB: owned by the IOC helper. */
import type { VigilConfig } from '../../config.ts';
import type { IocExtractor, Warninglists } from '../types.ts';

/** The warninglists folder in use: `nlp.warninglistsDir`, else `<modelDir>/misp-warninglists` when present, else `<dataDir>/misp-warninglists`; null when none exists. */
export function warninglistsDir(_config: VigilConfig): string | null {
  return null;
}

/** Loads every `lists/<name>/list.json` under `dir`. */
export async function loadWarninglists(_dir: string): Promise<Warninglists> {
  return { lists: [], match: () => null };
}

/** An extractor; indicators on a warninglist are flagged (kept). */
export function createIocExtractor(_warninglists: Warninglists | null): IocExtractor {
  return { extract: () => [] };
}
