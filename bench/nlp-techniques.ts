/**
 * ATT&CK technique classifier benchmark (issue 14): full training on TRAM (src/nlp/techniques),
 * figures on held-out reports (whole reports never seen in training), model saved as the next
 * `techniques` version in the model folder (`--models DIR`, default config.nlp.modelDir).
 * Prints a Markdown block for /work/notes/figures-C1.md.
 * Usage: node --import tsx bench/nlp-techniques.ts [--models DIR] [--l2 X] [--max-iter N]
 */
import { loadConfig } from '../src/config.ts';
import { ModelRepository } from '../src/nlp/models.ts';
import { trainTechniques } from '../src/nlp/techniques/train.ts';

function arg(name: string): string | undefined {
  const i = process.argv.indexOf(name);
  return i > 0 ? process.argv[i + 1] : undefined;
}

async function main(): Promise<void> {
  const config = loadConfig();
  const started = Date.now();
  let last = 0;
  const l2 = arg('--l2');
  const maxIter = arg('--max-iter');
  const trained = await trainTechniques(
    {
      dataDir: config.dataDir,
      progress(step, done, total) {
        if (Date.now() - last > 15_000) {
          last = Date.now();
          console.error(`${step} ${done}/${total} (${Math.round((Date.now() - started) / 1000)} s)`);
        }
      },
    },
    { ...(l2 ? { l2: Number(l2) } : {}), ...(maxIter ? { maxIter: Number(maxIter) } : {}) },
  );
  const seconds = (Date.now() - started) / 1000;
  const repo = new ModelRepository(arg('--models') ?? config.nlp.modelDir);
  const file = repo.save('techniques', trained);
  const m = trained.metrics;
  const f = (k: string): string => (m[k] ?? Number.NaN).toFixed(3);
  console.log(`## ATT&CK techniques (techniques@${file.version}, trained in ${seconds.toFixed(0)} s, ${(JSON.stringify(file).length / 1e6).toFixed(1)} MB)

${(trained.notes ?? []).map((n) => `- ${n}`).join('\n')}
- training sentences ${trained.data.train}, validation ${trained.data.valid}

| test set (held-out reports) | n | micro-F1 | precision | recall | macro-F1 |
|---|---|---|---|---|---|
${['annotated', 'annotated+negatives', 'reports', 'all']
  .map((s) => `| ${s} | ${m[`test.${s}.n`]} | ${f(`test.${s}.microF1`)} | ${f(`test.${s}.precision`)} | ${f(`test.${s}.recall`)} | ${f(`test.${s}.macroF1`)} |`)
  .join('\n')}
| per document (union of a report's sentences) | ${m['test.documents.n']} docs | ${f('test.documents.microF1')} (pooled) | | | mean per-doc F1 ${f('test.documents.meanF1')} |

TRAM negatives alone (${m['test.negatives.n']} held-out sentences): a technique predicted on ${f('test.negatives.flagged')} of them. Validation micro-F1 at the threshold: ${f('valid.microF1')}.
`);
}

await main();
