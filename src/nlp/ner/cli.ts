/** `vigil nlp tag`, `vigil nlp eval ner`. STUB: owned by the NER helper. */
import type { Command } from 'commander';

export function registerNerCommands(_nlp: Command): void {}
