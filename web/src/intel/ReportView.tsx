/**
 * What a collection or a source test did (`CollectReport`): the counts, then for a test the
 * documents it would store (title, date, language, CVEs and the opening of the text), then what
 * was skipped and what failed, each with its URL. Everything from the fetched pages is text.
 */
import { ExternalLink } from '../advisory/ui.tsx';
import { fmtDate, fmtInt } from '../format.ts';
import type { CollectReport, PreviewDocument } from '../types-intel.ts';
import { CveChips } from './ui.tsx';

/** Characters of a previewed document's text shown. */
const OPENING = 400;

function opening(text: string): string {
  const flat = text.replace(/\s+/g, ' ').trim();
  return flat.length > OPENING ? `${flat.slice(0, OPENING).trimEnd()}…` : flat;
}

function PreviewDoc({ d }: { d: PreviewDocument }) {
  return (
    <li data-testid="preview-doc">
      <strong>{d.title || <span class="muted">Untitled</span>}</strong>
      <div class="small muted">
        {d.published ? fmtDate(d.published) : 'no date'}
        {d.language ? ` · ${d.language}` : ''} · {fmtInt(d.textLength)} characters ·{' '}
        <ExternalLink url={d.url}>{d.url}</ExternalLink>
      </div>
      <CveChips cves={d.cves} max={10} />
      {d.text && <p class="small">{opening(d.text)}</p>}
    </li>
  );
}

/** A report as counts and lists; `preview` lists the documents a test found. */
export function ReportView({ report, testId = 'collect-report' }: { report: CollectReport; testId?: string }) {
  const preview = report.preview;
  return (
    <div data-testid={testId}>
      <p data-testid="report-counts">
        <strong>{fmtInt(report.documents)}</strong> {report.documents === 1 ? 'document' : 'documents'}
        {preview ? ' found' : ` (${report.created} new, ${report.changed} changed, ${report.unchanged} same)`} ·{' '}
        {fmtInt(report.requests)} {report.requests === 1 ? 'request' : 'requests'}
        {report.notModified > 0 ? ` (${report.notModified} not modified)` : ''} · {report.skipped.length} skipped ·{' '}
        <span class={report.errors.length > 0 ? 'err-text' : undefined}>
          {report.errors.length} {report.errors.length === 1 ? 'error' : 'errors'}
        </span>
      </p>
      {preview && preview.length > 0 && (
        <ol class="preview-list" data-testid="report-preview">
          {preview.map((d) => (
            <PreviewDoc key={d.id} d={d} />
          ))}
        </ol>
      )}
      {preview && preview.length === 0 && <p class="muted">No document would be stored.</p>}
      {report.errors.length > 0 && (
        <>
          <h3>Errors</h3>
          <ul class="plain compact small" data-testid="report-errors">
            {report.errors.map((e, i) => (
              <li key={i}>
                <code>{e.code}</code> <span class="err-text">{e.message}</span> <span class="muted break">{e.url}</span>
              </li>
            ))}
          </ul>
        </>
      )}
      {report.skipped.length > 0 && (
        <>
          <h3>Skipped</h3>
          <ul class="plain compact small" data-testid="report-skipped">
            {report.skipped.map((s, i) => (
              <li key={i}>
                {s.reason} <span class="muted break">{s.url}</span>
              </li>
            ))}
          </ul>
        </>
      )}
    </div>
  );
}
