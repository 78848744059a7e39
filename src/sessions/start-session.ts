import fs from 'node:fs';
import path from 'node:path';
import type { RunOutcome } from '../api/session-status.js';
import { loadConfig } from '../config/load-config.js';
import type { FactoryConfig } from '../config/config-schema.js';
import { FactoryError } from '../errors/factory-error.js';
import { appPaths, type AppPaths } from '../home/app-home.js';
import type { LlmScheduler } from '../llm/llm-scheduler.js';
import type { ChatModel } from '../llm/llm-types.js';
import { limitsFromSettings } from '../sandbox/resource-limits.js';
import { loadTaskFile, toTaskSpec } from '../task/load-task.js';
import type { TaskFile } from '../task/task-schema.js';
import { createScratchRepo, createSessionWorkspace, type SessionWorkspace } from '../workspace/create-session-workspace.js';
import { inspectRepo, isInsideWorkTree, type RepoInfo } from '../workspace/git/repo-info.js';
import { newSessionId, slugify } from '../workspace/session-ids.js';
import type { CheckRunner } from './run-attempts.js';
import { SessionLog } from './session-log.js';
import { sessionFiles } from './session-meta.js';
import { checkpointSession } from './session-store.js';
import { runSession } from './run-session.js';
import { checkRuleFor, loggedPlan, resolveLimits, type SessionPlan } from './session-params.js';

/**
 * Starting a session in two phases: `prepareSession` validates every input and creates nothing (bad
 * input → a FactoryError, nothing on disk); `launchSession` makes the worktree and runs the loop.
 */
export interface SessionRequest {
  readonly description?: string | undefined;
  readonly taskFile?: string | undefined;
  /** --repo; undefined = the current folder if it is a repository, else a fresh repository. */
  readonly repo?: string | undefined;
  readonly cwd: string;
  readonly check?: string | undefined;
  readonly maxAttempts?: number | undefined;
  readonly timeoutSec?: number | undefined;
  /** --tests-first / the New session toggle; undefined = `agent.tests_first`. */
  readonly testsFirst?: boolean | undefined;
  readonly home?: string | undefined;
}

export interface PreparedSession {
  readonly plan: SessionPlan;
  readonly config: FactoryConfig;
  /** What the user should know about the config (an untrusted project file's ignored keys). */
  readonly configNotices: readonly string[];
  /** null = the seed's case: make a fresh repository for the session. */
  readonly repo: RepoInfo | null;
  readonly paths: AppPaths;
  readonly slug: string;
}

export async function prepareSession(request: SessionRequest): Promise<PreparedSession> {
  const taskFile: TaskFile | undefined =
    request.taskFile !== undefined ? loadTaskFile(path.resolve(request.cwd, request.taskFile)) : undefined;
  const description = request.description ?? taskFile?.description;
  if (description === undefined || description.trim() === '') {
    throw new FactoryError('BAD_USAGE', 'Say what to do: give a DESCRIPTION (in quotes) or a task file with -t TASK.yaml.');
  }
  const repo = await pickRepo(request);
  const paths = appPaths(request.home);
  // The project's factory.yaml: the repository's root, or (the seed's case) the plain folder the run starts in.
  const projectDir = repo?.root ?? (request.repo === undefined ? path.resolve(request.cwd) : undefined);
  const { config, notices } = loadConfig({ repoDir: projectDir, userConfigFile: paths.userConfig });
  const task = toTaskSpec({
    description,
    name: taskFile?.name,
    constraints: taskFile?.constraints,
    check: request.check ?? taskFile?.check ?? null,
    files: taskFile?.files,
  });
  const limits = resolveLimits(config.agent, taskFile ?? {}, { maxAttempts: request.maxAttempts, executionTimeoutSec: request.timeoutSec });
  const check = checkRuleFor(task.check);
  const testsFirst = request.testsFirst ?? config.agent.tests_first;
  if (testsFirst && check.kind !== 'command') {
    throw new FactoryError(
      'BAD_USAGE',
      'Tests first needs a check command that runs the repository\'s tests (--check "python -m pytest", or `check:` in the task file): the acceptance tests must fail under it on the base.',
    );
  }
  const plan: SessionPlan = {
    id: newSessionId(),
    task,
    check,
    limits,
    sandbox: config.sandbox.require ? 'required' : 'auto',
    testsFirst,
    lintOnEdit: config.agent.lint_on_edit,
    checkLimits: limitsFromSettings(config.sandbox),
  };
  return { plan, config, configNotices: notices, repo, paths, slug: slugify(task.name) };
}

