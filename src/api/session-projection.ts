import type { EventOf, SessionEvent } from './events.js';
import type { Persona, RunOutcome, SessionState, TokenTotals } from './session-status.js';
import { countTokens, emptyTokenCount, tokenTotals, type TokenCount } from './token-count.js';
import { upgradeCreated, type SessionPlanRecord } from './session-plan.js';
import { lastNonEmptyLine } from './last-line.js';

/**
 * The one projection of a session's log (DESIGN.md, typed API): `project(state, event) → state`,
 * pure (no Node, no DOM) and immutable — an event returns a new state that shares every part it did
 * not change — so the store, the CLI, resume and reply, the host and the renderer all read the same
 * `Session` from the same events, applied incrementally as lines are appended. Nothing else folds a
 * log: a surface that needs a figure adds it here.
 */

type Verdict = 'PASS' | 'FAIL' | 'missing';

/** A commit the session made (one per applied edit), with what became of it. */
export interface SessionStep {
  readonly step: number;
  readonly series: number;
  readonly attempt: number;
  readonly sha: string;
  readonly files: readonly string[];
  readonly time: string;
  /** The step that was the branch's tip when this one was made (0: the base). */
  readonly parent: number;
  /** The check that ran on this step's attempt (null: none ran yet, or the attempt ended before it). */
  readonly check: { readonly exitCode: number | null; readonly timedOut: boolean } | null;
  readonly verdict: Verdict | null;
  /** The attempt passed (check exit 0 and PASS); null while no verdict. */
  readonly passed: boolean | null;
  /** Tests first: this step is the kept acceptance tests (the session's "tests" step). */
  readonly tests: boolean;
  /** Tests first: kept acceptance test files this step changed or deleted (a later edit of them is marked in the review). */
  readonly testsChanged: readonly string[];
  /** A reviewer's step ("Reverted app.py, lines 3–5"); null for the Coder's own commits. */
  readonly label: string | null;
}

/** Tests first (#16): the acceptance tests kept, and their run on the base (it failed, or they were refused). */
interface KeptTestsRecord {
  readonly files: readonly string[];
  readonly step: number;
  readonly sha: string;
  readonly command: string;
  readonly exitCode: number | null;
  readonly timedOut: boolean;
  /** The tail of that run's output (what the Sheriff is shown as the failing run on the base). */
  readonly output: string;
}

/** One attempt of one series, as the Coder's memory lines and the review describe it. */
export interface AttemptRecord {
  readonly series: number;
  readonly attempt: number;
  readonly edited: readonly string[];
  /** null: the check did not run. */
  readonly exit: { readonly exitCode: number | null; readonly timedOut: boolean; readonly durationMs: number } | null;
  /** The last line of the check's output that is not blank (the error, usually), capped. */
  readonly errorLine: string;
  readonly verdict: Verdict | null;
  readonly passed: boolean | null;
}

/** An attempt series: the first run is 1; each reply, "Continue from here" or "Request changes" starts the next. */
interface SeriesRecord {
  readonly series: number;
  /** The user's instruction (null for the first run, which follows the task). */
  readonly instruction: string | null;
  readonly fromStep: number;
  readonly attempts: number;
  readonly outcome: RunOutcome | null;
  /** The series' steps were taken off the branch by a later rollback. */
  readonly rolledBack: boolean;
  readonly tokens: TokenTotals;
}

type CommentState = 'open' | 'sent' | 'resolved';

export interface ReviewComment {
  readonly id: string;
  readonly file: string;
  readonly startLine: number;
  readonly endLine: number;
  readonly quote: string;
  readonly text: string;
  readonly headCommit: string;
  readonly time: string;
  /** open → sent ("Request changes" started a series with it) → resolved (that series ended). */
  readonly state: CommentState;
  /** The series that was asked to address it (null while open). */
  readonly series: number | null;
}

/** A model turn that started and has not ended (ended by turn.finished, an error, the end or the death of its process). */
interface TurnInProgress {
  readonly series: number;
  readonly attempt: number;
  readonly persona: Persona;
  readonly startedAt: string;
  readonly estimatedPromptTokens: number;
}

