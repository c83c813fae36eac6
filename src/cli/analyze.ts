/**
 * `vigil analyze [FILE|-] [--json] [--lang xx]`: the analysis of one text (nlp/analyze.ts): IOCs
 * (defanged ones refanged, warninglisted ones flagged), CVE ids, entities, ATT&CK techniques,
 * impact/event labels and a predicted severity, with the model versions used. Reads a file, or
 * standard input for `-` or no argument; at most {@link MAX_ANALYZE_BYTES}.
 *
 * @example vigil analyze ../shared/data/iocs/eset-malware-ioc/turla/README.adoc
 * @example curl -s https://example.org/report.txt | vigil analyze - --json
 */
import { open } from 'node:fs/promises';
import { type Command, InvalidArgumentError } from 'commander';
import { VigilError } from '../errors.ts';
import { sharedAnalyzer } from '../nlp/analyze.ts';
import { formatAnalysis } from './analyze-format.ts';
import { withContext } from './context.ts';

/** Largest text `vigil analyze` reads (bytes): ten times a long report; a bigger input is most likely not a report. */
export const MAX_ANALYZE_BYTES = 10 * 1024 * 1024;

function tooLarge(name: string, bytes: number, max: number): VigilError {
  const mb = (n: number) => `${(n / 1024 / 1024).toFixed(1)} MB`;
  return new VigilError('VIGIL_INPUT_UNREADABLE', [
    name,
    `more than ${mb(max)} (read ${mb(bytes)} so far): vigil analyze reads at most ${mb(max)}; split the text`,
  ]);
}

/** Collects chunks until `max` bytes are passed (then throws without reading the rest). */
async function readLimited(chunks: AsyncIterable<Buffer | string>, name: string, max: number): Promise<Buffer> {
  const parts: Buffer[] = [];
  let total = 0;
  for await (const chunk of chunks) {
    const buf = typeof chunk === 'string' ? Buffer.from(chunk) : chunk;
    total += buf.length;
    if (total > max) throw tooLarge(name, total, max);
    parts.push(buf);
  }
  return Buffer.concat(parts);
}

/**
 * The text of `source` (a file path, or `-`/undefined for standard input), decoded as UTF-8
 * without a byte-order mark.
 * @throws {VigilError} VIGIL_INPUT_UNREADABLE naming the file when it cannot be read or exceeds `max` bytes.
 */
export async function readAnalyzeInput(
  source: string | undefined,
  max = MAX_ANALYZE_BYTES,
  stdin: AsyncIterable<Buffer | string> = process.stdin,
): Promise<string> {
  let bytes: Buffer;
  if (source === undefined || source === '-') bytes = await readLimited(stdin, 'standard input', max);
  else {
    let file: Awaited<ReturnType<typeof open>>;
    try {
      file = await open(source, 'r');
    } catch (cause) {
      throw new VigilError('VIGIL_INPUT_UNREADABLE', [source, (cause as NodeJS.ErrnoException).code ?? String(cause)], { cause });
    }
    try {
      const { size } = await file.stat();
      if (size > max) throw tooLarge(source, size, max);
      bytes = await readLimited(file.createReadStream({ autoClose: false }), source, max);
    } catch (cause) {
      if (cause instanceof VigilError) throw cause;
      throw new VigilError('VIGIL_INPUT_UNREADABLE', [source, (cause as NodeJS.ErrnoException).code ?? String(cause)], { cause });
    } finally {
      await file.close();
    }
  }
  return bytes.toString('utf8').replace(/^\uFEFF/, '');
}

function lang(value: string): string {
  const v = value.trim().toLowerCase();
  if (!/^[a-z]{2}$/.test(v)) throw new InvalidArgumentError('expected an ISO 639-1 code such as en or fr');
  return v;
}

export function registerAnalyze(program: Command): void {
  program
    .command('analyze')
    .description('Analyse a text (file, or - for standard input): IOCs, CVEs, entities, ATT&CK techniques, labels, predicted severity')
    .argument('[file]', 'the text to analyse; - or nothing reads standard input')
    .option('--json', 'print the analysis as JSON (the API body of POST /api/v1/analysis/text)')
    .option('--lang <code>', 'ISO 639-1 language of the text (default: detected)', lang)
    .addHelpText(
      'after',
      '\nParts whose model is not trained are empty and named under "Models": `vigil nlp train` trains them.\n' +
        "A severity shown here is predicted from the text, never NVD's.\n\nExample:\n  vigil analyze report.txt\n  pbpaste | vigil analyze - --json",
    )
    .action(async (file: string | undefined, opts: { json?: boolean; lang?: string }, cmd: Command) => {
      const text = await readAnalyzeInput(file);
      await withContext(cmd, async (ctx) => {
        const analyzer = await sharedAnalyzer(ctx.config, ctx.stores);
        const result = analyzer.analyze(text, opts.lang ? { lang: opts.lang } : {});
        console.log(opts.json ? JSON.stringify(result, null, 2) : formatAnalysis(result));
      });
    });
}
