/**
 * Telegram Bot API: `sendMessage` with HTML formatting to each chat id a subscription names.
 * Docs: https://core.telegram.org/bots/api#sendmessage (text 1–4096 characters after entity
 * parsing; HTML subset https://core.telegram.org/bots/api#html-style). A 429 answer carries
 * `parameters.retry_after` (seconds). The bot token is a secret: it is in the URL path, so it is
 * never logged and is redacted from every error. See readme.md.
 */
import { z } from 'zod';
import type { Alert } from '../../../model/alert.ts';
import { compactFacts, digestTitle, escapeHtml as esc, factLines, fitList, headline, statusLine, truncate, whyLines } from '../../render.ts';
import { checkAnswer, type HttpAnswer, postJson, WebhookUrl } from '../http.ts';
import { type AlertMessage, type Channel, type ChannelDefinition, DeliveryError, type DeliveryReceipt } from '../types.ts';

/** Settings of a Telegram channel. `apiBase` is for a self-hosted Bot API server (or tests). */
export const TelegramSettings = z.strictObject({
  botToken: z.string().regex(/^\d+:[\w-]{20,}$/, { message: 'expected a bot token like 123456:ABC-DEF… (from @BotFather)' }),
  apiBase: WebhookUrl.default('https://api.telegram.org'),
});
export type TelegramSettings = z.output<typeof TelegramSettings>;

/** Longest `text` of one message, in characters. */
export const TELEGRAM_MAX_TEXT = 4096;

/** What `sendMessage` receives. */
export interface TelegramPayload {
  chat_id: string;
  text: string;
  parse_mode: 'HTML';
  link_preview_options: { is_disabled: true };
}

/** Bot API answer envelope (https://core.telegram.org/bots/api#making-requests). */
const TelegramAnswer = z.object({
  ok: z.boolean(),
  result: z.unknown().optional(),
  error_code: z.number().optional(),
  description: z.string().optional(),
  parameters: z.object({ retry_after: z.number().optional() }).passthrough().optional(),
});

/** Escaped plain text cut so that its escaped form fits `max` characters. */
function fitEscaped(text: string, max: number): string {
  let plain = truncate(text, max);
  while (esc(plain).length > max && plain.length > 0) plain = truncate(plain, plain.length - (esc(plain).length - max) - 1);
  return esc(plain);
}

function alertText(alert: Alert): string {
  const f = alert.facts;
  const head = `<b>${esc(headline(alert, 300))}</b>`;
  const facts = factLines(f)
    .map((x) => `<b>${esc(x.label)}:</b> ${fitEscaped(x.value, 600)}`)
    .join('\n');
  const link = `<a href="${esc(f.link)}">${esc(f.cveId)} details</a>`;
  const whyTitle = '<b>Why you get this</b>\n';
  const fixed = head.length + facts.length + link.length + whyTitle.length + 8;
  const why = fitList(
    whyLines(alert).map((l) => `• ${esc(l.trim())}`),
    Math.max(200, Math.floor((TELEGRAM_MAX_TEXT - fixed) * 0.7)),
  ).text;
  const room = TELEGRAM_MAX_TEXT - fixed - why.length;
  const about = f.description && room > 60 ? `\n\n${fitEscaped(f.description, room - 2)}` : '';
  return `${head}\n\n${facts}${about}\n\n${whyTitle}${why}\n\n${link}`;
}

function digestText(message: AlertMessage): string {
  const title = `<b>${esc(digestTitle(message))}</b>`;
  const items = message.alerts.map((a) => {
    const match = a.explanation.matches[0];
    const lines = [`<a href="${esc(a.facts.link)}"><b>${esc(headline(a, 200))}</b></a>`, esc(compactFacts(a.facts))];
    const why = [match ? `matched "${match.entry}" on ${match.field}` : null, statusLine(a)].filter((x) => x !== null);
    if (why.length > 0) lines.push(esc(why.join(' · ')));
    return lines.join('\n');
  });
  return `${title}\n\n${fitList(items, TELEGRAM_MAX_TEXT - title.length - 2, '\n\n').text}`;
}

