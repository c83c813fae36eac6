#!/usr/bin/env -S node --max-old-space-size=320
// Runs the bundled CLI (dist/, built by `npm ci` through the prepare script). The bounded heap
// keeps peak memory low on large imports (V8 collects before it grows; the live set is small).
await import('../dist/vigil.js');
