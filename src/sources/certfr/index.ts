/**
 * CERT-FR (ANSSI) bulletins and alerts. STUB: the folder's owner replaces this file (see readme.md).
 */
import { z } from 'zod';
import { VigilError } from '../../errors.ts';
import type { Source } from '../types.ts';

/** Settings of the live certfr sync. */
export const CertfrConfigSchema = z.object({});

/** Live certfr settings after defaults. */
export type CertfrConfig = z.output<typeof CertfrConfigSchema>;

/** The certfr source. */
export const certfrSource: Source<CertfrConfig> = {
  id: 'certfr',
  title: 'CERT-FR (ANSSI) bulletins and alerts',
  // biome-ignore lint/correctness/useYield: stub (imports nothing until implemented)
  async *importFiles() {},
  // biome-ignore lint/correctness/useYield: stub
  async *sync() {
    throw new VigilError('VIGIL_SOURCE_UNAVAILABLE', ['certfr', 'not implemented yet']);
  },
};
