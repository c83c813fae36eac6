/** `vigil vt lookup`. STUB: owned by the export helper. */
import type { Command } from 'commander';

export function registerVirusTotal(_program: Command): void {}
