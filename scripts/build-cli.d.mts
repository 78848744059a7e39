// Types for scripts/build-cli.mjs (imported by the test runner's global setup and the benches).
export function buildCli(options?: { quiet?: boolean }): Promise<void>;
/** Builds only when out/cli/ is missing or older than a source; true when it built. */
export function buildCliIfStale(options?: { quiet?: boolean }): Promise<boolean>;
/** The CLI and the tests' scripted server, each only when stale; true when one was built. */
export function buildForTestsIfStale(options?: { quiet?: boolean }): Promise<boolean>;
