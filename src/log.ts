/**
 * Structured logging (pino). Level from `VIGIL_LOG_LEVEL` (default `info`; tests default to
 * `silent`). Logs go to stderr so that `--json` output on stdout stays clean.
 */
import { pino, type Logger } from 'pino';

export type { Logger };

/** Creates the process logger. */
export function createLogger(level = process.env.VIGIL_LOG_LEVEL ?? (process.env.VITEST ? 'silent' : 'info')): Logger {
  return pino({ level, base: undefined }, pino.destination(2));
}
