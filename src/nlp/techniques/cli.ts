/**
 * `vigil nlp techniques [FILE|-]`: one sentence per input line → one JSON line per input line,
 * `{"techniques":[{"id":"T1003.001","score":0.97}]}` (best first; empty when no technique reaches
 * the model's threshold; blank lines give an empty array too).
 *
 * @example echo 'The malware dumps LSASS memory with Mimikatz.' | vigil nlp techniques
 * @throws VigilError VIGIL_MODEL_MISSING when `vigil nlp train techniques` has not run.
 */
import type { Command } from 'commander';
import { readAnalyzeInput } from '../../cli/analyze.ts';
import { cliConfig } from '../../cli/context.ts';
import { VigilError } from '../../errors.ts';
import { ModelRepository } from '../models.ts';
import { loadTechniqueClassifier, TECHNIQUE_MODEL } from './index.ts';

/** Adds `vigil nlp techniques`. */
export function registerTechniqueCommands(nlp: Command): void {
  nlp
    .command('techniques')
    .description('ATT&CK techniques of each input line (one sentence per line) as JSON lines {"techniques":[{"id","score"}]}')
    .argument('[file]', 'text file, or - for standard input', '-')
    .action(async (source: string, _opts: unknown, cmd: Command) => {
      const { config } = cliConfig(cmd);
      const classifier = await loadTechniqueClassifier({ config, models: new ModelRepository(config.nlp.modelDir) });
      if (!classifier) throw new VigilError('VIGIL_MODEL_MISSING', [TECHNIQUE_MODEL, TECHNIQUE_MODEL]);
      const lines = (await readAnalyzeInput(source)).split(/\r?\n/);
      if (lines.at(-1) === '') lines.pop();
      const results = classifier.classify(lines.map((l) => l.trim()));
      process.stdout.write(results.map((techniques) => `${JSON.stringify({ techniques })}\n`).join(''));
    });
}