type Stripped<T extends SessionEvent['type']> = Omit<EventOf<T>, 'type' | 'session' | 'seq'>;
type PromptCut = Stripped<'prompt.cut'>;
type ToolProtocolRecord = Omit<Stripped<'tools.protocol'>, 'time'>;
type MergeRecord = Stripped<'merge'>;
type DiscardRecord = Stripped<'discard'>;
type BaseUpdate = Stripped<'base.updated'>;
type PushRecord = Stripped<'push'>;
type PullRequestRecord = Stripped<'pr'>;
/** The session's run script (#21): the latest run, whether it still runs, and how it ended. */
interface RunRecord {
  readonly state: 'running' | 'stopped';
  readonly command: string;
  readonly port: number;
  /** The session's port range (the same for each of its runs). */
  readonly range: { readonly first: number; readonly last: number };
  readonly pgid: number;
  /** The process that runs it (the app's host or a terminal's `sessions run`). */
  readonly pid: number;
  readonly startedAt: string;
  readonly stoppedAt: string | null;
  readonly stopReason: Stripped<'run.stopped'>['reason'] | 'gone' | null;
  readonly exitCode: number | null;
  readonly signal: string | null;
}
interface RollbackRecord extends Stripped<'rollback'> {
  /** Forward to dropped steps ("Restore") rather than back. */
  readonly restore: boolean;
  /** Steps that left the branch (back) or came back to it (restore). */
  readonly stepsMoved: number;
}

interface LastVerdict {
  readonly series: number;
  readonly attempt: number;
  readonly verdict: Verdict;
  readonly passed: boolean;
  readonly feedback: string;
}

type SessionEnvironmentRecord = Omit<Extract<SessionEvent, { type: 'environment' }>, 'type' | 'session' | 'seq' | 'time'>;
type PreflightRecord = Omit<Extract<SessionEvent, { type: 'preflight' }>, 'type' | 'session' | 'seq' | 'time' | 'output'>;

export interface Session {
  readonly id: string;
  readonly task: {
    readonly name: string;
    readonly description: string;
    readonly constraints: readonly string[];
    readonly files: readonly string[];
    /** The check as it really ran (with the "entry file" rule: the last run's command; '' before one ran). */
    readonly check: string;
  };
  /** Every value decided when the session started (check, limits in ms, sandbox); resume and reply run exactly this. */
  readonly plan: SessionPlanRecord;
  readonly repo: string;
  readonly worktree: string;
  /** The worktree's admin dir as recorded at creation (null in logs from before it was recorded). */
  readonly gitDir: string | null;
  readonly branch: string;
  readonly baseBranch: string | null;
  /** The latest recorded base (the creation's, or the last update from the base branch). */
  readonly baseCommit: string;
  readonly uncommittedNotIncluded: readonly string[];
  readonly createdAt: string;
  readonly updatedAt: string;
  readonly lastSeq: number;

  /** Lifecycle: running, interrupted, how the latest run ended, merged (kept after cleanup) or discarded. */
  readonly state: SessionState;
  /** How the latest run ended (kept through merge and cleanup; null while the first run has not ended). */
  readonly outcome: RunOutcome | null;
  readonly reason: string;
  /** The process the log says runs the session (null when none should). */
  readonly pid: number | null;

  readonly series: number;
  /** Attempts of the latest series (the last one started). */
  readonly attempts: number;
  /** Attempts of every series. */
  readonly totalAttempts: number;
  readonly seriesList: readonly SeriesRecord[];
  readonly attemptLog: readonly AttemptRecord[];
  /** Tokens of the latest series, as the loop's budget counts them. */
  readonly tokens: TokenTotals;
  readonly totalTokens: TokenTotals;
  readonly turn: TurnInProgress | null;
  /** Waiting for the shared model: how many turns of other sessions go first (null: not waiting). */
  readonly queued: number | null;
  /** Why the turn waits when it is not for other turns: "waiting for memory: …" (null: not held back by memory). */
  readonly waitingFor: string | null;
  readonly server: { readonly url: string | null; readonly model: string | null } | null;

