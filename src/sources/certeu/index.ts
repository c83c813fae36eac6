/**
 * CERT-EU security advisories. STUB: the folder's owner replaces this file (see readme.md).
 */
import { z } from 'zod';
import { VigilError } from '../../errors.ts';
import type { Source } from '../types.ts';

/** Settings of the live certeu sync. */
export const CerteuConfigSchema = z.object({});

/** Live certeu settings after defaults. */
export type CerteuConfig = z.output<typeof CerteuConfigSchema>;

/** The certeu source. */
export const certeuSource: Source<CerteuConfig> = {
  id: 'certeu',
  title: 'CERT-EU security advisories',
  // biome-ignore lint/correctness/useYield: stub (imports nothing until implemented)
  async *importFiles() {},
  // biome-ignore lint/correctness/useYield: stub
  async *sync() {
    throw new VigilError('VIGIL_SOURCE_UNAVAILABLE', ['certeu', 'not implemented yet']);
  },
};
