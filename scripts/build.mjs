// Bundles the CLI into dist/vigil.js with esbuild; dependencies stay external (node_modules).
import { build } from 'esbuild';

await build({
  // The store worker is its own file beside the CLI (see src/store/sqlite/threaded.ts).
  entryPoints: { vigil: 'src/cli/main.ts', 'store-worker': 'src/store/sqlite/worker.ts' },
  outdir: 'dist',
  bundle: true,
  platform: 'node',
  target: 'node20',
  format: 'esm',
  packages: 'external',
  sourcemap: true,
  logLevel: 'warning',
});
