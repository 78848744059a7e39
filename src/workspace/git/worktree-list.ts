import { runGit } from './run-git.js';

/** `git worktree list --porcelain -z`: every working tree of a repository and what it has checked out. */
export interface WorktreeEntry {
  readonly path: string;
  readonly head: string | null;
  /** Full ref name (refs/heads/x), or null when detached or bare. */
  readonly branch: string | null;
  readonly bare: boolean;
  /** git's reason when the worktree's folder is gone (`git worktree prune` would drop it). */
  readonly prunable: string | null;
  readonly locked: boolean;
}

export async function listWorktrees(cwd: string): Promise<WorktreeEntry[]> {
  const result = await runGit(['worktree', 'list', '--porcelain', '-z'], { cwd });
  return parseWorktreeList(result.stdout);
}

export function parseWorktreeList(stdout: string): WorktreeEntry[] {
  const entries: WorktreeEntry[] = [];
  let current: {
    path: string;
    head: string | null;
    branch: string | null;
    bare: boolean;
    prunable: string | null;
    locked: boolean;
  } | null = null;
  for (const field of stdout.split('\0')) {
    if (field === '') {
      if (current) entries.push(current);
      current = null;
      continue;
    }
    const space = field.indexOf(' ');
    const key = space === -1 ? field : field.slice(0, space);
    const value = space === -1 ? '' : field.slice(space + 1);
    if (key === 'worktree') {
      if (current) entries.push(current);
      current = { path: value, head: null, branch: null, bare: false, prunable: null, locked: false };
    } else if (current) {
      if (key === 'HEAD') current.head = value;
      else if (key === 'branch') current.branch = value;
      else if (key === 'bare') current.bare = true;
      else if (key === 'prunable') current.prunable = value || 'gone';
      else if (key === 'locked') current.locked = true;
    }
  }
  if (current) entries.push(current);
  return entries;
}
