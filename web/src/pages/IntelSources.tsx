/**
 * Intel sources (`/api/v1/scraping/sources`, analysts and administrators): each source with its
 * enabled switch (`PATCH {enabled}`), last collection, stored documents and last error; per
 * source "Test" (fetch and extract, store nothing), "Collect now" and "Delete" (its documents
 * stay); and the form that adds a source after testing it (intel/SourceForm.tsx).
 */
import { useEffect, useRef, useState } from 'preact/hooks';
import { request } from '../api.ts';
import { ErrorBox, Loading, Notice, Panel } from '../components/ui.tsx';
import { fmtAgo, fmtDateTime, fmtInt } from '../format.ts';
import { useAsync, useTitle } from '../hooks.ts';
import { ReportView } from '../intel/ReportView.tsx';
import { SourceForm } from '../intel/SourceForm.tsx';
import { href, Link } from '../router.tsx';
import { hasRole } from '../session.ts';
import type { Me } from '../types.ts';
import type { CollectAnswer, CollectReport, IntelSourceList, IntelSourceRow } from '../types-intel.ts';

/** The answer of the last per-source action, shown under the table. */
interface Outcome {
  source: string;
  action: 'test' | 'collect';
  report?: CollectReport | null;
  error?: { code: string; message: string } | null;
}

/** The path of one source's route. */
function sourcePath(name: string, action = ''): string {
  return `/api/v1/scraping/sources/${encodeURIComponent(name)}${action ? `/${action}` : ''}`;
}

function Health({ s }: { s: IntelSourceRow }) {
  const bad = s.lastError !== null && (s.lastSuccess === null || (s.lastAttempt ?? '') > s.lastSuccess);
  return <span class={`health ${bad ? 'health-bad' : s.lastSuccess ? 'health-ok' : 'health-none'}`} aria-hidden="true" />;
}

function SourceRow(props: {
  s: IntelSourceRow;
  busy: boolean;
  act: (s: IntelSourceRow, a: Outcome['action']) => void;
  toggle: (s: IntelSourceRow) => void;
  remove: (s: IntelSourceRow) => void;
}) {
  const { s, busy, act, toggle, remove } = props;
  return (
    <tr data-testid="intel-source-row">
      <td>
        <strong>{s.name}</strong> <span class="tag">{s.kind}</span>
        {s.proxy !== 'none' && (
          <span class="tag" title="Fetched through a proxy">
            {s.proxy === 'tor' ? 'Tor' : 'SOCKS'}
          </span>
        )}
        <div class="small muted break">{s.url}</div>
        {s.tags.length > 0 && <div class="small muted">{s.tags.join(', ')}</div>}
      </td>
      <td>
        <label class="check">
          <input type="checkbox" checked={s.enabled} onChange={() => toggle(s)} data-testid="source-enabled" />
          <span class="sr-only"> {s.name}</span> enabled
        </label>
      </td>
      <td class="nowrap" title={`Last attempt ${fmtDateTime(s.lastAttempt)}`}>
        <Health s={s} /> {fmtAgo(s.lastSuccess)}
        <div class="small muted">{fmtDateTime(s.lastSuccess)}</div>
      </td>
      <td class="num">
        {s.documents > 0 ? <Link href={href('/intel', { source: s.name })}>{fmtInt(s.documents)}</Link> : '0'}
        <div class="small muted">{s.lastFetched ? `newest ${fmtAgo(s.lastFetched)}` : ''}</div>
      </td>
      <td class="break small">{s.lastError ? <span class="err-text">{s.lastError}</span> : <span class="muted">none</span>}</td>
      <td class="nowrap">
        <button type="button" class="btn btn-quiet" disabled={busy} onClick={() => act(s, 'test')}>
          Test
        </button>{' '}
        <button type="button" class="btn btn-quiet" disabled={busy} onClick={() => act(s, 'collect')} data-testid="source-collect">
          Collect now
        </button>{' '}
        <button type="button" class="btn btn-quiet btn-danger" disabled={busy} onClick={() => remove(s)}>
          Delete
        </button>
      </td>
    </tr>
  );
}

