/**
 * `vigil nlp …` (issue 14): train and evaluate the analysis models, and run each on text.
 * Each part registers its own subcommands.
 */
import type { Command } from 'commander';
import { registerClassifyCommands } from './classify/cli.ts';
import { registerNerCommands } from './ner/cli.ts';
import { registerSeverityCommands } from './severity/cli.ts';
import { registerTechniqueCommands } from './techniques/cli.ts';
import { registerTrainCommands } from './train-cli.ts';

/** Adds `vigil nlp` and its subcommands. */
export function registerNlp(program: Command): void {
  const nlp = program.command('nlp').description('train, evaluate and run the analysis models (entities, ATT&CK techniques, severity, classification)');
  registerTrainCommands(nlp);
  registerNerCommands(nlp);
  registerTechniqueCommands(nlp);
  registerSeverityCommands(nlp);
  registerClassifyCommands(nlp);
}
