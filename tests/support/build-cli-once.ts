// vitest globalSetup: the tests run the compiled CLI (bin/mlx-factory.js → out/cli/) and the
// compiled scripted server (scripted-server/server-command.ts), so both are rebuilt here, once per
// test run, whenever a source changed since the last build — a test never runs a stale bundle, and
// never pays tsx's transpile at each start.
import { buildForTestsIfStale } from '../../scripts/build-cli.mjs';

export default async function setup(): Promise<void> {
  await buildForTestsIfStale({ quiet: true });
}
