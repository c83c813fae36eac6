/** One row of the watchlist editor: kind, value, vendor/version for products, thresholds. */
import { WATCH_KINDS, type WatchKind } from '../types-alerts.ts';
import { type EntryRow, VALUE_HINTS } from './entries.ts';

export interface EntryEditorProps {
  row: EntryRow;
  index: number;
  readOnly: boolean;
  onChange: (row: EntryRow) => void;
  onRemove: () => void;
}

export function EntryEditor({ row, index, readOnly, onChange, onRemove }: EntryEditorProps) {
  const id = `entry-${row.key}`;
  const set = <K extends keyof EntryRow>(k: K, v: EntryRow[K]) => onChange({ ...row, [k]: v });
  return (
    <fieldset class="entry" data-testid="entry-row" disabled={readOnly}>
      <legend>Entry {index + 1}</legend>
      <div class="entry-grid">
        <span class="field">
          <label for={`${id}-kind`}>Kind</label>
          <select id={`${id}-kind`} value={row.kind} onChange={(e) => set('kind', e.currentTarget.value as WatchKind)} data-testid="entry-kind">
            {WATCH_KINDS.map((k) => (
              <option key={k} value={k}>
                {k}
              </option>
            ))}
          </select>
        </span>
        <span class="field grow">
          <label for={`${id}-value`}>{row.kind === 'product' ? 'Product' : 'Value'}</label>
          <input
            id={`${id}-value`}
            value={row.value}
            placeholder={VALUE_HINTS[row.kind]}
            onInput={(e) => set('value', e.currentTarget.value)}
            data-testid="entry-value"
            autoComplete="off"
          />
        </span>
        {row.kind === 'product' && (
          <>
            <span class="field">
              <label for={`${id}-vendor`}>Vendor</label>
              <input
                id={`${id}-vendor`}
                value={row.vendor}
                placeholder="paloaltonetworks"
                onInput={(e) => set('vendor', e.currentTarget.value)}
                data-testid="entry-vendor"
                autoComplete="off"
              />
            </span>
            <span class="field">
              <label for={`${id}-version`}>Version or range</label>
              <input
                id={`${id}-version`}
                value={row.version}
                placeholder=">=10.2.0 <10.2.9"
                onInput={(e) => set('version', e.currentTarget.value)}
                autoComplete="off"
              />
            </span>
          </>
        )}
      </div>
      <div class="entry-grid thresholds">
        {row.kind === 'ioc' ? (
          <span class="field grow small">Alerts when a newly stored intel document contains this indicator (a domain also matches its subdomains).</span>
        ) : (
          <Thresholds id={id} row={row} set={set} />
        )}
        {!readOnly && (
          <button type="button" class="btn btn-quiet btn-danger" onClick={onRemove} aria-label={`Remove entry ${index + 1}`}>
            Remove
          </button>
        )}
      </div>
    </fieldset>
  );
}

/** The CVE thresholds of a row (every kind but `ioc`). */
function Thresholds({ id, row, set }: { id: string; row: EntryRow; set: <K extends keyof EntryRow>(k: K, v: EntryRow[K]) => void }) {
  return (
    <>
      <span class="field">
        <label for={`${id}-mincvss`}>Min CVSS</label>
        <input id={`${id}-mincvss`} type="number" min={0} max={10} step={0.1} value={row.minCvss} onInput={(e) => set('minCvss', e.currentTarget.value)} />
      </span>
      <span class="field">
        <label for={`${id}-minepss`}>Min EPSS %</label>
        <input id={`${id}-minepss`} type="number" min={0} max={100} step={0.1} value={row.minEpss} onInput={(e) => set('minEpss', e.currentTarget.value)} />
      </span>
      <label class="check">
        <input type="checkbox" checked={row.kevOnly} onChange={(e) => set('kevOnly', e.currentTarget.checked)} /> KEV only
      </label>
    </>
  );
}
