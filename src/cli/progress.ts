/**
 * Progress bars on stderr for long work (cli-progress). Silent when stderr is not a terminal,
 * so logs and CI output stay clean.
 */
import cliProgress from 'cli-progress';
import type { PipelineHooks, RunSummary } from '../pipeline.ts';

/** A bar that follows a pipeline run; call `stop()` when the run ends. */
export function progressBar(label: string): PipelineHooks & { stop: () => void } {
  if (!process.stderr.isTTY) return { stop: () => {} };
  const bar = new cliProgress.SingleBar(
    {
      stream: process.stderr,
      format: `${label.padEnd(6)} [{bar}] {percentage}% | {value}/{total} {unit} | {records} records`,
      hideCursor: true,
      etaBuffer: 50,
      formatValue: (v, _o, type) => (type === 'value' || type === 'total' ? (v >= 1e6 ? `${(v / 1e6).toFixed(1)}M` : v >= 1e3 ? `${(v / 1e3).toFixed(0)}k` : String(v)) : String(v)),
    },
    cliProgress.Presets.shades_classic,
  );
  let started = false;
  let records = 0;
  return {
    onProgress: (ev) => {
      if (!started) {
        bar.start(ev.total ?? ev.done, ev.done, { unit: ev.unit, records });
        started = true;
      }
      if (ev.total !== undefined) bar.setTotal(ev.total);
      bar.update(ev.done, { unit: ev.unit, records });
    },
    onRecords: (s: RunSummary) => {
      records = s.read;
      if (started) bar.update({ records });
    },
    stop: () => {
      if (started) bar.stop();
    },
  };
}
