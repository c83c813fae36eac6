/**
 * What each imitated service accepts, as zod schemas with the documented limits: the loopback
 * receiver (`receiver.ts`) refuses any payload that fails them.
 * - Slack Block Kit: https://api.slack.com/reference/block-kit/blocks (header ≤150, section text
 *   ≤3000, ≤10 fields of ≤2000, context ≤10 elements, ≤50 blocks);
 * - Teams Workflows / Adaptive Cards 1.x: https://adaptivecards.io/explorer/ (message ≤ ~28 KB);
 * - Discord: https://discord.com/developers/docs/resources/message#embed-object-embed-limits;
 * - Telegram sendMessage: https://core.telegram.org/bots/api#sendmessage and #html-style;
 * - Vigil's signed webhook body (src/alerts/channels/webhook/readme.md).
 */
import { z } from 'zod';
import { ALERT_EVENTS } from '../model/alert.ts';

const PlainText = (max: number) => z.strictObject({ type: z.literal('plain_text'), text: z.string().min(1).max(max), emoji: z.boolean().optional() });
const Mrkdwn = (max: number) => z.strictObject({ type: z.literal('mrkdwn'), text: z.string().min(1).max(max), verbatim: z.boolean().optional() });
const SlackText = (max: number) => z.union([PlainText(max), Mrkdwn(max)]);
const BlockId = z.string().max(255).optional();

const SlackBlock = z.discriminatedUnion('type', [
  z.strictObject({ type: z.literal('header'), text: PlainText(150), block_id: BlockId }),
  z
    .strictObject({
      type: z.literal('section'),
      text: SlackText(3000).optional(),
      fields: z.array(SlackText(2000)).min(1).max(10).optional(),
      block_id: BlockId,
    })
    .refine((s) => s.text !== undefined || s.fields !== undefined, { message: 'a section needs text or fields' }),
  z.strictObject({ type: z.literal('context'), elements: z.array(SlackText(3000)).min(1).max(10), block_id: BlockId }),
  z.strictObject({ type: z.literal('divider'), block_id: BlockId }),
]);

/** An incoming-webhook message: fallback `text` and Block Kit `blocks`. */
export const SlackMessage = z.strictObject({
  text: z.string().min(1).max(40_000),
  blocks: z.array(SlackBlock).min(1).max(50),
});

const TextBlock = z.strictObject({
  type: z.literal('TextBlock'),
  text: z.string().min(1),
  wrap: z.boolean().optional(),
  weight: z.enum(['Default', 'Lighter', 'Bolder']).optional(),
  size: z.enum(['Default', 'Small', 'Medium', 'Large', 'ExtraLarge']).optional(),
  color: z.enum(['Default', 'Dark', 'Light', 'Accent', 'Good', 'Warning', 'Attention']).optional(),
  isSubtle: z.boolean().optional(),
  separator: z.boolean().optional(),
});
const FactSet = z.strictObject({
  type: z.literal('FactSet'),
  facts: z.array(z.strictObject({ title: z.string().min(1), value: z.string().min(1) })).min(1),
});
const AdaptiveCard = z.strictObject({
  $schema: z.literal('http://adaptivecards.io/schemas/adaptive-card.json'),
  type: z.literal('AdaptiveCard'),
  version: z.enum(['1.0', '1.1', '1.2', '1.3', '1.4', '1.5']),
  body: z.array(z.discriminatedUnion('type', [TextBlock, FactSet])).min(1),
  actions: z.array(z.strictObject({ type: z.literal('Action.OpenUrl'), title: z.string().min(1), url: z.url() })).optional(),
});

/** A Workflows webhook message carrying one Adaptive Card attachment (≤ 28 KB of JSON). */
export const TeamsMessage = z
  .strictObject({
    type: z.literal('message'),
    attachments: z
      .array(
        z.strictObject({
          contentType: z.literal('application/vnd.microsoft.card.adaptive'),
          contentUrl: z.null(),
          content: AdaptiveCard,
        }),
      )
      .min(1),
  })
  .refine((m) => Buffer.byteLength(JSON.stringify(m)) <= 28 * 1024, { message: 'message larger than 28 KB' });

const DiscordEmbed = z.strictObject({
  title: z.string().min(1).max(256).optional(),
  url: z.url().optional(),
  description: z.string().min(1).max(4096).optional(),
  color: z.number().int().min(0).max(0xffffff).optional(),
  fields: z
    .array(z.strictObject({ name: z.string().min(1).max(256), value: z.string().min(1).max(1024), inline: z.boolean().optional() }))
    .max(25)
    .optional(),
  footer: z.strictObject({ text: z.string().min(1).max(2048) }).optional(),
  timestamp: z.iso.datetime({ offset: true }).optional(),
});
type DiscordEmbed = z.output<typeof DiscordEmbed>;

function embedChars(e: DiscordEmbed): number {
  const fields = (e.fields ?? []).reduce((n, f) => n + f.name.length + f.value.length, 0);
  return (e.title?.length ?? 0) + (e.description?.length ?? 0) + fields + (e.footer?.text.length ?? 0);
}

