/**
 * Configuration: one validated file (YAML or JSON) plus environment variables for secrets and
 * paths. Precedence: environment > file > defaults. A wrong value is reported with the key that
 * holds it (`sources.nvd.windowDays: Too big: expected number to be <=120`).
 *
 * File: `--config FILE`, else `$VIGIL_CONFIG`, else `./vigil.config.yaml` when present.
 * Environment: `VIGIL_DB` (database: a SQLite file, or a `postgres://` URL), `VIGIL_DATA_DIR` (real-data corpus for `vigil demo`),
 * `NVD_API_KEY` (NVD API key), `VIGIL_LOG_LEVEL`; `${NAME}` inside `alerts.channels` values (SMTP
 * passwords, webhook secrets, bot tokens) is read from the environment. A `.env` file in the working directory is
 * loaded first when present (process.loadEnvFile).
 */
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { Cron } from 'croner';
import { parse as parseYaml } from 'yaml';
import { z } from 'zod';
import { INBOX_CHANNEL_ID } from './alerts/channels/inbox/index.ts';
import { parseChannelSettings } from './alerts/channels/registry.ts';
import type { ChannelType } from './alerts/channels/types.ts';
import { isRecord, knownKeysAt, unknownKeyMessage, unknownKeys } from './config-keys.ts';
import { VigilError } from './errors.ts';
import { registry } from './sources/registry.ts';
import { isPostgresUrl, parsePostgresUrl } from './store/postgres/pool.ts';

const Severity = z.enum(['NONE', 'LOW', 'MEDIUM', 'HIGH', 'CRITICAL']);
const HHMM = z.string().regex(/^([01]\d|2[0-3]):[0-5]\d$/, 'expected HH:MM');

/** `alerts:` settings: channels, the administrator fallback, retries, digests, defaults. */
export const AlertsConfigFile = z.strictObject({
  /** Channel id → settings (`type` plus the channel's keys; see src/alerts/channels/<type>/readme.md). `${ENV_VAR}` in a value is read from the environment. */
  channels: z.record(z.string().regex(/^[A-Za-z0-9][\w.-]*$/, 'channel ids are letters, digits, - _ .'), z.unknown()).default({}),
  /** Base URL of the dashboard: alert links point to `${linkBase}/cves/<id>` (else NVD's page). */
  linkBase: z.url().optional(),
  /** Where a critical CVE that matches no watchlist and names no vendor goes. */
  fallback: z
    .strictObject({
      channel: z.string(),
      /** Recipient (email address, chat id) when the channel needs one. */
      to: z.string().optional(),
      minSeverity: Severity.default('CRITICAL'),
    })
    .optional(),
  retry: z
    .strictObject({
      baseSeconds: z.number().positive().default(30),
      maxSeconds: z.number().positive().default(3600),
      maxAttempts: z.number().int().min(1).max(50).default(8),
    })
    .prefault({}),
  digest: z.strictObject({ at: HHMM.default('08:00'), weekday: z.number().int().min(0).max(6).default(1) }).prefault({}),
  /** Defaults for new subscriptions. */
  defaults: z
    .strictObject({
      epssAbove: z.number().min(0).max(1).default(0.1),
      epssJump: z.number().min(0).max(1).default(0.1),
      timezone: z.string().default('UTC'),
    })
    .prefault({}),
  /** `vigil run --once`: how long (seconds) to wait for retries that fall due before exiting. */
  onceMaxWaitSeconds: z.number().min(0).default(120),
});

/** Validated `alerts:` settings (channel settings validated by each channel's schema). */
export type AlertsConfig = z.infer<typeof AlertsConfigFile> & { channels: Record<string, ChannelConfig> };

/** One channel's validated settings: its `type` and that type's keys. */
export type ChannelConfig = { type: ChannelType } & Record<string, unknown>;

