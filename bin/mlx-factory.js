#!/usr/bin/env node
// The CLI runs the TypeScript core directly through tsx's loader: no build step between a fresh
// `npm install` and `npx mlx-factory`, and no stale JavaScript to drift from the source.
import { register } from 'tsx/esm/api';

register();
const { main } = await import('../src/cli/main.ts');
process.exitCode = await main(process.argv.slice(2));
