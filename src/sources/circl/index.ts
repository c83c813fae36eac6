/**
 * CIRCL vulnerability-lookup (alternative upstream and look-up). STUB: the folder's owner replaces this file (see readme.md).
 */
import { z } from 'zod';
import { VigilError } from '../../errors.ts';
import type { Source } from '../types.ts';

/** Settings of the live circl sync. */
export const CirclConfigSchema = z.object({});

/** Live circl settings after defaults. */
export type CirclConfig = z.output<typeof CirclConfigSchema>;

/** The circl source. */
export const circlSource: Source<CirclConfig> = {
  id: 'circl',
  title: 'CIRCL vulnerability-lookup (alternative upstream and look-up)',
  // biome-ignore lint/correctness/useYield: stub (imports nothing until implemented)
  async *importFiles() {},
  // biome-ignore lint/correctness/useYield: stub
  async *sync() {
    throw new VigilError('VIGIL_SOURCE_UNAVAILABLE', ['circl', 'not implemented yet']);
  },
};