/** Top-level settings (sources are validated by each source's own schema). */
export const VigilConfigFile = z.strictObject({
  /**
   * The store: a SQLite database file (relative to the working directory; `:memory:` for a
   * throwaway store), or a PostgreSQL 15+ URL `postgres://[user[:password]@]host[:port]/database[?schema=NAME]`
   * (store/postgres/pool.ts). Kept as written: a URL is never resolved as a path. `${NAME}` is
   * read from the environment (`postgres://vigil:${VIGIL_PG_PASSWORD}@db/vigil`).
   */
  database: z.string().min(1).default('vigil.db'),
  /** Real-data corpus folder used by `vigil demo`. */
  dataDir: z.string().min(1).default('../shared/data'),
  ssvc: z
    .strictObject({
      /** Mission & Well-being impact for CISA's SSVC tree (organisation-specific). */
      missionWellbeing: z.enum(['low', 'medium', 'high']).default('medium'),
    })
    .default({ missionWellbeing: 'medium' }),
  /** Per-source settings: `enabled`, `schedule` plus the source's own keys (see src/sources/<id>/readme.md). */
  sources: z.record(z.string(), z.record(z.string(), z.unknown())).default({}),
  alerts: AlertsConfigFile.prefault({}),
  daemon: z
    .strictObject({
      /** A failing source is retried after base · 2^(failures−1) seconds, at most `maxSeconds` (never later than its next run). */
      sourceRetry: z.strictObject({ baseSeconds: z.number().positive().default(60), maxSeconds: z.number().positive().default(3600) }).prefault({}),
      /** Seconds between delivery passes (retries and digests that fall due between syncs). */
      deliveryEverySeconds: z.number().positive().default(30),
    })
    .prefault({}),
  intel: z
    .strictObject({
      /**
       * Hosts user-defined intel sources may reach although the SSRF guard refuses their addresses
       * (loopback, private, link-local, …): host names, IP addresses or CIDRs (intel/net/guard.ts).
       */
      allowHosts: z.array(z.string().min(1)).default([]),
      /** The Tor SOCKS5 proxy a source with `proxy: tor` goes through (remote DNS: `socks5h://`). */
      torProxy: z
        .string()
        .regex(/^socks5h:\/\/[^/\s]+:\d+\/?$/, 'expected socks5h://host:port')
        .default('socks5h://127.0.0.1:9050'),
      /** Seconds a request may take, connection to last byte. */
      timeoutSeconds: z.number().positive().max(600).default(30),
      /** Largest response body, bytes, as received and after decompression. */
      maxBodyBytes: z
        .number()
        .int()
        .positive()
        .default(5 * 1024 * 1024),
      maxDecompressedBytes: z
        .number()
        .int()
        .positive()
        .default(20 * 1024 * 1024),
      /** Redirects followed per request (each hop checked by the guard). */
      maxRedirects: z.number().int().min(0).max(20).default(5),
      /** Default minimum delay between two requests to one host, seconds (a source may ask for more). */
      minDelaySeconds: z.number().min(0).default(2),
    })
    .prefault({}),
  nlp: z
    .strictObject({
      /**
       * Folder of trained model files (`<name>/<version>.json`, written by `vigil nlp train`),
       * relative to the working directory. Not part of the repository.
       */
      modelDir: z.string().min(1).default('vigil-models'),
      /**
       * Folder of MISP warninglists (`lists/<name>/list.json`): `vigil warninglists update` fills it.
       * Null: `<modelDir>/misp-warninglists` when present, else `<dataDir>/misp-warninglists`.
       */
      warninglistsDir: z.string().min(1).nullable().default(null),
      /** TLP of IOCs from public sources (FIRST TLP 2.0: clear, green, amber, amber+strict, red). */
      defaultTlp: z.enum(['clear', 'green', 'amber', 'amber+strict', 'red']).default('clear'),
    })
    .prefault({}),
  virustotal: z
    .strictObject({
      /** VirusTotal API v3 key (`x-apikey`); `${NAME}` reads it from the environment. Null: look-ups disabled. */
      apiKey: z.string().min(1).nullable().default(null),
      /** API base URL (tests point it at a loopback server). */
      baseUrl: z.url().default('https://www.virustotal.com/api/v3'),
      /** Requests per minute and per day: the public API allows 4 and 500; a premium key allows more. */
      requestsPerMinute: z.number().int().positive().default(4),
      requestsPerDay: z.number().int().positive().default(500),
      /** Seconds a look-up result is kept before it is asked again. */
      cacheTtlSeconds: z.number().int().positive().default(86_400),
    })
    .prefault({}),
  /** The cumulative threat-exposure index (src/exposure/, docs/exposure.md). */
  exposure: z
    .strictObject({
      /** Half-life H of E_t = W_t + 2^(−1/H)·E_{t−1}, days. */
      halfLifeDays: z.number().positive().max(3650).default(30),
    })
    .prefault({}),
  /** Search engines fed by the daemon (src/search/, docs/elasticsearch.md). */
  search: z
    .strictObject({
      /** Elasticsearch 8/9 or OpenSearch 2: null (default) indexes nothing. */
      elasticsearch: z
        .strictObject({
          /** Cluster URL (`https://es.example.org:9200`). */
          url: z.url(),
          /** Which official client speaks to it. */
          flavor: z.enum(['elasticsearch', 'opensearch']).default('elasticsearch'),
          /** Index names start with this (`vigil-cves`, `vigil-advisories`, `vigil-intel`, `vigil-iocs`). */
          indexPrefix: z
            .string()
            .regex(/^[a-z0-9][a-z0-9_-]*$/, 'lower-case letters, digits, - and _')
            .default('vigil'),
          /** API key (`${NAME}` reads it from the environment), or basic auth below. */
          apiKey: z.string().min(1).nullable().default(null),
          username: z.string().min(1).nullable().default(null),
          password: z.string().min(1).nullable().default(null),
          /** Documents per bulk request. */
          batchSize: z.number().int().min(1).max(10_000).default(500),
          /** Seconds between two incremental indexing passes of the daemon. */
          intervalSeconds: z.number().int().min(5).default(60),
        })
        .nullable()
        .default(null),
    })
    .prefault({}),
  server: z
    .strictObject({
      /** Address `vigil serve` listens on (loopback by default: put a TLS proxy in front to expose it). */
      host: z.string().min(1).default('127.0.0.1'),
      port: z.number().int().min(0).max(65535).default(8080),
      /** Origins allowed to call the API from a browser (CORS); none by default. */
      corsOrigins: z.array(z.url()).default([]),
      /** Trust `X-Forwarded-For` from a reverse proxy (client addresses in the audit log and rate limits). */
      trustProxy: z.boolean().default(false),
      /** Largest request body, bytes. */
      bodyLimitBytes: z.number().int().positive().default(1_048_576),
      /** Requests per client (address, or API token / user when authenticated) per minute. */
      rateLimitPerMinute: z.number().int().positive().default(600),
      /** Sign-in attempts per client address per minute. */
      loginRateLimitPerMinute: z.number().int().positive().default(10),
    })
    .prefault({}),
});

