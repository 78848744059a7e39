#!/usr/bin/env node
// Runs the compiled CLI (out/cli/, built by scripts/build-cli.mjs at `npm install`/`npm run build`):
// plain JavaScript, so a start costs what the command loads, not a TypeScript transpile. A
// development checkout without a current build (never built, or a source edited since) runs the
// sources through tsx instead — slower, never stale.
import { pathToFileURL } from 'node:url';
import { bundleState, CLI_ENTRY } from './cli-bundle.js';

let entry;
if (bundleState() === 'fresh') {
  // MLX_FACTORY_SOURCE_MAPS=1 (or NODE_OPTIONS=--enable-source-maps): stack traces point into src/
  // through the bundle's source maps. Off by default: Node reads every loaded chunk's map at once.
  if (process.env.MLX_FACTORY_SOURCE_MAPS === '1') process.setSourceMapsEnabled(true);
  entry = await import(pathToFileURL(CLI_ENTRY).href);
} else {
  const { register } = await import('tsx/esm/api');
  register();
  entry = await import('../src/cli/cli-process.ts');
}
await entry.runCliProcess(process.argv.slice(2));
