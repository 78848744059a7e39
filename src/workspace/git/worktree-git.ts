import fs from 'node:fs';
import path from 'node:path';
import { FactoryError } from '../../errors/factory-error.js';

/**
 * How our host-side git reaches a session worktree: its working tree and the admin gitdir inside the
 * user's repository (`<common dir>/worktrees/<name>`), both recorded when the worktree was made.
 *
 * The worktree's own `.git` file is never read for this after creation: a check can rewrite it to
 * point at a gitdir it made (with hooks, fsmonitor or filters in its config: code run by our next
 * `git add`), or at the user's own `.git` (our commits land on the user's branch). The admin dir lives
 * in the user's repository, which the sandbox cannot write, so it is the trustworthy side of the link.
 */
export interface WorktreeGit {
  readonly workTree: string;
  readonly gitDir: string;
}

/** Where git commands run: a folder of the user's (git finds its own repository) or a session worktree. */
export type GitAt = string | WorktreeGit;

export function gitPlace(at: GitAt): { cwd: string; gitDir?: string; workTree?: string } {
  if (typeof at === 'string') return { cwd: at };
  return { cwd: at.workTree, gitDir: at.gitDir, workTree: at.workTree };
}

/**
 * Right after `git worktree add` (nothing else has run in the folder yet): the admin dir the new
 * pointer names, checked from the repository's side.
 */
export function recordWorktreeGit(commonDir: string, worktree: string): WorktreeGit {
  const pointer = readPointer(worktree);
  if (pointer === null) throw new FactoryError('WORKTREE_UNVERIFIED', `${worktree} has no .git pointer file right after git made it.`);
  return verifyWorktreeGit(commonDir, worktree, pointer);
}

/**
 * A session worktree as recorded (or, for sessions from before gitDir was recorded, found by asking
 * the repository which admin dir belongs to this folder). Throws when the repository does not know
 * the folder as that worktree: we then run no git in it at all.
 */
export function verifyWorktreeGit(commonDir: string, worktree: string, recordedGitDir?: string | null): WorktreeGit {
  const workTree = realOr(worktree);
  const adminRoot = path.join(realOr(commonDir), 'worktrees');
  // The recorded dir first; then the repository's own list (a worktree re-made after its folder was
  // deleted gets a new admin dir).
  const candidates = [...(recordedGitDir ? [recordedGitDir] : []), ...listAdminDirs(adminRoot)];
  for (const candidate of candidates) {
    const gitDir = realOr(candidate);
    if (path.dirname(gitDir) !== adminRoot) continue;
    if (adminDirPointsAt(gitDir) === path.join(workTree, '.git')) return { workTree, gitDir };
  }
  throw new FactoryError(
    'WORKTREE_UNVERIFIED',
    `The repository at ${commonDir} does not list ${worktree} as one of its worktrees (its records were changed or removed). Nothing was run there; \`git worktree list\` in the repository shows what it knows.`,
  );
}

export type PointerCheck = 'intact' | 'restored';

/**
 * After anything ran in the worktree (a check, the setup command): the `.git` pointer must still be a
 * plain file naming our admin dir. If it is anything else it is put back (a directory or link a check
 * left there is removed without being followed), and the caller records the event.
 */
export function checkWorktreePointer(wt: WorktreeGit): PointerCheck {
  const pointerFile = path.join(wt.workTree, '.git');
  const current = readPointer(wt.workTree);
  if (current !== null && realOr(path.resolve(wt.workTree, current)) === wt.gitDir) return 'intact';
  fs.rmSync(pointerFile, { recursive: true, force: true });
  fs.writeFileSync(pointerFile, `gitdir: ${wt.gitDir}\n`, { flag: 'wx' });
  return 'restored';
}

/** `gitdir: <path>` from a worktree's `.git` file, read without following links; null if not a plain file. */
function readPointer(worktree: string): string | null {
  const file = path.join(worktree, '.git');
  let fd: number;
  try {
    fd = fs.openSync(file, fs.constants.O_RDONLY | fs.constants.O_NOFOLLOW | fs.constants.O_NONBLOCK);
  } catch {
    return null;
  }
  try {
    if (!fs.fstatSync(fd).isFile()) return null;
    const buffer = Buffer.alloc(4096);
    const n = fs.readSync(fd, buffer, 0, buffer.length, 0);
    const match = /^gitdir: (.+)$/m.exec(buffer.subarray(0, n).toString('utf8'));
    return match?.[1]?.trim() ?? null;
  } finally {
    fs.closeSync(fd);
  }
}

/** The admin dir's own `gitdir` file: the absolute path of the worktree's `.git` it belongs to. */
function adminDirPointsAt(gitDir: string): string | null {
  try {
    const text = fs.readFileSync(path.join(gitDir, 'gitdir'), 'utf8').trim();
    return path.join(realOr(path.dirname(text)), path.basename(text));
  } catch {
    return null;
  }
}

function listAdminDirs(adminRoot: string): string[] {
  try {
    return fs.readdirSync(adminRoot).map((name) => path.join(adminRoot, name));
  } catch {
    return [];
  }
}

function realOr(p: string): string {
  try {
    return fs.realpathSync(p);
  } catch {
    return path.resolve(p);
  }
}
