/**
 * "Paste text to analyse": the text goes to `POST /api/v1/analysis/text` (nothing is stored) and
 * the answer is shown in full (AnalysisView). The limit is the server's body limit; a refusal shows
 * the server's message.
 */
import { useState } from 'preact/hooks';
import { request } from '../api.ts';
import { ErrorBox, Loading, Panel } from '../components/ui.tsx';
import { AnalysisView } from './AnalysisView.tsx';
import type { AnalysisResult } from './types.ts';

export function PastePanel() {
  const [text, setText] = useState('');
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<unknown>(null);
  const [result, setResult] = useState<AnalysisResult | null>(null);
  async function analyse(e: Event) {
    e.preventDefault();
    if (!text.trim()) return;
    setBusy(true);
    setError(null);
    try {
      setResult(await request<AnalysisResult>('/api/v1/analysis/text', { body: { text } }));
    } catch (err) {
      setError(err);
    } finally {
      setBusy(false);
    }
  }
  return (
    <Panel title="Paste text to analyse" id="ioc-paste">
      <form onSubmit={analyse} data-testid="analyse-form">
        <label for="analyse-text" class="small muted">
          A report, an advisory or an e-mail: defanged indicators (hxxp, [.]) are read too. Nothing is stored.
        </label>
        <textarea
          id="analyse-text"
          rows={5}
          class="mono analyse-text"
          value={text}
          onInput={(e) => setText(e.currentTarget.value)}
          spellcheck={false}
          data-testid="analyse-text"
        />
        <p>
          <button class="btn btn-primary" type="submit" disabled={busy || !text.trim()} data-testid="analyse-button">
            Analyse
          </button>{' '}
          {result && (
            <button type="button" class="btn btn-quiet" onClick={() => setResult(null)}>
              Clear the result
            </button>
          )}
        </p>
      </form>
      <ErrorBox error={error} />
      {busy && <Loading what="Analysing" />}
      {result && !busy && <AnalysisView r={result} />}
    </Panel>
  );
}
