#!/usr/bin/env node
// Bundles the CLI (src/cli/cli-process.ts and everything it imports, npm packages included) with
// esbuild into out/cli/: plain JavaScript with source maps, one chunk per lazily loaded command, so a
// start costs parsing what the command uses instead of transpiling TypeScript (tsx) at every run.
// Runs at `prepare` (so `npm install` on a fresh clone produces it), in `npm run build`, and in the
// test runner's global setup whenever a source is newer than the bundle (bin/cli-bundle.js).
//
// The tests' scripted model server is bundled the same way (--test-support, and by the global
// setup): the tests start it dozens of times.
//
// Usage: node scripts/build-cli.mjs [--if-stale] [--test-support] [--quiet] [--if-available]
// (--if-available, for `prepare`: without esbuild — an install without devDependencies — say so and
// leave the CLI to run through tsx instead of failing the install.)
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { bundleState, MANIFEST_NAME } from '../bin/cli-bundle.js';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');

/** What is bundled: an entry (named as its output file) into a folder under out/. */
const CLI = { name: 'CLI', entryPoints: { 'cli-process': 'src/cli/cli-process.ts' }, dir: path.join('out', 'cli') };
// Named server.js: the supervisor recognises a stand-in server by its script's name (process-info.ts).
const SCRIPTED_SERVER = {
  name: 'scripted server (tests)',
  entryPoints: { server: 'tests/support/scripted-server/server.ts' },
  dir: path.join('out', 'test-support', 'scripted-server'),
};

/**
 * Builds into a fresh folder next to out/cli and swaps it in, so a CLI started while the build runs
 * sees either the old bundle or the new one, never half of each.
 */
export async function buildCli({ quiet = false } = {}) {
  await buildBundle(CLI, quiet);
}

async function buildBundle(bundle, quiet) {
  const { build } = await import('esbuild');
  const started = Date.now();
  const outDir = path.join(ROOT, bundle.dir);
  const staging = `${outDir}.tmp-${process.pid}`;
  fs.rmSync(staging, { recursive: true, force: true });
  const result = await build({
    absWorkingDir: ROOT,
    entryPoints: bundle.entryPoints,
    outdir: staging,
    bundle: true,
    splitting: true,
    format: 'esm',
    platform: 'node',
    target: 'node20.19',
    // Maps point into src/ (not copied into them: a third of the size). Node reads a bundle's maps
    // as it loads it once maps are on (~10 ms per start), so bin/ turns them on only when asked.
    sourcemap: 'linked',
    sourcesContent: false,
    // Not minified: a stack trace without maps still reads as code with its names (measured: the
    // whitespace makes no difference to a start).
    minifySyntax: true,
    legalComments: 'none',
    metafile: true,
    logLevel: 'warning',
    // Bundled CommonJS packages (ws) call require() for Node's own modules.
    banner: {
      js: "import { createRequire as __cliCreateRequire } from 'node:module'; const require = __cliCreateRequire(import.meta.url);",
    },
    // ws tries these optional native add-ons inside try/catch; they are not installed.
    external: ['bufferutil', 'utf-8-validate'],
  });
  // Each source with its mtime and size after the build (bin/cli-bundle.js compares both, and
  // anything newer than the build's start).
  const sources = Object.fromEntries(
    Object.keys(result.metafile.inputs)
      .filter((input) => !input.includes('node_modules/') && !input.startsWith('<'))
      .sort()
      .map((input) => {
        const stat = fs.statSync(path.join(ROOT, input));
        return [input, [stat.mtimeMs, stat.size]];
      }),
  );
  fs.writeFileSync(path.join(staging, MANIFEST_NAME), `${JSON.stringify({ builtAt: started, sources }, null, 1)}\n`);
  // Swap: move the old bundle aside first (a rename onto a non-empty folder fails), then drop it.
  const old = `${outDir}.old-${process.pid}`;
  if (fs.existsSync(outDir)) fs.renameSync(outDir, old);
  fs.renameSync(staging, outDir);
  fs.rmSync(old, { recursive: true, force: true });
  if (!quiet)
    process.stdout.write(
      `${bundle.name} bundle: ${Object.keys(result.metafile.outputs).length} files in ${bundle.dir}/ (${Object.keys(sources).length} sources, ${Date.now() - started} ms)\n`,
    );
}

/** Builds only when the bundle is missing or older than one of its sources. */
export async function buildCliIfStale(options = {}) {
  return buildIfStale(CLI, options);
}

/** The CLI and the tests' scripted server, each only when stale (the test runner's global setup). */
export async function buildForTestsIfStale(options = {}) {
  const built = await Promise.all([buildIfStale(CLI, options), buildIfStale(SCRIPTED_SERVER, options)]);
  return built.some(Boolean);
}

async function buildIfStale(bundle, { quiet = false } = {}) {
  if (bundleState(ROOT, bundle.dir) === 'fresh') return false;
  await buildBundle(bundle, quiet);
  return true;
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  const args = process.argv.slice(2);
  const quiet = args.includes('--quiet');
  if (
    args.includes('--if-available') &&
    !(await import('esbuild').then(
      () => true,
      () => false,
    ))
  ) {
    process.stderr.write('mlx-factory: esbuild is not installed (no devDependencies?): the CLI will run its TypeScript through tsx.\n');
    process.exit(0);
  }
  const bundles = args.includes('--test-support') ? [CLI, SCRIPTED_SERVER] : [CLI];
  for (const bundle of bundles) {
    if (args.includes('--if-stale')) await buildIfStale(bundle, { quiet });
    else await buildBundle(bundle, quiet);
  }
}
