/** `vigil warninglists update|list`. STUB: owned by the IOC helper. */
import type { Command } from 'commander';

export function registerWarninglists(_program: Command): void {}
