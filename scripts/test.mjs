#!/usr/bin/env node
// `npm test`: install what the tests need that npm does not (idempotent, into .cache/), then
// type-check and lint everything (a broken Electron shell or renderer fails here too), check that
// no file, export or dependency is unused (knip), that no modules import each other in a cycle
// (dpdm) and the formatting (Prettier), then run every test. Each step says what it does; the
// first failure stops the run with its exit code.
import { spawn, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = path.dirname(path.dirname(fileURLToPath(import.meta.url)));
const extraArgs = process.argv.slice(2);

// Every module the project has, for the import-cycle check: a cycle anywhere (a type-only import
// included, as `import type` still ties the two files' designs together) fails `npm test`.
const CYCLE_CHECK_ARGS = [
  '--no-warning',
  '--no-tree',
  '--exit-code',
  'circular:1',
  'src/**/*.ts',
  'main/**/*.ts',
  'preload/**/*.ts',
  'renderer/src/**/*.{ts,tsx}',
  'bench/**/*.ts',
  'tests/**/*.{ts,tsx}',
];

// The type checks and the lint read the same files and need nothing from each other: they run at
// the same time (their output is printed one after the other), which takes about half as long.
const steps = [
  [
    'Installing test dependencies (Chromium, bubblewrap, Python venv with mlx + mlx-lm, tiny model)',
    process.execPath,
    ['scripts/setup-test-deps.mjs'],
  ],
  [
    [
      ['Type-checking src, main, preload, tests', process.execPath, ['node_modules/typescript/bin/tsc', '--noEmit', '-p', 'tsconfig.json']],
      [
        'Type-checking the renderer (DOM types, no Node) with src/api',
        process.execPath,
        ['node_modules/typescript/bin/tsc', '--noEmit', '-p', 'renderer/tsconfig.json'],
      ],
      ['Linting', process.execPath, ['node_modules/eslint/bin/eslint.js', '--max-warnings', '0', '.']],
      [
        'Looking for unused files, exports and dependencies (knip.jsonc)',
        process.execPath,
        ['node_modules/knip/bin/knip.js', '--no-progress'],
      ],
      [
        'Looking for import cycles (dpdm; type-only and dynamic imports count too)',
        process.execPath,
        ['node_modules/dpdm/lib/bin/dpdm.js', ...CYCLE_CHECK_ARGS],
      ],
      [
        'Checking the formatting (Prettier; `npm run format` fixes it)',
        process.execPath,
        ['node_modules/prettier/bin/prettier.cjs', '--check', '--log-level', 'warn', '.'],
      ],
    ],
  ],
  [
    'Running the tests',
    process.execPath,
    [
      'node_modules/vitest/vitest.mjs',
      'run',
      '--reporter=default',
      '--reporter=json',
      `--outputFile.json=${path.join('test-results', 'vitest.json')}`,
      ...extraArgs,
    ],
  ],
];

for (const step of steps) {
  const group = Array.isArray(step[0]) ? step[0] : [step];
  const started = Date.now();
  const results = group.length === 1 ? [runInherited(group[0])] : await Promise.all(group.map(runCaptured));
  for (const [index, [title]] of group.entries()) {
    const result = results[index];
    if (title === 'Running the tests') printPlainSummary();
    if (result.status !== 0) {
      process.stderr.write(`\n✘ ${title} failed (exit ${result.status ?? result.signal}).\n`);
      process.exit(result.status ?? 1);
    }
    process.stdout.write(`✔ ${title} (${((Date.now() - started) / 1000).toFixed(1)} s)\n`);
  }
}

function runInherited([title, command, args]) {
  process.stdout.write(`\n▶ ${title}\n`);
  return spawnSync(command, args, { cwd: root, stdio: 'inherit' });
}

/** Runs a step with its output kept, then prints it under the step's title. */
function runCaptured([title, command, args]) {
  return new Promise((resolve) => {
    const child = spawn(command, args, { cwd: root, stdio: ['ignore', 'pipe', 'pipe'] });
    const output = [];
    child.stdout.on('data', (chunk) => output.push(chunk));
    child.stderr.on('data', (chunk) => output.push(chunk));
    child.on('close', (status, signal) => {
      process.stdout.write(`\n▶ ${title}\n`);
      process.stdout.write(Buffer.concat(output));
      resolve({ status, signal });
    });
  });
}

/** One plain closing line ("N passed, N failed, N skipped") that any CI log reader understands. */
function printPlainSummary() {
  try {
    const report = JSON.parse(fs.readFileSync(path.join(root, 'test-results', 'vitest.json'), 'utf8'));
    const skipped = (report.numPendingTests ?? 0) + (report.numTodoTests ?? 0);
    process.stdout.write(`\nvitest: ${report.numPassedTests} passed, ${report.numFailedTests} failed, ${skipped} skipped\n`);
  } catch (error) {
    process.stdout.write(`\n(no test report: ${error.message})\n`);
  }
}
