/**
 * CSAF 2.0 vendor advisories and VEX (provider metadata, ROLIE). STUB: the folder's owner replaces this file (see readme.md).
 */
import { z } from 'zod';
import { VigilError } from '../../errors.ts';
import type { Source } from '../types.ts';

/** Settings of the live csaf sync. */
export const CsafConfigSchema = z.object({});

/** Live csaf settings after defaults. */
export type CsafConfig = z.output<typeof CsafConfigSchema>;

/** The csaf source. */
export const csafSource: Source<CsafConfig> = {
  id: 'csaf',
  title: 'CSAF 2.0 vendor advisories and VEX (provider metadata, ROLIE)',
  // biome-ignore lint/correctness/useYield: stub (imports nothing until implemented)
  async *importFiles() {},
  // biome-ignore lint/correctness/useYield: stub
  async *sync() {
    throw new VigilError('VIGIL_SOURCE_UNAVAILABLE', ['csaf', 'not implemented yet']);
  },
};
