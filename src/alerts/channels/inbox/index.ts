/**
 * The dashboard inbox: a channel that sends nothing anywhere. Its alerts are stored like every
 * other (so they are in `GET /api/v1/alerts` and the dashboard's inbox, with triage) and marked
 * sent at once. It is always configured as `inbox` unless the config defines that id itself, so a
 * watchlist made in the dashboard on a fresh machine has somewhere to alert.
 */
import { z } from 'zod';
import type { Channel, ChannelDefinition } from '../types.ts';

/** Settings of an inbox channel: none. */
export const InboxSettings = z.strictObject({});
export type InboxSettings = z.output<typeof InboxSettings>;

/** Id of the implicit inbox channel. */
export const INBOX_CHANNEL_ID = 'inbox';

export const inboxChannel: ChannelDefinition<InboxSettings> = {
  type: 'inbox',
  configSchema: InboxSettings,
  recipient: null,
  create(id): Channel {
    return {
      id,
      type: 'inbox',
      async check() {},
      async send(message) {
        return { response: `stored in the inbox (${message.alerts.length} alert${message.alerts.length === 1 ? '' : 's'})` };
      },
      async close() {},
    };
  },
};
