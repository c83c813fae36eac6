/**
 * `vigil nlp severity [FILE|-]`: one description per input line → one JSON line per input line,
 * `{"label":"HIGH","probability":0.93}` (calibrated, 0–1) or `{"label":null}` when the model
 * abstains (or the line is blank).
 *
 * @example echo 'Buffer overflow allows remote attackers to execute arbitrary code.' | vigil nlp severity
 * @throws VigilError VIGIL_MODEL_MISSING when `vigil nlp train severity` has not run.
 */
import type { Command } from 'commander';
import { readAnalyzeInput } from '../../cli/analyze.ts';
import { cliConfig } from '../../cli/context.ts';
import { VigilError } from '../../errors.ts';
import { ModelRepository } from '../models.ts';
import { loadSeverityModel, SEVERITY_MODEL } from './index.ts';

/** Adds `vigil nlp severity`. */
export function registerSeverityCommands(nlp: Command): void {
  nlp
    .command('severity')
    .description('predicted CVSS v3 severity of each input line (one description per line) as JSON lines {"label","probability"} or {"label":null}')
    .argument('[file]', 'text file, or - for standard input', '-')
    .action(async (source: string, _opts: unknown, cmd: Command) => {
      const { config } = cliConfig(cmd);
      const model = await loadSeverityModel({ config, models: new ModelRepository(config.nlp.modelDir) });
      if (!model) throw new VigilError('VIGIL_MODEL_MISSING', [SEVERITY_MODEL, SEVERITY_MODEL]);
      const lines = (await readAnalyzeInput(source)).split(/\r?\n/);
      if (lines.at(-1) === '') lines.pop();
      const out = lines.map((line) => {
        if (!line.trim()) return { label: null };
        const p = model.predict(line);
        return p.label === null ? { label: null } : { label: p.label, probability: p.probability };
      });
      process.stdout.write(out.map((o) => `${JSON.stringify(o)}\n`).join(''));
    });
}
