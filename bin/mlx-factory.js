#!/usr/bin/env node
// Runs the compiled CLI (out/cli/, built by scripts/build-cli.mjs at `npm install`/`npm run build`):
// plain JavaScript, so a start costs what the command loads, not a TypeScript transpile. A
// development checkout without a current build (never built, or a source edited since) runs the
// sources through tsx instead — slower, never stale.
import { pathToFileURL } from 'node:url';
import { bundleState, CLI_ENTRY } from './cli-bundle.js';

let entry;
if (bundleState() === 'fresh') {
  // Stack traces point into src/ through the bundle's source maps; Node reads a map only when a
  // trace is printed, so this costs nothing on a normal run.
  process.setSourceMapsEnabled(true);
  entry = await import(pathToFileURL(CLI_ENTRY).href);
} else {
  const { register } = await import('tsx/esm/api');
  register();
  entry = await import('../src/cli/cli-process.ts');
}
await entry.runCliProcess(process.argv.slice(2));