  /** Where the session branch is, as far as the log knows. */
  readonly headCommit: string;
  /** Every step the session made, including ones a rollback dropped. */
  readonly steps: readonly SessionStep[];
  /** The steps on the branch now, oldest first. */
  readonly currentSteps: readonly number[];
  /** Rolled back to this step and not checked since (null: not rolled back, or back to a commit a check passed). */
  readonly rolledBackTo: number | null;
  readonly rollbacks: readonly RollbackRecord[];
  readonly baseUpdates: readonly BaseUpdate[];
  readonly merges: readonly MergeRecord[];
  /** The session branch's head at the last merge (null: never merged). */
  readonly mergedHead: string | null;
  /** The worktree (and, after a discard, the branch) was removed after a merge: "Merged", cleaned up. */
  readonly cleanedUp: boolean;
  readonly discard: DiscardRecord | null;
  readonly comments: readonly ReviewComment[];
  /**
   * "Viewed" marks: file → its blob in the session's head when marked. A mark counts only while the
   * file's blob is still that one, so it clears by itself when the file changes again (a step, a revert,
   * an update from the base) — kept here, in the log, because the log is the session's only truth.
   */
  readonly viewed: Readonly<Record<string, string>>;
  /** Every push of the session branch, oldest first. */
  readonly pushes: readonly PushRecord[];
  /** The session's pull request as last seen (null: none opened). */
  readonly pullRequest: PullRequestRecord | null;
  /** The run script's latest run (null: never run). */
  readonly run: RunRecord | null;
  readonly lastVerdict: LastVerdict | null;
  readonly warnings: readonly string[];
  /** Tests first: the kept acceptance tests (null: none kept, or the session does not write tests first). */
  readonly tests: KeptTestsRecord | null;
  /** Tests first: rounds of tests refused because they passed on the base. */
  readonly testsRefused: number;
  /** Lint on edit: lint runs, and the corrections they sent back to the Coder (no attempt spent on them). */
  readonly lint: { readonly runs: number; readonly corrections: number };
  /** How checks get the project's dependencies (#22; null in logs from before it was logged). */
  readonly environment: SessionEnvironmentRecord | null;
  /** The check's run on the base before the first attempt (null: not run, or an older log). */
  readonly preflight: PreflightRecord | null;
  /**
   * The server's prefix cache over every turn whose usage said how much of its prompt came from it:
   * `cachedTokens` of `promptTokens` (the cached share). `turns` 0: the server never said.
   */
  readonly promptCache: { readonly promptTokens: number; readonly cachedTokens: number; readonly turns: number };
  /** The server cut a prompt to its context length (logged once a session; null: never seen). */
  readonly promptCut: PromptCut | null;
  /** How the Coder's READ / SEARCH / LIST went to the model in the latest run (#17; null: not logged, older logs). */
  readonly toolProtocol: ToolProtocolRecord | null;

  /** The Coder's memory of the latest series (resume and reply continue from it). */
  readonly memory: {
    readonly feedback: string | null;
    readonly failureTail: string | null;
    readonly lastCoderReply: string | null;
  };
  /** Book-keeping of the fold (not for display). */
  readonly fold: {
    readonly tokenCount: TokenCount;
    /** Tokens of the series before the latest one. */
    readonly earlierTokens: TokenTotals;
    /** Commits a check passed on as they are (the head at a passing verdict). */
    readonly passedHeads: readonly string[];
    /** Steps of the latest series' attempt in progress that wait for their check / verdict. */
    readonly openSteps: readonly number[];
    /** The series whose `series.started` carried review comments, until it ends. */
    readonly commentSeries: number | null;
    /** The tail of the check's output in the attempt in progress (the failure tail if the verdict fails). */
    readonly execTail: string | null;
    /** The Coder's latest reply in the attempt in progress (memory's once the attempt is done). */
    readonly coderReply: string | null;
    /** The attempt in progress (0: none yet in this series). */
    readonly attempt: number;
  };
}

/** A log that cannot be one session (a second `session.created`, events before the first). */
export class SessionLogConflict extends Error {
  readonly code = 'SESSION_LOG_CONFLICT';
}

const ERROR_LINE_CHARS = 160;
const FAILURE_TAIL_CHARS = 4000;
const FEEDBACK_CHARS = 4000;
const MAX_WARNINGS = 50;

