import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { runGit, runGitBytes } from './git/run-git.js';
import { lstatIfPresent } from './lstat-if-present.js';

/**
 * What a repository needs installed to run its check, read from its files (#22): the ecosystem
 * (package.json + lockfile → npm/pnpm/yarn; pyproject.toml / requirements*.txt → uv/pip; Gemfile →
 * bundler; Cargo.toml; go.mod), the install command, the manifest files whose change means "install
 * again", and the ignored dependency folder the user's checkout already holds (node_modules, .venv,
 * vendor/bundle). Cargo and Go keep their packages outside the repository (~/.cargo, the module
 * cache), so they need no folder: the sandbox reads the host file system.
 *
 * Host-side and read-only, lstat-first: a folder counts only if it is a real directory (not a link)
 * directly in the checkout, and only if git ignores it there (so the same rule ignores it in the
 * worktree, and nothing of it can be committed).
 */
export type Ecosystem = 'npm' | 'pnpm' | 'yarn' | 'uv' | 'pip' | 'bundler' | 'cargo' | 'go';

export interface DetectedDependencies {
  readonly ecosystem: Ecosystem;
  /** The command that installs into the worktree (run in the sandbox with network), or null (Go, Cargo). */
  readonly installCommand: string | null;
  /** The command after the session changed the manifest (a lockfile no longer matches it: `npm install`, not `npm ci`). */
  readonly reinstallCommand: string | null;
  /** Repository-relative files that, changed by the session, mean the dependencies must be installed again. */
  readonly manifests: readonly string[];
  /** The ignored dependency folder, repository-relative, if the user's checkout holds it (else null). */
  readonly folder: string | null;
  /** The folder the ecosystem would use (shown when the checkout has none). */
  readonly folderName: string | null;
  /** The lockfile (or manifest) is byte-identical in the checkout and on the session's base. */
  readonly lockSameOnBase: boolean;
}

interface Rule {
  readonly ecosystem: Ecosystem;
  /** All must exist (repository root). */
  readonly needs: readonly string[];
  readonly folder: string | null;
  readonly install: string | null;
  readonly reinstall: string | null;
  /** The files whose change means "install again"; the first one present is the lockfile compared with the base. */
  readonly manifests: readonly string[];
}

const RULES: readonly Rule[] = [
  {
    ecosystem: 'pnpm',
    needs: ['package.json', 'pnpm-lock.yaml'],
    folder: 'node_modules',
    install: 'pnpm install --frozen-lockfile',
    reinstall: 'pnpm install',
    manifests: ['pnpm-lock.yaml', 'package.json'],
  },
  {
    ecosystem: 'yarn',
    needs: ['package.json', 'yarn.lock'],
    folder: 'node_modules',
    install: 'yarn install --frozen-lockfile',
    reinstall: 'yarn install',
    manifests: ['yarn.lock', 'package.json'],
  },
  {
    ecosystem: 'npm',
    needs: ['package.json', 'package-lock.json'],
    folder: 'node_modules',
    install: 'npm ci --no-audit --no-fund',
    reinstall: 'npm install --no-audit --no-fund',
    manifests: ['package-lock.json', 'package.json'],
  },
  {
    ecosystem: 'npm',
    needs: ['package.json'],
    folder: 'node_modules',
    install: 'npm install --no-audit --no-fund',
    reinstall: 'npm install --no-audit --no-fund',
    manifests: ['package.json'],
  },
  {
    ecosystem: 'uv',
    needs: ['pyproject.toml', 'uv.lock'],
    folder: '.venv',
    install: 'uv sync --frozen',
    reinstall: 'uv sync',
    manifests: ['uv.lock', 'pyproject.toml'],
  },
  {
    ecosystem: 'pip',
    needs: ['requirements.txt'],
    folder: '.venv',
    install: 'python3 -m venv .venv && .venv/bin/pip install -r requirements.txt',
    reinstall: 'python3 -m venv .venv && .venv/bin/pip install -r requirements.txt',
    manifests: ['requirements.txt'],
  },
  {
    ecosystem: 'pip',
    needs: ['pyproject.toml'],
    folder: '.venv',
    install: 'python3 -m venv .venv && .venv/bin/pip install -e .',
    reinstall: 'python3 -m venv .venv && .venv/bin/pip install -e .',
    manifests: ['pyproject.toml'],
  },
  {
    ecosystem: 'bundler',
    needs: ['Gemfile'],
    folder: 'vendor/bundle',
    install: 'bundle install --path vendor/bundle',
    reinstall: 'bundle install --path vendor/bundle',
    manifests: ['Gemfile.lock', 'Gemfile'],
  },
  { ecosystem: 'cargo', needs: ['Cargo.toml'], folder: null, install: null, reinstall: null, manifests: ['Cargo.lock', 'Cargo.toml'] },
  { ecosystem: 'go', needs: ['go.mod'], folder: null, install: null, reinstall: null, manifests: ['go.sum', 'go.mod'] },
];

const isFile = (root: string, rel: string): boolean => lstatIfPresent(path.join(root, rel))?.isFile() === true;

/** The rule whose files the checkout has (first match wins: a lockfile picks its manager). */
function matchRule(repoRoot: string): Rule | undefined {
  return RULES.find((rule) => rule.needs.every((file) => isFile(repoRoot, file)));
}

/** A real directory (no link on the way) that git ignores in the checkout. */
async function ignoredFolder(repoRoot: string, folder: string): Promise<boolean> {
  let at = repoRoot;
  for (const part of folder.split('/')) {
    at = path.join(at, part);
    const stat = lstatIfPresent(at);
    if (stat === undefined || stat.isSymbolicLink() || !stat.isDirectory()) return false;
  }
  const checked = await runGit(['check-ignore', '--quiet', '--no-index', '--', `${folder}/`], {
    cwd: repoRoot,
    expectedExitCodes: [0, 1, 128],
  });
  return checked.exitCode === 0;
}

function hashOf(bytes: Buffer): string {
  return crypto.createHash('sha256').update(bytes).digest('hex');
}

/** The lockfile as the checkout has it and as the base commit has it: equal bytes. */
async function sameOnBase(repoRoot: string, baseCommit: string, file: string): Promise<boolean> {
  const stat = lstatIfPresent(path.join(repoRoot, file));
  if (stat === undefined || !stat.isFile()) return false;
  const here = fs.readFileSync(path.join(repoRoot, file));
  const there = await runGitBytes(['cat-file', 'blob', `${baseCommit}:${file}`], { cwd: repoRoot, expectedExitCodes: [0, 128] });
  return there.exitCode === 0 && hashOf(there.stdout) === hashOf(here);
}

export async function detectDependencies(repoRoot: string, baseCommit: string): Promise<DetectedDependencies | null> {
  const rule = matchRule(repoRoot);
  if (rule === undefined) return null;
  const lockfile = rule.manifests.find((file) => isFile(repoRoot, file)) ?? rule.manifests[rule.manifests.length - 1] ?? '';
  const folder = rule.folder !== null && (await ignoredFolder(repoRoot, rule.folder)) ? rule.folder : null;
  return {
    ecosystem: rule.ecosystem,
    installCommand: rule.install,
    reinstallCommand: rule.reinstall,
    manifests: rule.manifests,
    folder,
    folderName: rule.folder,
    lockSameOnBase: await sameOnBase(repoRoot, baseCommit, lockfile),
  };
}
