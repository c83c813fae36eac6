/** Acknowledge, triage status and assignee of one alert (`POST …/ack`, `PATCH /api/v1/alerts/{id}`). */
import { useEffect, useState } from 'preact/hooks';
import { request } from '../api.ts';
import { ErrorBox } from '../components/ui.tsx';
import { type AlertItem, TRIAGE_STATES, type Triage } from '../types-alerts.ts';

export function TriageControls({ alert, canWrite, onUpdated }: { alert: AlertItem; canWrite: boolean; onUpdated: (a: AlertItem) => void }) {
  const [assignee, setAssignee] = useState(alert.assignee ?? '');
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<unknown>(null);
  useEffect(() => setAssignee(alert.assignee ?? ''), [alert.id, alert.assignee]);
  if (!canWrite) return null;

  async function run(call: () => Promise<AlertItem>) {
    setBusy(true);
    setError(null);
    try {
      onUpdated(await call());
    } catch (err) {
      setError(err);
    } finally {
      setBusy(false);
    }
  }
  const base = `/api/v1/alerts/${alert.id}`;
  return (
    <div class="triage-box">
      <ErrorBox error={error} />
      <div class="filter-row">
        <button
          type="button"
          class="btn btn-primary"
          disabled={busy || (alert.triage !== undefined && alert.triage !== 'new')}
          onClick={() => run(() => request<AlertItem>(`${base}/ack`, { method: 'POST', body: {} }))}
          data-testid="ack-button"
        >
          Acknowledge
        </button>
        <span class="field">
          <label for={`triage-${alert.id}`}>Status</label>
          <select
            id={`triage-${alert.id}`}
            value={alert.triage ?? 'new'}
            disabled={busy}
            onChange={(e) => {
              const triage = e.currentTarget.value as Triage;
              void run(() => request<AlertItem>(base, { method: 'PATCH', body: { triage } }));
            }}
            data-testid="triage-select"
          >
            {TRIAGE_STATES.map((t) => (
              <option key={t} value={t}>
                {t}
              </option>
            ))}
          </select>
        </span>
        <form
          class="inline-form"
          onSubmit={(e) => {
            e.preventDefault();
            void run(() => request<AlertItem>(base, { method: 'PATCH', body: { assignee: assignee.trim() || null } }));
          }}
        >
          <span class="field">
            <label for={`assignee-${alert.id}`}>Assignee</label>
            <input
              id={`assignee-${alert.id}`}
              value={assignee}
              onInput={(e) => setAssignee(e.currentTarget.value)}
              placeholder="user name"
              autoComplete="off"
              data-testid="assignee-input"
            />
          </span>
          <button type="submit" class="btn" disabled={busy}>
            Assign
          </button>
        </form>
      </div>
    </div>
  );
}