async function pickRepo(request: SessionRequest): Promise<RepoInfo | null> {
  if (request.repo !== undefined) return inspectRepo(path.resolve(request.cwd, request.repo));
  return (await isInsideWorkTree(request.cwd)) ? inspectRepo(request.cwd) : null;
}

export interface SessionSummary {
  readonly session: string;
  readonly status: RunOutcome;
  readonly reason: string;
  readonly attempts: number;
  readonly branch: string;
  readonly baseCommit: string;
  readonly headCommit: string;
  readonly worktree: string;
  readonly repo: string;
  readonly tokens: { prompt: number; completion: number };
}

export interface LaunchDeps {
  readonly model: ChatModel;
  readonly runCheck: CheckRunner;
  readonly signal: AbortSignal;
  /** Shared by all sessions on one server: their turns are queued fairly (see LlmScheduler). */
  readonly scheduler?: LlmScheduler | undefined;
  /** Called with the log once it exists, before anything is written, to follow events live. */
  readonly onLog?: (log: SessionLog) => void;
}

export async function launchSession(prepared: PreparedSession, deps: LaunchDeps): Promise<SessionSummary> {
  const { plan, paths } = prepared;
  const repo = prepared.repo ?? (await createScratchRepo(paths.scratchRepos, prepared.slug, plan.id));
  const files = sessionFiles(paths.sessions, plan.id);
  const log = SessionLog.open(plan.id, files.log);
  deps.onLog?.(log);
  let workspace: SessionWorkspace | undefined;
  try {
    workspace = await createSessionWorkspace({ repo, sessionId: plan.id, slug: prepared.slug, worktreesRoot: paths.worktrees });
    log.append({
      type: 'session.created',
      task: {
        name: plan.task.name,
        description: plan.task.description,
        constraints: [...plan.task.constraints],
        files: [...plan.task.files],
      },
      repo: workspace.repoRoot,
      worktree: workspace.worktree,
      gitDir: workspace.gitDir,
      branch: workspace.branch,
      baseCommit: workspace.baseCommit,
      baseBranch: workspace.baseBranch,
      uncommittedNotIncluded: [...workspace.uncommittedNotIncluded],
      plan: loggedPlan(plan),
      pid: process.pid,
    });
    for (const notice of prepared.configNotices) log.append({ type: 'session.warning', message: notice });
    if (workspace.uncommittedNotIncluded.length > 0) {
      log.append({
        type: 'session.warning',
        message: `${workspace.uncommittedNotIncluded.length} uncommitted change(s) in ${workspace.repoRoot} are not in this session (it starts from the last commit); they are left untouched.`,
      });
    }
    const summary = await runSession(
      plan,
      {
        repo: workspace.repoRoot,
        git: { workTree: workspace.worktree, gitDir: workspace.gitDir },
        branch: workspace.branch,
        baseCommit: workspace.baseCommit,
        headCommit: workspace.baseCommit,
      },
      log,
      deps,
      // workspace.include / workspace.setup (and a warning about submodules) before the first attempt.
      { prepare: prepared.config.workspace },
    );
    checkpointSession(paths, plan.id);
    return summary;
  } catch (error) {
    if (workspace === undefined && fs.existsSync(files.dir) && fs.readdirSync(files.dir).every((f) => f === 'events.jsonl')) {
      // The worktree could not be made: leave no empty session behind.
      log.close();
      fs.rmSync(files.dir, { recursive: true, force: true });
    }
    throw error;
  } finally {
    log.close();
  }
}
