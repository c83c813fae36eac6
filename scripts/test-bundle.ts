/**
 * vitest global setup: bundles the CLI and its worker threads from the current source (esbuild,
 * as scripts/build.mjs does, without the dashboard) into a folder of its own under
 * node_modules/.cache, and tells the tests where (`VIGIL_TEST_CLI`). End-to-end tests spawn the
 * CLI hundreds of times; `node --import tsx src/cli/main.ts` costs ~3.4 s of CPU per start on
 * this machine, the bundle ~1.2 s. A folder per run: the SQLite and PostgreSQL passes run at the
 * same time in CI and must not rewrite each other's files. The dashboard is served from the
 * repository's dist/web (linked), built by `npm ci`.
 */
import { existsSync, mkdirSync, rmSync, symlinkSync } from 'node:fs';
import path from 'node:path';
import { build } from 'esbuild';

export default async function setup(): Promise<() => void> {
  const root = path.resolve(import.meta.dirname, '..');
  const outdir = path.join(root, 'node_modules', '.cache', `vigil-test-${process.pid}`);
  rmSync(outdir, { recursive: true, force: true });
  mkdirSync(outdir, { recursive: true });
  await build({
    entryPoints: {
      vigil: path.join(root, 'src/cli/main.ts'),
      'store-worker': path.join(root, 'src/store/sqlite/worker.ts'),
      'match-worker': path.join(root, 'src/alerts/match-worker.ts'),
      'intel-worker': path.join(root, 'src/intel/extract/extract-worker.ts'),
      'analysis-worker': path.join(root, 'src/iocs/analysis-worker.ts'),
    },
    outdir,
    bundle: true,
    platform: 'node',
    target: 'node20',
    format: 'esm',
    external: ['better-sqlite3', 'pino', 'cwe-sdk', 'ae-cvss-calculator', '@node-rs/argon2', '@fastify/swagger-ui'],
    banner: { js: "import { createRequire as __vigilCreateRequire } from 'node:module'; const require = __vigilCreateRequire(import.meta.url);" },
    logLevel: 'warning',
  });
  const web = path.join(root, 'dist', 'web');
  if (existsSync(web)) symlinkSync(web, path.join(outdir, 'web'), 'dir');
  process.env.VIGIL_TEST_CLI = path.join(outdir, 'vigil.js');
  return () => rmSync(outdir, { recursive: true, force: true });
}
