/** `vigil nlp severity`. STUB. */
import type { Command } from 'commander';

export function registerSeverityCommands(_nlp: Command): void {}
