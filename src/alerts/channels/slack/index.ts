/**
 * Slack incoming webhook: one Block Kit message per alert or digest.
 * Docs: https://api.slack.com/messaging/webhooks, limits from https://api.slack.com/reference/block-kit/blocks
 * (header text ≤150, section text ≤3000, section fields ≤10 of ≤2000, ≤50 blocks). See readme.md.
 */
import { z } from 'zod';
import type { Alert } from '../../../model/alert.ts';
import { compactFacts, digestTitle, factLines, fitList, headline, statusLine, truncate, whyLines } from '../../render.ts';
import { sendJson, WebhookUrl } from '../http.ts';
import type { AlertMessage, Channel, ChannelDefinition } from '../types.ts';

/** Settings of a Slack channel: the incoming-webhook URL (a secret). */
export const SlackSettings = z.strictObject({ url: WebhookUrl });
export type SlackSettings = z.output<typeof SlackSettings>;

/** Block Kit limits used here. */
export const SLACK_LIMITS = { header: 150, sectionText: 3000, fields: 10, fieldText: 2000, blocks: 50, contextElements: 10 } as const;

/** A Block Kit block as this channel builds it. */
export type SlackBlock =
  | { type: 'header'; text: { type: 'plain_text'; text: string; emoji: boolean } }
  | { type: 'section'; text?: { type: 'mrkdwn'; text: string }; fields?: { type: 'mrkdwn'; text: string }[] }
  | { type: 'context'; elements: { type: 'mrkdwn'; text: string }[] }
  | { type: 'divider' };

/** What Slack's incoming webhook receives. */
export interface SlackPayload {
  /** Notification and fallback text. */
  text: string;
  blocks: SlackBlock[];
}

/** Escapes `&`, `<`, `>` for mrkdwn (https://api.slack.com/reference/surfaces/formatting#escaping). */
export function escapeMrkdwn(text: string): string {
  return text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
}

function link(url: string, text: string): string {
  return `<${url}|${escapeMrkdwn(text).replace(/\|/g, '¦')}>`;
}

function section(text: string): SlackBlock {
  return { type: 'section', text: { type: 'mrkdwn', text: truncate(text, SLACK_LIMITS.sectionText) } };
}

function context(text: string): SlackBlock {
  return { type: 'context', elements: [{ type: 'mrkdwn', text: truncate(text, SLACK_LIMITS.sectionText) }] };
}

function alertBlocks(alert: Alert): SlackBlock[] {
  const f = alert.facts;
  const description = f.description ? `${escapeMrkdwn(truncate(f.description, 1500))}\n` : '';
  const why = fitList(
    whyLines(alert).map((l) => `• ${escapeMrkdwn(l.trim())}`),
    SLACK_LIMITS.sectionText - 30,
  ).text;
  return [
    { type: 'header', text: { type: 'plain_text', text: headline(alert, SLACK_LIMITS.header), emoji: false } },
    section(`${description}${link(f.link, `${f.cveId} details`)}`),
    {
      type: 'section',
      fields: factLines(f)
        .slice(0, SLACK_LIMITS.fields)
        .map((x) => ({ type: 'mrkdwn' as const, text: truncate(`*${x.label}*\n${escapeMrkdwn(x.value)}`, SLACK_LIMITS.fieldText) })),
    },
    section(`*Why you get this*\n${why}`),
    context(`Vigil alert #${alert.id}${alert.watchlist ? ` · watchlist ${escapeMrkdwn(alert.watchlist)}` : ''}`),
  ];
}

function digestItem(alert: Alert): string {
  const match = alert.explanation.matches[0];
  const why = [match ? `matched "${match.entry}" on ${match.field}` : null, statusLine(alert)].filter((x) => x !== null);
  const lines = [`*${link(alert.facts.link, headline(alert, 200))}*`, escapeMrkdwn(compactFacts(alert.facts))];
  if (why.length > 0) lines.push(escapeMrkdwn(why.join(' · ')));
  return truncate(lines.join('\n'), SLACK_LIMITS.sectionText);
}

/** The Block Kit payload of a message (digests: one section per alert, then `…and N more`). */
export function slackPayload(message: AlertMessage): SlackPayload {
  const [only] = message.alerts;
  const title = digestTitle(message);
  if (message.alerts.length === 1 && only && !message.digest) return { text: title, blocks: alertBlocks(only) };
  // Header + one section per alert + the "and N more" context, within 50 blocks.
  const room = SLACK_LIMITS.blocks - 2;
  const shown = message.alerts.slice(0, room);
  const blocks: SlackBlock[] = [
    { type: 'header', text: { type: 'plain_text', text: truncate(title, SLACK_LIMITS.header), emoji: false } },
    ...shown.map((a) => section(digestItem(a))),
  ];
  const omitted = message.alerts.length - shown.length;
  if (omitted > 0) blocks.push(context(`…and ${omitted} more`));
  return { text: title, blocks };
}

/** The Slack channel type. */
export const slackChannel: ChannelDefinition<SlackSettings> = {
  type: 'slack',
  configSchema: SlackSettings,
  recipient: null,
  create(id, config): Channel {
    const ref = { id, type: 'slack' };
    return {
      id,
      type: 'slack',
      async check() {},
      send: (message) => sendJson(ref, config.url, slackPayload(message)),
      async close() {},
    };
  },
};
