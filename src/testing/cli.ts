/** Runs the `vigil` CLI from source as a child process, for end-to-end tests. */
import { type ChildProcess, spawn } from 'node:child_process';
import { existsSync } from 'node:fs';

/**
 * The node arguments that start the CLI: the bundle of the current source that vitest's global
 * setup built (scripts/test-bundle.ts, `VIGIL_TEST_CLI`; ~1.2 s of CPU per start), else the
 * source through tsx (~3.4 s).
 */
export const CLI: readonly string[] =
  process.env.VIGIL_TEST_CLI && existsSync(process.env.VIGIL_TEST_CLI) ? [process.env.VIGIL_TEST_CLI] : ['--import', 'tsx', 'src/cli/main.ts'];

/** What a CLI run printed and how it ended. */
export interface CliResult {
  status: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
}

/** Starts the CLI (asynchronously: a fake upstream may live in the calling process); `stderr()` is what it printed there so far. */
export function startCli(args: string[], env: NodeJS.ProcessEnv = {}): { child: ChildProcess; done: Promise<CliResult>; stderr: () => string } {
  const child = spawn(process.execPath, [...CLI, ...args], { env: { ...process.env, VIGIL_LOG_LEVEL: 'silent', ...env } });
  let stdout = '';
  let stderr = '';
  child.stdout?.on('data', (d) => (stdout += d));
  child.stderr?.on('data', (d) => (stderr += d));
  const done = new Promise<CliResult>((resolve) => child.on('close', (status, signal) => resolve({ status, signal, stdout, stderr })));
  return { child, done, stderr: () => stderr };
}

/** Runs the CLI to completion. */
export function runCli(args: string[], env: NodeJS.ProcessEnv = {}): Promise<CliResult> {
  return startCli(args, env).done;
}
