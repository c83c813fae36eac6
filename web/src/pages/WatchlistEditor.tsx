/**
 * The watchlist editor: name, description and entries, with a live preview of what they match.
 * Saving creates (`POST /api/v1/watchlists`) or replaces the entries (`PUT
 * /api/v1/watchlists/{name}`); analysts and admins may edit and delete, viewers only read. A
 * stored watchlist also shows its subscriptions, added and removed one at a time.
 */
import { useEffect, useRef, useState } from 'preact/hooks';
import { ApiError, request } from '../api.ts';
import { ErrorBox, Loading, Notice } from '../components/ui.tsx';
import { useAsync, useTitle } from '../hooks.ts';
import { href, Link, navigate } from '../router.tsx';
import { hasRole } from '../session.ts';
import type { Me } from '../types.ts';
import type { Entry, Watchlist } from '../types-alerts.ts';
import { blankRow, type EntryRow, entryOf, rowOf } from '../watchlist/entries.ts';
import { EntryEditor } from '../watchlist/EntryEditor.tsx';
import { Subscriptions } from '../watchlist/Subscriptions.tsx';
import { Preview } from '../watchlist/Preview.tsx';
import { ownerText } from './Watchlists.tsx';

interface Draft {
  name: string;
  description: string;
  rows: EntryRow[];
}

function draftOf(w: Watchlist | null): Draft {
  if (!w) return { name: '', description: '', rows: [blankRow()] };
  return { name: w.name, description: w.description ?? '', rows: w.entries.length ? w.entries.map(rowOf) : [blankRow()] };
}

export function WatchlistEditor({ name, me }: { name: string | null; me: Me }) {
  useTitle(name ? `Watchlist ${name}` : 'New watchlist');
  const canEdit = hasRole(me, 'analyst');
  const stored = useAsync(
    (signal) => (name ? request<Watchlist>(`/api/v1/watchlists/${encodeURIComponent(name)}`, { signal }) : Promise.resolve(null)),
    [name],
  );
  const [draft, setDraft] = useState<Draft>(draftOf(null));
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<unknown>(null);
  const [saved, setSaved] = useState<string | null>(null);

  // The stored watchlist, once loaded, fills the form. A new one has nothing to load: its (empty)
  // answer must not clear what was typed meanwhile (it cleared the name on a loaded machine).
  useEffect(() => {
    if (stored.data) setDraft(draftOf(stored.data));
  }, [stored.data]);
  // Leaving an existing watchlist for a new one (same page, no name) starts from an empty form.
  const previousName = useRef(name);
  useEffect(() => {
    if (previousName.current && !name) setDraft(draftOf(null));
    previousName.current = name;
  }, [name]);

  const entries = draft.rows.map(entryOf).filter((e): e is Entry => e !== null);

  function setRow(i: number, row: EntryRow) {
    setDraft((d) => ({ ...d, rows: d.rows.map((r, j) => (j === i ? row : r)) }));
    setSaved(null);
  }

  async function save(e: Event) {
    e.preventDefault();
    setBusy(true);
    setError(null);
    setSaved(null);
    try {
      if (name) {
        const body = { description: draft.description.trim(), entries };
        const w = await request<Watchlist>(`/api/v1/watchlists/${encodeURIComponent(name)}`, { method: 'PUT', body });
        stored.setData(w);
        setSaved(`Saved ${w.name ?? name}.`);
      } else {
        const body = { name: draft.name.trim(), description: draft.description.trim() || undefined, entries };
        const w = await request<Watchlist>('/api/v1/watchlists', { method: 'POST', body });
        navigate(href(`/watchlists/${encodeURIComponent(w?.name ?? draft.name.trim())}`), { replace: true });
      }
    } catch (err) {
      setError(err);
    } finally {
      setBusy(false);
    }
  }

  async function remove() {
    if (!name || !window.confirm(`Delete the watchlist “${name}” with its subscriptions? Its alerts stay as history.`)) return;
    setBusy(true);
    try {
      await request(`/api/v1/watchlists/${encodeURIComponent(name)}`, { method: 'DELETE' });
      navigate(href('/watchlists'));
    } catch (err) {
      setError(err);
      setBusy(false);
    }
  }

  if (name && stored.error instanceof ApiError && stored.error.statusCode === 404) {
    return (
      <div class="page">
        <h1>Watchlist not found</h1>
        <ErrorBox error={stored.error} />
        <Link href={href('/watchlists')}>All watchlists</Link>
      </div>
    );
  }
  if (name && stored.loading && !stored.data) return <Loading />;

  return (
    <div class="page" data-testid="watchlist-editor">
      <nav aria-label="Breadcrumb" class="crumbs">
        <Link href={href('/watchlists')}>Watchlists</Link> <span aria-hidden="true">›</span> <span aria-current="page">{name ?? 'New'}</span>
      </nav>
      <h1>{name ? name : 'New watchlist'}</h1>
      {stored.data && <p class="muted">Owner: {ownerText(stored.data.owner)}</p>}
      {!canEdit && <Notice>You can read this watchlist; editing needs the analyst role.</Notice>}
      <div class="editor-layout">
        <form onSubmit={save} class="panel" aria-label="Watchlist">
          <ErrorBox error={error ?? stored.error} />
          {saved && <Notice kind="ok">{saved}</Notice>}
          {!name && (
            <>
              <label for="wl-name">Name</label>
              <input
                id="wl-name"
                required
                pattern="[A-Za-z0-9][A-Za-z0-9._\-]*"
                title="Letters, digits, dot, dash, underscore"
                value={draft.name}
                onInput={(e) => setDraft({ ...draft, name: e.currentTarget.value })}
                data-testid="watchlist-name"
                autoComplete="off"
              />
            </>
          )}
          <label for="wl-desc">Description</label>
          <input
            id="wl-desc"
            value={draft.description}
            disabled={!canEdit}
            onInput={(e) => setDraft({ ...draft, description: e.currentTarget.value })}
            data-testid="watchlist-description"
          />
          <h2>Entries</h2>
          <p class="muted small">A CVE matches when any entry matches it and passes that entry's thresholds.</p>
          {draft.rows.map((r, i) => (
            <EntryEditor
              key={r.key}
              row={r}
              index={i}
              readOnly={!canEdit}
              onChange={(row) => setRow(i, row)}
              onRemove={() => setDraft((d) => ({ ...d, rows: d.rows.filter((_, j) => j !== i) }))}
            />
          ))}
          {canEdit && (
            <div class="actions">
              <button type="button" class="btn" onClick={() => setDraft((d) => ({ ...d, rows: [...d.rows, blankRow()] }))} data-testid="add-entry">
                Add entry
              </button>
              <span class="spacer" />
              {name && (
                <button type="button" class="btn btn-danger" onClick={remove} disabled={busy} data-testid="watchlist-delete">
                  Delete
                </button>
              )}
              <button type="submit" class="btn btn-primary" disabled={busy || entries.length === 0} data-testid="watchlist-save">
                {busy ? 'Saving…' : name ? 'Save changes' : 'Create watchlist'}
              </button>
            </div>
          )}
        </form>
        <Preview entries={canEdit ? entries : null} stored={name} />
      </div>
      {stored.data && <Subscriptions key={stored.data.name} watchlist={stored.data} canEdit={canEdit} />}
    </div>
  );
}
