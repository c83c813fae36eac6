/**
 * Config lines that turn off every registered source a test does not name: sources are enabled
 * by default (sources/registry.ts), and a test daemon must not reach for the real upstreams of
 * sources added after the test was written (no network here: each would fail after retries).
 */
import { registry } from '../sources/registry.ts';

/**
 * YAML lines, indented for the `sources:` mapping, `  <id>: { enabled: false }` for each
 * registered source not in `named`.
 * @example `sources:\n  kev: { url: … }\n${otherSourcesOff(['kev'])}`
 */
export function otherSourcesOff(named: string[]): string {
  return registry
    .map((r) => r.source.id)
    .filter((id) => !named.includes(id))
    .map((id) => `  ${id}: { enabled: false }\n`)
    .join('');
}
