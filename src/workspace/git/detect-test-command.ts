import { runGit } from './run-git.js';

/**
 * The repository's own test command, guessed from what is committed at `rev` (never the checkout):
 * package.json's test script, pytest / unittest, go, cargo, make. Null when nothing says how to test.
 */
export async function detectTestCommand(repoRoot: string, rev = 'HEAD'): Promise<string | null> {
  const files = new Set(
    (await runGit(['ls-tree', '-r', '--name-only', '-z', rev], { cwd: repoRoot })).stdout.split('\0').filter((f) => f !== ''),
  );
  const show = async (file: string): Promise<string> =>
    (await runGit(['show', `${rev}:${file}`], { cwd: repoRoot, expectedExitCodes: [0, 128] })).stdout;
  if (files.has('package.json')) {
    try {
      const pkg = JSON.parse(await show('package.json')) as { scripts?: Record<string, unknown> };
      const test = pkg.scripts?.['test'];
      if (typeof test === 'string' && !test.includes('no test specified')) return 'npm test --silent';
    } catch {
      // Not JSON: look further.
    }
  }
  if (files.has('go.mod')) return 'go test ./...';
  if (files.has('Cargo.toml')) return 'cargo test --quiet';
  const python = [...files].some((f) => /(^|\/)(test_[^/]*|[^/]*_test)\.py$/.test(f));
  if (python) {
    const pytest =
      ['pytest.ini', 'conftest.py', 'tox.ini'].some((f) => files.has(f)) ||
      (files.has('pyproject.toml') && (await show('pyproject.toml')).includes('pytest'));
    if (pytest) return 'python3 -m pytest -q';
    return [...files].some((f) => f.startsWith('tests/')) ? 'python3 -m unittest discover -s tests' : 'python3 -m unittest discover';
  }
  if (files.has('Makefile') && /^test:/m.test(await show('Makefile'))) return 'make test';
  return null;
}
