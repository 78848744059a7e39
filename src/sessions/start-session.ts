import type { SharedPreflight } from './shared-preflight.js';
import path from 'node:path';
import { loadConfig } from '../config/load-config.js';
import { rememberDependencyMode, rememberedDependencyMode, trustFileBeside, type DependencyMode } from '../config/project-trust.js';
import type { FactoryConfig } from '../config/config-schema.js';
import { FactoryError } from '../errors/factory-error.js';
import { appPaths, type AppPaths } from '../home/app-home.js';
import { limitsFromSettings } from '../sandbox/resource-limits.js';
import { loadTaskFile, toTaskSpec } from '../task/load-task.js';
import type { TaskFile } from '../task/task-schema.js';
import { applyTaskTrust } from '../task/task-trust.js';
import { createScratchRepo, createSessionWorkspace } from '../workspace/create-session-workspace.js';
import { inspectRepo, isInsideWorkTree, type RepoInfo } from '../workspace/git/repo-info.js';
import { newSessionId, slugify, systemIdSource, type SessionIdSource } from '../workspace/session-ids.js';
import { claimSessionId } from './claim-session-id.js';
import { SessionLog } from './session-log.js';
import { sessionFiles } from './session-meta.js';
import { checkpointSession } from './session-store.js';
import { runSession } from './run-session.js';
import { decideEnvironment } from './session-environment.js';
import type { LaunchDeps, SessionSummary } from './session-launch.js';
import { checkRuleFor, loggedPlan, resolveLimits, type SessionPlan } from './session-params.js';

export type { LaunchDeps, SessionSummary } from './session-launch.js';

/**
 * Starting a session in two phases: `prepareSession` validates every input and creates nothing (bad
 * input → a FactoryError, nothing on disk); `launchSession` claims the session id, makes the worktree
 * and runs the loop. The plan's id is provisional until launchSession has claimed it (a taken id is
 * replaced: the summary and the log say which id the session got).
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
  /** Where session ids come from (tests force collisions with a fixed one). */
  readonly ids?: SessionIdSource | undefined;
  /** false: skip the preflight run of the check on the base (--no-preflight). */
  readonly preflight?: boolean | undefined;
  /** The user's pick of how checks get the dependencies (#22); remembered for the repository. */
  readonly deps?: DependencyMode | undefined;
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
  /** Draws another id when the plan's is taken. */
  readonly nextId: () => string;
  readonly preflight: boolean;
  /** Set for a best-of-K group's siblings: one preflight run for all (shared-preflight.ts). */
  readonly sharedPreflight?: SharedPreflight | undefined;
  /** Set for a group's siblings: one `git status` of the user's checkout for all (same repository, same moment). */
  readonly uncommitted?: (() => Promise<string[]>) | undefined;
}

