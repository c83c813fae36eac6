/**
 * OSV package advisories (osv.dev per-ecosystem all.zip, OSV JSON). STUB: the folder's owner replaces this file (see readme.md).
 */
import { z } from 'zod';
import { VigilError } from '../../errors.ts';
import type { Source } from '../types.ts';

/** Settings of the live osv sync. */
export const OsvConfigSchema = z.object({});

/** Live osv settings after defaults. */
export type OsvConfig = z.output<typeof OsvConfigSchema>;

/** The osv source. */
export const osvSource: Source<OsvConfig> = {
  id: 'osv',
  title: 'OSV package advisories (osv.dev per-ecosystem all.zip, OSV JSON)',
  // biome-ignore lint/correctness/useYield: stub (imports nothing until implemented)
  async *importFiles() {},
  // biome-ignore lint/correctness/useYield: stub
  async *sync() {
    throw new VigilError('VIGIL_SOURCE_UNAVAILABLE', ['osv', 'not implemented yet']);
  },
};
