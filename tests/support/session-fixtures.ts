// Real sessions without a model: the real worktree and branch (createSessionWorkspace), the real log
// and steps committed with the loop's own commitFiles and trailers, logged as the loop
// logs them. Lets workspace tests shape a session's history exactly (renames, deletions, binaries).
import fs from 'node:fs';
import path from 'node:path';
import type { RunOutcome } from '../../src/api/session-status.js';
import { appPaths, type AppPaths } from '../../src/home/app-home.js';
import { SessionLog } from '../../src/sessions/session-log.js';
import { sessionFiles } from '../../src/sessions/session-meta.js';
import { createSessionWorkspace, type SessionWorkspace } from '../../src/workspace/create-session-workspace.js';
import { commitFiles } from '../../src/workspace/git/commit-files.js';
import { inspectRepo } from '../../src/workspace/git/repo-info.js';
import { git } from './git-fixtures.js';

export interface SessionFixture {
  readonly id: string;
  readonly paths: AppPaths;
  readonly workspace: SessionWorkspace;
  readonly worktree: string;
  readonly branch: string;
  readonly repo: string;
  /** Steps committed so far (step n = commits[n-1]). */
  readonly commits: string[];
}

let counter = 0;

export async function createSessionFixture(options: {
  repo: string;
  home: string;
  name?: string;
  pid?: number | null;
}): Promise<SessionFixture> {
  counter += 1;
  const id = `2601010000-${(process.pid % 4096).toString(16).padStart(3, '0')}${counter.toString(16).padStart(3, '0')}`;
  const paths = appPaths(options.home);
  const repo = await inspectRepo(options.repo);
  const workspace = await createSessionWorkspace({ repo, sessionId: id, slug: 'task', worktreesRoot: paths.worktrees });
  const name = options.name ?? 'Test task';
  const pid = options.pid === undefined ? process.pid : options.pid;
  withLog(paths, id, (log) =>
    log.append({
      type: 'session.created',
      task: { name, description: `Do the ${name}`, constraints: [], files: [] },
      repo: workspace.repoRoot,
      worktree: workspace.worktree,
      gitDir: workspace.gitDir,
      branch: workspace.branch,
      baseCommit: workspace.baseCommit,
      baseBranch: workspace.baseBranch,
      uncommittedNotIncluded: [...workspace.uncommittedNotIncluded],
      plan: {
        check: { kind: 'command', command: 'true' },
        limits: {
          maxAttempts: 5,
          executionTimeoutMs: 60_000,
          llmTimeoutMs: 120_000,
          maxTokensPerTurn: 8192,
          totalTokenBudget: 100_000,
          temperature: 0,
          stagnationThreshold: 3,
          maxPromptTokens: 6000,
        },
        sandbox: 'auto',
      },
      ...(pid !== null ? { pid } : {}),
    }),
  );
  return { id, paths, workspace, worktree: workspace.worktree, branch: workspace.branch, repo: workspace.repoRoot, commits: [] };
}

export function withLog<T>(paths: AppPaths, id: string, write: (log: SessionLog) => T): T {
  const log = SessionLog.open(id, sessionFiles(paths.sessions, id).log);
  try {
    return write(log);
  } finally {
    log.close();
  }
}

export interface StepSpec {
  /** path → new content, or null to delete the file. */
  readonly files?: Readonly<Record<string, string | Buffer | null>>;
  /** [from, to] renames (git mv; content kept). */
  readonly renames?: ReadonlyArray<readonly [string, string]>;
  readonly attempt?: number;
}

/** One step as the loop makes it: files edited in the worktree, committed with trailers, logged. */
export async function addStep(session: SessionFixture, step: StepSpec): Promise<string> {
  const attempt = step.attempt ?? session.commits.length + 1;
  const touched: string[] = [];
  for (const [from, to] of step.renames ?? []) {
    fs.mkdirSync(path.dirname(path.join(session.worktree, to)), { recursive: true });
    git(session.worktree, 'mv', from, to);
    touched.push(to); // git mv already staged the removal of `from`
  }
  for (const [rel, content] of Object.entries(step.files ?? {})) {
    const file = path.join(session.worktree, rel);
    if (content === null) fs.rmSync(file, { force: true });
    else {
      fs.mkdirSync(path.dirname(file), { recursive: true });
      fs.writeFileSync(file, content);
    }
    touched.push(rel);
  }
  const sha = await commitFiles({
    worktree: { workTree: session.worktree, gitDir: session.workspace.gitDir },
    paths: touched,
    subject: `Attempt ${attempt}: edit ${touched.join(', ')}`,
    trailers: { 'Factory-Session': session.id, 'Factory-Attempt': String(attempt) },
  });
  if (sha === null) throw new Error('the step changed nothing');
  session.commits.push(sha);
  withLog(session.paths, session.id, (log) => {
    log.append({ type: 'attempt.started', attempt });
    log.append({ type: 'commit', attempt, step: session.commits.length, sha, files: touched });
  });
  return sha;
}

/** Ends the run as launchSession does: session.finished in the log. */
export function finishSession(session: SessionFixture, status: RunOutcome = 'passed'): void {
  const head = session.commits.at(-1) ?? session.workspace.baseCommit;
  withLog(session.paths, session.id, (log) =>
    log.append({
      type: 'session.finished',
      status,
      reason: `test: ${status}`,
      attempts: session.commits.length,
      tokens: { prompt: 10, completion: 5 },
      headCommit: head,
    }),
  );
}
