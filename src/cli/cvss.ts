/** `vigil cvss <vector>` and `vigil cvss -`: score CVSS v2.0/v3.0/v3.1/v4.0 vectors. */
import { createInterface } from 'node:readline';
import type { Command } from 'commander';
import { scoreCvss } from '../enrich/cvss.ts';

/** Scores one vector into the JSON line `vigil cvss -` prints. */
export function cvssLine(vector: string): Record<string, unknown> {
  try {
    const s = scoreCvss(vector);
    return { vector, version: s.version, baseScore: s.baseScore, baseSeverity: s.baseSeverity };
  } catch (err) {
    return { vector, error: (err as Error).message };
  }
}

export function registerCvss(program: Command): void {
  program
    .command('cvss')
    .description('score a CVSS vector; with "-", one vector per line on stdin and one JSON object per line out (exit code 1 if any is invalid)')
    .argument('<vector>', 'a CVSS v2.0, v3.0, v3.1 or v4.0 vector, or - for stdin')
    .action(async (vector: string) => {
      if (vector !== '-') {
        const line = cvssLine(vector.trim());
        console.log(JSON.stringify(line));
        if ('error' in line) process.exitCode = 1;
        return;
      }
      const rl = createInterface({ input: process.stdin, crlfDelay: Number.POSITIVE_INFINITY });
      for await (const raw of rl) {
        const v = raw.trim();
        if (!v) continue;
        const line = cvssLine(v);
        process.stdout.write(`${JSON.stringify(line)}\n`);
        // Every line is still scored and printed; the exit code tells a script that one failed.
        if ('error' in line) process.exitCode = 1;
      }
    });
}
