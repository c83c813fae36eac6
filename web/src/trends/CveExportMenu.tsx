/**
 * "Export" on the CVE list: the rows matching the list's filters as the consolidated CSV (RFC 4180,
 * UTF-8) or JSON Lines (`GET /api/v1/cves/export.csv|.jsonl`; docs/export.md). The routes need the
 * session's bearer token, so the file is fetched and saved by iocs/export.ts (a plain link would
 * carry no credential). The export is in priority order, whatever the list's sort.
 */
import { useState } from 'preact/hooks';
import { qs } from '../api.ts';
import { ErrorBox } from '../components/ui.tsx';
import { download } from '../iocs/export.ts';
import type { Filters } from '../pages/ExplorerFilters.tsx';
import { cveExportQuery } from './model.ts';

export function CveExportMenu({ filters }: { filters: Filters }) {
  const [error, setError] = useState<unknown>(null);
  const [busy, setBusy] = useState<string | null>(null);
  const query = qs(cveExportQuery(filters));
  const files: [label: string, ext: 'csv' | 'jsonl', hint: string][] = [
    ['CSV', 'csv', 'a spreadsheet (RFC 4180, UTF-8)'],
    ['JSON Lines', 'jsonl', 'one JSON object per line'],
  ];
  return (
    <div class="exports" data-testid="cve-export">
      <details class="menu">
        <summary class="btn btn-quiet" data-testid="cve-export-button">
          Export{busy ? ` (${busy}…)` : ''}
        </summary>
        <ul class="plain menu-list">
          {files.map(([label, ext, hint]) => (
            <li key={ext}>
              <button
                type="button"
                class="btn btn-quiet"
                data-testid={`cve-export-${ext}`}
                data-href={`/api/v1/cves/export.${ext}${query}`}
                title={`The CVEs matching these filters as ${hint}`}
                disabled={busy !== null}
                onClick={(e) => {
                  setError(null);
                  setBusy(label);
                  (e.currentTarget.closest('details') as HTMLDetailsElement | null)?.removeAttribute('open');
                  download(`/api/v1/cves/export.${ext}${query}`, `vigil-cves.${ext}`)
                    .catch(setError)
                    .finally(() => setBusy(null));
                }}
              >
                {label}
              </button>
            </li>
          ))}
        </ul>
      </details>
      <ErrorBox error={error} />
    </div>
  );
}
