/**
 * `npm run bench -- NAME [NAME…]`: runs the named benchmarks (bench/<name>.ts, each exporting
 * `run()`), or all of them with no name. Each prints its own ratios against a baseline measured in
 * the same run; none asserts on time.
 */
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const here = path.dirname(fileURLToPath(import.meta.url));
const available = fs
  .readdirSync(here)
  .filter((f) => f.endsWith('.ts') && f !== 'index.ts' && !f.startsWith('_'))
  .map((f) => f.slice(0, -3))
  .sort();

// Options that take a value (`--corpus DIR`): the value is not a benchmark name.
const VALUE_OPTIONS = new Set(['--corpus', '--replay-repo', '--replay-commits', '--eval-repo', '--eval-check']);
const args = process.argv.slice(2);
const requested = args.filter((a, i) => !a.startsWith('-') && !VALUE_OPTIONS.has(args[i - 1] ?? ''));
const names = requested.length > 0 ? requested : available;
const unknown = names.filter((n) => !available.includes(n));
if (unknown.length > 0) {
  process.stderr.write(`Unknown benchmark(s): ${unknown.join(', ')}. Available: ${available.join(', ')}\n`);
  process.exit(2);
}

for (const name of names) {
  process.stdout.write(`\n=== bench: ${name} ===\n`);
  const mod = (await import(pathToFileURL(path.join(here, `${name}.ts`)).href)) as { run: () => Promise<void> };
  await mod.run();
}
