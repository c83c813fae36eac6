/** `vigil nlp train [name…]`, `vigil nlp models`. STUB: owned by the classify helper. */
import type { Command } from 'commander';

export function registerTrainCommands(_nlp: Command): void {}
