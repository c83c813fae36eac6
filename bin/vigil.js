#!/usr/bin/env node
// Runs the bundled CLI (dist/, built by `npm ci` through the prepare script).
await import('../dist/vigil.js');
