/**
 * Source health (`GET /api/status`): per source the last success, last error (with its cause),
 * cursor, counts and what the corpus import stored, and when; an interrupted corpus import;
 * store and alerting figures; and "Collect now" for analysts (`POST /api/collect`, then the job is
 * polled at `GET /api/collect/{id}` until it ends).
 */
import { Fragment } from 'preact';
import { useEffect, useState } from 'preact/hooks';
import { request } from '../api.ts';
import { ErrorBox, Loading, Panel } from '../components/ui.tsx';
import { fmtAgo, fmtDateTime, fmtInt } from '../format.ts';
import { useAsync, useTitle } from '../hooks.ts';
import { href, Link } from '../router.tsx';
import { hasRole } from '../session.ts';
import type { Me } from '../types.ts';
import type { Job, SourceStatus, StatusResponse } from '../types-alerts.ts';

const POLL_MS = 1500;

function SourceTable({ sources }: { sources: SourceStatus[] }) {
  return (
    <div class="table-wrap">
      <table data-testid="sources-table">
        <caption class="sr-only">Sources</caption>
        <thead>
          <tr>
            <th scope="col">Source</th>
            <th scope="col">Last success</th>
            <th scope="col" class="num">
              Last count
            </th>
            <th scope="col">Cursor</th>
            <th scope="col">Last error</th>
          </tr>
        </thead>
        <tbody>
          {sources.map((s) => {
            const err = s.lastError;
            return (
              <tr key={s.source} data-testid="source-row">
                <td>
                  <strong>{s.source}</strong>
                  {s.title && <div class="small muted">{s.title}</div>}
                  {s.enabled === false && <span class="tag">disabled</span>}
                </td>
                <td class="nowrap" title={fmtDateTime(s.lastSuccess)}>
                  <span class={`health ${err ? 'health-bad' : s.lastSuccess ? 'health-ok' : 'health-none'}`} aria-hidden="true" /> {fmtAgo(s.lastSuccess)}
                  <div class="small muted">{fmtDateTime(s.lastSuccess)}</div>
                </td>
                <td class="num">
                  {fmtInt(s.lastCount)}
                  {s.imported && (
                    <div class="small muted" data-testid="source-imported">
                      corpus import: {fmtInt(s.imported.stored)} stored, {fmtDateTime(s.imported.finishedAt)}
                    </div>
                  )}
                </td>
                <td class="mono small break">{s.cursor ?? '—'}</td>
                <td class="break small">
                  {err ? <span class="err-text">{err}</span> : <span class="muted">none</span>}
                  {(s.failures ?? 0) > 0 && (
                    <div class="muted">
                      {s.failures} failure(s) in a row{s.retryAt ? `, retry ${fmtDateTime(s.retryAt)}` : ''}
                    </div>
                  )}
                </td>
              </tr>
            );
          })}
        </tbody>
      </table>
    </div>
  );
}

function CollectNow({ sources, onDone }: { sources: string[]; onDone: () => void }) {
  const [chosen, setChosen] = useState<string[]>([]);
  const [job, setJob] = useState<Job | null>(null);
  const [error, setError] = useState<unknown>(null);
  const running = job !== null && (job.status === 'queued' || job.status === 'running');

  useEffect(() => {
    if (!job || !running) return;
    const t = window.setTimeout(async () => {
      try {
        const next = await request<Job>(`/api/collect/${encodeURIComponent(job.id)}`);
        setJob(next);
        if (next.status === 'succeeded' || next.status === 'failed') onDone();
      } catch (err) {
        setError(err);
        setJob(null);
      }
    }, POLL_MS);
    return () => window.clearTimeout(t);
  }, [job]);

  async function start(e: Event) {
    e.preventDefault();
    setError(null);
    try {
      setJob(await request<Job>('/api/collect', { method: 'POST', body: chosen.length ? { sources: chosen } : {} }));
    } catch (err) {
      setError(err);
    }
  }
  return (
    <form onSubmit={start} aria-label="Collect now">
      <fieldset class="plain-fieldset">
        <legend>Sources to collect (none ticked: every enabled source)</legend>
        {sources.map((s) => (
          <label key={s} class="check">
            <input
              type="checkbox"
              checked={chosen.includes(s)}
              onChange={(e) => setChosen(e.currentTarget.checked ? [...chosen, s] : chosen.filter((x) => x !== s))}
            />{' '}
            {s}
          </label>
        ))}
      </fieldset>
      <ErrorBox error={error} />
      <button type="submit" class="btn btn-primary" disabled={running} data-testid="collect-now">
        {running ? 'Collecting…' : 'Collect now'}
      </button>
      {job && (
        <div class="job" aria-live="polite" data-testid="collect-job">
          <p>
            Job <code>{job.id}</code>: <strong>{job.status}</strong>
            {job.finishedAt ? ` at ${fmtDateTime(job.finishedAt)}` : ''}
          </p>
          {job.error && <p class="err-text">{job.error}</p>}
          <ul class="plain small">
            {job.progress.map((p) => (
              <li key={p.source}>
                {p.source}: {p.status}
                {p.stored !== null ? `, ${fmtInt(p.stored)} stored` : ''}
                {p.error ? <span class="err-text"> ({p.error})</span> : ''}
              </li>
            ))}
          </ul>
        </div>
      )}
    </form>
  );
}