/** The state a log's first event makes. */
function startSession(created: EventOf<'session.created'>): Session {
  const upgraded = upgradeCreated(created);
  return {
    id: created.session,
    task: { ...upgraded.task, check: upgraded.plan.check.kind === 'command' ? upgraded.plan.check.command : '' },
    plan: upgraded.plan,
    repo: created.repo,
    worktree: created.worktree,
    gitDir: created.gitDir ?? null,
    branch: created.branch,
    baseBranch: created.baseBranch,
    baseCommit: created.baseCommit,
    uncommittedNotIncluded: created.uncommittedNotIncluded,
    createdAt: created.time,
    updatedAt: created.time,
    lastSeq: created.seq,
    state: 'running',
    outcome: null,
    reason: '',
    pid: created.pid ?? null,
    series: 1,
    attempts: 0,
    totalAttempts: 0,
    seriesList: [{ series: 1, instruction: null, fromStep: 0, attempts: 0, outcome: null, rolledBack: false, tokens: zero() }],
    attemptLog: [],
    tokens: zero(),
    totalTokens: zero(),
    turn: null,
    queued: null,
    waitingFor: null,
    server: null,
    headCommit: created.baseCommit,
    steps: [],
    currentSteps: [],
    rolledBackTo: null,
    rollbacks: [],
    baseUpdates: [],
    merges: [],
    mergedHead: null,
    cleanedUp: false,
    discard: null,
    comments: [],
    viewed: {},
    pushes: [],
    pullRequest: null,
    run: null,
    lastVerdict: null,
    warnings: [],
    tests: null,
    testsRefused: 0,
    lint: { runs: 0, corrections: 0 },
    environment: null,
    preflight: null,
    promptCache: { promptTokens: 0, cachedTokens: 0, turns: 0 },
    promptCut: null,
    toolProtocol: null,
    memory: { feedback: null, failureTail: null, lastCoderReply: null },
    fold: {
      tokenCount: emptyTokenCount(),
      earlierTokens: zero(),
      passedHeads: [],
      openSteps: [],
      commentSeries: null,
      execTail: null,
      coderReply: null,
      attempt: 0,
    },
  };
}

/** `state` null: the event must be the log's `session.created`. */
export function project(state: Session | null, e: SessionEvent): Session {
  if (state === null) {
    if (e.type !== 'session.created') throw new SessionLogConflict(`The log of session ${e.session} does not start with session.created.`);
    return startSession(e);
  }
  if (e.type === 'session.created')
    throw new SessionLogConflict(
      `The log of session ${state.id} holds a second session.created (seq ${e.seq}): two runs wrote into one session. It is refused rather than merged into one.`,
    );
  const s = withTokens({ ...state, updatedAt: e.time, lastSeq: e.seq }, e);
  switch (e.type) {
    case 'attempt.started':
      return startAttempt(s, e.attempt);
    case 'turn.queued':
      return { ...s, queued: e.position, waitingFor: e.reason === 'memory' ? `waiting for memory: ${e.message ?? ''}`.trim() : null };
    case 'turn.admitted':
      return { ...s, queued: null, waitingFor: null };
    case 'turn.started':
      return {
        ...s,
        queued: null,
        waitingFor: null,
        turn: {
          series: s.series,
          attempt: e.attempt,
          persona: e.persona,
          startedAt: e.time,
          estimatedPromptTokens: e.estimatedPromptTokens,
        },
      };
    case 'turn.finished':
      return {
        ...s,
        turn: null,
        // A turn held for memory is logged after turn.started: its end is when the wait is surely over.
        waitingFor: null,
        promptCache: addCached(s.promptCache, e.usage),
        fold: e.persona === 'coder' ? { ...s.fold, coderReply: e.content } : s.fold,
      };
    case 'tools.protocol':
      return { ...s, toolProtocol: { protocol: e.protocol, reason: e.reason, source: e.source } };
    case 'prompt.cut':
      return s.promptCut === null ? { ...s, promptCut: strip(e) } : s;
    case 'commit':
      return addStep(s, e);
    case 'review.reverted':
      return addReviewStep(s, e);
    case 'review.viewed': {
      const { [e.file]: _was, ...rest } = s.viewed;
      return { ...s, viewed: e.blob === null ? rest : { ...rest, [e.file]: e.blob } };
    }
    case 'exec.started':
      return s.plan.check.kind === 'entry-file' ? { ...s, task: { ...s.task, check: e.command } } : s;
    case 'exec.finished':
      return finishExec(s, e);
    case 'verdict':
      return addVerdict(s, e);
    case 'session.finished':
      return finishRun(s, e);
    case 'session.interrupted':
      return { ...s, state: 'interrupted', reason: e.reason, pid: null, turn: null, queued: null, waitingFor: null };
    case 'session.resumed':
      return { ...s, state: 'running', reason: '', pid: e.pid, turn: null, queued: null, waitingFor: null };
    case 'series.started':
      return startSeries(s, e);
    case 'plan.server':
      return { ...s, server: { url: e.url, model: e.model } };
    case 'rollback':
      return rollBack(s, e);
    case 'base.updated':
      return {
        ...s,
        baseCommit: e.toBase,
        headCommit: e.mergeCommit,
        baseUpdates: [...s.baseUpdates, strip(e)],
      };
    case 'merge':
      return {
        ...s,
        state: 'merged',
        reason: `Merged into ${e.target} (${e.targetAfter.slice(0, 8)}).`,
        merges: [...s.merges, strip(e)],
        mergedHead: e.sessionHead,
        cleanedUp: s.cleanedUp || e.worktreeRemoved,
      };
    case 'discard':
      return discard(s, e);
    case 'review.comment':
      return {
        ...s,
        comments: [
          ...s.comments,
          {
            id: e.commentId,
            file: e.file,
            startLine: e.startLine,
            endLine: e.endLine,
            quote: e.quote,
            text: e.text,
            headCommit: e.headCommit,
            time: e.time,
            state: 'open',
            series: null,
          },
        ],
      };
    case 'push':
      return { ...s, pushes: [...s.pushes, strip(e)] };
    case 'pr':
      return { ...s, pullRequest: strip(e) };
    case 'run.started':
      return {
        ...s,
        run: {
          state: 'running',
          command: e.command,
          port: e.port,
          range: e.range,
          pgid: e.pgid,
          pid: e.pid,
          startedAt: e.time,
          stoppedAt: null,
          stopReason: null,
          exitCode: null,
          signal: null,
        },
      };
    case 'run.stopped':
      return s.run === null
        ? s
        : { ...s, run: { ...s.run, state: 'stopped', stoppedAt: e.time, stopReason: e.reason, exitCode: e.exitCode, signal: e.signal } };
    case 'session.relocated':
      return { ...s, repo: e.to };
    case 'environment': {
      const { type: _t, session: _s, seq: _q, time: _m, ...environment } = e;
      return { ...s, environment };
    }
    case 'preflight': {
      const { type: _t, session: _s, seq: _q, time: _m, output: _o, ...preflight } = e;
      return { ...s, preflight };
    }
    case 'session.warning':
      return s.warnings.length >= MAX_WARNINGS ? s : { ...s, warnings: [...s.warnings, e.message] };
    case 'tests.kept':
      return keepTests(s, e);
    case 'tests.refused':
      return { ...s, testsRefused: s.testsRefused + 1 };
    case 'lint.finished':
      return { ...s, lint: { runs: s.lint.runs + 1, corrections: s.lint.corrections + (e.correction !== null ? 1 : 0) } };
    default:
      return s;
  }
}

