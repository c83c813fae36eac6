/**
 * GitHub global security advisories (REST API). STUB: the folder's owner replaces this file (see readme.md).
 */
import { z } from 'zod';
import { VigilError } from '../../errors.ts';
import type { Source } from '../types.ts';

/** Settings of the live ghsa sync. */
export const GhsaConfigSchema = z.object({});

/** Live ghsa settings after defaults. */
export type GhsaConfig = z.output<typeof GhsaConfigSchema>;

/** The ghsa source. */
export const ghsaSource: Source<GhsaConfig> = {
  id: 'ghsa',
  title: 'GitHub global security advisories (REST API)',
  // biome-ignore lint/correctness/useYield: stub (imports nothing until implemented)
  async *importFiles() {},
  // biome-ignore lint/correctness/useYield: stub
  async *sync() {
    throw new VigilError('VIGIL_SOURCE_UNAVAILABLE', ['ghsa', 'not implemented yet']);
  },
};
