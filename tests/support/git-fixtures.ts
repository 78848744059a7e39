// Temporary git repositories for tests, and byte-for-byte snapshots of a checkout: HEAD, the index,
// `git status`, and every file in the working tree (tracked, untracked and ignored).
import { execFileSync } from 'node:child_process';
import crypto from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';

export const USER_ENV = {
  GIT_AUTHOR_NAME: 'Test User',
  GIT_AUTHOR_EMAIL: 'user@example.com',
  GIT_COMMITTER_NAME: 'Test User',
  GIT_COMMITTER_EMAIL: 'user@example.com',
  GIT_CONFIG_NOSYSTEM: '1',
} as const;

/** Runs git in `cwd` as the test user; returns stdout. Throws with stderr on failure. */
export function git(cwd: string, ...args: string[]): string {
  return execFileSync('git', args, { cwd, encoding: 'utf8', env: { ...process.env, ...USER_ENV }, stdio: ['ignore', 'pipe', 'pipe'] });
}

/** Like git() but returns the exit code and both streams instead of throwing. */
export function gitResult(cwd: string, ...args: string[]): { code: number; stdout: string; stderr: string } {
  try {
    return { code: 0, stdout: git(cwd, ...args), stderr: '' };
  } catch (error) {
    const e = error as { status?: number; stdout?: string; stderr?: string };
    return { code: e.status ?? -1, stdout: String(e.stdout ?? ''), stderr: String(e.stderr ?? '') };
  }
}

const tempDirs: string[] = [];

/** A fresh temp folder (realpath, so macOS /var → /private/var does not confuse comparisons). */
export function makeTempDir(prefix = 'mlxf-git-'): string {
  const dir = fs.realpathSync(fs.mkdtempSync(path.join(os.tmpdir(), prefix)));
  tempDirs.push(dir);
  return dir;
}

/** Removes every folder makeTempDir made (call from afterAll). */
export function removeTempDirs(): void {
  for (const dir of tempDirs.splice(0)) fs.rmSync(dir, { recursive: true, force: true });
}

export function writeFiles(dir: string, files: Readonly<Record<string, string | Buffer>>): void {
  for (const [rel, content] of Object.entries(files)) {
    const file = path.join(dir, rel);
    fs.mkdirSync(path.dirname(file), { recursive: true });
    fs.writeFileSync(file, content);
  }
}

export interface RepoSpec {
  readonly files?: Readonly<Record<string, string | Buffer>>;
  /** Commit the files (default true). */
  readonly commit?: boolean;
  readonly branch?: string;
  /** Where to make it (default: a new temp folder). */
  readonly dir?: string;
}

/** A repository with `files`, committed on `branch` (default main). Returns its folder. */
export function makeRepo(spec: RepoSpec = {}): string {
  const dir = spec.dir ?? path.join(makeTempDir('mlxf-repo-'), 'repo');
  fs.mkdirSync(dir, { recursive: true });
  git(dir, 'init', '-q', '-b', spec.branch ?? 'main');
  writeFiles(dir, spec.files ?? { 'README.md': '# demo\n' });
  if (spec.commit !== false) {
    git(dir, 'add', '-A');
    git(dir, 'commit', '-q', '-m', 'initial');
  }
  return fs.realpathSync(dir);
}

/** Commits everything in `dir` and returns the new HEAD. */
export function commitAll(dir: string, message: string): string {
  git(dir, 'add', '-A');
  git(dir, 'commit', '-q', '--allow-empty', '-m', message);
  return git(dir, 'rev-parse', 'HEAD').trim();
}

export function revParse(dir: string, rev: string): string {
  return git(dir, 'rev-parse', '--verify', rev).trim();
}

export interface CheckoutSnapshot {
  readonly head: string;
  /** What HEAD points to (refs/heads/x), or null when detached. */
  readonly headRef: string | null;
  /** sha256 of `git ls-files -s` (mode, blob and stage of every index entry). */
  readonly index: string;
  /** `git status --porcelain -z --untracked-files=all --ignored`. */
  readonly status: string;
  /** Every file under the folder except .git: path → sha256 of its bytes (symlinks: of their target). */
  readonly files: Readonly<Record<string, string>>;
}

export function snapshotCheckout(dir: string): CheckoutSnapshot {
  const head = git(dir, 'rev-parse', 'HEAD').trim();
  const ref = gitResult(dir, 'symbolic-ref', '-q', 'HEAD');
  const index = crypto
    .createHash('sha256')
    .update(git(dir, 'ls-files', '-s', '-z'))
    .digest('hex');
  const status = git(dir, 'status', '--porcelain=v1', '-z', '--untracked-files=all', '--ignored');
  const files: Record<string, string> = {};
  const walk = (rel: string): void => {
    for (const entry of fs.readdirSync(path.join(dir, rel), { withFileTypes: true })) {
      const child = rel === '' ? entry.name : `${rel}/${entry.name}`;
      if (child === '.git') continue;
      const full = path.join(dir, child);
      if (entry.isSymbolicLink()) files[child] = `symlink:${fs.readlinkSync(full)}`;
      else if (entry.isDirectory()) walk(child);
      else files[child] = crypto.createHash('sha256').update(fs.readFileSync(full)).digest('hex');
    }
  };
  walk('');
  return { head, headRef: ref.code === 0 ? ref.stdout.trim() : null, index, status, files };
}
