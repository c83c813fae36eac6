/** `vigil nlp classify`, `vigil nlp relevance`. STUB. */
import type { Command } from 'commander';

export function registerClassifyCommands(_nlp: Command): void {}