export function IntelSources({ me }: { me: Me }) {
  useTitle('Intel sources');
  const analyst = hasRole(me, 'analyst');
  const list = useAsync((signal) => (analyst ? request<IntelSourceList>('/api/v1/scraping/sources', { signal }) : Promise.resolve(null)), [analyst]);
  const [busy, setBusy] = useState<string | null>(null);
  const [outcome, setOutcome] = useState<Outcome | null>(null);
  const outcomeRef = useRef<HTMLDivElement>(null);
  // A test or collection started from a row far down the list: bring its report into view.
  useEffect(() => {
    if (outcome) outcomeRef.current?.scrollIntoView({ block: 'start' });
  }, [outcome]);
  const [error, setError] = useState<unknown>(null);
  const [added, setAdded] = useState<string | null>(null);

  /** Runs one write on a source, keeping its buttons disabled until it answers. */
  async function run(s: IntelSourceRow, write: () => Promise<void>) {
    setBusy(s.name);
    setError(null);
    try {
      await write();
    } catch (err) {
      setError(err);
    } finally {
      setBusy(null);
    }
  }
  function act(s: IntelSourceRow, action: Outcome['action']) {
    setOutcome(null);
    void run(s, async () => {
      if (action === 'test') {
        const report = await request<CollectReport>(sourcePath(s.name, 'test'), { method: 'POST', body: {} });
        setOutcome({ source: s.name, action, report });
      } else {
        const answer = await request<CollectAnswer>(sourcePath(s.name, 'collect'), { method: 'POST', body: {} });
        setOutcome({ source: s.name, action, report: answer.report, error: answer.error });
        list.reload();
      }
    });
  }
  function toggle(s: IntelSourceRow) {
    // The switch moves at once; the list is then read again, so a refused change moves it back.
    const rows = list.data?.sources ?? [];
    list.setData({ sources: rows.map((x) => (x.name === s.name ? { ...x, enabled: !s.enabled } : x)) });
    void run(s, async () => {
      try {
        await request(sourcePath(s.name), { method: 'PATCH', body: { enabled: !s.enabled } });
      } finally {
        list.reload();
      }
    });
  }
  function remove(s: IntelSourceRow) {
    const docs = s.documents === 1 ? 'Its document stays' : `Its ${fmtInt(s.documents)} documents stay`;
    if (!window.confirm(`Delete the source “${s.name}”? ${docs} in the store.`)) return;
    void run(s, async () => {
      await request(sourcePath(s.name), { method: 'DELETE' });
      setAdded(null);
      if (outcome?.source === s.name) setOutcome(null);
      list.reload();
    });
  }

  if (!analyst) {
    return (
      <div class="page">
        <h1>Intel sources</h1>
        <Notice>This page needs the analyst or administrator role.</Notice>
      </div>
    );
  }
  const sources = list.data?.sources ?? [];
  return (
    <div class="page" data-testid="intel-sources">
      <nav aria-label="Breadcrumb" class="crumbs">
        <Link href={href('/intel')}>Intel</Link> <span aria-hidden="true">›</span> <span aria-current="page">Sources</span>
      </nav>
      <div class="page-head">
        <h1>Intel sources</h1>
        <a href="#intel-add-h" class="btn" data-testid="intel-add-link">
          Add a source ↓
        </a>
        <button type="button" class="btn" onClick={list.reload}>
          Refresh
        </button>
      </div>
      <ErrorBox error={list.error ?? error} />
      {outcome && (
        <div ref={outcomeRef}>
          <Panel title={`${outcome.action === 'test' ? 'Test' : 'Collection'} of ${outcome.source}`} id="intel-outcome">
            {outcome.error && (
              <p class="notice notice-error" role="alert">
                {outcome.error.message} <code class="small">{outcome.error.code}</code>
              </p>
            )}
            {outcome.report && <ReportView report={outcome.report} testId={`source-${outcome.action}-report`} />}
          </Panel>
        </div>
      )}
      {!list.data && list.loading && <Loading />}
      {list.data && (
        <Panel title={`Sources (${sources.length})`} id="intel-sources">
          {sources.length === 0 ? (
            <p class="muted">No source yet: add one below.</p>
          ) : (
            <div class="table-wrap">
              <table data-testid="intel-sources-table">
                <caption class="sr-only">Intel sources</caption>
                <thead>
                  <tr>
                    <th scope="col">Source</th>
                    <th scope="col">Enabled</th>
                    <th scope="col">Last collected</th>
                    <th scope="col" class="num">
                      Documents
                    </th>
                    <th scope="col">Last error</th>
                    <th scope="col">
                      <span class="sr-only">Actions</span>
                    </th>
                  </tr>
                </thead>
                <tbody>
                  {sources.map((s) => (
                    <SourceRow key={s.name} s={s} busy={busy === s.name} act={act} toggle={toggle} remove={remove} />
                  ))}
                </tbody>
              </table>
            </div>
          )}
          {busy && <Loading what={`Working on ${busy}`} />}
        </Panel>
      )}
      <Panel title="Add a source" id="intel-add">
        {added && <Notice kind="ok">Source {added} added.</Notice>}
        <SourceForm
          onSaved={(s) => {
            setAdded(s.name);
            list.reload();
          }}
        />
      </Panel>
    </div>
  );
}