/** An execute-webhook body: `content` and/or up to 10 embeds, 6000 embed characters in all. */
export const DiscordMessage = z
  .strictObject({
    username: z.string().min(1).max(80).optional(),
    content: z.string().min(1).max(2000).optional(),
    embeds: z.array(DiscordEmbed).max(10).optional(),
    allowed_mentions: z.strictObject({ parse: z.array(z.enum(['roles', 'users', 'everyone'])) }).optional(),
  })
  .refine((m) => m.content !== undefined || (m.embeds?.length ?? 0) > 0, { message: 'Cannot send an empty message' })
  .refine((m) => (m.embeds ?? []).reduce((n, e) => n + embedChars(e), 0) <= 6000, { message: 'embeds exceed 6000 characters in total' });

const TELEGRAM_TAGS: ReadonlySet<string> = new Set([
  'b',
  'strong',
  'i',
  'em',
  'u',
  'ins',
  's',
  'strike',
  'del',
  'a',
  'code',
  'pre',
  'blockquote',
  'tg-spoiler',
  'span',
]);

/** Why `html` is not valid Telegram HTML (unknown tag, unbalanced tag, bad entity, stray `<`), or null. */
export function telegramHtmlProblem(html: string): string | null {
  const stack: string[] = [];
  const token = /<(\/?)([a-z-]+)((?:\s+[a-z-]+="[^"<>]*")*)\s*>|&(?:lt|gt|amp|quot|#\d+|#x[0-9a-f]+);|[<>&]/gi;
  for (const m of html.matchAll(token)) {
    const [all, closing, tag] = m;
    if (all === '<' || all === '>' || all === '&') return `unescaped "${all}" at ${m.index}`;
    if (!tag) continue;
    const name = tag.toLowerCase();
    if (!TELEGRAM_TAGS.has(name)) return `unsupported tag <${name}> at ${m.index}`;
    if (!closing) stack.push(name);
    else if (stack.pop() !== name) return `unbalanced </${name}> at ${m.index}`;
  }
  return stack.length > 0 ? `unclosed <${stack.at(-1)}>` : null;
}

/** `sendMessage` parameters (JSON body), with the HTML checked like Telegram's entity parser. */
export const TelegramSendMessage = z
  .strictObject({
    chat_id: z.union([z.number().int(), z.string().regex(/^(-?\d+|@\w{5,})$/)]),
    text: z.string().min(1).max(4096),
    parse_mode: z.enum(['HTML', 'MarkdownV2', 'Markdown']).optional(),
    link_preview_options: z.strictObject({ is_disabled: z.boolean().optional() }).optional(),
    disable_notification: z.boolean().optional(),
  })
  .superRefine((m, ctx) => {
    const problem = m.parse_mode === 'HTML' ? telegramHtmlProblem(m.text) : null;
    if (problem) ctx.addIssue({ code: 'custom', path: ['text'], message: `can't parse entities: ${problem}` });
  });

const Iso = z.iso.datetime({ offset: true });
const AlertFacts = z.strictObject({
  cveId: z.string().regex(/^CVE-\d{4}-\d{4,}$/),
  state: z.string(),
  title: z.string().nullable(),
  description: z.string().max(500).nullable(),
  published: Iso.nullable(),
  severity: z.enum(['NONE', 'LOW', 'MEDIUM', 'HIGH', 'CRITICAL']).nullable(),
  cvss: z.strictObject({ score: z.number().min(0).max(10), version: z.string(), vector: z.string() }).nullable(),
  epss: z.strictObject({ score: z.number().min(0).max(1), percentile: z.number().min(0).max(1), date: z.iso.date() }).nullable(),
  kev: z.strictObject({ dateAdded: z.iso.date(), dueDate: z.iso.date().nullable(), ransomware: z.boolean() }).nullable(),
  ssvc: z.string().nullable(),
  priority: z.number().min(0).max(100),
  products: z.array(z.string()).max(10),
  link: z.url(),
});
const Explanation = z.object({
  event: z.object({ type: z.enum(ALERT_EVENTS), summary: z.string().min(1) }),
  matches: z.array(z.object({ entry: z.string(), via: z.string(), field: z.string(), matched: z.string() })),
  thresholds: z.array(z.object({ name: z.string(), passed: z.boolean() })),
  provisional: z.boolean(),
});

/** Vigil's webhook body, version 1. */
export const WebhookPayload = z
  .strictObject({
    version: z.literal(1),
    type: z.enum(['alert', 'digest']),
    sentAt: Iso,
    digest: z.strictObject({ period: z.enum(['hourly', 'daily', 'weekly']), from: Iso, to: Iso }).optional(),
    alerts: z
      .array(
        z.strictObject({
          id: z.number().int(),
          event: z.enum(ALERT_EVENTS),
          eventKey: z.string().min(1),
          cveId: z.string().regex(/^CVE-\d{4}-\d{4,}$/),
          createdAt: Iso,
          provisional: z.boolean(),
          confirmedAt: Iso.nullable(),
          facts: AlertFacts,
          explanation: Explanation,
        }),
      )
      .min(1),
  })
  .refine((b) => (b.type === 'digest') === (b.digest !== undefined), { message: 'type "digest" goes with a digest object, and only it' });