/** Every event of a log, in order (the first must be `session.created`). */
export function projectAll(events: readonly SessionEvent[]): Session {
  let state: Session | null = null;
  for (const e of events) state = project(state, e);
  if (state === null) throw new SessionLogConflict('The log is empty.');
  return state;
}

const TOKEN_EVENTS: ReadonlySet<SessionEvent['type']> = new Set([
  'turn.started',
  'turn.finished',
  'series.started',
  'session.finished',
  'session.resumed',
]);

function withTokens(s: Session, e: SessionEvent): Session {
  if (!TOKEN_EVENTS.has(e.type)) return s;
  const earlierTokens = e.type === 'series.started' ? add(s.fold.earlierTokens, s.tokens) : s.fold.earlierTokens;
  const tokenCount = { ...s.fold.tokenCount };
  countTokens(tokenCount, e);
  // The loop's own figure is the truth once a run ends (it is what its summary printed).
  const tokens = e.type === 'session.finished' ? e.tokens : tokenTotals(tokenCount);
  if (e.type === 'session.finished')
    Object.assign(tokenCount, { prompt: e.tokens.prompt, completion: e.tokens.completion, pendingEstimate: null });
  return {
    ...s,
    tokens,
    totalTokens: add(earlierTokens, tokens),
    seriesList: replaceLast(s.seriesList, (r) => ({ ...r, tokens })),
    fold: { ...s.fold, tokenCount, earlierTokens },
  };
}

function startAttempt(s: Session, attempt: number): Session {
  // A resumed session starts the interrupted attempt again: what its first try left (but its commits) is forgotten.
  const log = s.attemptLog.filter((a) => !(a.series === s.series && a.attempt === attempt));
  const kept = s.attemptLog.find((a) => a.series === s.series && a.attempt === attempt);
  const attempts = Math.max(s.attempts, attempt);
  return {
    ...s,
    attempts,
    totalAttempts: s.totalAttempts + (attempts - s.attempts),
    attemptLog: [...log, { series: s.series, attempt, edited: kept?.edited ?? [], exit: null, errorLine: '', verdict: null, passed: null }],
    seriesList: replaceLast(s.seriesList, (r) => ({ ...r, attempts })),
    // A later attempt: the one before is done, its reply is the one a repeat is compared with. The same
    // attempt again (a resume) starts over: what its cut-off try said is forgotten.
    memory: attempt > s.fold.attempt ? doneReply(s) : s.memory,
    fold: { ...s.fold, execTail: null, coderReply: null, attempt },
  };
}

