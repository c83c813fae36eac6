/** Issue 15 command (placeholder until its part lands). */
import type { Command } from 'commander';

/** Registers `vigil exposure`. */
export function registerExposure(_program: Command): void {}
