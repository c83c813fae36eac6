/**
 * IOC extraction and MISP warninglists (issue 14): {@link createIocExtractor} finds indicators in
 * text (defanged forms included, exact offsets kept) and flags those on a warninglist;
 * {@link loadWarninglists} reads the lists; {@link warninglistsDir} says which folder is in use.
 */
import { existsSync } from 'node:fs';
import path from 'node:path';
import type { VigilConfig } from '../../config.ts';
import type { Ioc, IocExtractor, Warninglists } from '../types.ts';
import { extractIocs } from './extract.ts';

export { extractIocs } from './extract.ts';
export { refangWithMap } from './refang.ts';
export { loadWarninglists, MISP_TYPES, MispWarninglist } from './warninglists.ts';

/**
 * The warninglists folder in use: `nlp.warninglistsDir` when set, else `<modelDir>/misp-warninglists`
 * when present (filled by `vigil warninglists update`), else `<dataDir>/misp-warninglists` when
 * present; null when none exists.
 */
export function warninglistsDir(config: VigilConfig): string | null {
  if (config.nlp.warninglistsDir) return config.nlp.warninglistsDir;
  for (const dir of [path.join(config.nlp.modelDir, 'misp-warninglists'), path.join(config.dataDir, 'misp-warninglists')]) {
    if (existsSync(path.join(dir, 'lists'))) return dir;
  }
  return null;
}

/**
 * An extractor; indicators on a warninglist are kept, with `warning: {list, name}` set.
 * `extract` never throws; each distinct (type, value) is reported once, at its first occurrence.
 *
 * @example createIocExtractor(null).extract('beacon to 45[.]77[.]1[.]2') // [{type: 'ipv4', value: '45.77.1.2', …}]
 */
export function createIocExtractor(warninglists: Warninglists | null): IocExtractor {
  return {
    extract(text: string): Ioc[] {
      const iocs = extractIocs(text);
      if (!warninglists) return iocs;
      for (const ioc of iocs) {
        try {
          const hit = warninglists.match(ioc.type, ioc.value);
          if (hit) ioc.warning = hit;
        } catch (err) {
          console.error(`vigil: warninglist match failed for ${ioc.type} ${ioc.value}`, err);
        }
      }
      return iocs;
    },
  };
}
