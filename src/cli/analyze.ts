/** `vigil analyze [FILE|-]`. STUB: owned by the analyze helper. */
import type { Command } from 'commander';

export function registerAnalyze(_program: Command): void {}
