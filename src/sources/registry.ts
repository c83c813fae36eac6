/**
 * Every source Vigil knows, with its config schema. Adding a source is its folder plus one line
 * here. Order is the order `vigil sync` runs them in.
 */
import type { z } from 'zod';
import { Cve5ConfigSchema, cve5Source } from './cve5/index.ts';
import { EpssConfigSchema, epssSource } from './epss/index.ts';
import { KevConfigSchema, kevSource } from './kev/index.ts';
import { NvdConfigSchema, nvdSource } from './nvd/index.ts';
import type { Source } from './types.ts';
import type { VigilConfig } from '../config.ts';
import { VigilError } from '../errors.ts';

/** A source and how to configure it. */
export interface RegisteredSource<C = unknown> {
  source: Source<C>;
  configSchema: z.ZodType<C>;
  /** Secrets read from the environment (never from the config file). */
  secretsFromEnv?: (env: NodeJS.ProcessEnv) => Record<string, unknown>;
}

function entry<C>(e: RegisteredSource<C>): RegisteredSource {
  return e as unknown as RegisteredSource;
}

export const registry: RegisteredSource[] = [
  entry({ source: cve5Source, configSchema: Cve5ConfigSchema }),
  entry({ source: nvdSource, configSchema: NvdConfigSchema, secretsFromEnv: (env) => (env.NVD_API_KEY ? { apiKey: env.NVD_API_KEY } : {}) }),
  entry({ source: kevSource, configSchema: KevConfigSchema }),
  entry({ source: epssSource, configSchema: EpssConfigSchema }),
];

/**
 * Finds a registered source by id.
 * @throws {VigilError} VIGIL_UNKNOWN_SOURCE
 */
export function findSource(id: string): RegisteredSource {
  const found = registry.find((r) => r.source.id === id);
  if (!found) throw new VigilError('VIGIL_UNKNOWN_SOURCE', [id, registry.map((r) => r.source.id).join(', ')]);
  return found;
}

/** Ids of the sources `config` enables, in registry order (the order a full sync runs them). */
export function enabledSources(config: Pick<VigilConfig, 'sources'>): string[] {
  return registry.map((r) => r.source.id).filter((id) => config.sources[id]?.enabled);
}
