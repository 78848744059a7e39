import { z } from 'zod';
import { personaSchema, runOutcomeSchema, tokenTotalsSchema } from './session-status.js';

/**
 * The event stream of a session (DESIGN.md, typed API). Every event carries the session id and a
 * per-session monotonic `seq`, so a client that reconnects asks for "everything after N". The same
 * schemas validate events read back from a session log and events crossing a process boundary.
 */
/**
 * `cachedTokens`: the prompt tokens the server took from its prefix cache (OpenAI's
 * `usage.prompt_tokens_details.cached_tokens`, which mlx_lm.server reports); absent when the server
 * says nothing about its cache (older logs, servers without one).
 */
const usageSchema = z
  .object({
    promptTokens: z.int().nonnegative(),
    completionTokens: z.int().nonnegative(),
    cachedTokens: z.int().nonnegative().optional(),
  })
  .nullable();
const attempt = z.int().positive();
const toolProtocolSchema = z.enum(['native', 'text']);

const envelope = { session: z.string(), seq: z.int().nonnegative(), time: z.string() };

/**
 * What a session is to do and under which limits, fixed once when it starts and logged whole, so
 * resume and reply run exactly this (never today's factory.yaml). The check is either a command, or
 * the rule "run the entry file the Coder writes" (decided per attempt from the files it wrote).
 */
const checkRuleSchema = z.discriminatedUnion('kind', [
  z.object({ kind: z.literal('command'), command: z.string() }),
  z.object({ kind: z.literal('entry-file') }),
]);
const sessionPlanSchema = z.object({
  check: checkRuleSchema,
  limits: z.object({
    maxAttempts: z.int().positive(),
    executionTimeoutMs: z.number().positive(),
    llmTimeoutMs: z.number().positive(),
    maxTokensPerTurn: z.int().positive(),
    totalTokenBudget: z.int().positive(),
    temperature: z.number().nonnegative(),
    stagnationThreshold: z.int().positive(),
    maxPromptTokens: z.int().positive(),
  }),
  sandbox: z.enum(['auto', 'required']),
  /** Tests first (#16): the Coder writes acceptance tests that must fail on the base before the fix loop (absent: off). */
  testsFirst: z.boolean().optional(),
  /** Lint on edit (#16): touched files are syntax-checked in the sandbox before the check (absent: off, as before it existed). */
  lintOnEdit: z.boolean().optional(),
  checkLimits: z
    .object({
      memoryBytes: z.number().nonnegative().optional(),
      processes: z.int().positive().optional(),
      cpuSeconds: z.number().positive().optional(),
    })
    .optional(),
  /** Best of K (#16): this session is sibling `index` (0-based) of `size` on one task; absent = alone. */
  group: z.object({ id: z.string(), index: z.int().nonnegative(), size: z.int().min(2).max(8) }).optional(),
});
export type LoggedSessionPlan = z.infer<typeof sessionPlanSchema>;
const event = <T extends z.ZodRawShape>(shape: T) => z.object({ ...envelope, ...shape });

