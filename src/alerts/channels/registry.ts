/**
 * The channel types Vigil knows, and the settings schema `config.ts` validates
 * `alerts.channels.<id>` with. Adding a channel is its folder plus one line in each table below.
 */
import { z } from 'zod';
import { VigilError } from '../../errors.ts';
import { discordChannel, DiscordSettings } from './discord/index.ts';
import { emailChannel, EmailSettings } from './email/index.ts';
import { inboxChannel, InboxSettings } from './inbox/index.ts';
import { slackChannel, SlackSettings } from './slack/index.ts';
import { TelegramSettings, telegramChannel } from './telegram/index.ts';
import { TeamsSettings, teamsChannel } from './teams/index.ts';
import type { Channel, ChannelDefinition, ChannelType } from './types.ts';
import { WebhookSettings, webhookChannel } from './webhook/index.ts';

/** Every channel type by name. */
export const channelDefinitions = {
  email: emailChannel,
  slack: slackChannel,
  teams: teamsChannel,
  discord: discordChannel,
  telegram: telegramChannel,
  webhook: webhookChannel,
  inbox: inboxChannel,
} as const satisfies Record<ChannelType, ChannelDefinition>;

/**
 * Settings of one channel (`alerts.channels.<id>`): `type` picks the schema; every schema is
 * strict, so an unknown or misspelt key is an error rather than silently ignored.
 */
export const ChannelSettings = z.discriminatedUnion('type', [
  EmailSettings.extend({ type: z.literal('email') }),
  SlackSettings.extend({ type: z.literal('slack') }),
  TeamsSettings.extend({ type: z.literal('teams') }),
  DiscordSettings.extend({ type: z.literal('discord') }),
  TelegramSettings.extend({ type: z.literal('telegram') }),
  WebhookSettings.extend({ type: z.literal('webhook') }),
  InboxSettings.extend({ type: z.literal('inbox') }),
]);
export type ChannelSettings = z.output<typeof ChannelSettings>;

const TYPES = Object.keys(channelDefinitions) as ChannelType[];

/** `from: Invalid email address; port: Too big…` from a zod error. */
function describeIssues(error: z.ZodError): string {
  return error.issues
    .map((i) => {
      const key = i.path.join('.');
      if (i.code === 'unrecognized_keys') return `${i.keys.map((k) => (key ? `${key}.${k}` : k)).join(', ')}: unknown key`;
      // A record key failing its schema: say why, not just "Invalid key in record".
      if (i.code === 'invalid_key') return `${key}: ${i.issues.map((inner) => inner.message).join(', ')}`;
      return `${key || '(settings)'}: ${i.message}`;
    })
    .join('; ');
}

/**
 * Validates one channel's settings.
 * @throws {VigilError} `VIGIL_CHANNEL_INVALID` naming the channel id and each bad key.
 */
export function parseChannelSettings(id: string, value: unknown): ChannelSettings {
  const type = (value as { type?: unknown } | null)?.type;
  if (typeof type !== 'string' || !(TYPES as string[]).includes(type)) {
    throw new VigilError('VIGIL_CHANNEL_INVALID', [id, `type: expected one of ${TYPES.join(', ')}, got ${JSON.stringify(type ?? null)}`]);
  }
  const parsed = ChannelSettings.safeParse(value);
  if (!parsed.success) throw new VigilError('VIGIL_CHANNEL_INVALID', [id, describeIssues(parsed.error)], { cause: parsed.error });
  return parsed.data;
}

/**
 * Builds the configured channels, validating each (`alerts.channels` of the config).
 * @param settings channel id → settings object with a `type`.
 * @throws {VigilError} `VIGIL_CHANNEL_INVALID`, e.g. `Alert channel "ops-mail" is misconfigured: from: Invalid email address`.
 * @example createChannels({ 'ops-slack': { type: 'slack', url: 'https://hooks.slack.com/services/…' } }).get('ops-slack')
 */
export function createChannels(settings: Record<string, unknown>): Map<string, Channel> {
  const channels = new Map<string, Channel>();
  for (const [id, value] of Object.entries(settings)) {
    const { type, ...config } = parseChannelSettings(id, value);
    const definition = channelDefinitions[type] as ChannelDefinition<typeof config>;
    channels.set(id, definition.create(id, config));
  }
  return channels;
}
