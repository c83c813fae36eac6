/** Issue 15 command (placeholder until its part lands). */
import type { Command } from 'commander';

/** Registers `vigil report`. */
export function registerReport(_program: Command): void {}
