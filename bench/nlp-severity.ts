/**
 * Severity-from-text benchmark (issue 14): full training on NVD 2018 + 2025 + recent CVSS v3 severities
 * plus the CNA / CISA-ADP severities of the 2024 vulnrichment CVE 5 records (src/nlp/severity), test-split figures (accuracy and coverage at the abstention threshold,
 * full-coverage accuracy, ECE) and the reliability diagram `bench/figures/severity-reliability.svg`
 * (predicted-probability bins against observed accuracy, with counts). The model is saved as the
 * next `severity` version (`--models DIR`, default config.nlp.modelDir). Prints a Markdown block
 * for /work/notes/figures-C.md: the NVD test split (the same as earlier versions) and the held-out CVE 5 part.
 * Usage: node --import tsx bench/nlp-severity.ts [--models DIR] [--l2 X] [--fold-digits] [--char] [--max-features N] [--nvd-only]
 * (`--char`: character 3–5-grams inside words alongside the word n-grams)
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { loadConfig } from '../src/config.ts';
import type { ReliabilityBin } from '../src/nlp/ml/index.ts';
import { ModelRepository } from '../src/nlp/models.ts';
import { trainSeverity } from '../src/nlp/severity/train.ts';

/** Display names of SEVERITY_RULES, in order. */
const RULE_NAMES = [
  'probability',
  'agreement (softmax label = score bucket)',
  'mean of softmax and score-bucket probabilities',
  'weighted product of softmax and score-bucket probabilities',
];

function arg(name: string): string | undefined {
  const i = process.argv.indexOf(name);
  return i > 0 ? process.argv[i + 1] : undefined;
}

/** A small reliability diagram: bars of observed accuracy per confidence bin, the diagonal, counts above the bars. */
export function reliabilitySvg(bins: readonly ReliabilityBin[], title: string): string {
  const W = 480;
  const H = 360;
  const L = 50;
  const B = 300;
  const plotW = 400;
  const plotH = 260;
  const x = (v: number): number => L + v * plotW;
  const y = (v: number): number => B - v * plotH;
  const parts: string[] = [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${W}" height="${H}" viewBox="0 0 ${W} ${H}" font-family="sans-serif" font-size="11" role="img">`,
    `<title>${title}</title>`,
    `<rect width="${W}" height="${H}" fill="white"/>`,
    `<text x="${W / 2}" y="18" text-anchor="middle" font-size="13">${title}</text>`,
  ];
  for (let t = 0; t <= 10; t += 2) {
    const v = t / 10;
    parts.push(`<line x1="${x(0)}" y1="${y(v)}" x2="${x(1)}" y2="${y(v)}" stroke="#eee"/>`);
    parts.push(`<text x="${L - 6}" y="${y(v) + 4}" text-anchor="end">${v.toFixed(1)}</text>`);
    parts.push(`<text x="${x(v)}" y="${B + 16}" text-anchor="middle">${v.toFixed(1)}</text>`);
  }
  for (const bin of bins) {
    if (bin.count === 0) continue;
    const w = (bin.hi - bin.lo) * plotW - 4;
    parts.push(
      `<rect x="${x(bin.lo) + 2}" y="${y(bin.accuracy)}" width="${w}" height="${B - y(bin.accuracy)}" fill="#4a78b5" fill-opacity="0.8"><title>confidence ${bin.confidence.toFixed(3)}, accuracy ${bin.accuracy.toFixed(3)}, n=${bin.count}</title></rect>`,
    );
    parts.push(`<circle cx="${x(bin.confidence)}" cy="${y(bin.confidence)}" r="3" fill="#d9534f"/>`);
    parts.push(`<text x="${x(bin.lo) + 2 + w / 2}" y="${y(bin.accuracy) - 4}" text-anchor="middle" fill="#333">${bin.count}</text>`);
  }
  parts.push(`<line x1="${x(0)}" y1="${y(0)}" x2="${x(1)}" y2="${y(1)}" stroke="#999" stroke-dasharray="4 3"/>`);
  parts.push(`<line x1="${x(0)}" y1="${B}" x2="${x(1)}" y2="${B}" stroke="black"/><line x1="${L}" y1="${B}" x2="${L}" y2="${y(1)}" stroke="black"/>`);
  parts.push(`<text x="${L + plotW / 2}" y="${B + 34}" text-anchor="middle">predicted probability of the predicted label (bin)</text>`);
  parts.push(`<text transform="translate(14 ${y(0.5)}) rotate(-90)" text-anchor="middle">observed accuracy</text>`);
  parts.push(
    `<text x="${L + 8}" y="${y(1) + 14}" fill="#555">bars: accuracy per bin (count above); red dots: mean confidence; dashed: perfect calibration</text>`,
  );
  parts.push('</svg>');
  return `${parts.join('\n')}\n`;
}

