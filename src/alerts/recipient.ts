/**
 * One recipient per subscription: the `to` of a subscription is exactly one email address or
 * one Telegram chat, never a list (`"a@x, b@y"` would mail both) nor anything carrying a line
 * break (header injection). Checked where subscriptions are made (API, `vigil watch subscribe`,
 * watchlist files) and again when recipients are resolved for delivery (rows stored earlier).
 */
import { z } from 'zod';
import type { ChannelDefinition } from './channels/types.ts';

/** What a channel's recipient is (`null`: the channel posts to its configured URL). */
export type RecipientKind = ChannelDefinition['recipient'];

const Email = z.email();

/** A Telegram chat id (`-1001234567890`) or a public channel's username (`@vigil_alerts`). */
const TELEGRAM_CHAT = /^(-?\d{1,20}|@[A-Za-z][A-Za-z0-9_]{4,31})$/;

/**
 * Why `value` is not one recipient of kind `kind`, or null when it is.
 * Email: one addr-spec (RFC 5322 §3.4.1, as zod's `email()` checks it), at most 254 characters,
 * no display name, list separator or control character. Telegram: a chat id or `@username`
 * (https://core.telegram.org/bots/api#sendmessage, `chat_id`).
 * @example recipientProblem('email', 'x@evil.example, y@evil.example') // 'one address per recipient: "," separates several'
 */
export function recipientProblem(kind: RecipientKind, value: string): string | null {
  // biome-ignore lint/suspicious/noControlCharactersInRegex: control characters are what is refused
  if (/[\u0000-\u001f\u007f]/.test(value)) return 'a recipient cannot contain line breaks or control characters';
  if (kind === null) return 'this channel posts to its configured URL: a subscription to it takes no recipient';
  if (kind === 'telegram') return TELEGRAM_CHAT.test(value) ? null : 'expected one Telegram chat id (-1001234567890) or @channelname';
  const separator = /[,;]/.exec(value)?.[0];
  if (separator) return `one address per recipient: "${separator}" separates several (add one subscription per address)`;
  if (value.length > 254 || !Email.safeParse(value).success) return `"${value.slice(0, 80)}" is not one email address`;
  return null;
}