/** The `text` (HTML) of a message: at most {@link TELEGRAM_MAX_TEXT} characters, tags balanced. */
export function telegramText(message: AlertMessage): string {
  const [only] = message.alerts;
  return message.alerts.length === 1 && only && !message.digest ? alertText(only) : digestText(message);
}

const SentMessage = z.object({ message_id: z.number() });

/**
 * The `result` of a Bot API answer. Telegram's 429 carries `parameters.retry_after` (seconds) in
 * the body, not a `Retry-After` header; other failures are classified like any HTTP answer.
 * @throws {DeliveryError}
 */
function botResult(ref: { id: string; type: string }, url: string, answer: HttpAnswer, token: string): unknown {
  let parsed: z.output<typeof TelegramAnswer> | undefined;
  try {
    parsed = TelegramAnswer.parse(JSON.parse(answer.text));
  } catch {
    parsed = undefined;
  }
  const ok = answer.status >= 200 && answer.status < 300;
  if (ok && parsed?.ok) return parsed.result;
  const retryAfter = parsed?.parameters?.retry_after;
  if ((answer.status === 429 || parsed?.error_code === 429) && retryAfter !== undefined) {
    const detail = parsed?.description ? `: ${parsed.description.slice(0, 300)}` : '';
    throw new DeliveryError(`telegram channel "${ref.id}": HTTP 429${detail}`, { retryable: true, retryAfterSeconds: retryAfter, status: 429 });
  }
  checkAnswer(ref, url, answer, [token]);
  // A 2xx answer that is not `{ ok: true }`: a proxy answered, or the API changed.
  throw new DeliveryError(`telegram channel "${ref.id}": unexpected answer HTTP ${answer.status}: ${answer.text.slice(0, 300)}`, {
    retryable: false,
    status: answer.status,
  });
}

/** The Telegram channel type. Recipients are chat ids (`123456789`, `-1001234567890`, `@channel`). */
export const telegramChannel: ChannelDefinition<TelegramSettings> = {
  type: 'telegram',
  configSchema: TelegramSettings,
  recipient: 'telegram',
  create(id, config): Channel {
    const ref = { id, type: 'telegram' };
    const base = config.apiBase.replace(/\/+$/, '');
    const method = (name: string): string => `${base}/bot${config.botToken}/${name}`;
    const secrets = [config.botToken];
    return {
      id,
      type: 'telegram',
      async check() {
        const url = method('getMe');
        try {
          botResult(ref, url, await postJson(ref, url, '{}', { secrets }), config.botToken);
        } catch (cause) {
          throw new Error(`Alert channel "${id}" (telegram): the Bot API refused the token or is unreachable: ${(cause as Error).message}`, { cause });
        }
      },
      async send(message, recipients): Promise<DeliveryReceipt> {
        if (recipients.length === 0) throw new DeliveryError(`telegram channel "${id}": no chat id to send to`, { retryable: false });
        const text = telegramText(message);
        const url = method('sendMessage');
        const sent: string[] = [];
        for (const chat of recipients) {
          const payload: TelegramPayload = { chat_id: chat, text, parse_mode: 'HTML', link_preview_options: { is_disabled: true } };
          try {
            const result = SentMessage.safeParse(botResult(ref, url, await postJson(ref, url, JSON.stringify(payload), { secrets }), config.botToken));
            sent.push(`chat ${chat}: message ${result.success ? result.data.message_id : '?'}`);
          } catch (cause) {
            if (!(cause instanceof DeliveryError) || sent.length === 0) throw cause;
            // Some chats got it: say so, since a retry sends it to them again.
            throw new DeliveryError(`${cause.message} (already sent: ${sent.join(', ')})`, {
              retryable: cause.retryable,
              retryAfterSeconds: cause.retryAfterSeconds,
              status: cause.status,
              cause,
            });
          }
        }
        return { response: sent.join('; ') };
      },
      async close() {},
    };
  },
};