export const sessionEventSchema = z.discriminatedUnion('type', [
  event({
    type: z.literal('session.created'),
    task: z.object({
      name: z.string(),
      description: z.string(),
      constraints: z.array(z.string()),
      /** Legacy (logs before the plan was logged whole): the check as decided at the start. */
      check: z.string().optional(),
      files: z.array(z.string()),
    }),
    repo: z.string(),
    worktree: z.string(),
    /** The worktree's admin dir in the repository, recorded at creation (absent in logs from before it was). */
    gitDir: z.string().optional(),
    branch: z.string(),
    baseCommit: z.string(),
    baseBranch: z.string().nullable(),
    uncommittedNotIncluded: z.array(z.string()),
    /** Legacy (logs before the plan was logged whole; seconds): read only by src/api/session-plan.ts. */
    limits: z
      .object({
        maxAttempts: z.int(),
        executionTimeout: z.number(),
        llmTimeout: z.number(),
        totalTokenBudget: z.int(),
        maxPromptTokens: z.int(),
      })
      .optional(),
    /** The whole plan (absent in old logs: src/api/session-plan.ts upgrades them in one place). */
    plan: sessionPlanSchema.optional(),
    /** The process that runs the session (absent in old logs: meta.json had it). */
    pid: z.int().optional(),
  }),
  event({ type: z.literal('session.warning'), message: z.string() }),
  event({ type: z.literal('attempt.started'), attempt }),
  event({
    type: z.literal('turn.started'),
    attempt,
    persona: personaSchema,
    estimatedPromptTokens: z.int().nonnegative(),
    trimmed: z.array(z.object({ id: z.string(), fromChars: z.int(), toChars: z.int() })),
    /** A Coder turn that offered READ / SEARCH / LIST as OpenAI tools (`native`) or only as text lines (#17; absent: older logs, Sheriff turns). */
    tools: toolProtocolSchema.optional(),
  }),
  /**
   * The turn waits for the shared model: `position` turns of other sessions are served first, or
   * (`reason: 'memory'`) another turn at once would leave less free memory than the floor, and
   * `message` says how much (#17). Absent reason: an older log, a wait for turns.
   */
  event({
    type: z.literal('turn.queued'),
    position: z.int().nonnegative(),
    running: z.int().nonnegative(),
    waiting: z.int().nonnegative(),
    reason: z.enum(['turns', 'memory']).optional(),
    message: z.string().optional(),
  }),
  /** A turn held back for memory got the server after `waitedMs`: the wait is over (the header stops saying it). */
  event({ type: z.literal('turn.admitted'), waitedMs: z.int().nonnegative() }),
  event({ type: z.literal('token.delta'), attempt, persona: personaSchema, text: z.string() }),
  event({ type: z.literal('turn.retry'), attempt, persona: personaSchema, reason: z.string() }),
  event({
    type: z.literal('turn.finished'),
    attempt,
    persona: personaSchema,
    content: z.string(),
    usage: usageSchema,
    durationMs: z.number().nonnegative(),
    /** The model's tool calls (native, or written as `<tool_call>` text), as it made them (#17; absent: none). */
    toolCalls: z.array(z.object({ id: z.string(), name: z.string(), arguments: z.string() })).optional(),
  }),
  event({ type: z.literal('edit.rejected'), attempt, reasons: z.array(z.string()), correction: z.string() }),
  /** `paths`: the Coder's READ / SEARCH / LIST requests as it wrote them (`READ a.py 10-40`, `SEARCH x *.py`). */
  event({
    type: z.literal('read.answered'),
    attempt,
    paths: z.array(z.string()),
    /** Answered as `tool` messages to the model's tool calls, or in the next prompt (absent: older logs, text). */
    via: toolProtocolSchema.optional(),
  }),
  /**
   * How the Coder's READ / SEARCH / LIST reach the orchestrator in this run (#17): as OpenAI tools
   * (`native`) or as text lines (`text`, always understood). `source`: asked of the server now, remembered
   * from an earlier answer (the app's home), not asked (a model that is not a server, or a failed probe),
   * or `refused`: a turn with tools was refused, so the rest of the run uses text.
   */
  event({
    type: z.literal('tools.protocol'),
    protocol: toolProtocolSchema,
    reason: z.string(),
    source: z.enum(['probed', 'remembered', 'not-probed', 'refused']),
  }),
  event({ type: z.literal('commit'), attempt, step: z.int().positive(), sha: z.string(), files: z.array(z.string()) }),
  /** `pgid`: the check's process group, so a later look can tell whether anything of it still runs. */
  event({ type: z.literal('exec.started'), attempt, command: z.string(), sandbox: z.string(), pgid: z.int().positive().optional() }),
  event({ type: z.literal('exec.output'), attempt, stream: z.enum(['stdout', 'stderr']), chunk: z.string() }),
  event({
    type: z.literal('exec.finished'),
    attempt,
    exitCode: z.int().nullable(),
    signal: z.string().nullable(),
    timedOut: z.boolean(),
    durationMs: z.number().nonnegative(),
    output: z.string(),
    totalBytes: z.int().nonnegative(),
    truncated: z.boolean(),
  }),
  /**
   * Tests first: the Coder's acceptance tests were run with the check on the base. A run that exits 0 is
   * refused (the tests pass before any change, so they test nothing of the task; the files are put back);
   * a failing run keeps them as the session's "tests" step (`step`, `sha`).
   */
  event({
    type: z.literal('tests.refused'),
    attempt,
    files: z.array(z.string()),
    command: z.string(),
    exitCode: z.int().nullable(),
    timedOut: z.boolean(),
    durationMs: z.number().nonnegative(),
    output: z.string(),
    correction: z.string(),
  }),
  event({
    type: z.literal('tests.kept'),
    attempt,
    step: z.int().positive(),
    sha: z.string(),
    files: z.array(z.string()),
    command: z.string(),
    /** The check on the base plus these tests: non-zero (or timed out), or they would have been refused. */
    exitCode: z.int().nullable(),
    timedOut: z.boolean(),
    durationMs: z.number().nonnegative(),
    output: z.string(),
  }),
  /** Lint on edit: the files an edit touched are syntax-checked (in the sandbox) before the check. */
  event({ type: z.literal('lint.started'), attempt, files: z.array(z.string()) }),
  event({
    type: z.literal('lint.finished'),
    attempt,
    files: z.array(z.string()),
    /** Each error with its line (null: the tool named none). */
    errors: z.array(z.object({ file: z.string(), tool: z.string(), line: z.int().positive().nullable(), message: z.string() })),
    /** Files not linted, with why (no tool for the language here, over the size cap, the time budget spent). */
    skipped: z.array(z.object({ file: z.string(), reason: z.string() })),
    durationMs: z.number().nonnegative(),
    /** The correction sent back to the Coder (null: no error, or the attempt's 3 lint corrections are spent). */
    correction: z.string().nullable(),
  }),
  event({ type: z.literal('verdict'), attempt, verdict: z.enum(['PASS', 'FAIL', 'missing']), passed: z.boolean(), feedback: z.string() }),
  event({
    type: z.literal('session.finished'),
    status: runOutcomeSchema,
    reason: z.string(),
    attempts: z.int().nonnegative(),
    tokens: tokenTotalsSchema,
    headCommit: z.string(),
  }),
  // Workspace preparation (workspace.include / workspace.setup in factory.yaml).
  event({ type: z.literal('workspace.included'), copied: z.array(z.string()), missing: z.array(z.string()) }),
  event({ type: z.literal('setup.started'), command: z.string() }),
  event({ type: z.literal('setup.output'), stream: z.enum(['stdout', 'stderr']), chunk: z.string() }),
  event({
    type: z.literal('setup.finished'),
    command: z.string(),
    exitCode: z.int().nullable(),
    signal: z.string().nullable(),
    timedOut: z.boolean(),
    durationMs: z.number().nonnegative(),
    output: z.string(),
    truncated: z.boolean(),
  }),
  // Dependencies (#22): how the session's checks get the project's installed packages — the user's own
  // ignored folder read-only ("mine"), an install in the worktree ("install"), or nothing to do ("none").
  event({
    type: z.literal('environment'),
    ecosystem: z.string().nullable(),
    mode: z.enum(['mine', 'install', 'none']),
    /** The dependency folder, repository-relative (node_modules, .venv, vendor/bundle), if any. */
    folder: z.string().nullable(),
    /** The install command, for mode install (and the one used if the session changes the manifest). */
    command: z.string().nullable(),
    /** Repository-relative files whose change by the session means installing in the worktree. */
    manifests: z.array(z.string()),
    /** The line the app and the CLI show ("Environment: node_modules from your checkout (read-only)"). */
    line: z.string(),
  }),
  // The check run once on the base, in the sandbox, before the first Coder turn (#22).
  event({
    type: z.literal('preflight'),
    command: z.string(),
    /** passes: already exits 0; fails: fails as a check should before the change; environment: cannot run (stops the session); skipped: --no-preflight. */
    outcome: z.enum(['passes', 'fails', 'environment', 'skipped']),
    exitCode: z.int().nullable(),
    timedOut: z.boolean(),
    durationMs: z.number().nonnegative(),
    /** One plain sentence for the user (for environment: the cause and the fix). */
    message: z.string(),
    output: z.string(),
  }),
  // Review and take: the session branch moved back (dropped commits kept under archiveRef), merged, discarded.
  event({
    type: z.literal('rollback'),
    toStep: z.int().nonnegative(),
    toCommit: z.string(),
    fromCommit: z.string(),
    archiveRef: z.string(),
    /** Uncommitted work found in the worktree, kept as a commit under this ref (null: there was none). */
    wipRef: z.string().nullable(),
  }),
  event({
    type: z.literal('merge'),
    target: z.string(),
    targetBefore: z.string(),
    targetAfter: z.string(),
    sessionHead: z.string(),
    /** The commit the three-way merge used as its base. */
    base: z.string(),
    squash: z.boolean(),
    files: z.array(z.string()),
    /** The user's folder whose working tree was fast-forwarded (null: the branch was not checked out). */
    checkout: z.string().nullable(),
    worktreeRemoved: z.boolean(),
  }),
  event({
    type: z.literal('discard'),
    archiveRef: z.string().nullable(),
    headCommit: z.string().nullable(),
    wipRef: z.string().nullable(),
    worktreeRemoved: z.boolean(),
    branchDeleted: z.boolean(),
  }),
  // Crash safety: a run whose process died, and its continuation.
  event({
    type: z.literal('session.interrupted'),
    reason: z.string(),
    pid: z.int().nullable(),
    lastAttempt: z.int().nonnegative(),
    lastStep: z.int().nonnegative(),
  }),
  event({
    type: z.literal('session.resumed'),
    pid: z.int(),
    fromAttempt: z.int().positive(),
    fromStep: z.int().nonnegative(),
    /** The worktree folder was gone and was made again from the session branch. */
    worktreeRestored: z.boolean(),
    /** Half-done work of the interrupted attempt, kept as a commit under this ref (null: none). */
    droppedRef: z.string().nullable(),
  }),
  /**
   * The user talked back (a reply, "Continue from here", "Request changes"): the loop runs again in the
   * same worktree and branch as a new attempt series, counting attempts and tokens afresh under the
   * logged plan's limits. Attempt numbers start again at 1; step numbers go on.
   */
  event({
    type: z.literal('series.started'),
    series: z.int().min(2),
    instruction: z.string(),
    /** The step the branch was at when the series started. */
    fromStep: z.int().nonnegative(),
    pid: z.int(),
    worktreeRestored: z.boolean(),
    /** Uncommitted work found in the worktree, kept as a commit under this ref (null: none). */
    droppedRef: z.string().nullable(),
    /** The review comments this series was asked to address ("Request changes"). */
    comments: z.array(z.string()).optional(),
  }),
  /**
   * The reviewer reverted one file, or one hunk of it, of the session's changes against its base (#21):
   * a commit on the session branch like any step ("Reverted …" in `label`), so it rolls back like one.
   * `hunk` is the reverted hunk as `git diff -U0` numbered it (null: the whole file).
   */
  event({
    type: z.literal('review.reverted'),
    step: z.int().positive(),
    sha: z.string(),
    files: z.array(z.string()),
    file: z.string(),
    hunk: z
      .object({
        oldStart: z.int().nonnegative(),
        oldLines: z.int().nonnegative(),
        newStart: z.int().nonnegative(),
        newLines: z.int().nonnegative(),
      })
      .nullable(),
    label: z.string(),
  }),
  /**
   * A "Viewed" mark on a changed file, tied to the file's blob in the session's head when it was marked:
   * once the file changes again its blob differs and the mark no longer counts. `blob: null` unmarks.
   */
  event({ type: z.literal('review.viewed'), file: z.string(), blob: z.string().nullable() }),
  /** A review comment on lines of a file as the session branch had it (select lines in the diff → comment). */
  event({
    type: z.literal('review.comment'),
    commentId: z.string(),
    file: z.string(),
    startLine: z.int().positive(),
    endLine: z.int().positive(),
    /** The commented lines as they were (capped). */
    quote: z.string(),
    text: z.string(),
    headCommit: z.string(),
  }),
  /**
   * The base branch was merged into the session branch (a merge commit, built without a checkout and
   * then put in the worktree): the session's diff is against `toBase` from now on.
   */
  event({
    type: z.literal('base.updated'),
    branch: z.string(),
    fromBase: z.string(),
    toBase: z.string(),
    mergeCommit: z.string(),
    files: z.array(z.string()),
  }),
  /**
   * The session branch was pushed (the user's action, with their credentials; never forced). `url` is the
   * remote's URL with any credentials taken out.
   */
  event({
    type: z.literal('push'),
    remote: z.string(),
    url: z.string(),
    branch: z.string(),
    commit: z.string(),
    outcome: z.enum(['pushed', 'up-to-date']),
  }),
  /**
   * A pull request for the pushed branch: opened with the GitHub CLI (`via: 'gh'`, with what `gh pr view`
   * said) or handed to the user as the host's compare page (`via: 'compare'`: nothing is known about it).
   */
  event({
    type: z.literal('pr'),
    via: z.enum(['gh', 'compare']),
    url: z.string(),
    base: z.string(),
    branch: z.string(),
    draft: z.boolean(),
    number: z.int().positive().nullable(),
    state: z.string().nullable(),
    checks: z.object({ passing: z.int().nonnegative(), failing: z.int().nonnegative(), pending: z.int().nonnegative() }).nullable(),
  }),
  /**
   * The user's "Run" (#21): `workspace.run` started in the worktree, in the sandbox with the network,
   * with PORT = `port`, a free port of the session's own `range` (kept for its later runs). `pgid`: the
   * process group it leads; `pid`: the process that runs and stops it (the app's host, or a terminal's
   * `sessions run`). Its output is not logged (a dev server prints without end): clients get it live.
   */
  event({
    type: z.literal('run.started'),
    command: z.string(),
    port: z.int().min(1).max(65535),
    range: z.object({ first: z.int().min(1).max(65535), last: z.int().min(1).max(65535) }),
    pgid: z.int().positive(),
    pid: z.int().positive(),
    sandbox: z.string(),
  }),
  /** The run ended: `reason` stop (the user), exited (on its own), merged, discarded, quit (the app or terminal ended). */
  event({
    type: z.literal('run.stopped'),
    reason: z.enum(['stop', 'exited', 'merged', 'discarded', 'quit']),
    exitCode: z.int().nullable(),
    signal: z.string().nullable(),
    durationMs: z.number().nonnegative(),
    /** Nothing of its process tree is left (false: a process survived the kill; the message names it). */
    treeGone: z.boolean(),
  }),
  /** The model server chosen for a resume or reply (the plan fixes everything else). */
  event({ type: z.literal('plan.server'), url: z.string().nullable(), model: z.string().nullable() }),
  /**
   * The server counted far fewer prompt tokens than we sent (`reported` vs our `estimated`): it cut the
   * prompt to its context length (`contextLength`, null when it publishes none). Logged once a session.
   */
  event({
    type: z.literal('prompt.cut'),
    attempt,
    persona: personaSchema,
    estimated: z.int().nonnegative(),
    reported: z.int().nonnegative(),
    contextLength: z.int().positive().nullable(),
    message: z.string(),
  }),
  /** The repository was moved; the session now points at its new folder. */
  event({ type: z.literal('session.relocated'), from: z.string(), to: z.string() }),
  /** Something a check left behind tried to reach past the sandbox and was undone (e.g. a rewritten `.git` pointer). */
  event({ type: z.literal('security.event'), kind: z.enum(['git-pointer-restored']), message: z.string() }),
]);

export type SessionEvent = z.infer<typeof sessionEventSchema>;
type SessionEventType = SessionEvent['type'];
export type EventOf<T extends SessionEventType> = Extract<SessionEvent, { type: T }>;
/** An event before the log stamps it with session, seq and time. */
export type SessionEventPayload = SessionEvent extends infer E
  ? E extends SessionEvent
    ? Omit<E, 'session' | 'seq' | 'time'>
    : never
  : never;