/** A source's validated settings. */
export interface SourceSettings {
  enabled: boolean;
  /** Cron pattern of `vigil run` (croner syntax, UTC), or null for the source's default. */
  schedule: string | null;
  config: unknown;
}

/** Validated `intel:` settings (threat-intel collection, src/intel/). */
export type IntelConfig = z.infer<typeof VigilConfigFile>['intel'];

/** Validated `nlp:` settings (models and warninglists, src/nlp/). */
export type NlpConfig = z.infer<typeof VigilConfigFile>['nlp'];

/** Validated `virustotal:` settings (src/virustotal/). */
export type VirusTotalConfig = z.infer<typeof VigilConfigFile>['virustotal'];

/** Validated `exposure:` settings (src/exposure/). */
export type ExposureConfig = z.infer<typeof VigilConfigFile>['exposure'];

/** Validated `search:` settings (src/search/). */
export type SearchConfig = z.infer<typeof VigilConfigFile>['search'];

/** Validated `server:` settings (`vigil serve`). */
export type ServerConfig = z.infer<typeof VigilConfigFile>['server'];

/** The validated configuration. */
export interface VigilConfig {
  database: string;
  dataDir: string;
  ssvc: { missionWellbeing: 'low' | 'medium' | 'high' };
  sources: Record<string, SourceSettings>;
  alerts: AlertsConfig;
  daemon: z.infer<typeof VigilConfigFile>['daemon'];
  /** Threat-intel collection (`intel:`): the SSRF allow-list, Tor proxy and fetch limits. */
  intel: IntelConfig;
  /** Analysis (`nlp:`): model folder (resolved to an absolute path), warninglists folder (absolute or null), default TLP. */
  nlp: NlpConfig;
  /** VirusTotal look-ups (`virustotal:`); `apiKey` with `${NAME}` already read from the environment. */
  virustotal: VirusTotalConfig;
  /** Exposure index (`exposure:`): the default half-life. */
  exposure: ExposureConfig;
  /** Search engines (`search:`): Elasticsearch/OpenSearch indexing; secrets with `${NAME}` already read from the environment. */
  search: SearchConfig;
  server: ServerConfig;
  /** The file read, if any. */
  file: string | null;
}

/** One line per zod issue, keyed by its dotted path under `prefix`; unknown keys one per key, with a suggestion. */
function issueLines(error: z.ZodError, prefix: readonly string[], schema: z.ZodType, extraKeys: readonly string[] = []): string[] {
  return error.issues.flatMap((i) => {
    const at = [...prefix, ...i.path.map(String)];
    if (i.code !== 'unrecognized_keys') return [`${at.join('.') || '(root)'}: ${i.message}`];
    const known = knownKeysAt(schema, i.path);
    return i.keys.map((k) => `${[...at, k].join('.')}: ${unknownKeyMessage(k, known && (i.path.length === 0 ? [...extraKeys, ...known] : known))}`);
  });
}

