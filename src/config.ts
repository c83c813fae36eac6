/**
 * Configuration: one validated file (YAML or JSON) plus environment variables for secrets and
 * paths. Precedence: environment > file > defaults. A wrong value is reported with the key that
 * holds it (`sources.nvd.windowDays: Too big: expected number to be <=120`).
 *
 * File: `--config FILE`, else `$VIGIL_CONFIG`, else `./vigil.config.yaml` when present.
 * Environment: `VIGIL_DB` (database file), `VIGIL_DATA_DIR` (real-data corpus for `vigil demo`),
 * `NVD_API_KEY` (NVD API key), `VIGIL_LOG_LEVEL`. A `.env` file in the working directory is
 * loaded first when present (process.loadEnvFile).
 */
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { parse as parseYaml } from 'yaml';
import { z } from 'zod';
import { VigilError } from './errors.ts';
import { registry } from './sources/registry.ts';

/** Top-level settings (sources are validated by each source's own schema). */
export const VigilConfigFile = z.strictObject({
  /** SQLite database file. */
  database: z.string().min(1).default('vigil.db'),
  /** Real-data corpus folder used by `vigil demo`. */
  dataDir: z.string().min(1).default('../shared/data'),
  ssvc: z
    .strictObject({
      /** Mission & Well-being impact for CISA's SSVC tree (organisation-specific). */
      missionWellbeing: z.enum(['low', 'medium', 'high']).default('medium'),
    })
    .default({ missionWellbeing: 'medium' }),
  /** Per-source settings: `enabled` plus the source's own keys (see src/sources/<id>/readme.md). */
  sources: z.record(z.string(), z.record(z.string(), z.unknown())).default({}),
});

/** A source's validated settings. */
export interface SourceSettings {
  enabled: boolean;
  config: unknown;
}

/** The validated configuration. */
export interface VigilConfig {
  database: string;
  dataDir: string;
  ssvc: { missionWellbeing: 'low' | 'medium' | 'high' };
  sources: Record<string, SourceSettings>;
  /** The file read, if any. */
  file: string | null;
}

function issuesText(error: z.ZodError, prefix: string): string {
  return error.issues.map((i) => `${[prefix, ...i.path.map(String)].filter(Boolean).join('.')}: ${i.message}`).join('; ');
}

/**
 * Loads and validates the configuration.
 * @param file explicit config file (`--config`).
 * @param env environment (default `process.env`).
 * @throws {VigilError} VIGIL_CONFIG_INVALID naming the key and file.
 */
export function loadConfig(file?: string, env: NodeJS.ProcessEnv = process.env): VigilConfig {
  const chosen = file ?? env.VIGIL_CONFIG ?? (existsSync('vigil.config.yaml') ? 'vigil.config.yaml' : undefined);
  let raw: unknown = {};
  if (chosen) {
    try {
      const text = readFileSync(chosen, 'utf8');
      raw = (chosen.endsWith('.json') ? JSON.parse(text) : parseYaml(text)) ?? {};
    } catch (cause) {
      throw new VigilError('VIGIL_CONFIG_INVALID', [`cannot read ${chosen}: ${(cause as Error).message}`], { cause });
    }
  }
  const where = chosen ? ` (in ${chosen})` : '';
  const parsed = VigilConfigFile.safeParse(raw);
  if (!parsed.success) throw new VigilError('VIGIL_CONFIG_INVALID', [issuesText(parsed.error, '') + where]);
  const top = parsed.data;
  const known = new Set(registry.map((r) => r.source.id));
  for (const id of Object.keys(top.sources)) {
    if (!known.has(id)) throw new VigilError('VIGIL_CONFIG_INVALID', [`sources.${id}: unknown source (known: ${[...known].join(', ')})${where}`]);
  }
  const sources: Record<string, SourceSettings> = {};
  for (const { source, configSchema, secretsFromEnv } of registry) {
    const { enabled = true, ...rest } = (top.sources[source.id] ?? {}) as { enabled?: unknown } & Record<string, unknown>;
    if (typeof enabled !== 'boolean') throw new VigilError('VIGIL_CONFIG_INVALID', [`sources.${source.id}.enabled: expected true or false${where}`]);
    const withSecrets = { ...rest, ...secretsFromEnv?.(env) };
    const cfg = configSchema.safeParse(withSecrets);
    if (!cfg.success) throw new VigilError('VIGIL_CONFIG_INVALID', [issuesText(cfg.error, `sources.${source.id}`) + where]);
    sources[source.id] = { enabled, config: cfg.data };
  }
  return {
    database: env.VIGIL_DB ?? top.database,
    dataDir: path.resolve(env.VIGIL_DATA_DIR ?? top.dataDir),
    ssvc: top.ssvc,
    sources,
    file: chosen ?? null,
  };
}