function doneReply(s: Session): Session['memory'] {
  return s.fold.coderReply === null ? s.memory : { ...s.memory, lastCoderReply: s.fold.coderReply };
}

/** A new step on the branch (a Coder's commit or a reviewer's revert), after the current ones, not yet checked. */
function withStep(
  s: Session,
  e: { readonly step: number; readonly sha: string; readonly files: SessionStep['files']; readonly time: string },
  of: Pick<SessionStep, 'attempt' | 'testsChanged' | 'label'>,
): Session {
  const step: SessionStep = {
    step: e.step,
    series: s.series,
    attempt: of.attempt,
    sha: e.sha,
    files: e.files,
    time: e.time,
    parent: s.currentSteps.at(-1) ?? 0,
    check: null,
    verdict: null,
    passed: null,
    tests: false,
    testsChanged: of.testsChanged,
    label: of.label,
  };
  return { ...s, steps: [...s.steps, step], currentSteps: [...s.currentSteps, e.step], headCommit: e.sha };
}

function addStep(s: Session, e: EventOf<'commit'>): Session {
  const testsChanged = s.tests === null ? [] : e.files.filter((f) => s.tests?.files.includes(f) === true);
  return {
    ...withStep(s, e, { attempt: e.attempt, testsChanged, label: null }),
    attemptLog: updateAttempt(s, e.attempt, (a) => ({ ...a, edited: union(a.edited, e.files) })),
    fold: { ...s.fold, openSteps: [...s.fold.openSteps, e.step] },
  };
}

/**
 * A reviewer's revert: a step on the branch like the Coder's, but of no attempt — no check will run for
 * it, so it does not wait for one (openSteps) and adds nothing to the attempt's edits.
 */
function addReviewStep(s: Session, e: EventOf<'review.reverted'>): Session {
  return withStep(s, e, { attempt: s.attemptLog.at(-1)?.attempt ?? 1, testsChanged: [], label: e.label });
}

function keepTests(s: Session, e: EventOf<'tests.kept'>): Session {
  return {
    ...s,
    tests: {
      files: e.files,
      step: e.step,
      sha: e.sha,
      command: e.command,
      exitCode: e.exitCode,
      timedOut: e.timedOut,
      output: e.output.slice(-FAILURE_TAIL_CHARS),
    },
    steps: s.steps.map((x) => (x.step === e.step ? { ...x, tests: true } : x)),
  };
}

function finishExec(s: Session, e: EventOf<'exec.finished'>): Session {
  const check = { exitCode: e.exitCode, timedOut: e.timedOut };
  const open = new Set(s.fold.openSteps.filter((n) => s.steps.find((x) => x.step === n)?.attempt === e.attempt));
  return {
    ...s,
    steps: open.size === 0 ? s.steps : s.steps.map((x) => (open.has(x.step) && x.check === null ? { ...x, check } : x)),
    attemptLog: updateAttempt(s, e.attempt, (a) => ({
      ...a,
      exit: { ...check, durationMs: e.durationMs },
      errorLine: lastNonEmptyLine(e.output).slice(0, ERROR_LINE_CHARS),
    })),
    fold: { ...s.fold, execTail: e.output.slice(-FAILURE_TAIL_CHARS) },
  };
}

function addVerdict(s: Session, e: EventOf<'verdict'>): Session {
  const open = new Set(s.fold.openSteps.filter((n) => s.steps.find((x) => x.step === n)?.attempt === e.attempt));
  const passedHeads = e.passed && !s.fold.passedHeads.includes(s.headCommit) ? [...s.fold.passedHeads, s.headCommit] : s.fold.passedHeads;
  const failed = !e.passed;
  return {
    ...s,
    rolledBackTo: null,
    steps: open.size === 0 ? s.steps : s.steps.map((x) => (open.has(x.step) ? { ...x, verdict: e.verdict, passed: e.passed } : x)),
    attemptLog: updateAttempt(s, e.attempt, (a) => ({ ...a, verdict: e.verdict, passed: e.passed })),
    lastVerdict: { series: s.series, attempt: e.attempt, verdict: e.verdict, passed: e.passed, feedback: e.feedback },
    memory: failed
      ? { ...doneReply(s), feedback: e.feedback.slice(0, FEEDBACK_CHARS), failureTail: s.fold.execTail ?? s.memory.failureTail }
      : doneReply(s),
    fold: { ...s.fold, passedHeads, openSteps: s.fold.openSteps.filter((n) => !open.has(n)), coderReply: null },
  };
}