/** Lines for the keys of `input` that `schema` does not know (see config-keys.ts), under `prefix`. */
function unknownKeyLines(input: unknown, output: unknown, prefix: readonly string[], schema: z.ZodType, extraKeys: readonly string[] = []): string[] {
  return unknownKeys(schema, input, output).map((p) => {
    const known = knownKeysAt(schema, p.slice(0, -1));
    return `${[...prefix, ...p].join('.')}: ${unknownKeyMessage(p.at(-1) ?? '', known && (p.length === 1 ? [...extraKeys, ...known] : known))}`;
  });
}

/** The problem as a VigilError: one line for one problem, else a count and one indented line each. */
function configError(all: string[], where: string): VigilError {
  const problems = [...new Set(all)];
  if (problems.length === 1) return new VigilError('VIGIL_CONFIG_INVALID', [`${problems[0]}${where}`]);
  return new VigilError('VIGIL_CONFIG_INVALID', [`${problems.length} problems${where}:\n${problems.map((p) => `  ${p}`).join('\n')}`]);
}

/**
 * Loads and validates the configuration. Every section is strict: an unknown or misspelt key is
 * an error naming it (and the key probably meant), for sources and channels too whatever their
 * own schemas say. All problems are reported at once.
 * @param file explicit config file (`--config`).
 * @param env environment (default `process.env`).
 * @throws {VigilError} VIGIL_CONFIG_INVALID naming each bad key and the file.
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
  const problems: string[] = [];
  const parsed = VigilConfigFile.safeParse(raw);
  if (!parsed.success) problems.push(...issueLines(parsed.error, [], VigilConfigFile));
  // Sources and channels are checked even when another section failed, so every problem shows at once.
  const rawSources = isRecord(raw) && isRecord(raw.sources) ? raw.sources : {};
  const known = new Set(registry.map((r) => r.source.id));
  for (const id of Object.keys(rawSources)) {
    if (!known.has(id)) problems.push(`sources.${id}: unknown source (known: ${[...known].join(', ')})`);
  }
  const sources: Record<string, SourceSettings> = {};
  for (const { source, configSchema, secretsFromEnv, enabledByDefault = true } of registry) {
    const section = rawSources[source.id] ?? {};
    if (!isRecord(section)) continue; // reported by VigilConfigFile
    const { enabled = enabledByDefault, schedule = null, ...rest } = section;
    const key = `sources.${source.id}`;
    if (typeof enabled !== 'boolean') problems.push(`${key}.enabled: expected true or false`);
    if (schedule !== null) {
      const problem = cronProblem(schedule);
      if (problem) problems.push(`${key}.schedule: ${problem}`);
    }
    const withSecrets = { ...rest, ...secretsFromEnv?.(env) };
    const cfg = configSchema.safeParse(withSecrets);
    problems.push(...unknownKeyLines(withSecrets, cfg.data, ['sources', source.id], configSchema, SOURCE_KEYS));
    if (!cfg.success) {
      problems.push(...issueLines(cfg.error, ['sources', source.id], configSchema, SOURCE_KEYS));
      continue;
    }
    sources[source.id] = { enabled: enabled === true, schedule: schedule as string | null, config: cfg.data };
  }
  const channels: Record<string, ChannelConfig> = {};
  const rawChannels = parsed.success
    ? parsed.data.alerts.channels
    : isRecord(raw) && isRecord(raw.alerts) && isRecord(raw.alerts.channels)
      ? raw.alerts.channels
      : {};
  for (const [id, value] of Object.entries(rawChannels)) {
    try {
      const input = withEnv(value, `alerts.channels.${id}`, env);
      channels[id] = parseChannelSettings(id, input) as ChannelConfig;
      problems.push(...unknownKeyLines(input, channels[id], ['alerts', 'channels', id], z.unknown()));
    } catch (err) {
      problems.push(
        err instanceof VigilError && err.code === 'VIGIL_CONFIG_INVALID'
          ? err.message.replace(/^Invalid configuration: /, '')
          : `alerts.channels.${id}: ${(err as Error).message}`,
      );
    }
  }
  if (!parsed.success) throw configError(problems, where);
  const top = parsed.data;
  // The dashboard inbox is always there (alerts/channels/inbox), unless the config takes its id.
  channels[INBOX_CHANNEL_ID] ??= { type: 'inbox' };
  const fallback = top.alerts.fallback;
  if (fallback && !channels[fallback.channel] && !(fallback.channel in rawChannels))
    problems.push(`alerts.fallback.channel: unknown channel "${fallback.channel}"`);
  try {
    new Intl.DateTimeFormat('en-GB', { timeZone: top.alerts.defaults.timezone });
  } catch {
    problems.push(`alerts.defaults.timezone: unknown time zone "${top.alerts.defaults.timezone}"`);
  }
  // `${NAME}` in `database:` is read from the environment (a PostgreSQL password stays out of the file).
  let database = env.VIGIL_DB ?? top.database;
  try {
    if (env.VIGIL_DB === undefined) database = withEnv(top.database, 'database', env) as string;
  } catch (err) {
    problems.push((err as Error).message.replace(/^Invalid configuration: /, ''));
  }
  let virustotalKey = env.VIGIL_VIRUSTOTAL_API_KEY ?? top.virustotal.apiKey;
  try {
    if (env.VIGIL_VIRUSTOTAL_API_KEY === undefined && virustotalKey !== null) virustotalKey = withEnv(virustotalKey, 'virustotal.apiKey', env) as string;
  } catch (err) {
    problems.push((err as Error).message.replace(/^Invalid configuration: /, ''));
  }
  let search = top.search;
  if (search.elasticsearch) {
    const es = { ...search.elasticsearch };
    for (const k of ['apiKey', 'password'] as const) {
      try {
        if (es[k] !== null) es[k] = withEnv(es[k], `search.elasticsearch.${k}`, env) as string;
      } catch (err) {
        problems.push((err as Error).message.replace(/^Invalid configuration: /, ''));
      }
    }
    search = { ...search, elasticsearch: es };
  }
  const dbProblem = databaseProblem(database);
  if (dbProblem) problems.push(`${env.VIGIL_DB !== undefined ? 'VIGIL_DB' : 'database'}: ${dbProblem}`);
  if (problems.length > 0) throw configError(problems, where);
  return {
    database,
    dataDir: path.resolve(env.VIGIL_DATA_DIR ?? top.dataDir),
    ssvc: top.ssvc,
    sources,
    alerts: { ...top.alerts, channels },
    daemon: top.daemon,
    intel: top.intel,
    nlp: {
      ...top.nlp,
      modelDir: path.resolve(env.VIGIL_MODEL_DIR ?? top.nlp.modelDir),
      warninglistsDir: top.nlp.warninglistsDir === null ? null : path.resolve(top.nlp.warninglistsDir),
    },
    virustotal: { ...top.virustotal, apiKey: virustotalKey },
    exposure: top.exposure,
    search,
    server: top.server,
    file: chosen ?? null,
  };
}

/**
 * Why `database` (config `database:`, `VIGIL_DB`, `--db`) cannot name a store, or null: a
 * PostgreSQL URL that does not parse or names an invalid schema, or a URL of another scheme
 * (`mysql://…`). Anything else is a SQLite file path. Messages never show a password.
 */
