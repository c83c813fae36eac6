/** `vigil export es` (issue 15; placeholder until its part lands). */
import type { Command } from 'commander';

/** Registers `vigil export es` under `vigil export`. */
export function registerEsExport(_exp: Command): void {}