export async function prepareSession(request: SessionRequest): Promise<PreparedSession> {
  const taskPath = request.taskFile !== undefined ? path.resolve(request.cwd, request.taskFile) : undefined;
  const loadedTask: TaskFile | undefined = taskPath !== undefined ? loadTaskFile(taskPath) : undefined;
  const description = request.description ?? loadedTask?.description;
  if (description === undefined || description.trim() === '') {
    throw new FactoryError('BAD_USAGE', 'Say what to do: give a DESCRIPTION (in quotes) or a task file with -t TASK.yaml.');
  }
  const repo = await pickRepo(request);
  const paths = appPaths(request.home);
  // The project's factory.yaml: the repository's root, or (the seed's case) the plain folder the run starts in.
  const projectDir = repo?.root ?? (request.repo === undefined ? path.resolve(request.cwd) : undefined);
  const loaded = loadConfig({ repoDir: projectDir, userConfigFile: paths.userConfig });
  const { config } = loaded;
  // A repository's task file follows its factory.yaml's rule: untrusted, it may only tighten.
  const trustedTask =
    taskPath !== undefined && loadedTask !== undefined
      ? applyTaskTrust({
          file: taskPath,
          task: loadedTask,
          trustFile: trustFileBeside(paths.userConfig),
          own: { maxAttempts: config.agent.max_attempts, executionTimeoutSec: config.agent.execution_timeout },
        })
      : undefined;
  const taskFile = trustedTask?.task;
  const notices = trustedTask?.notice != null ? [...loaded.notices, trustedTask.notice] : loaded.notices;
  const task = toTaskSpec({
    description,
    name: taskFile?.name,
    constraints: taskFile?.constraints,
    check: request.check ?? taskFile?.check ?? null,
    files: taskFile?.files,
  });
  const limits = resolveLimits(config.agent, taskFile ?? {}, { maxAttempts: request.maxAttempts, executionTimeoutSec: request.timeoutSec });
  const ids = request.ids ?? systemIdSource;
  const check = checkRuleFor(task.check);
  const testsFirst = request.testsFirst ?? config.agent.tests_first;
  if (testsFirst && check.kind !== 'command') {
    throw new FactoryError(
      'BAD_USAGE',
      'Tests first needs a check command that runs the repository\'s tests (--check "python -m pytest", or `check:` in the task file): the acceptance tests must fail under it on the base.',
    );
  }
  const plan: SessionPlan = {
    id: newSessionId(ids),
    task,
    check,
    limits,
    sandbox: config.sandbox.require ? 'required' : 'auto',
    testsFirst,
    lintOnEdit: config.agent.lint_on_edit,
    checkLimits: limitsFromSettings(config.sandbox),
  };
  const trustFile = trustFileBeside(paths.userConfig);
  // The user's pick is a repository setting, kept with the trust record (#22).
  if (request.deps !== undefined && repo !== null) rememberDependencyMode(trustFile, repo.root, request.deps);
  return {
    plan,
    config,
    configNotices: notices,
    repo,
    paths,
    slug: slugify(task.name),
    nextId: () => newSessionId(ids),
    preflight: request.preflight !== false,
  };
}

async function pickRepo(request: SessionRequest): Promise<RepoInfo | null> {
  if (request.repo !== undefined) return inspectRepo(path.resolve(request.cwd, request.repo));
  return (await isInsideWorkTree(request.cwd)) ? inspectRepo(request.cwd) : null;
}

export async function launchSession(prepared: PreparedSession, deps: LaunchDeps): Promise<SessionSummary> {
  const { paths } = prepared;
  // The id is claimed (its folder made exclusively) before anything is written, and with it the
  // worktree folder and the branch named after it; a taken one means another id.
  const { id, created: workspace } = await claimSessionId(paths.sessions, prepared.plan.id, prepared.nextId, async (candidate) => {
    const repo = prepared.repo ?? (await createScratchRepo(paths.scratchRepos, prepared.slug, candidate));
    return createSessionWorkspace({
      repo,
      sessionId: candidate,
      slug: prepared.slug,
      worktreesRoot: paths.worktrees,
      // (A scratch repository made for this session has nothing uncommitted to share.)
      uncommitted: prepared.repo !== null ? prepared.uncommitted : undefined,
    });
  });
  const plan: SessionPlan = { ...prepared.plan, id };
  const files = sessionFiles(paths.sessions, id);
  const log = SessionLog.open(id, files.log);
  deps.onLog?.(log);
  try {
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
    // How checks get the project's dependencies (#22): decided on the base, logged, shown.
    const environment = await decideEnvironment(
      workspace.repoRoot,
      workspace.baseCommit,
      rememberedDependencyMode(trustFileBeside(paths.userConfig), workspace.repoRoot),
    );
    log.append({ type: 'environment', ...environment });
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
      {
        prepare: prepared.config.workspace,
        environment,
        preflight: prepared.preflight,
        toolSupportFile: paths.toolSupport,
        sharedPreflight: prepared.sharedPreflight,
      },
    );
    checkpointSession(paths, plan.id);
    return summary;
  } finally {
    log.close();
  }
}
