/** An alert's comments (list and add) and its delivery attempts. */
import { useState } from 'preact/hooks';
import { request } from '../api.ts';
import { ErrorBox } from '../components/ui.tsx';
import { fmtDateTime } from '../format.ts';
import type { AlertItem, Comment, DeliveryAttempt } from '../types-alerts.ts';

export function Comments({ alert, canWrite, onAdded }: { alert: AlertItem; canWrite: boolean; onAdded: (c: Comment) => void }) {
  const [body, setBody] = useState('');
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<unknown>(null);
  const comments = alert.comments ?? [];
  async function add(e: Event) {
    e.preventDefault();
    if (!body.trim()) return;
    setBusy(true);
    setError(null);
    try {
      onAdded(await request<Comment>(`/api/v1/alerts/${alert.id}/comments`, { method: 'POST', body: { body: body.trim() } }));
      setBody('');
    } catch (err) {
      setError(err);
    } finally {
      setBusy(false);
    }
  }
  return (
    <>
      <h3>Comments</h3>
      {comments.length === 0 ? (
        <p class="muted small">No comment yet.</p>
      ) : (
        <ol class="comments" data-testid="comments">
          {comments.map((c) => (
            <li key={c.id}>
              <div class="small muted">
                <strong>{c.author}</strong> · {fmtDateTime(c.at)}
              </div>
              <p class="pre">{c.body}</p>
            </li>
          ))}
        </ol>
      )}
      {canWrite && (
        <form onSubmit={add} class="comment-form">
          <ErrorBox error={error} />
          <label for={`comment-${alert.id}`}>Add a comment</label>
          <textarea id={`comment-${alert.id}`} rows={3} value={body} onInput={(e) => setBody(e.currentTarget.value)} data-testid="comment-input" />
          <button type="submit" class="btn" disabled={busy || !body.trim()}>
            Comment
          </button>
        </form>
      )}
    </>
  );
}

export function Deliveries({ deliveries }: { deliveries: DeliveryAttempt[] }) {
  return (
    <>
      <h3>Deliveries</h3>
      {deliveries.length === 0 ? (
        <p class="muted small">No delivery attempt yet.</p>
      ) : (
        <div class="table-wrap">
          <table class="small">
            <caption class="sr-only">Delivery attempts</caption>
            <thead>
              <tr>
                <th scope="col">#</th>
                <th scope="col">When</th>
                <th scope="col">Result</th>
                <th scope="col">Response or error</th>
                <th scope="col" class="num">
                  ms
                </th>
              </tr>
            </thead>
            <tbody>
              {deliveries.map((d) => (
                <tr key={`${d.attempt}-${d.at}`}>
                  <td>{d.attempt}</td>
                  <td class="nowrap">{fmtDateTime(d.at)}</td>
                  <td>
                    <span class={`status status-${d.status}`}>{d.status}</span>
                    {d.status === 'failed' && d.retryable ? ' (will retry)' : ''}
                  </td>
                  <td class="break">{d.error ?? d.response ?? '—'}</td>
                  <td class="num">{d.durationMs}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
    </>
  );
}
