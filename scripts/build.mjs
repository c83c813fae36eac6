// Bundles the CLI into dist/vigil.js (and the store and match workers into dist/*-worker.js) with
// esbuild. Pure-JS dependencies are bundled: one file loads several times faster than hundreds
// of ESM modules (kysely alone costs ~0.2 s to resolve). Native and file-reading packages stay
// external: better-sqlite3 (native addon), pino (spawns its own worker files), cwe-sdk (reads its
// catalog from its package folder), ae-cvss-calculator (UMD build), @node-rs/argon2 (native
// addon), @fastify/swagger-ui (serves files from its package folder).
// Then the dashboard (web/) is built by Vite into dist/web.
import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { build } from 'esbuild';

await build({
  entryPoints: { vigil: 'src/cli/main.ts', 'store-worker': 'src/store/sqlite/worker.ts', 'match-worker': 'src/alerts/match-worker.ts', 'intel-worker': 'src/intel/extract/extract-worker.ts', 'analysis-worker': 'src/iocs/analysis-worker.ts' },
  outdir: 'dist',
  bundle: true,
  platform: 'node',
  target: 'node20',
  format: 'esm',
  external: ['better-sqlite3', 'pino', 'cwe-sdk', 'ae-cvss-calculator', '@node-rs/argon2', '@fastify/swagger-ui'],
  // Bundled CommonJS dependencies call require(): give the ESM bundle one.
  banner: { js: "import { createRequire as __vigilCreateRequire } from 'node:module'; const require = __vigilCreateRequire(import.meta.url);" },
  sourcemap: true,
  logLevel: 'warning',
});

if (existsSync('web/vite.config.ts')) {
  execFileSync(process.execPath, ['node_modules/vite/bin/vite.js', 'build', '--config', 'web/vite.config.ts', '--logLevel', 'warn'], { stdio: 'inherit' });
}
