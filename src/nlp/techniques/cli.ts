/** `vigil nlp techniques`. STUB. */
import type { Command } from 'commander';

export function registerTechniqueCommands(_nlp: Command): void {}