function finishRun(s: Session, e: EventOf<'session.finished'>): Session {
  const resolving = s.fold.commentSeries;
  return {
    ...s,
    state: e.status,
    outcome: e.status,
    reason: e.reason,
    // The loop's own count is the truth once a run ends (it is what its summary printed).
    attempts: e.attempts,
    totalAttempts: s.totalAttempts + e.attempts - s.attempts,
    pid: null,
    turn: null,
    queued: null,
    waitingFor: null,
    headCommit: e.headCommit,
    seriesList: replaceLast(s.seriesList, (r) => ({ ...r, outcome: e.status, attempts: e.attempts })),
    comments:
      resolving === null
        ? s.comments
        : s.comments.map((c) => (c.series === resolving && c.state === 'sent' ? { ...c, state: 'resolved' as const } : c)),
    fold: { ...s.fold, openSteps: [], commentSeries: null },
  };
}

function startSeries(s: Session, e: EventOf<'series.started'>): Session {
  const ids = new Set(e.comments ?? []);
  return {
    ...s,
    state: 'running',
    reason: '',
    pid: e.pid,
    turn: null,
    series: e.series,
    attempts: 0,
    seriesList: [
      ...s.seriesList,
      { series: e.series, instruction: e.instruction, fromStep: e.fromStep, attempts: 0, outcome: null, rolledBack: false, tokens: zero() },
    ],
    comments: ids.size === 0 ? s.comments : s.comments.map((c) => (ids.has(c.id) ? { ...c, state: 'sent' as const, series: e.series } : c)),
    memory: { ...s.memory, feedback: null, failureTail: null },
    fold: { ...s.fold, openSteps: [], commentSeries: ids.size === 0 ? null : e.series, attempt: 0, coderReply: null },
  };
}

function rollBack(s: Session, e: EventOf<'rollback'>): Session {
  const line = lineOf(s.steps, e.toStep);
  const restore = line.length > s.currentSteps.length && s.currentSteps.every((n, i) => line[i] === n);
  const stepsMoved = Math.abs(line.length - s.currentSteps.length) + countDiverging(s.currentSteps, line);
  const onLine = new Set(line);
  // A series none of whose steps is on the branch any more was rolled back; its comments are open again.
  const seriesList = s.seriesList.map((r) => {
    const own = s.steps.filter((x) => x.series === r.series);
    return { ...r, rolledBack: own.length > 0 && own.every((x) => !onLine.has(x.step)) };
  });
  const undone = new Set(seriesList.filter((r) => r.rolledBack).map((r) => r.series));
  const unchecked = s.fold.passedHeads.includes(e.toCommit) ? null : e.toStep;
  const where = e.toStep === 0 ? 'the start' : `step ${e.toStep}`;
  return {
    ...s,
    currentSteps: line,
    headCommit: e.toCommit,
    rolledBackTo: unchecked,
    reason:
      unchecked === null
        ? `${restore ? 'Restored' : 'Rolled back to'} ${where}, which the check passed.`
        : `${restore ? 'Restored' : 'Rolled back to'} ${where}; not checked since.`,
    rollbacks: [...s.rollbacks, { ...strip(e), restore, stepsMoved }],
    seriesList,
    comments: s.comments.map((c) =>
      c.series !== null && undone.has(c.series) && c.state !== 'open' ? { ...c, state: 'open' as const, series: null } : c,
    ),
  };
}

function discard(s: Session, e: EventOf<'discard'>): Session {
  const record = strip(e);
  // Removing what a merge already took is cleanup, not a discard: the session stays "merged".
  if (s.mergedHead !== null && (e.headCommit === null || e.headCommit === s.mergedHead) && s.state !== 'running')
    return {
      ...s,
      state: 'merged',
      discard: record,
      cleanedUp: true,
      reason: `${s.reason.startsWith('Merged') ? s.reason : 'Merged.'} The worktree and branch were removed afterwards.`,
    };
  return {
    ...s,
    state: 'discarded',
    discard: record,
    reason: e.archiveRef === null ? 'Discarded.' : `Discarded; its commits are kept under ${e.archiveRef}.`,
  };
}

