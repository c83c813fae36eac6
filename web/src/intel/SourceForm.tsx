/**
 * The form that defines a new intel source: name, kind and URL; for a feed, when item pages are
 * fetched; for a page source, the CSS selectors, the links to follow and how far; the proxy, the
 * robots.txt policy and the interval; headers and limits under "Advanced". "Test" runs the
 * unsaved source (`POST /api/v1/scraping/sources/test`, nothing stored) and shows what it would
 * store; "Save source" adds it (`POST /api/v1/scraping/sources`). The server validates every field
 * and its message (naming the field) is shown as is.
 */
import { useState } from 'preact/hooks';
import { request } from '../api.ts';
import { ErrorBox, Loading } from '../components/ui.tsx';
import type { CollectReport, IntelSource } from '../types-intel.ts';
import { ReportView } from './ReportView.tsx';
import { EMPTY_SOURCE_FIELDS, type SourceFields, sourceBody } from './source-body.ts';

/** A labelled text input bound to one field. */
function Text(props: {
  id: keyof SourceFields;
  label: string;
  f: SourceFields;
  set: (k: keyof SourceFields, v: string) => void;
  placeholder?: string;
  type?: string;
  required?: boolean;
  grow?: boolean;
  mono?: boolean;
}) {
  const { id, label, f, set } = props;
  return (
    <span class={props.grow ? 'field grow' : 'field'}>
      <label for={`src-${id}`}>{label}</label>
      <input
        id={`src-${id}`}
        type={props.type ?? 'text'}
        value={String(f[id])}
        required={props.required}
        placeholder={props.placeholder}
        class={props.mono ? 'mono' : undefined}
        autoComplete="off"
        spellcheck={false}
        onInput={(e) => set(id, e.currentTarget.value)}
      />
    </span>
  );
}

export function SourceForm({ onSaved }: { onSaved: (s: IntelSource) => void }) {
  const [f, setF] = useState<SourceFields>(EMPTY_SOURCE_FIELDS);
  const [error, setError] = useState<unknown>(null);
  const [testing, setTesting] = useState(false);
  const [report, setReport] = useState<CollectReport | null>(null);
  const set = (k: keyof SourceFields, v: string | boolean) => setF((old) => ({ ...old, [k]: v }));

  async function test() {
    setError(null);
    setReport(null);
    setTesting(true);
    try {
      // A test needs no name yet: the server's schema asks for one, so an unnamed test gets a stand-in.
      const body = { ...sourceBody(f), name: f.name.trim() || 'unsaved-test' };
      setReport(await request<CollectReport>('/api/v1/scraping/sources/test', { method: 'POST', body }));
    } catch (err) {
      setError(err);
    } finally {
      setTesting(false);
    }
  }
  async function save(e: Event) {
    e.preventDefault();
    setError(null);
    try {
      const saved = await request<IntelSource>('/api/v1/scraping/sources', { method: 'POST', body: sourceBody(f) });
      setF(EMPTY_SOURCE_FIELDS);
      setReport(null);
      onSaved(saved);
    } catch (err) {
      setError(err);
    }
  }
  const page = f.kind === 'page';
  return (
    <form onSubmit={save} aria-label="Add an intel source" data-testid="source-form">
      <div class="filter-row">
        <Text id="name" label="Source name" f={f} set={set} required placeholder="bleepingcomputer" mono />
        <span class="field">
          <label for="src-kind">Kind</label>
          <select id="src-kind" value={f.kind} onChange={(e) => set('kind', e.currentTarget.value)}>
            <option value="feed">Feed (RSS, Atom, JSON Feed)</option>
            <option value="page">Web page (CSS selectors)</option>
          </select>
        </span>
        <Text id="url" label={page ? 'First page URL' : 'Feed URL'} f={f} set={set} type="url" required grow />
      </div>
      <div class="filter-row">
        {page ? (
          <>
            <Text id="links" label="Links selector" f={f} set={set} placeholder="article h2 a" mono />
            <Text id="follow" label="Follow links matching (RE2)" f={f} set={set} placeholder="/news/\d+" mono grow />
            <Text id="maxPages" label="Max pages" f={f} set={set} type="number" placeholder="20" />
            <Text id="maxDepth" label="Max depth" f={f} set={set} type="number" placeholder="1" />
          </>
        ) : (
          <span class="field">
            <label for="src-fetch">Fetch article pages</label>
            <select
              id="src-fetch"
              value={f.fetchArticles}
              onChange={(e) => set('fetchArticles', e.currentTarget.value)}
            >
              <option value="auto">When the feed has only a summary</option>
              <option value="always">Always</option>
              <option value="never">Never (keep the feed's text)</option>
            </select>
          </span>
        )}
      </div>
      {page && (
        <div class="filter-row">
          <Text id="title" label="Title selector" f={f} set={set} placeholder="h1" mono />
          <Text id="content" label="Content selector" f={f} set={set} placeholder="article .body p" mono />
          <Text id="date" label="Date selector" f={f} set={set} placeholder="time[datetime]" mono />
        </div>
      )}
      <div class="filter-row">
        <span class="field">
          <label for="src-proxy">Proxy</label>
          <select id="src-proxy" value={f.proxy} onChange={(e) => set('proxy', e.currentTarget.value)}>
            <option value="none">None (direct)</option>
            <option value="tor">Tor (the configured proxy)</option>
            <option value="socks">SOCKS5 proxy…</option>
          </select>
        </span>
        {f.proxy === 'socks' && (
          <Text id="socks" label="SOCKS5 URL" f={f} set={set} placeholder="socks5h://127.0.0.1:1080" required mono />
        )}
        <span class="field">
          <label for="src-robots">robots.txt</label>
          <select id="src-robots" value={f.robots} onChange={(e) => set('robots', e.currentTarget.value)}>
            <option value="obey">Obey</option>
            <option value="ignore">Ignore</option>
          </select>
        </span>
        <Text id="intervalMinutes" label="Every (minutes)" f={f} set={set} type="number" placeholder="60" />
        <Text id="tags" label="Tags (comma separated)" f={f} set={set} placeholder="news, vendor" />
        <label class="check">
          <input type="checkbox" checked={f.enabled} onChange={(e) => set('enabled', e.currentTarget.checked)} />{' '}
          Enabled
        </label>
      </div>
      <details>
        <summary>Advanced</summary>
        <div class="filter-row">
          <Text
            id="minContentLength"
            label="Min. text length (chars)"
            f={f}
            set={set}
            type="number"
            placeholder="200"
          />
          <Text id="minDelaySeconds" label="Delay between requests (s)" f={f} set={set} type="number" />
          <span class="field grow">
            <label for="src-headers">Request headers (one "Name: value" a line)</label>
            <textarea
              id="src-headers"
              rows={2}
              value={f.headers}
              onInput={(e) => set('headers', e.currentTarget.value)}
            />
          </span>
        </div>
      </details>
      <ErrorBox error={error} />
      <div class="actions">
        <button type="button" class="btn" onClick={test} disabled={testing || !f.url.trim()} data-testid="source-test">
          {testing ? 'Testing…' : 'Test'}
        </button>
        <button type="submit" class="btn btn-primary" data-testid="source-save">
          Save source
        </button>
        <span class="muted small">Test fetches and extracts without storing anything.</span>
      </div>
      {testing && <Loading what="Fetching" />}
      {report && (
        <section aria-label="Test result" class="job">
          <h3>Test of “{f.name || f.url}”</h3>
          <ReportView report={report} testId="source-test-report" />
        </section>
      )}
    </form>
  );
}
