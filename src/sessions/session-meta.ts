import fs from 'node:fs';
import path from 'node:path';
import { z } from 'zod';
import { sessionStateSchema, tokenTotalsSchema } from '../api/session-status.js';

/**
 * meta.json beside each session's log: a summary for fast listing. The log stays the source of truth;
 * meta is rewritten atomically (temp file + rename) so a crash never leaves half a file.
 */
const sessionMetaSchema = z.object({
  id: z.string(),
  name: z.string(),
  repo: z.string(),
  worktree: z.string(),
  branch: z.string(),
  baseCommit: z.string(),
  baseBranch: z.string().nullable(),
  createdAt: z.string(),
  updatedAt: z.string(),
  state: sessionStateSchema,
  reason: z.string(),
  attempts: z.int().nonnegative(),
  tokens: tokenTotalsSchema,
  headCommit: z.string(),
  pid: z.int().nullable(),
});
export type SessionMeta = z.infer<typeof sessionMetaSchema>;

export interface SessionFiles {
  readonly dir: string;
  readonly log: string;
  readonly meta: string;
}

export function sessionFiles(sessionsRoot: string, id: string): SessionFiles {
  const dir = path.join(sessionsRoot, id);
  return { dir, log: path.join(dir, 'events.jsonl'), meta: path.join(dir, 'meta.json') };
}

export function writeSessionMeta(file: string, meta: SessionMeta): void {
  fs.mkdirSync(path.dirname(file), { recursive: true });
  const temp = `${file}.${process.pid}.tmp`;
  fs.writeFileSync(temp, `${JSON.stringify(meta, null, 2)}\n`);
  fs.renameSync(temp, file);
}

export function readSessionMeta(file: string): SessionMeta | undefined {
  try {
    return sessionMetaSchema.parse(JSON.parse(fs.readFileSync(file, 'utf8')));
  } catch {
    return undefined;
  }
}

/** The meta of a session whose worktree was just made: running, nothing spent yet. */
export function initialSessionMeta(
  init: { id: string; name: string; pid: number | null },
  workspace: { repoRoot: string; worktree: string; branch: string; baseCommit: string; baseBranch: string | null },
): SessionMeta {
  const now = new Date().toISOString();
  return {
    id: init.id,
    name: init.name,
    repo: workspace.repoRoot,
    worktree: workspace.worktree,
    branch: workspace.branch,
    baseCommit: workspace.baseCommit,
    baseBranch: workspace.baseBranch,
    createdAt: now,
    updatedAt: now,
    state: 'running',
    reason: '',
    attempts: 0,
    tokens: { prompt: 0, completion: 0 },
    headCommit: workspace.baseCommit,
    pid: init.pid,
  };
}
