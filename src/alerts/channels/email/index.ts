/**
 * Email over SMTP (nodemailer): one message with a text and an HTML part per alert or digest,
 * to all the subscription's recipients. STARTTLS is used whenever the server offers it (and
 * required with `requireTLS`); `secure` is implicit TLS (port 465).
 * SMTP replies: RFC 5321 §4.2.1 (4yz transient, 5yz permanent). See readme.md.
 */
import nodemailer, { type NodemailerError } from 'nodemailer';
import { z } from 'zod';
import type { Alert } from '../../../model/alert.ts';
import { isReportFacts } from '../../../reports/types.ts';
import { alertText, digestTitle, escapeHtml as esc, factLines, headline, whyLines } from '../../render.ts';
import { type AlertMessage, type Channel, type ChannelDefinition, DeliveryError } from '../types.ts';

const Address = z.email();

/** `alerts@example.org` or `Vigil <alerts@example.org>`. */
const Mailbox = z.string().refine(
  (value) => {
    const angle = /^[^<>]*<([^<>]+)>\s*$/.exec(value);
    return Address.safeParse((angle ? angle[1] : value)?.trim()).success;
  },
  { message: 'Invalid email address' },
);

/** Settings of an email channel. */
export const EmailSettings = z.strictObject({
  host: z.string().min(1),
  port: z.number().int().min(1).max(65535).default(587),
  /** Implicit TLS from the first byte (port 465); otherwise STARTTLS when offered. */
  secure: z.boolean().default(false),
  /** Refuse to send when the server does not offer STARTTLS. */
  requireTLS: z.boolean().default(false),
  auth: z.strictObject({ user: z.string().min(1), pass: z.string().min(1) }).optional(),
  from: Mailbox,
  tls: z.strictObject({ rejectUnauthorized: z.boolean().optional() }).optional(),
});
export type EmailSettings = z.output<typeof EmailSettings>;

/** Node and nodemailer codes of failures that a later attempt can get past. */
const TRANSIENT_CODES: ReadonlySet<string> = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'ETIMEDOUT',
  'ESOCKET',
  'ECONNECTION',
  'EDNS',
  'EPIPE',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'EAI_AGAIN',
]);

/**
 * Whether a nodemailer failure is worth retrying: an SMTP 4xx reply, or a connection that
 * failed, timed out or dropped. 5xx replies, authentication and configuration errors are not.
 */
export function isRetryableSmtpError(err: Pick<NodemailerError, 'code' | 'responseCode'>): boolean {
  if (err.responseCode !== undefined) return err.responseCode >= 400 && err.responseCode < 500;
  return err.code !== undefined && TRANSIENT_CODES.has(err.code);
}

function htmlAlert(alert: Alert, level: 'h1' | 'h2'): string {
  const f = alert.facts;
  const rows = factLines(f)
    .map((x) => `<tr><th align="left" style="padding:2px 12px 2px 0;vertical-align:top">${esc(x.label)}</th><td>${esc(x.value)}</td></tr>`)
    .join('');
  const why = whyLines(alert)
    .map((l) => `<li>${/^PROVISIONAL/.test(l) ? `<strong>${esc(l)}</strong>` : esc(l.trim())}</li>`)
    .join('');
  return [
    `<${level} style="font-size:${level === 'h1' ? 20 : 16}px"><a href="${esc(f.link)}">${esc(headline(alert, 400))}</a></${level}>`,
    `<table style="border-collapse:collapse">${rows}</table>`,
    f.description ? `<p>${esc(f.description)}</p>` : '',
    `<p><strong>Why you get this</strong></p><ul>${why}</ul>`,
    `<p><a href="${esc(f.link)}">${esc(f.link)}</a></p>`,
    `<p style="color:#666;font-size:12px">Vigil alert #${alert.id}${alert.watchlist ? ` · watchlist ${esc(alert.watchlist)}` : ''}</p>`,
  ].join('\n');
}

/** Subject, text part and HTML part of a message. */
export function emailContent(message: AlertMessage): { subject: string; text: string; html: string } {
  const subject = digestTitle(message);
  const single = message.alerts.length === 1 && !message.digest;
  const text = single ? message.alerts.map(alertText).join('') : [subject, '', ...message.alerts.map((a, i) => `${i + 1}. ${alertText(a)}`)].join('\n\n');
  const sections = single
    ? message.alerts.map((a) => htmlAlert(a, 'h1'))
    : [`<h1 style="font-size:20px">${esc(subject)}</h1>`, ...message.alerts.map((a) => htmlAlert(a, 'h2'))];
  const html = `<!doctype html>\n<html><head><meta charset="utf-8"><title>${esc(subject)}</title></head>\n<body style="font-family:sans-serif">\n${sections.join('\n<hr>\n')}\n</body></html>\n`;
  return { subject, text, html };
}

/**
 * What one message sends: a `report` alert (reports/types.ts) its HTML report with the charts as
 * SVG attachments (reports/html.ts, loaded only then: it brings ECharts), anything else {@link emailContent}.
 */
async function messageContent(message: AlertMessage): Promise<ReturnType<typeof emailContent> & { attachments?: { filename: string; content: string; contentType: string }[] }> {
  const [only] = message.alerts;
  if (only && message.alerts.length === 1 && !message.digest && isReportFacts(only.facts)) return (await import('../../../reports/html.ts')).reportEmail(only.facts.report);
  return emailContent(message);
}

/** The email channel type. Recipients are email addresses. */
export const emailChannel: ChannelDefinition<EmailSettings> = {
  type: 'email',
  configSchema: EmailSettings,
  recipient: 'email',
  create(id, config): Channel {
    const transporter = nodemailer.createTransport({
      host: config.host,
      port: config.port,
      secure: config.secure,
      requireTLS: config.requireTLS,
      ...(config.auth ? { auth: { user: config.auth.user, pass: config.auth.pass } } : {}),
      ...(config.tls ? { tls: config.tls } : {}),
      connectionTimeout: 10_000,
      greetingTimeout: 10_000,
      socketTimeout: 30_000,
    });
    const where = `email channel "${id}" (${config.host}:${config.port})`;
    return {
      id,
      type: 'email',
      async check() {
        try {
          await transporter.verify();
        } catch (cause) {
          throw new Error(`Alert channel "${id}" (email): cannot use SMTP server ${config.host}:${config.port}: ${(cause as Error).message}`, { cause });
        }
      },
      async send(message, recipients) {
        if (recipients.length === 0) throw new DeliveryError(`${where}: no recipient address`, { retryable: false });
        const content = await messageContent(message);
        try {
          const info = await transporter.sendMail({
            from: config.from,
            to: recipients,
            ...content,
            headers: { 'X-Vigil-Alert-Ids': message.alerts.map((a) => a.id).join(',') },
          });
          return { response: `${info.response} (${info.messageId})` };
        } catch (cause) {
          const err = cause as NodemailerError;
          const status = err.responseCode;
          throw new DeliveryError(`${where}: ${err.message}`, {
            retryable: isRetryableSmtpError(err),
            ...(status === undefined ? {} : { status }),
            cause,
          });
        }
      },
      async close() {
        transporter.close();
      },
    };
  },
};
