// How to start the scripted server: its compiled bundle (made by the test runner's global setup,
// scripts/build-cli.mjs) when current, else its TypeScript through tsx (half a second more per start).
import path from 'node:path';
import { bundleState, PROJECT_ROOT } from '../../../bin/cli-bundle.js';

const BUNDLE_DIR = path.join('out', 'test-support', 'scripted-server');
const SOURCE = path.join(PROJECT_ROOT, 'tests', 'support', 'scripted-server', 'server.ts');

/** Node's arguments before the server's own flags; run with cwd = the project root (for tsx). */
export function scriptedServerNodeArgs(): string[] {
  return bundleState(PROJECT_ROOT, BUNDLE_DIR) === 'fresh'
    ? [path.join(PROJECT_ROOT, BUNDLE_DIR, 'server.js')]
    : ['--import', 'tsx', SOURCE];
}
