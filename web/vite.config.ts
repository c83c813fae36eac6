/**
 * Vite build of the dashboard: `npx vite build --config web/vite.config.ts` from the repository
 * root writes `dist/web/`, which `vigil serve` serves under `/ui/`.
 */
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import preact from '@preact/preset-vite';
import { defineConfig } from 'vite';

const root = path.dirname(fileURLToPath(import.meta.url));

export default defineConfig({
  root,
  base: '/ui/',
  plugins: [preact()],
  build: {
    outDir: path.resolve(root, '../dist/web'),
    emptyOutDir: true,
    sourcemap: false,
    chunkSizeWarningLimit: 800,
  },
  server: {
    // `vite --config web/vite.config.ts` during development, with `vigil serve` on :8080.
    proxy: { '/api': 'http://127.0.0.1:8080', '/stats': 'http://127.0.0.1:8080' },
  },
});
