/** `vigil export stix|misp|csv`. STUB: owned by the export helper. */
import type { Command } from 'commander';

export function registerExport(_program: Command): void {}
