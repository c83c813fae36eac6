/**
 * Discord webhook: one message with embeds per alert or digest, posted with `?wait=true` so
 * Discord answers 200 with the message (204 is accepted too).
 * Docs: https://discord.com/developers/docs/resources/webhook#execute-webhook, limits from
 * https://discord.com/developers/docs/resources/message#embed-object-embed-limits (title 256,
 * description 4096, 25 fields of name 256 / value 1024, footer 2048, ≤10 embeds, 6000 characters
 * over all embeds; content 2000). See readme.md.
 */
import { z } from 'zod';
import type { Alert } from '../../../model/alert.ts';
import { compactFacts, digestTitle, factLines, fitList, headline, moreLine, severityColour, statusLine, truncate, whyLines } from '../../render.ts';
import { sendJson, WebhookUrl } from '../http.ts';
import type { AlertMessage, Channel, ChannelDefinition } from '../types.ts';

/** Settings of a Discord channel: webhook URL (a secret) and an optional display name. */
export const DiscordSettings = z.strictObject({
  url: WebhookUrl,
  username: z
    .string()
    .min(1)
    .max(80)
    .refine((u) => !/discord|clyde/i.test(u), { message: 'Discord refuses usernames containing "discord" or "clyde"' })
    .optional(),
});
export type DiscordSettings = z.output<typeof DiscordSettings>;

/** Discord's documented limits. */
export const DISCORD_LIMITS = {
  title: 256,
  description: 4096,
  fields: 25,
  fieldName: 256,
  fieldValue: 1024,
  footer: 2048,
  embeds: 10,
  total: 6000,
  content: 2000,
} as const;

/** One embed as this channel builds it. */
export interface DiscordEmbed {
  title: string;
  url: string;
  description: string;
  color: number;
  fields?: { name: string; value: string; inline: boolean }[];
  footer?: { text: string };
  timestamp: string;
}

/** What the Discord webhook receives. */
export interface DiscordPayload {
  username?: string;
  content?: string;
  embeds: DiscordEmbed[];
  allowed_mentions: { parse: [] };
}

/** Escapes Discord markdown (`\`, `*`, `_`, `~`, `` ` ``, `|`, `>`, `#`). */
export function escapeDiscord(text: string): string {
  return text.replace(/[\\*_~`|>#]/g, '\\$&');
}

/** Characters Discord counts towards the 6000 limit: title, description, field names and values, footer. */
export function embedSize(embed: DiscordEmbed): number {
  const fields = (embed.fields ?? []).reduce((n, f) => n + f.name.length + f.value.length, 0);
  return embed.title.length + embed.description.length + fields + (embed.footer?.text.length ?? 0);
}

function alertEmbed(alert: Alert): DiscordEmbed {
  const f = alert.facts;
  const fields = factLines(f)
    .slice(0, DISCORD_LIMITS.fields)
    .map((x) => ({ name: x.label, value: truncate(escapeDiscord(x.value), DISCORD_LIMITS.fieldValue), inline: x.value.length <= 40 }));
  const embed: DiscordEmbed = {
    title: truncate(headline(alert, 400), DISCORD_LIMITS.title),
    url: f.link,
    description: '',
    color: severityColour(f.severity),
    fields,
    footer: { text: `Vigil alert #${alert.id}${alert.watchlist ? ` · watchlist ${alert.watchlist}` : ''}` },
    timestamp: alert.createdAt,
  };
  // The description gets what the 6000-character budget leaves, within its own 4096.
  const room = Math.min(DISCORD_LIMITS.description, DISCORD_LIMITS.total - embedSize(embed));
  const why = `**Why you get this**\n${
    fitList(
      whyLines(alert).map((l) => `• ${escapeDiscord(l.trim())}`),
      Math.floor(room * 0.6),
    ).text
  }`;
  const descriptionRoom = room - why.length - 2;
  const about = f.description && descriptionRoom > 50 ? `${truncate(escapeDiscord(f.description), descriptionRoom)}\n\n` : '';
  embed.description = truncate(`${about}${why}`, room);
  return embed;
}

function digestEmbed(alert: Alert): DiscordEmbed {
  const match = alert.explanation.matches[0];
  const lines = [compactFacts(alert.facts), match ? `matched "${match.entry}" on ${match.field}` : null, statusLine(alert)].filter((x) => x !== null);
  return {
    title: truncate(headline(alert, 400), DISCORD_LIMITS.title),
    url: alert.facts.link,
    description: truncate(escapeDiscord(lines.join('\n')), 600),
    color: severityColour(alert.facts.severity),
    timestamp: alert.createdAt,
  };
}

/** The webhook payload of a message (digests: up to 10 embeds within 6000 characters, then `…and N more`). */
export function discordPayload(message: AlertMessage, username?: string): DiscordPayload {
  const [only] = message.alerts;
  const base = { ...(username ? { username } : {}), allowed_mentions: { parse: [] as [] } };
  if (message.alerts.length === 1 && only && !message.digest) return { ...base, embeds: [alertEmbed(only)] };
  const embeds: DiscordEmbed[] = [];
  let total = 0;
  for (const alert of message.alerts) {
    const embed = digestEmbed(alert);
    if (embeds.length === DISCORD_LIMITS.embeds || total + embedSize(embed) > DISCORD_LIMITS.total) break;
    embeds.push(embed);
    total += embedSize(embed);
  }
  const omitted = message.alerts.length - embeds.length;
  const content = truncate(escapeDiscord(digestTitle(message)) + (omitted > 0 ? `\n${moreLine(omitted)}` : ''), DISCORD_LIMITS.content);
  return { ...base, content, embeds };
}

/** `?wait=true` added to the webhook URL (kept if already there). */
function waitUrl(url: string): string {
  const u = new URL(url);
  u.searchParams.set('wait', 'true');
  return u.toString();
}

/** The Discord channel type. */
export const discordChannel: ChannelDefinition<DiscordSettings> = {
  type: 'discord',
  configSchema: DiscordSettings,
  recipient: null,
  create(id, config): Channel {
    const ref = { id, type: 'discord' };
    const url = waitUrl(config.url);
    return {
      id,
      type: 'discord',
      async check() {},
      send: (message) => sendJson(ref, url, discordPayload(message, config.username)),
      async close() {},
    };
  },
};
