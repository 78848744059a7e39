// Issue #22, the trust boundary of "use mine": the user's dependency folder is seen inside a check
// read-only and nowhere else. Under bubblewrap no write of any kind goes through the view; a view
// whose mount point a check replaced with a link is not made; on the macOS layout (a real folder of
// links in the worktree, covered by the repository's ignore rule) host-side reads refuse to follow them, git stores nothing of the user's folder, and no exclude file is written.
import { execFileSync } from 'node:child_process';
import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { detectSandbox, runSandboxed } from '../../src/sandbox/index.js';
import { ignoredInWorktree, prepareDependencyView, removeDependencyView, viewBinds } from '../../src/workspace/dependency-views.js';
import { commitFiles } from '../../src/workspace/git/commit-files.js';
import { readWorktreeFile, writeWorktreeFile } from '../../src/workspace/worktree-files.js';
import { git, makeRepo, makeTempDir, removeTempDirs, writeFiles } from '../support/git-fixtures.js';

afterAll(() => removeTempDirs());

/** Every file and folder under dir (links as links): path → sha256 of bytes, mode. */
function treeDigest(dir: string): Record<string, string> {
  const out: Record<string, string> = {};
  const walk = (rel: string): void => {
    for (const entry of fs.readdirSync(path.join(dir, rel), { withFileTypes: true })) {
      const child = path.join(rel, entry.name);
      const full = path.join(dir, child);
      const stat = fs.lstatSync(full);
      if (entry.isSymbolicLink()) out[child] = `link:${fs.readlinkSync(full)}`;
      else if (entry.isDirectory()) {
        out[child] = `dir:${stat.mode}`;
        walk(child);
      } else out[child] = `${stat.mode}:${crypto.createHash('sha256').update(fs.readFileSync(full)).digest('hex')}`;
    }
  };
  walk('');
  return out;
}

function userCheckout(gitignore = 'node_modules/\n'): {
  repo: string;
  worktree: string;
  gitDir: string;
  at: { repoRoot: string; worktree: string; ignoredByGit: boolean };
} {
  const repo = makeRepo({ files: { '.gitignore': gitignore, 'package.json': '{"name":"demo"}\n' } });
  writeFiles(path.join(repo, 'node_modules', 'left-pad'), { 'index.js': 'module.exports = 1;\n', 'package.json': '{"name":"left-pad"}\n' });
  const worktree = path.join(makeTempDir('mlxf-wt-'), 'wt');
  git(repo, 'worktree', 'add', '-q', worktree);
  const real = fs.realpathSync(worktree);
  const gitDir = git(real, 'rev-parse', '--absolute-git-dir').trim();
  return { repo, worktree: real, gitDir, at: { repoRoot: repo, worktree: real, ignoredByGit: true } };
}

const isBwrap = (await detectSandbox()).kind === 'bwrap';

describe.runIf(isBwrap)('bubblewrap: the read-only view', () => {
  it(
    "a check reads the user's packages but cannot write, create, delete, rename or chmod through the view",
    { timeout: 60_000 },
    async () => {
      const { repo, worktree, at } = userCheckout();
      const before = treeDigest(path.join(repo, 'node_modules'));
      const view = prepareDependencyView(at, 'node_modules');
      expect(view).not.toBeNull();
      const attempts = [
        'cat node_modules/left-pad/index.js',
        'echo pwned > node_modules/left-pad/index.js',
        'echo x > node_modules/planted.js',
        'rm -f node_modules/left-pad/package.json',
        'rm -rf node_modules/left-pad',
        'mv node_modules/left-pad node_modules/moved',
        'chmod 777 node_modules/left-pad/index.js',
        'mkdir node_modules/new-dir',
        'ln -s /etc/passwd node_modules/link',
      ];
      const script = attempts.map((a) => `if ${a} 2>/dev/null; then echo "OK: ${a}"; else echo "DENIED: ${a}"; fi`).join('\n');
      const result = await runSandboxed({
        command: script,
        cwd: worktree,
        timeoutMs: 30_000,
        sandbox: 'required',
        readOnlyViews: viewBinds(view === null ? [] : [view]),
      });
      expect(result.output).toContain('OK: cat node_modules/left-pad/index.js');
      for (const attempt of attempts.slice(1)) expect(result.output).toContain(`DENIED: ${attempt}`);
      expect(treeDigest(path.join(repo, 'node_modules'))).toEqual(before);
      // Outside a check the worktree holds only the empty mount point.
      expect(fs.readdirSync(path.join(worktree, 'node_modules'))).toEqual([]);
    },
  );

  it(
    "a mount point a check replaced with a link (to the user's home, say) is not bound: no view, no write through it",
    { timeout: 60_000 },
    async () => {
      const { worktree, at } = userCheckout();
      const elsewhere = makeTempDir('mlxf-elsewhere-');
      fs.symlinkSync(elsewhere, path.join(worktree, 'node_modules'));
      expect(prepareDependencyView(at, 'node_modules')).toBeNull();
      // Even asked directly, the sandbox drops a view whose target is a link.
      const result = await runSandboxed({
        command: 'ls node_modules/ 2>&1; echo done',
        cwd: worktree,
        timeoutMs: 30_000,
        sandbox: 'required',
        readOnlyViews: [{ source: path.join(at.repoRoot, 'node_modules'), target: path.join(worktree, 'node_modules') }],
      });
      expect(result.output).not.toContain('left-pad');
    },
  );
});