async function main(): Promise<void> {
  const config = loadConfig();
  const started = Date.now();
  let last = 0;
  const l2 = arg('--l2');
  const trained = await trainSeverity(
    {
      dataDir: config.dataDir,
      progress(step, done, total) {
        if (Date.now() - last > 15_000) {
          last = Date.now();
          console.error(`${step} ${done}/${total} (${Math.round((Date.now() - started) / 1000)} s)`);
        }
      },
    },
    {
      ...(l2 ? { l2: Number(l2) } : {}),
      ...(arg('--max-features') ? { maxFeatures: Number(arg('--max-features')) } : {}),
      ...(process.argv.includes('--nvd-only') ? { cve5Files: [] } : {}),
      tfidf: {
        ...(process.argv.includes('--fold-digits') ? { foldDigits: true } : {}),
        ...(process.argv.includes('--char') ? { charNgram: [3, 5] as [number, number] } : {}),
      },
    },
  );
  const seconds = (Date.now() - started) / 1000;
  const { testBins, ...model } = trained;
  const repo = new ModelRepository(arg('--models') ?? config.nlp.modelDir);
  const file = repo.save('severity', model);
  const m = trained.metrics;
  const f = (k: string): string => (m[k] ?? Number.NaN).toFixed(3);
  const figures = path.join(path.dirname(fileURLToPath(import.meta.url)), 'figures');
  mkdirSync(figures, { recursive: true });
  writeFileSync(
    path.join(figures, 'severity-reliability.svg'),
    reliabilitySvg(testBins, `severity@${file.version}: reliability on the NVD test split (n=${m['test.n']}, ECE ${f('test.ece')})`),
  );
  console.log(`## Severity from text (severity@${file.version}, trained in ${seconds.toFixed(0)} s, ${(JSON.stringify(file).length / 1e6).toFixed(1)} MB)

${(trained.notes ?? []).map((n) => `- ${n}`).join('\n')}
- train ${trained.data.train}, valid ${trained.data.valid}, test ${m['test.n']} records (${trained.data.files.join(', ')})

| figure (NVD test split) | value | target |
|---|---|---|
| accuracy at the abstention threshold (${f('threshold')}) | ${f('test.accuracyAtThreshold')} | ≥ 0.90 |
| coverage (share not abstained) | ${f('test.coverage')} | ≥ 0.70 |
| accuracy at full coverage | ${f('test.accuracyFull')} | anchor: CIRCL VLAI 0.83 (4 classes) |
| macro-F1 at full coverage | ${f('test.macroF1Full')} | |
| ECE after / before temperature (${f('temperature')}) | ${f('test.ece')} / ${f('test.eceUncalibrated')} | |
| validation: accuracy at threshold / coverage | ${f('valid.accuracyAtThreshold')} / ${f('valid.coverage')} | |
| abstention rule (chosen on validation) | ${RULE_NAMES[m.rule ?? 0]}${m.scoreL2 ? `, score L2 ${m.scoreL2}, σ ${f('sigma')}` : ''} | |
| score regression on test: RMSE (score points) / bucket accuracy | ${f('test.scoreRmse')} / ${f('test.scoreBucketAccuracy')} | |
| probability-only rule on test (threshold ${f('testProbabilityOnly.threshold')}): accuracy / coverage | ${f('testProbabilityOnly.accuracyAtThreshold')} / ${f('testProbabilityOnly.coverage')} | (for comparison) |

| figure (CVE 5 test split: ${m['testCve5.n'] ?? 0} records labelled by the CNA or CISA-ADP, same model and threshold) | value |
|---|---|
| accuracy at the threshold / coverage | ${f('testCve5.accuracyAtThreshold')} / ${f('testCve5.coverage')} |
| accuracy / macro-F1 at full coverage | ${f('testCve5.accuracyFull')} / ${f('testCve5.macroF1Full')} |
| ECE | ${f('testCve5.ece')} |

| confidence bin | n | mean confidence | accuracy |
|---|---|---|---|
${testBins
  .filter((b) => b.count > 0)
  .map((b) => `| ${b.lo.toFixed(1)}–${b.hi.toFixed(1)} | ${b.count} | ${b.confidence.toFixed(3)} | ${b.accuracy.toFixed(3)} |`)
  .join('\n')}

Reliability diagram: bench/figures/severity-reliability.svg
`);
}

await main();
