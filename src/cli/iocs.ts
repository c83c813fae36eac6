/** `vigil iocs list|show|export`. STUB: owned by the IOC-store helper. */
import type { Command } from 'commander';

export function registerIocs(_program: Command): void {}