/** The steps on the branch when `step` was its tip (0: the base). */
function lineOf(steps: readonly SessionStep[], step: number): number[] {
  const line: number[] = [];
  const byNumber = new Map(steps.map((x) => [x.step, x]));
  for (let at = byNumber.get(step); at !== undefined; at = byNumber.get(at.parent)) {
    line.unshift(at.step);
    if (at.parent === 0) break;
  }
  return line;
}

function countDiverging(a: readonly number[], b: readonly number[]): number {
  let same = 0;
  while (same < a.length && same < b.length && a[same] === b[same]) same += 1;
  return Math.min(a.length, b.length) - same;
}

function updateAttempt(s: Session, attempt: number, change: (a: AttemptRecord) => AttemptRecord): readonly AttemptRecord[] {
  const at = s.attemptLog.findLastIndex((a) => a.series === s.series && a.attempt === attempt);
  if (at < 0)
    return [...s.attemptLog, change({ series: s.series, attempt, edited: [], exit: null, errorLine: '', verdict: null, passed: null })];
  const next = [...s.attemptLog];
  next[at] = change(next[at] as AttemptRecord);
  return next;
}

function replaceLast<T>(list: readonly T[], change: (item: T) => T): readonly T[] {
  if (list.length === 0) return list;
  const next = [...list];
  next[next.length - 1] = change(next[next.length - 1] as T);
  return next;
}

function union(a: readonly string[], b: readonly string[]): readonly string[] {
  const extra = b.filter((x) => !a.includes(x));
  return extra.length === 0 ? a : [...a, ...extra];
}

function addCached(cache: Session['promptCache'], usage: EventOf<'turn.finished'>['usage']): Session['promptCache'] {
  if (usage?.cachedTokens === undefined) return cache;
  return {
    promptTokens: cache.promptTokens + usage.promptTokens,
    cachedTokens: cache.cachedTokens + Math.min(usage.cachedTokens, usage.promptTokens),
    turns: cache.turns + 1,
  };
}

/** The share of prompt tokens the server's cache served (null: the server never said). */
export function cachedShare(cache: Session['promptCache']): number | null {
  return cache.turns === 0 || cache.promptTokens === 0 ? null : cache.cachedTokens / cache.promptTokens;
}

function zero(): TokenTotals {
  return { prompt: 0, completion: 0 };
}

function add(a: TokenTotals, b: TokenTotals): TokenTotals {
  return { prompt: a.prompt + b.prompt, completion: a.completion + b.completion };
}

function strip<E extends { type: string; session: string; seq: number }>(event: E): Omit<E, 'type' | 'session' | 'seq'> {
  const { type: _type, session: _session, seq: _seq, ...rest } = event;
  return rest;
}

/**
 * The session as it is now: a log that says "running" while the process that runs it is gone reads as
 * interrupted, and its turn in progress as ended. `alive` says whether a pid still runs.
 */
export function withLiveness(s: Session, alive: (pid: number) => boolean, pid: number | null = s.pid): Session {
  if (s.run?.state === 'running' && !alive(s.run.pid)) return withLiveness({ ...s, run: runGone(s.run) }, alive, pid);
  if (s.state !== 'running') return s;
  if (pid !== null && alive(pid)) return pid === s.pid ? s : { ...s, pid };
  return {
    ...s,
    state: 'interrupted',
    reason: pid === null ? 'The process that ran this session is gone.' : `The process that ran this session (pid ${pid}) is gone.`,
    pid: null,
    turn: null,
  };
}

/** A run whose process (the host, a terminal's `sessions run`) is gone: its tree went with it (the sandbox's watchdog). */
function runGone(run: RunRecord): RunRecord {
  return { ...run, state: 'stopped', stoppedAt: null, stopReason: 'gone' };
}

/** The steps on the branch now, and the ones a rollback took off it, with their results. */
export function stepsOnBranch(s: Session): { readonly current: readonly SessionStep[]; readonly dropped: readonly SessionStep[] } {
  const on = new Set(s.currentSteps);
  return { current: s.steps.filter((x) => on.has(x.step)), dropped: s.steps.filter((x) => !on.has(x.step)) };
}