export function databaseProblem(database: string): string | null {
  if (isPostgresUrl(database)) {
    try {
      parsePostgresUrl(database);
      return null;
    } catch (err) {
      return (err as Error).message;
    }
  }
  const scheme = /^([a-z][a-z0-9+.-]*):\/\//i.exec(database);
  if (scheme)
    return `unsupported database URL scheme "${scheme[1]}": give a SQLite file path or postgres://[user[:password]@]host[:port]/database[?schema=NAME]`;
  return null;
}

/** Keys every `sources.<id>` section takes besides the source's own. */
const SOURCE_KEYS = ['enabled', 'schedule'];

/** Why `pattern` is not a cron pattern croner accepts, or null when it is one. */
function cronProblem(pattern: unknown): string | null {
  try {
    if (typeof pattern !== 'string') throw new Error('expected a cron pattern string');
    new Cron(pattern, { paused: true });
    return null;
  } catch (err) {
    return (err as Error).message;
  }
}

/**
 * Replaces `${NAME}` in string values with the environment variable (secrets stay out of the file).
 * @throws {VigilError} VIGIL_CONFIG_INVALID naming the key when the variable is not set.
 */
function withEnv(value: unknown, key: string, env: NodeJS.ProcessEnv): unknown {
  if (typeof value === 'string')
    return value.replace(/\$\{([A-Za-z_][A-Za-z0-9_]*)\}/g, (_, name: string) => {
      const v = env[name];
      if (v === undefined) throw new VigilError('VIGIL_CONFIG_INVALID', [`${key}: environment variable ${name} is not set`]);
      return v;
    });
  if (Array.isArray(value)) return value.map((v, i) => withEnv(v, `${key}.${i}`, env));
  if (value && typeof value === 'object') return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, withEnv(v, `${key}.${k}`, env)]));
  return value;
}