export function Sources({ me }: { me: Me }) {
  useTitle('Sources');
  const status = useAsync((signal) => request<StatusResponse>('/api/status', { signal }), []);
  const s = status.data;
  return (
    <div class="page" data-testid="sources">
      <div class="page-head">
        <h1>Sources</h1>
        {hasRole(me, 'analyst') && (
          <Link href={href('/intel/sources')} class="btn" data-testid="intel-sources-link">
            Intel sources
          </Link>
        )}
        <button type="button" class="btn" onClick={status.reload}>
          Refresh
        </button>
      </div>
      <ErrorBox error={status.error} />
      {!s && status.loading && <Loading />}
      {s?.corpusImport?.status === 'running' && (
        <p class="err-text" role="alert" data-testid="corpus-import-interrupted">
          The corpus import started {fmtDateTime(s.corpusImport.startedAt)} did not finish: the store is partial. Restart{' '}
          <code>vigil serve</code> to finish it.
        </p>
      )}
      {s && (
        <>
          <Panel title="Feeds" id="feeds">
            <SourceTable sources={s.sources} />
          </Panel>
          <div class="grid-2">
            <Panel title="Store" id="store">
              <dl class="kv">
                <dt>CVEs</dt>
                <dd>{fmtInt(s.store.vulnerabilities)}</dd>
                <dt>Observations</dt>
                <dd>{fmtInt(s.store.observations)}</dd>
                <dt>EPSS scores</dt>
                <dd>
                  {fmtInt(s.store.epssScores)}{' '}
                  <span class="muted small">
                    ({s.store.epssDays.length} day(s), latest {s.store.epssDays.at(-1) ?? '—'})
                  </span>
                </dd>
                <dt>KEV entries</dt>
                <dd>
                  {fmtInt(s.store.kevEntries)} <span class="muted small">(catalog {s.store.kevCatalogVersion ?? '—'})</span>
                </dd>
                <dt>Changes recorded</dt>
                <dd>{fmtInt(s.store.changes)}</dd>
                <dt>Size</dt>
                <dd>{s.store.bytes === null ? '—' : `${(s.store.bytes / 1e6).toFixed(1)} MB`}</dd>
              </dl>
            </Panel>
            <Panel title="Alerting" id="alerting">
              <dl class="kv">
                <dt>Daemon</dt>
                <dd>{s.daemon ? 'running' : 'not running (serve only)'}</dd>
                {Object.entries(s.alerting?.counts ?? {}).map(([k, v]) => (
                  <Fragment key={k}>
                    <dt>Alerts {k}</dt>
                    <dd>{fmtInt(v)}</dd>
                  </Fragment>
                ))}
              </dl>
            </Panel>
            {hasRole(me, 'analyst') && (
              <Panel title="Collect now" id="collect">
                <CollectNow sources={s.sources.filter((x) => x.enabled !== false).map((x) => x.source)} onDone={status.reload} />
              </Panel>
            )}
          </div>
        </>
      )}
    </div>
  );
}
