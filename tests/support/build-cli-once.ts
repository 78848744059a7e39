// vitest globalSetup: the tests run the compiled CLI (bin/mlx-factory.js → out/cli/), so it is
// rebuilt here, once per test run, whenever a source changed since the last build — a test never
// runs a stale bundle, and never pays tsx's transpile at each CLI start.
import { buildCliIfStale } from '../../scripts/build-cli.mjs';

export default async function setup(): Promise<void> {
  await buildCliIfStale({ quiet: true });
}
