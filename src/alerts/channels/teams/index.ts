/**
 * Microsoft Teams through a Workflows webhook ("Post to a channel when a webhook request is
 * received"): one Adaptive Card (schema 1.4) per alert or digest, wrapped as a message attachment.
 * Docs: https://learn.microsoft.com/en-us/microsoftteams/platform/webhooks-and-connectors/how-to/connectors-using
 * and https://adaptivecards.io/explorer/. Teams caps a message at about 28 KB. See readme.md.
 */
import { z } from 'zod';
import type { Alert } from '../../../model/alert.ts';
import { compactFacts, digestTitle, factLines, fitList, headline, statusLine, truncate, whyLines } from '../../render.ts';
import { sendJson, WebhookUrl } from '../http.ts';
import type { AlertMessage, Channel, ChannelDefinition } from '../types.ts';

/** Settings of a Teams channel: the Workflows webhook URL (a secret: it carries a signature). */
export const TeamsSettings = z.strictObject({ url: WebhookUrl });
export type TeamsSettings = z.output<typeof TeamsSettings>;

/** Largest payload sent, in bytes of JSON (Teams refuses messages over about 28 KB). */
export const TEAMS_MAX_BYTES = 27_000;

/** The Adaptive Card elements this channel uses. */
export type TeamsElement =
  | {
      type: 'TextBlock';
      text: string;
      wrap: true;
      weight?: 'Bolder';
      size?: 'Medium' | 'Large';
      color?: 'Attention' | 'Warning' | 'Good';
      isSubtle?: boolean;
      separator?: boolean;
    }
  | { type: 'FactSet'; facts: { title: string; value: string }[] };

/** What the Workflows webhook receives. */
export interface TeamsPayload {
  type: 'message';
  attachments: {
    contentType: 'application/vnd.microsoft.card.adaptive';
    contentUrl: null;
    content: {
      $schema: 'http://adaptivecards.io/schemas/adaptive-card.json';
      type: 'AdaptiveCard';
      version: '1.4';
      body: TeamsElement[];
      actions?: { type: 'Action.OpenUrl'; title: string; url: string }[];
    };
  }[];
}

/** Escapes the characters Adaptive Card markdown would interpret (`*`, `_`, `[`, `]`, `\`). */
export function escapeCardMarkdown(text: string): string {
  return text.replace(/[\\*_[\]]/g, '\\$&');
}

function text(value: string, extra: Omit<Extract<TeamsElement, { type: 'TextBlock' }>, 'type' | 'text' | 'wrap'> = {}): TeamsElement {
  return { type: 'TextBlock', text: value, wrap: true, ...extra };
}

function accent(alert: Alert): { color?: 'Attention' | 'Warning' } {
  const s = alert.facts.severity;
  if (s === 'CRITICAL' || s === 'HIGH') return { color: 'Attention' };
  return s === 'MEDIUM' ? { color: 'Warning' } : {};
}

function wrap(body: TeamsElement[], actions?: { type: 'Action.OpenUrl'; title: string; url: string }[]): TeamsPayload {
  return {
    type: 'message',
    attachments: [
      {
        contentType: 'application/vnd.microsoft.card.adaptive',
        contentUrl: null,
        content: {
          $schema: 'http://adaptivecards.io/schemas/adaptive-card.json',
          type: 'AdaptiveCard',
          version: '1.4',
          body,
          ...(actions ? { actions } : {}),
        },
      },
    ],
  };
}

function alertCard(alert: Alert): TeamsPayload {
  const f = alert.facts;
  const why = fitList(
    whyLines(alert).map((l) => `- ${escapeCardMarkdown(l.trim())}`),
    8000,
  ).text;
  const body: TeamsElement[] = [
    text(escapeCardMarkdown(headline(alert, 200)), { weight: 'Bolder', size: 'Medium', ...accent(alert) }),
    { type: 'FactSet', facts: factLines(f).map((x) => ({ title: x.label, value: escapeCardMarkdown(truncate(x.value, 1000)) })) },
  ];
  if (f.description) body.push(text(escapeCardMarkdown(truncate(f.description, 1500))));
  body.push(text('Why you get this', { weight: 'Bolder', separator: true }), text(why));
  return wrap(body, [{ type: 'Action.OpenUrl', title: `View ${f.cveId}`, url: f.link }]);
}

function digestCard(message: AlertMessage): TeamsPayload {
  const body: TeamsElement[] = [text(escapeCardMarkdown(digestTitle(message)), { weight: 'Bolder', size: 'Large' })];
  const items = message.alerts.map((a): TeamsElement[] => {
    const status = statusLine(a);
    const match = a.explanation.matches[0];
    const details = [compactFacts(a.facts), match ? `matched "${match.entry}" on ${match.field}` : null, status].filter((x) => x !== null);
    return [
      text(`[${escapeCardMarkdown(headline(a, 200))}](${a.facts.link})`, { weight: 'Bolder', separator: true, ...accent(a) }),
      text(escapeCardMarkdown(details.join(' · ')), { isSubtle: true }),
    ];
  });
  // Add alerts while the card stays under the size cap, keeping room for the closing line.
  const reserve = 200;
  let shown = 0;
  for (const item of items) {
    body.push(...item);
    if (Buffer.byteLength(JSON.stringify(wrap(body))) > TEAMS_MAX_BYTES - reserve) {
      body.splice(body.length - item.length, item.length);
      break;
    }
    shown++;
  }
  if (shown < items.length) body.push(text(`…and ${items.length - shown} more`, { weight: 'Bolder' }));
  return wrap(body);
}

/** The Workflows payload of a message (digests: as many alerts as fit, then `…and N more`). */
export function teamsPayload(message: AlertMessage): TeamsPayload {
  const [only] = message.alerts;
  return message.alerts.length === 1 && only && !message.digest ? alertCard(only) : digestCard(message);
}

/** The Microsoft Teams channel type. */
export const teamsChannel: ChannelDefinition<TeamsSettings> = {
  type: 'teams',
  configSchema: TeamsSettings,
  recipient: null,
  create(id, config): Channel {
    const ref = { id, type: 'teams' };
    return {
      id,
      type: 'teams',
      async check() {},
      send: (message) => sendJson(ref, config.url, teamsPayload(message)),
      async close() {},
    };
  },
};
