/**
 * A stored watchlist's subscriptions: where its alerts go. Lists them, and (for those who may
 * edit) adds one (`POST /api/v1/watchlists/{name}/subscriptions`: a channel from the server's
 * `alerts.channels`, an optional recipient, events and delivery mode; the same channel and
 * recipient again updates that subscription) and removes one (`DELETE …/subscriptions/{id}`),
 * as `vigil watch subscribe` does.
 */
import { useState } from 'preact/hooks';
import { request } from '../api.ts';
import { ErrorBox, Notice } from '../components/ui.tsx';
import { ALERT_EVENTS, type SubscriptionInput, type Watchlist } from '../types-alerts.ts';

type Mode = NonNullable<SubscriptionInput['mode']>;
const MODES: { value: Mode; label: string }[] = [
  { value: 'immediate', label: 'Immediately' },
  { value: 'hourly', label: 'Hourly digest' },
  { value: 'daily', label: 'Daily digest' },
  { value: 'weekly', label: 'Weekly digest' },
];

const eventLabel = (e: string) => e.replace(/_/g, ' ');

/** The subscriptions panel of a stored watchlist (kept apart from the entry editor's unsaved draft). */
export function Subscriptions({ watchlist, canEdit }: { watchlist: Watchlist; canEdit: boolean }) {
  const [subs, setSubs] = useState(watchlist.subscriptions);
  const [channel, setChannel] = useState('inbox');
  const [to, setTo] = useState('');
  const [mode, setMode] = useState<Mode>('immediate');
  const [events, setEvents] = useState<Set<string>>(new Set());
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<unknown>(null);
  const [done, setDone] = useState<string | null>(null);
  const path = `/api/v1/watchlists/${encodeURIComponent(watchlist.name)}/subscriptions`;

  async function add(e: Event) {
    e.preventDefault();
    setBusy(true);
    setError(null);
    setDone(null);
    try {
      const body: SubscriptionInput = { channel: channel.trim(), mode };
      if (to.trim()) body.to = to.trim();
      if (events.size) body.events = ALERT_EVENTS.filter((ev) => events.has(ev));
      setSubs((await request<Watchlist>(path, { method: 'POST', body })).subscriptions);
      setDone(`Subscribed ${body.channel}${body.to ? ` (${body.to})` : ''}.`);
      setTo('');
      setEvents(new Set());
    } catch (err) {
      setError(err);
    } finally {
      setBusy(false);
    }
  }

  async function remove(id: number, what: string) {
    if (!window.confirm(`Remove the subscription ${what}? Alerts already made stay.`)) return;
    setBusy(true);
    setError(null);
    setDone(null);
    try {
      await request(`${path}/${id}`, { method: 'DELETE' });
      setSubs((list) => list.filter((s) => s.id !== id));
      setDone(`Removed ${what}.`);
    } catch (err) {
      setError(err);
    } finally {
      setBusy(false);
    }
  }

  return (
    <section class="panel" aria-labelledby="subs-h" data-testid="subscriptions">
      <h2 id="subs-h">Subscriptions</h2>
      <p class="muted small">Where this watchlist's alerts go. Channels are configured on the server (alerts.channels; inbox is this dashboard).</p>
      <ErrorBox error={error} />
      {done && <Notice kind="ok">{done}</Notice>}
      {subs.length === 0 ? (
        <p data-testid="no-subscriptions">No subscriptions: matches make no alerts.</p>
      ) : (
        <div class="table-wrap">
          <table data-testid="subscriptions-table">
            <caption class="sr-only">Subscriptions of {watchlist.name}</caption>
            <thead>
              <tr>
                <th scope="col">Channel</th>
                <th scope="col">Recipient</th>
                <th scope="col">Events</th>
                <th scope="col">Delivery</th>
                {canEdit && (
                  <th scope="col">
                    <span class="sr-only">Actions</span>
                  </th>
                )}
              </tr>
            </thead>
            <tbody>
              {subs.map((s) => {
                const what = `${s.channel}${s.target ? ` (${s.target})` : ''}`;
                return (
                  <tr key={s.id} data-testid="subscription-row">
                    <td class="mono">{s.channel}</td>
                    <td class="break">{s.target ?? <span class="muted">channel default</span>}</td>
                    <td class="small">{(s.events ?? []).map(eventLabel).join(', ')}</td>
                    <td>{MODES.find((m) => m.value === s.mode)?.label ?? s.mode}</td>
                    {canEdit && (
                      <td>
                        <button type="button" class="btn btn-quiet" disabled={busy} onClick={() => remove(s.id, what)} aria-label={`Remove ${what}`}>
                          Remove
                        </button>
                      </td>
                    )}
                  </tr>
                );
              })}
            </tbody>
          </table>
        </div>
      )}
      {canEdit && (
        <form onSubmit={add} aria-label="Add a subscription" data-testid="subscription-form">
          <div class="filter-row">
            <span class="field">
              <label for="sub-channel">Channel</label>
              <input id="sub-channel" required value={channel} onInput={(e) => setChannel(e.currentTarget.value)} autoComplete="off" />
            </span>
            <span class="field">
              <label for="sub-to">Recipient (optional)</label>
              <input id="sub-to" value={to} onInput={(e) => setTo(e.currentTarget.value)} placeholder="soc@example.org" autoComplete="off" />
            </span>
            <span class="field">
              <label for="sub-mode">Delivery</label>
              <select id="sub-mode" value={mode} onChange={(e) => setMode(e.currentTarget.value as Mode)}>
                {MODES.map((m) => (
                  <option key={m.value} value={m.value}>
                    {m.label}
                  </option>
                ))}
              </select>
            </span>
          </div>
          <fieldset class="plain-fieldset">
            <legend>Events (none ticked: the server's default set)</legend>
            {ALERT_EVENTS.map((ev) => (
              <label key={ev} class="check">
                <input
                  type="checkbox"
                  checked={events.has(ev)}
                  onChange={(e) => {
                    const next = new Set(events);
                    if (e.currentTarget.checked) next.add(ev);
                    else next.delete(ev);
                    setEvents(next);
                  }}
                />{' '}
                {eventLabel(ev)}
              </label>
            ))}
          </fieldset>
          <div class="actions">
            <button type="submit" class="btn btn-primary" disabled={busy || !channel.trim()} data-testid="subscription-add">
              Subscribe
            </button>
          </div>
        </form>
      )}
    </section>
  );
}