describe('the macOS layout (links in the worktree): host-side reads and git never follow them', () => {
  it("reads and writes through the links are refused; git stores nothing of the user's folder", async () => {
    const { repo, worktree, gitDir, at } = userCheckout();
    const before = treeDigest(path.join(repo, 'node_modules'));
    expect(await ignoredInWorktree({ workTree: worktree, gitDir }, 'node_modules')).toBe(true);
    const view = prepareDependencyView(at, 'node_modules', 'darwin');
    expect(view).not.toBeNull();
    // A real folder (the repository's `node_modules/` rule covers it) holding a link per entry of the user's folder.
    expect(fs.lstatSync(path.join(worktree, 'node_modules')).isDirectory()).toBe(true);
    expect(fs.readlinkSync(path.join(worktree, 'node_modules', 'left-pad'))).toBe(path.join(repo, 'node_modules', 'left-pad'));
    // What the check needs works through them: Node resolves the package from the worktree.
    expect(
      execFileSync(process.execPath, ['-e', "console.log(require.resolve('left-pad'))"], { cwd: worktree, encoding: 'utf8' }).trim(),
    ).toBe(path.join(repo, 'node_modules', 'left-pad', 'index.js'));
    const read = readWorktreeFile(worktree, 'node_modules/left-pad/index.js');
    expect(read.ok).toBe(false);
    const write = writeWorktreeFile(worktree, 'node_modules/left-pad/index.js', 'pwned');
    expect(write).toMatchObject({ ok: false, code: 'link' });
    // A Coder edit that names the folder: only its own file is committed, the links and their targets never.
    fs.writeFileSync(path.join(worktree, 'main.js'), 'x\n');
    const sha = await commitFiles({ worktree: { workTree: worktree, gitDir }, paths: ['main.js'], subject: 's', trailers: {} });
    expect(sha).not.toBeNull();
    expect(git(worktree, 'ls-tree', '-r', '--name-only', 'HEAD').split('\n')).not.toContain('node_modules');
    expect(git(worktree, 'status', '--porcelain', '--untracked-files=all')).toBe('');
    // The uncommitted-work snapshot (git add --all, before a rollback) stages nothing of it either.
    const { snapshotWorktree } = await import('../../src/workspace/git/snapshot-worktree.js');
    const wip = await snapshotWorktree({ workTree: worktree, gitDir }, 'wip');
    if (wip !== null) expect(git(worktree, 'ls-tree', '-r', '--name-only', wip)).not.toContain('node_modules');
    // Made again (a resumed session): our own links are kept, nothing is added twice.
    expect(prepareDependencyView(at, 'node_modules', 'darwin')).toEqual(view);
    // Before an install in the worktree the links go, never what they point at.
    removeDependencyView(view as NonNullable<typeof view>);
    expect(fs.readdirSync(path.join(worktree, 'node_modules'))).toEqual([]);
    expect(treeDigest(path.join(repo, 'node_modules'))).toEqual(before);
  });

  it("writes no exclude file: neither the user's .git/info/exclude nor the worktree's admin dir changes", () => {
    const { repo, gitDir, at } = userCheckout();
    const userExclude = path.join(repo, '.git', 'info', 'exclude');
    const userBefore = fs.existsSync(userExclude) ? fs.readFileSync(userExclude) : null;
    const adminBefore = treeDigest(gitDir);
    expect(prepareDependencyView(at, 'node_modules', 'darwin')).not.toBeNull();
    expect(fs.existsSync(userExclude) ? fs.readFileSync(userExclude) : null).toEqual(userBefore);
    expect(treeDigest(gitDir)).toEqual(adminBefore);
  });

  it('a folder git would not ignore in the worktree gets no view (git would see the links)', async () => {
    const { worktree, gitDir, at } = userCheckout('dist/\n');
    expect(await ignoredInWorktree({ workTree: worktree, gitDir }, 'node_modules')).toBe(false);
    expect(prepareDependencyView({ ...at, ignoredByGit: false }, 'node_modules', 'darwin')).toBeNull();
    expect(fs.existsSync(path.join(worktree, 'node_modules'))).toBe(false);
    expect(git(worktree, 'status', '--porcelain', '--untracked-files=all')).toBe('');
  });

  it('a worktree folder that holds anything but our links (the session’s own install) is left alone', () => {
    const { worktree, at } = userCheckout();
    writeFiles(path.join(worktree, 'node_modules', 'left-pad'), { 'index.js': 'module.exports = 2;\n' });
    expect(prepareDependencyView(at, 'node_modules', 'darwin')).toBeNull();
    expect(fs.lstatSync(path.join(worktree, 'node_modules', 'left-pad')).isDirectory()).toBe(true);
  });
});
