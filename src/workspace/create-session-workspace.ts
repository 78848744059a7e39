import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { inspectRepo, type RepoInfo } from './git/repo-info.js';
import { identityEnv } from './git/commit-files.js';
import { runGit } from './git/run-git.js';
import { uncommittedPaths } from './git/status.js';
import { recordWorktreeGit } from './git/worktree-git.js';
import { withRepoLock } from './repo-lock.js';
import { readRef } from './git/read-ref.js';
import { sessionBranchName, SessionNameTakenError } from './session-ids.js';

/**
 * A session's workspace: a branch `factory/<slug>-<id>` and a linked worktree outside the repository,
 * under the app's home, started from the user's HEAD. The user's checkout is only read: uncommitted
 * changes stay where they are and are reported as not being part of the session.
 */
export interface SessionWorkspace {
  readonly repoRoot: string;
  readonly commonDir: string;
  readonly worktree: string;
  /** The worktree's admin dir in the user's repository: what host-side git uses (see worktree-git.ts). */
  readonly gitDir: string;
  readonly branch: string;
  readonly baseCommit: string;
  /** The branch checked out in the user's folder when the session started (null: detached HEAD). */
  readonly baseBranch: string | null;
  /** Uncommitted paths in the user's checkout that the session does not contain. */
  readonly uncommittedNotIncluded: readonly string[];
}

export interface CreateWorkspaceOptions {
  readonly repo: RepoInfo;
  readonly sessionId: string;
  readonly slug: string;
  readonly worktreesRoot: string;
  /** The user's uncommitted paths, when a caller has them for this repository already (a group's siblings share one `git status`). */
  readonly uncommitted?: (() => Promise<string[]>) | undefined;
}

/** One folder per repository under the worktrees root, named so a person can tell which is which. */
function worktreeFolderFor(worktreesRoot: string, repoRoot: string, slug: string, id: string): string {
  const hash = crypto.createHash('sha256').update(repoRoot).digest('hex').slice(0, 8);
  const repoName = path.basename(repoRoot).replace(/[^\w.-]+/g, '_') || 'repo';
  return path.join(worktreesRoot, `${repoName}-${hash}`, `${slug}-${id}`);
}

export async function createSessionWorkspace(options: CreateWorkspaceOptions): Promise<SessionWorkspace> {
  const { repo } = options;
  const branch = sessionBranchName(options.slug, options.sessionId);
  const worktree = worktreeFolderFor(options.worktreesRoot, repo.root, options.slug, options.sessionId);
  fs.mkdirSync(path.dirname(worktree), { recursive: true });
  // The worktree folder is ours only if we create it (exclusively; git fills an empty folder).
  claimFolder(worktree, 'the worktree folder');
  // Reading the user's status (the slow part on a big checkout) overlaps the worktree's creation.
  // git is not safe against concurrent `worktree add` on one repository (it reads .git/worktrees/*
  // while another entry is half-written): parallel sessions take turns there.
  let uncommitted: string[];
  try {
    [uncommitted] = await Promise.all([
      options.uncommitted?.() ?? uncommittedPaths(repo.root),
      withRepoLock(repo.commonDir, async () => {
        // A branch of that name (a session from another app home, or one left behind): the id is
        // taken. `worktree add -b` would refuse it too, atomically, but with no way to tell why.
        if ((await readRef(repo.commonDir, `refs/heads/${branch}`)) !== null) throw new SessionNameTakenError(`the branch ${branch}`);
        return runGit(['worktree', 'add', '--quiet', '-b', branch, worktree, repo.headCommit], { cwd: repo.root });
      }),
    ]);
  } catch (error) {
    if (fs.existsSync(worktree) && fs.readdirSync(worktree).length === 0) fs.rmdirSync(worktree);
    throw error;
  }
  const git = recordWorktreeGit(repo.commonDir, worktree);
  return {
    repoRoot: repo.root,
    commonDir: repo.commonDir,
    worktree: git.workTree,
    gitDir: git.gitDir,
    branch,
    baseCommit: repo.headCommit,
    baseBranch: repo.branch,
    uncommittedNotIncluded: uncommitted,
  };
}

/** Creates `dir` exclusively: when it exists, the session id that names it is taken. */
function claimFolder(dir: string, what: string): void {
  try {
    fs.mkdirSync(dir);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'EEXIST') throw new SessionNameTakenError(`${what} ${dir}`);
    throw error;
  }
}

/**
 * The seed's case: no --repo and no repository in the current folder. A fresh repository with an empty
 * first commit is made for the session under the app's home.
 */
export async function createScratchRepo(scratchRoot: string, slug: string, id: string): Promise<RepoInfo> {
  const dir = path.join(scratchRoot, `${slug}-${id}`);
  fs.mkdirSync(scratchRoot, { recursive: true });
  claimFolder(dir, 'the scratch repository');
  await runGit(['init', '--quiet', '--initial-branch=main'], { cwd: dir });
  await runGit(['-c', 'commit.gpgsign=false', 'commit', '--quiet', '--allow-empty', '-m', 'Empty project for an MLX Factory session'], {
    cwd: dir,
    env: identityEnv(),
  });
  return inspectRepo(dir);
}
