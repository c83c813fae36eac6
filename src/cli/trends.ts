/** Issue 15 command (placeholder until its part lands). */
import type { Command } from 'commander';

/** Registers `vigil trends`. */
export function registerTrends(_program: Command): void {}
