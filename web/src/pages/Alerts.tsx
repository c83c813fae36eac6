/**
 * The alerts inbox (`GET /api/v1/alerts`): filters by triage status, watchlist and assignee (kept
 * in the URL), the list, and the selected alert's detail beside it (`/ui/alerts/{id}`). A live
 * `alert` event reloads the list.
 */
import { useEffect, useState } from 'preact/hooks';
import { qs, request } from '../api.ts';
import { AlertDetail } from '../alerts/AlertDetail.tsx';
import { ErrorBox, Loading, SeverityBadge } from '../components/ui.tsx';
import { fmtDateTime } from '../format.ts';
import { useAsync, useTitle } from '../hooks.ts';
import { live } from '../live.ts';
import { href, Link, navigate } from '../router.tsx';
import { hasRole } from '../session.ts';
import { useStore } from '../store.ts';
import type { Me, Page } from '../types.ts';
import { type AlertItem, TRIAGE_STATES, type Watchlist } from '../types-alerts.ts';

interface AlertFilters {
  triage: string;
  watchlist: string;
  assignee: string;
}

function AlertFilterForm({ filters, watchlists, onApply }: { filters: AlertFilters; watchlists: string[]; onApply: (f: AlertFilters) => void }) {
  const [assignee, setAssignee] = useState(filters.assignee);
  useEffect(() => setAssignee(filters.assignee), [filters.assignee]);
  return (
    <form
      class="filters filter-row"
      aria-label="Alert filters"
      onSubmit={(e) => {
        e.preventDefault();
        onApply({ ...filters, assignee });
      }}
    >
      <span class="field">
        <label for="af-triage">Status</label>
        <select
          id="af-triage"
          value={filters.triage}
          onChange={(e) => onApply({ ...filters, triage: e.currentTarget.value })}
          data-testid="alert-filter-triage"
        >
          <option value="">any</option>
          {TRIAGE_STATES.map((t) => (
            <option key={t} value={t}>
              {t}
            </option>
          ))}
        </select>
      </span>
      <span class="field">
        <label for="af-watchlist">Watchlist</label>
        <select id="af-watchlist" value={filters.watchlist} onChange={(e) => onApply({ ...filters, watchlist: e.currentTarget.value })}>
          <option value="">any</option>
          {watchlists.map((w) => (
            <option key={w} value={w}>
              {w}
            </option>
          ))}
        </select>
      </span>
      <span class="field">
        <label for="af-assignee">Assignee</label>
        <input id="af-assignee" value={assignee} onInput={(e) => setAssignee(e.currentTarget.value)} autoComplete="off" />
      </span>
      <button type="submit" class="btn">
        Filter
      </button>
    </form>
  );
}

function AlertList({ items, selected, query }: { items: AlertItem[]; selected: number | null; query: string }) {
  return (
    <ul class="alert-list" data-testid="alert-list">
      {items.map((a) => (
        <li key={a.id} data-testid="alert-row" class={a.id === selected ? 'selected' : undefined}>
          <Link href={`${href(`/alerts/${a.id}`)}${query}`} aria-current={a.id === selected ? 'true' : undefined}>
            <span class="alert-line">
              <span class="mono">{a.cveId}</span> <SeverityBadge severity={a.facts.severity} />{' '}
              <span class={`triage triage-${a.triage ?? 'new'}`}>{a.triage ?? 'new'}</span>
            </span>
            <span class="small clamp">{a.explanation.event.summary || a.facts.title}</span>
            <span class="small muted">
              #{a.id} · {a.watchlist ?? 'fallback'} · {fmtDateTime(a.createdAt)}
              {a.assignee ? ` · ${a.assignee}` : ''}
            </span>
          </Link>
        </li>
      ))}
    </ul>
  );
}

export function Alerts({ query, selected, me }: { query: URLSearchParams; selected: number | null; me: Me }) {
  useTitle(selected ? `Alert #${selected}` : 'Alerts');
  const { alertVersion } = useStore(live);
  const filters: AlertFilters = { triage: query.get('triage') ?? '', watchlist: query.get('watchlist') ?? '', assignee: query.get('assignee') ?? '' };
  const [cursors, setCursors] = useState<(string | null)[]>([null]);
  const cursor = cursors.at(-1) ?? null;
  const key = JSON.stringify(filters);
  useEffect(() => setCursors([null]), [key]);
  const list = useAsync(
    (signal) => {
      live.set((s) => ({ ...s, newAlerts: 0 }));
      return request<Page<AlertItem>>(`/api/v1/alerts${qs({ ...filters, limit: 50, cursor })}`, { signal });
    },
    [key, cursor, alertVersion],
  );
  const watchlists = useAsync((signal) => request<{ items: Watchlist[] }>('/api/v1/watchlists', { signal }), []);
  const search = qs({ ...filters });
  function apply(f: AlertFilters) {
    navigate(`${href(selected ? `/alerts/${selected}` : '/alerts')}${qs({ ...f })}`);
  }
  return (
    <div class="page" data-testid="alerts">
      <h1>Alerts</h1>
      <AlertFilterForm filters={filters} watchlists={(watchlists.data?.items ?? []).map((w) => w.name)} onApply={apply} />
      <ErrorBox error={list.error} />
      <div class={`inbox ${selected ? 'has-detail' : ''}`}>
        <div class="inbox-list">
          {list.loading && !list.data && <Loading />}
          {list.data && list.data.items.length === 0 && <p>No alert matches.</p>}
          {list.data && <AlertList items={list.data.items} selected={selected} query={search} />}
          <nav class="pager" aria-label="Alert pages">
            <button type="button" class="btn" disabled={cursors.length < 2} onClick={() => setCursors((c) => c.slice(0, -1))}>
              ← Newer
            </button>
            <button type="button" class="btn" disabled={!list.data?.nextCursor} onClick={() => setCursors((c) => [...c, list.data!.nextCursor])}>
              Older →
            </button>
          </nav>
        </div>
        {selected !== null && <AlertDetail id={selected} canWrite={hasRole(me, 'analyst')} onChanged={list.reload} />}
        {selected === null && list.data && list.data.items.length > 0 && <p class="muted inbox-hint">Select an alert to see why it fired and to triage it.</p>}
      </div>
    </div>
  );
}
