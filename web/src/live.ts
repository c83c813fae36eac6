/**
 * The live event stream (`GET /api/v1/events`, Server-Sent Events). `EventSource` cannot send an
 * `Authorization` header, so the stream is read with fetch and a ReadableStream and parsed per the
 * HTML Living Standard's event-stream format (https://html.spec.whatwg.org/multipage/server-sent-events.html#event-stream-interpretation):
 * `event:`, `data:` (joined by newlines), `id:`, `retry:`, and `:` comments. A lost connection is
 * retried with backoff and resumed with `Last-Event-ID`.
 */
import { accessToken, refreshSession } from './api.ts';
import { createStore } from './store.ts';

/** One dispatched event. */
export interface StreamEvent {
  event: string;
  data: string;
  id: string | null;
}

/** What the shell shows: connection state, unseen alerts and CVE changes since the last look. */
export interface LiveState {
  connected: boolean;
  /** Alerts received since the alerts page was last loaded. */
  newAlerts: number;
  /** CVE changes received since the overview was last loaded. */
  cveChanges: number;
  /** Bumped on every `alert` event so open alert lists reload. */
  alertVersion: number;
}

export const live = createStore<LiveState>({ connected: false, newAlerts: 0, cveChanges: 0, alertVersion: 0 });

/**
 * Incremental event-stream parser: feed it decoded text chunks, it calls `emit` per event.
 * Exported for tests; a chunk may end anywhere, even inside a line.
 */
export function createParser(emit: (e: StreamEvent) => void, onRetry?: (ms: number) => void) {
  let buffer = '';
  let event = '';
  let data: string[] = [];
  let id: string | null = null;
  let lastId: string | null = null;
  function line(l: string) {
    if (l === '') {
      if (data.length) emit({ event: event || 'message', data: data.join('\n'), id: lastId });
      event = '';
      data = [];
      return;
    }
    if (l.startsWith(':')) return;
    const colon = l.indexOf(':');
    const field = colon < 0 ? l : l.slice(0, colon);
    let value = colon < 0 ? '' : l.slice(colon + 1);
    if (value.startsWith(' ')) value = value.slice(1);
    if (field === 'event') event = value;
    else if (field === 'data') data.push(value);
    else if (field === 'id' && !value.includes('\0')) lastId = id = value;
    else if (field === 'retry' && /^\d+$/.test(value)) onRetry?.(Number(value));
  }
  return {
    push(chunk: string) {
      buffer += chunk;
      const parts = buffer.split(/\r\n|\r|\n/);
      buffer = parts.pop() ?? '';
      for (const p of parts) line(p);
    },
    lastEventId: () => id,
  };
}

/**
 * Connects and keeps the stream open until `signal` aborts; calls `onEvent` for every event.
 * Backoff doubles from 1 s to 30 s (or the server's `retry:`), reset after each good connection.
 */
export async function runEventStream(onEvent: (e: StreamEvent) => void, signal: AbortSignal): Promise<void> {
  let lastEventId: string | null = null;
  let delay = 1000;
  let serverRetry: number | null = null;
  while (!signal.aborted) {
    try {
      const headers: Record<string, string> = { accept: 'text/event-stream' };
      const token = accessToken();
      if (token) headers.authorization = `Bearer ${token}`;
      if (lastEventId) headers['last-event-id'] = lastEventId;
      const res = await fetch('/api/v1/events', { headers, signal, cache: 'no-store' });
      if (res.status === 401) {
        if (!(await refreshSession())) return;
        continue;
      }
      if (!res.ok || !res.body) throw new Error(`event stream: HTTP ${res.status}`);
      live.set((s) => ({ ...s, connected: true }));
      delay = 1000;
      const parser = createParser(
        (e) => {
          if (e.id) lastEventId = e.id;
          onEvent(e);
        },
        (ms) => {
          serverRetry = ms;
        },
      );
      const reader = res.body.pipeThrough(new TextDecoderStream()).getReader();
      for (;;) {
        const { value, done } = await reader.read();
        if (done) break;
        parser.push(value);
      }
    } catch {
      if (signal.aborted) return;
    }
    live.set((s) => ({ ...s, connected: false }));
    await new Promise((r) => window.setTimeout(r, serverRetry ?? delay));
    delay = Math.min(delay * 2, 30_000);
  }
}

/** Starts the stream for the signed-in session and feeds {@link live}. @returns a stop function. */
export function startLive(): () => void {
  const ctl = new AbortController();
  void runEventStream((e) => {
    if (e.event === 'alert') live.set((s) => ({ ...s, newAlerts: s.newAlerts + 1, alertVersion: s.alertVersion + 1 }));
    else if (e.event === 'cve') live.set((s) => ({ ...s, cveChanges: s.cveChanges + 1 }));
  }, ctl.signal);
  return () => {
    ctl.abort();
    live.set((s) => ({ ...s, connected: false }));
  };
}
