/** The audit log (`GET /api/v1/audit`), newest first, filtered by actor and action, cursor-paged. */
import { useState } from 'preact/hooks';
import { qs, request } from '../api.ts';
import { ErrorBox, Loading, Panel } from '../components/ui.tsx';
import { fmtDateTime } from '../format.ts';
import { useAsync } from '../hooks.ts';
import type { Page } from '../types.ts';
import type { AuditEntry } from '../types-alerts.ts';

function detailsText(d: unknown): string {
  if (d === null || d === undefined) return '';
  return typeof d === 'string' ? d : JSON.stringify(d);
}

/** How the actor acted: signed in, with an API token, or (a failed sign-in, say) not authenticated. */
function actorKindText(a: AuditEntry): string {
  if (a.actorKind === 'session') return 'signed in';
  if (a.actorKind === 'token') return 'API token';
  return a.actor ? 'not signed in' : a.actorKind;
}

export function Audit() {
  const [filters, setFilters] = useState({ actor: '', action: '' });
  const [draft, setDraft] = useState(filters);
  const [cursors, setCursors] = useState<(string | null)[]>([null]);
  const cursor = cursors.at(-1) ?? null;
  const page = useAsync((signal) => request<Page<AuditEntry>>(`/api/v1/audit${qs({ ...filters, limit: 50, cursor })}`, { signal }), [filters, cursor]);
  return (
    <Panel title="Audit log" id="audit">
      <form
        class="filter-row"
        aria-label="Audit filters"
        onSubmit={(e) => {
          e.preventDefault();
          setFilters(draft);
          setCursors([null]);
        }}
      >
        <span class="field">
          <label for="au-actor">Actor</label>
          <input id="au-actor" value={draft.actor} onInput={(e) => setDraft({ ...draft, actor: e.currentTarget.value })} autoComplete="off" />
        </span>
        <span class="field">
          <label for="au-action">Action</label>
          <input
            id="au-action"
            value={draft.action}
            onInput={(e) => setDraft({ ...draft, action: e.currentTarget.value })}
            placeholder="user.create"
            autoComplete="off"
          />
        </span>
        <button type="submit" class="btn">
          Filter
        </button>
      </form>
      <ErrorBox error={page.error} />
      {page.loading && !page.data && <Loading />}
      <div class="table-wrap">
        <table data-testid="audit-table">
          <caption class="sr-only">Audit log entries, newest first</caption>
          <thead>
            <tr>
              <th scope="col">When</th>
              <th scope="col">Actor</th>
              <th scope="col">Action</th>
              <th scope="col">Target</th>
              <th scope="col">Outcome</th>
              <th scope="col">Details</th>
            </tr>
          </thead>
          <tbody>
            {(page.data?.items ?? []).map((a) => (
              <tr key={a.id}>
                <td class="nowrap">{fmtDateTime(a.at)}</td>
                <td>
                  {a.actor ?? <span class="muted">anonymous</span>} <span class="muted small">({actorKindText(a)})</span>
                </td>
                <td class="mono small">{a.action}</td>
                <td class="break">{a.target ?? '—'}</td>
                <td class={`outcome outcome-${a.outcome}`}>
                  {a.outcome}
                  {a.statusCode ? <span class="muted small"> {a.statusCode}</span> : null}
                </td>
                <td class="small break">
                  {detailsText(a.detail)}
                  {a.ip ? (
                    <span class="muted">
                      {a.detail ? ' · ' : ''}
                      {a.ip}
                    </span>
                  ) : null}
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      </div>
      <nav class="pager" aria-label="Audit pages">
        <button type="button" class="btn" disabled={cursors.length < 2} onClick={() => setCursors((c) => c.slice(0, -1))}>
          ← Newer
        </button>
        <button type="button" class="btn" disabled={!page.data?.nextCursor} onClick={() => setCursors((c) => [...c, page.data!.nextCursor])}>
          Older →
        </button>
      </nav>
    </Panel>
  );
}
