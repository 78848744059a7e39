import os from 'node:os';
import { defineConfig } from 'vitest/config';

// Integration tests start real processes (git, the scripted server, mlx_lm.server, Chromium):
// generous timeouts, and forks so a test's children are tied to one worker process. Most of a test
// file's time is spent waiting on those processes, so files run one per core, at least two at a
// time (vitest's default, cores − 1, ran them one by one on a 2-core machine).
export default defineConfig({
  test: {
    include: ['tests/**/*.test.ts'],
    // The core's entry points inject the macOS sandbox profile's place; tests run from the source tree.
    setupFiles: ['tests/support/sandbox-profile-setup.ts', 'tests/support/failure-screenshots.ts'],
    globalSetup: ['tests/support/build-cli-once.ts'],
    pool: 'forks',
    maxWorkers: Math.max(2, os.availableParallelism()),
    // Guards against a hang, not measurements: the suite must pass on a loaded 2-core machine.
    testTimeout: 180_000,
    hookTimeout: 180_000,
    expect: { poll: { timeout: 30_000, interval: 50 } },
    reporters: ['default'],
  },
});
