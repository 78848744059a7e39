import crypto from 'node:crypto';
import path from 'node:path';
import type { RunOutcome } from '../api/session-status.js';
import type { Persona } from '../api/session-status.js';
import type { ChatMessage, ChatToolCall } from '../agents/chat-message.js';
import { CODER_TOOLS, parseLeakedToolCalls, parseNativeToolCall } from '../agents/native-tools.js';
import { buildCoderPrompt, type FileSnapshot } from '../agents/coder-prompt.js';
import { parseCoderReply } from '../agents/parse-coder-reply.js';
import { describeToolRequest, MAX_TOOL_REQUESTS, type ToolAnswer, type ToolRequest } from '../agents/tool-requests.js';
import { filesNamedInTask } from '../agents/repo-map.js';
import { parseVerdict, sheriffFeedback, type Verdict } from '../agents/parse-verdict.js';
import { buildSheriffPrompt } from '../agents/sheriff-prompt.js';
import { PromptTokenEstimator } from '../agents/token-estimate.js';
import { isFactoryError, toFactoryError } from '../errors/factory-error.js';
import type { ChatModel, ChatTurnResult } from '../llm/llm-types.js';
import { effectiveMaxPromptTokens } from '../llm/server-context-length.js';
import { chooseToolProtocol, rememberToolsRefused } from '../llm/tool-support.js';
import { toolsRefusal } from '../llm/openai-chat-model.js';
import type { ToolProtocol } from '../llm/tool-support-cache.js';
import type { ExecRequest, ExecResult } from '../sandbox/index.js';
import { applyEdits } from '../workspace/apply-edits.js';
import { answerToolRequests } from '../workspace/coder-tools.js';
import { readWorktreeFile, readWorktreeText } from '../workspace/worktree-files.js';
import { commitFiles } from '../workspace/git/commit-files.js';
import { diffRange } from '../workspace/git/diff-range.js';
import { listTrackedFiles } from '../workspace/git/list-files.js';
import { checkWorktreePointer, type WorktreeGit } from '../workspace/git/worktree-git.js';
import { discardEdits } from '../workspace/git/discard-edits.js';
import { fenceFor } from '../agents/fence-for.js';
import type { AcceptanceEvidence } from '../agents/sheriff-prompt.js';
import { isLintable, lintFiles, type LintError } from './lint-edits.js';
import { attemptHistoryLine, noEditHistoryLine } from './attempt-history.js';
import { defaultCheckCommand } from './default-check.js';
import type { LoopResumeState } from './loop-state.js';
import type { KeptTests } from './kept-tests.js';
import type { SessionLog } from './session-log.js';
import type { SessionPlan } from './session-params.js';
import { failureFingerprint, StagnationDetector } from './stagnation.js';
import { TokenBudget } from './token-budget.js';
import { worktreeRepoMap } from './worktree-repo-map.js';

/**
 * The agent loop of DESIGN.md: for each attempt, a Coder turn (streamed) → edits applied → commit →
 * the check in the sandbox → a Sheriff turn (streamed) → verdict. Every limit is enforced here, by
 * code: attempts, LLM timeout, execution timeout, stagnation, token budget, cancel.
 */
export type CheckRunner = (request: ExecRequest) => Promise<ExecResult>;

export interface AttemptLoopDeps {
  readonly model: ChatModel;
  readonly runCheck: CheckRunner;
  readonly log: SessionLog;
  readonly estimator?: PromptTokenEstimator;
  /**
   * Where what servers answered to OpenAI `tools` is remembered (the app's home, #17); absent or null:
   * tools are not offered and READ / SEARCH / LIST stay text lines.
   */
  readonly toolSupportFile?: string | null;
}

export interface LoopResult {
  readonly status: RunOutcome;
  readonly reason: string;
  readonly attempts: number;
  readonly tokens: { prompt: number; completion: number };
  readonly headCommit: string;
}

/** A reply with no usable edit gets a correction; after this many in one attempt, the attempt fails. */
const MAX_CORRECTIONS_PER_ATTEMPT = 2;
const FAILURE_TAIL_CHARS = 1500;
/** A rambling Sheriff must not crowd out everything else in the next Coder prompt. */
const FEEDBACK_CHARS = 1000;
const MAX_FILE_CHARS_IN_PROMPT = 60_000;
/** Enough of each edited file to tell one attempt's code from another's. */
const HASH_BYTES = 1024 * 1024;
/** READ / SEARCH / LIST turns are looking around, not corrections: up to this many more per attempt. */
const MAX_TOOL_TURNS_PER_ATTEMPT = 6;
/** Share of max_prompt_tokens the answers to one turn's requests may take (the prompt trims further if needed). */
const TOOL_ANSWER_SHARE = 0.4;
/** Lint on edit: its time per attempt, and the corrections it may send in one attempt before the check runs anyway. */
const LINT_MS_PER_ATTEMPT = 10_000;
const MAX_LINT_CORRECTIONS_PER_ATTEMPT = 3;
/** Tests first: rounds of acceptance tests the Coder may write before the session gives up on them. */
const MAX_TEST_ROUNDS = 3;
const TEST_OUTPUT_CHARS = 8000;

class Stop extends Error {
  constructor(
    readonly status: RunOutcome,
    reason: string,
  ) {
    super(reason);
  }
}

interface AttemptMemory {
  feedback?: string;
  failureTail?: string;
  readonly history: string[];
  readonly filesInPlay: Set<string>;
  /** Every file the Coder has written this session. */
  readonly editedFiles: Set<string>;
  lastCoderReply?: string;
}

/** Where the loop works: the session's worktree and the commit its branch points at now. */
export interface LoopWorkspace {
  /** The worktree and its recorded admin dir: every git command of the loop names both. */
  readonly git: WorktreeGit;
  readonly head: string;
}

/** `resume`: continue an interrupted session from its log (src/sessions/loop-state.ts rebuilds it). */
export async function runAttempts(
  plan: SessionPlan,
  workspace: LoopWorkspace,
  deps: AttemptLoopDeps,
  signal: AbortSignal,
  resume?: LoopResumeState,
): Promise<LoopResult> {
  const loop = new AttemptLoop(plan, workspace, deps, signal);
  if (resume !== undefined) loop.restore(resume);
  return loop.run();
}

class AttemptLoop {
  private readonly budget: TokenBudget;
  private readonly stagnation: StagnationDetector;
  /** This attempt's Coder reply repeated the previous attempt's word for word. */
  private repeatedReply = false;
  private readonly estimator: PromptTokenEstimator;
  private readonly memory: AttemptMemory;
  private attempt = 0;
  private steps = 0;
  private readonly worktree: string;
  private readonly git: WorktreeGit;
  /** The session branch's head, tracked here rather than asked of git at every step. */
  private head: string;
  /** Tracked files of the worktree, kept up to date with the Coder's edits. */
  private existingFiles: Set<string> | undefined;
  private repoMap: string | undefined;
  /** Tests first: null until the Coder's acceptance tests are kept. */
  private keptTests: KeptTests | null = null;
  /** Lint time spent in the attempt in progress. */
  private lintSpentMs = 0;
  /** Tools found missing (said once per run). */
  private readonly lintMissingSaid = new Set<string>();
  /** The plan's max_prompt_tokens, lowered to what the server's published context admits. */
  private maxPromptTokens: number;
  /** The server cut a prompt: said once, and its count no longer teaches the estimator. */
  private promptCutSeen = false;
  private contextLength: number | null = null;
  /** READ / SEARCH / LIST as OpenAI tools (`native`) or text lines only; chosen once per run (#17). */
  private toolProtocol: ToolProtocol = 'text';
  /** Calls written as text so far in this run: they get ids of ours (`call_text_N`) to be answered by. */
  private leakedCalls = 0;

  constructor(
    private readonly plan: SessionPlan,
    workspace: LoopWorkspace,
    private readonly deps: AttemptLoopDeps,
    private readonly signal: AbortSignal,
  ) {
    this.budget = new TokenBudget(plan.limits.totalTokenBudget, plan.limits.maxTokensPerTurn);
    this.stagnation = new StagnationDetector(plan.limits.stagnationThreshold);
    this.estimator = deps.estimator ?? new PromptTokenEstimator();
    this.memory = { history: [], filesInPlay: new Set(plan.task.files), editedFiles: new Set() };
    this.git = workspace.git;
    this.worktree = workspace.git.workTree;
    this.head = workspace.head;
    this.maxPromptTokens = plan.limits.maxPromptTokens;
  }

  /** Picks up where an interrupted run stopped: attempts and steps done, its memory, tokens spent. */
  restore(resume: LoopResumeState): void {
    this.attempt = resume.attemptsDone;
    this.steps = resume.stepsDone;
    this.budget.prompt = resume.tokens.prompt;
    this.budget.completion = resume.tokens.completion;
    this.memory.history.push(...resume.history);
    for (const file of resume.filesInPlay) this.memory.filesInPlay.add(file);
    for (const file of resume.editedFiles) this.memory.editedFiles.add(file);
    if (resume.feedback !== undefined) this.memory.feedback = resume.feedback.slice(0, FEEDBACK_CHARS);
    if (resume.failureTail !== undefined) this.memory.failureTail = resume.failureTail.slice(-FAILURE_TAIL_CHARS);
    if (resume.lastCoderReply !== undefined) this.memory.lastCoderReply = resume.lastCoderReply;
    if (resume.keptTests !== undefined) this.keepTests(resume.keptTests);
  }

  private keepTests(kept: KeptTests): void {
    this.keptTests = kept;
    for (const file of kept.files) this.memory.filesInPlay.add(file);
  }

  async run(): Promise<LoopResult> {
    let status: RunOutcome = 'failed';
    let reason = `No attempt passed in ${this.plan.limits.maxAttempts} attempts.`;
    try {
      await this.fitServerContext();
      await this.chooseTools();
      while (this.attempt < this.plan.limits.maxAttempts) {
        this.attempt += 1;
        this.deps.log.append({ type: 'attempt.started', attempt: this.attempt });
        this.lintSpentMs = 0;
        if (this.plan.testsFirst && this.keptTests === null) await this.writeTests();
        if (await this.runOneAttempt()) {
          status = 'passed';
          reason = `Attempt ${this.attempt}: the check exited 0 and the Sheriff said PASS.`;
          break;
        }
      }
    } catch (error) {
      ({ status, reason } = this.outcomeOf(error));
    }
    return { status, reason, attempts: this.attempt, tokens: this.budget.totals(), headCommit: this.head };
  }

  /** An external server may publish a context shorter than our budget: prompts stay under it (#17). */
  private async fitServerContext(): Promise<void> {
    const published = (await this.deps.model.publishedContextLength?.()) ?? null;
    this.contextLength = published;
    const planned = this.plan.limits.maxPromptTokens;
    this.maxPromptTokens = effectiveMaxPromptTokens(planned, published, this.plan.limits.maxTokensPerTurn);
    if (this.maxPromptTokens < planned)
      this.deps.log.append({
        type: 'session.warning',
        message: `The model server's context is ${published} tokens, so prompts are kept under ${this.maxPromptTokens} tokens (agent.max_prompt_tokens is ${planned}) to leave room for the reply.`,
      });
  }

  /** Native tool calls where the server and model handle them (asked once per server and model, remembered in the home). */
  private async chooseTools(): Promise<void> {
    const choice = await chooseToolProtocol(this.deps.model, this.deps.toolSupportFile ?? null, this.signal);
    this.throwIfCancelled();
    this.toolProtocol = choice.protocol;
    this.deps.log.append({ type: 'tools.protocol', protocol: choice.protocol, reason: choice.reason, source: choice.source });
  }

  /** A turn that offered tools was refused: text from now on, and the server's answer is remembered so. */
  private toolsRefused(message: string): void {
    this.toolProtocol = 'text';
    const reason = `the server refused a turn that offered tools (${toolsRefusal(message)})`;
    rememberToolsRefused(this.deps.model, this.deps.toolSupportFile ?? null, reason);
    this.deps.log.append({ type: 'tools.protocol', protocol: 'text', reason, source: 'refused' });
  }

  /**
   * A server that counted far fewer prompt tokens than we sent cut the prompt to its context (Ollama
   * does this silently): the model did not see all of it. Said once, in plain words, with what to change.
   */
  private checkPromptCut(persona: Persona, estimated: number, reported: number): void {
    if (!promptWasCut(estimated, reported) || this.promptCutSeen) return;
    this.promptCutSeen = true;
    const context = this.contextLength === null ? '' : ` (it publishes a context of ${this.contextLength} tokens)`;
    this.deps.log.append({
      type: 'prompt.cut',
      attempt: this.attempt,
      persona,
      estimated,
      reported,
      contextLength: this.contextLength,
      message:
        `The model server cut the prompt: we sent about ${estimated} tokens and it read only ${reported}${context}, so the model did not see all of the task, files and feedback. ` +
        `Raise the server's context length (Ollama: num_ctx or OLLAMA_CONTEXT_LENGTH; LM Studio: the model's context length) above ${estimated + this.plan.limits.maxTokensPerTurn}, or lower agent.max_prompt_tokens in factory.yaml below what it reads.`,
    });
  }

  private outcomeOf(error: unknown): { status: RunOutcome; reason: string } {
    if (error instanceof Stop) return { status: error.status, reason: error.message };
    if (this.signal.aborted) return { status: 'cancelled', reason: 'Cancelled by the user.' };
    const typed = toFactoryError(error);
    if (typed.code === 'LLM_TIMEOUT') return { status: 'timeout', reason: typed.message };
    if (typed.code === 'LLM_CANCELLED') return { status: 'cancelled', reason: 'Cancelled by the user.' };
    return { status: 'error', reason: isFactoryError(error) ? typed.message : `Unexpected error: ${typed.message}` };
  }

  private throwIfCancelled(): void {
    if (this.signal.aborted) throw new Stop('cancelled', 'Cancelled by the user.');
  }

  /** One attempt; true when it passed. */
  private async runOneAttempt(): Promise<boolean> {
    const before = this.head;
    const edited = await this.coderTurns('fix');
    if (edited.length === 0) {
      this.memory.history.push(noEditHistoryLine(this.attempt));
      return false;
    }
    const check = this.checkCommand();
    const result = await this.runCheck(check);
    const diff = await diffRange(this.git, before, this.head);
    const acceptance = this.acceptanceEvidence(edited);
    const verdict = await this.sheriffTurn(check, diff, result, acceptance);
    // Tests first: PASS needs the kept tests, still there for the check to run.
    const testsGone = (this.keptTests?.files ?? []).filter((f) => !readWorktreeFile(this.worktree, f, { maxBytes: 1 }).ok);
    const passed = result.exitCode === 0 && !result.timedOut && verdict.verdict === 'PASS' && testsGone.length === 0;
    if (testsGone.length > 0)
      verdict.feedback = `The kept acceptance test(s) ${testsGone.join(', ')} were deleted; they must stay and pass. ${verdict.feedback}`;
    this.deps.log.append({ type: 'verdict', attempt: this.attempt, verdict: verdict.verdict, passed, feedback: verdict.feedback });
    if (passed) return true;
    this.rememberFailure(edited, result, verdict);
    return false;
  }

  private acceptanceEvidence(edited: readonly string[]): AcceptanceEvidence | undefined {
    const kept = this.keptTests;
    if (kept === null) return undefined;
    return {
      files: kept.files,
      baseExitCode: kept.exitCode,
      baseTimedOut: kept.timedOut,
      baseOutput: kept.output,
      changedNow: kept.files.filter((f) => edited.includes(f)),
    };
  }

  /**
   * Tests first (#16), at the start of the first attempt: the Coder writes acceptance tests; the check
   * runs on the base plus them, in the sandbox. A run that exits 0 refuses them (they pass before any
   * change, so they do not test the task; the files are put back) and the Coder is told why; a failing
   * run keeps them as the session's "tests" step. No attempt is spent on this; tokens are.
   */
  private async writeTests(): Promise<void> {
    let correction: string | undefined;
    for (let round = 1; round <= MAX_TEST_ROUNDS; round += 1) {
      const files = await this.coderTurns('tests', correction);
      if (files.length === 0) {
        correction = 'Write the acceptance tests now: each test file as its path alone on a line, then a fenced block with the whole file.';
        continue;
      }
      const command = this.checkCommand();
      const result = await this.runTestsOnBase(command);
      const output = result.output.slice(-TEST_OUTPUT_CHARS);
      const common = {
        attempt: this.attempt,
        files,
        command,
        exitCode: result.exitCode,
        timedOut: result.timedOut,
        durationMs: result.durationMs,
        output,
      };
      if (result.exitCode === 0 && !result.timedOut) {
        correction = `${files.join(', ')}: the check passed with ${files.length === 1 ? 'it' : 'them'} on the current code — it passes before any change, so it does not test the task. ${files.length === 1 ? 'It was' : 'They were'} removed. Write a test that fails now, because what the task asks is not done yet, and passes once it is.\nCheck output (tail):\n${result.output.slice(-600)}`;
        await discardEdits(this.git, files);
        this.deps.log.append({ type: 'tests.refused', ...common, correction });
        continue;
      }
      const sha = await this.commit(files, `Tests first: ${files.join(', ')}`);
      if (sha === null) {
        correction = 'Your tests changed nothing in the repository. Write new acceptance tests for the task.';
        continue;
      }
      this.deps.log.append({ type: 'tests.kept', ...common, step: this.steps, sha });
      this.keepTests({ files, exitCode: result.exitCode, timedOut: result.timedOut, output });
      // The first fix starts from the tests' failure, as a later one starts from the check's.
      this.memory.failureTail = output.slice(-FAILURE_TAIL_CHARS);
      return;
    }
    throw new Stop(
      'failed',
      `Tests first: no acceptance test that fails on the base after ${MAX_TEST_ROUNDS} rounds, so there is nothing to prove a fix with.`,
    );
  }

  /** The check on the base plus the new tests: its own events (tests.kept / tests.refused), not an attempt's exec.*. */
  private async runTestsOnBase(command: string): Promise<ExecResult> {
    this.throwIfCancelled();
    const result = await this.deps.runCheck({
      command,
      cwd: this.worktree,
      timeoutMs: this.plan.limits.executionTimeoutMs,
      signal: this.signal,
      sandbox: this.plan.sandbox,
      limits: this.plan.checkLimits,
      env: { PYTHONDONTWRITEBYTECODE: '1', PYTHONUNBUFFERED: '1' },
      readOnlyPaths: [path.join(this.worktree, '.git')],
    });
    this.verifyGitPointer();
    this.throwIfCancelled();
    return result;
  }

  /**
   * Lint on edit (#16): the touched files' syntax, in the sandbox, within the attempt's 10 s. Returns the
   * correction to send back (null: clean, nothing to lint, or this attempt's corrections are spent).
   */
  private async lint(files: readonly string[], correctionsSoFar: number): Promise<string | null> {
    if (!this.plan.lintOnEdit) return null;
    const lintable = files.filter(isLintable);
    if (lintable.length === 0) return null;
    this.throwIfCancelled();
    this.deps.log.append({ type: 'lint.started', attempt: this.attempt, files: lintable });
    const outcome = await lintFiles(lintable, {
      worktree: this.worktree,
      run: this.deps.runCheck,
      sandbox: this.plan.sandbox,
      limits: this.plan.checkLimits,
      timeoutMs: Math.max(0, LINT_MS_PER_ATTEMPT - this.lintSpentMs),
      signal: this.signal,
      readOnlyPaths: [path.join(this.worktree, '.git')],
    });
    this.lintSpentMs += outcome.durationMs;
    this.verifyGitPointer();
    for (const tool of outcome.missingTools) {
      if (this.lintMissingSaid.has(tool)) continue;
      this.lintMissingSaid.add(tool);
      this.deps.log.append({
        type: 'session.warning',
        message: `Lint on edit: ${tool} is not installed here, so its files are not syntax-checked.`,
      });
    }
    const correction =
      outcome.errors.length > 0 && correctionsSoFar < MAX_LINT_CORRECTIONS_PER_ATTEMPT ? lintCorrection(outcome.errors) : null;
    this.deps.log.append({
      type: 'lint.finished',
      attempt: this.attempt,
      files: [...outcome.linted],
      errors: outcome.errors.map((e) => ({ ...e })),
      skipped: outcome.skipped.map((x) => ({ ...x })),
      durationMs: outcome.durationMs,
      correction,
    });
    this.throwIfCancelled();
    return correction;
  }

  private rememberFailure(edited: readonly string[], result: ExecResult, verdict: { verdict: Verdict; feedback: string }): void {
    this.memory.history.push(
      attemptHistoryLine({
        attempt: this.attempt,
        edited,
        ran: true,
        exitCode: result.exitCode,
        timedOut: result.timedOut,
        executionTimeoutMs: this.plan.limits.executionTimeoutMs,
        errorText: result.stderrTail || result.stdoutTail,
        verdict: verdict.verdict,
      }),
    );
    this.memory.feedback = verdict.feedback.slice(0, FEEDBACK_CHARS);
    this.memory.failureTail = result.output.slice(-FAILURE_TAIL_CHARS);
    const fingerprint = failureFingerprint({
      exitCode: result.exitCode,
      timedOut: result.timedOut,
      stderrTail: result.stderrTail,
      stdoutTail: result.stdoutTail,
      codeHash: this.codeHash(edited),
    });
    if (this.stagnation.record(fingerprint, this.repeatedReply)) {
      throw new Stop(
        'stagnated',
        `The same failure happened ${this.plan.limits.stagnationThreshold} times in a row; stopping instead of repeating it.`,
      );
    }
  }

  private codeHash(files: readonly string[]): string {
    const hash = crypto.createHash('sha256');
    for (const file of [...files].sort()) {
      const read = readWorktreeFile(this.worktree, file, { maxBytes: HASH_BYTES });
      hash
        .update(file)
        .update('\0')
        .update(read.ok ? read.content : `(${read.code})`);
    }
    return hash.digest('hex');
  }

  /**
   * Coder turns until an edit applies and lints clean (corrections in between); returns the files edited.
   * `fix` commits each applied edit; `tests` (tests first) leaves them for writeTests to keep or refuse.
   */
  private async coderTurns(mode: 'fix' | 'tests', firstCorrection?: string): Promise<string[]> {
    let correction: string | undefined = firstCorrection;
    let toolAnswers: ToolAnswer[] = [];
    /** Native tools: the model's latest tool calls and our `tool` answers, sent after the prompt (only the latest round, as with text answers). */
    let toolRound: ChatMessage[] = [];
    let toolTurns = 0;
    let lintCorrections = 0;
    const edited = new Set<string>();
    for (let turn = 0; turn <= MAX_CORRECTIONS_PER_ATTEMPT + toolTurns + lintCorrections; turn += 1) {
      this.throwIfCancelled();
      if (this.existingFiles === undefined) await this.lookAtRepository();
      const existingFiles = this.existingFiles ?? new Set<string>();
      const roundTokens = toolRound.length > 0 ? this.estimator.estimate(toolRound) : 0;
      const prompt = buildCoderPrompt(
        {
          task: this.plan.task,
          checkCommand: this.checkCommand(),
          // Unchanged files in the order they came into play (stable across attempts and siblings); the ones the Coder changed, late.
          files: this.snapshots([...this.memory.filesInPlay].filter((f) => !this.memory.editedFiles.has(f))),
          changedFiles: this.snapshots([...this.memory.editedFiles].filter((f) => this.memory.filesInPlay.has(f))),
          toolAnswers,
          repoMap: this.repoMap,
          sheriffFeedback: this.memory.feedback,
          failureTail: this.memory.failureTail,
          earlierAttempts: this.memory.history,
          correction,
          // The tool round goes after the prompt: the prompt leaves room for it.
          maxPromptTokens: Math.max(1, this.maxPromptTokens - roundTokens),
          writeTests: mode === 'tests',
          keptTests: this.keptTests?.files,
        },
        this.estimator,
      );
      const native = this.toolProtocol === 'native';
      const reply = await this.modelTurn(
        'coder',
        [...prompt.messages, ...toolRound],
        prompt.estimatedTokens + roundTokens,
        prompt.trimmed,
        {
          tools: native ? CODER_TOOLS : undefined,
          toolsLogged: this.toolProtocol,
        },
      );
      // Calls of our tools the model wrote as text (`<tool_call>{…}</tool_call>`) count as calls, whatever the protocol.
      const leaked = parseLeakedToolCalls(reply.content);
      const replyText = leaked.rest;
      // The same reply as last attempt counts toward stagnation_threshold (the seed's one rule), not on its own.
      if (turn === 0 && mode === 'fix')
        this.repeatedReply = this.memory.lastCoderReply !== undefined && reply.content.trim() === this.memory.lastCoderReply.trim();
      this.memory.lastCoderReply = reply.content;
      const taskText = `${this.plan.task.description}\n${this.plan.task.constraints.join('\n')}`;
      const parsed = parseCoderReply(replyText, {
        existingFiles: [...existingFiles],
        filesInPlay: [...this.memory.filesInPlay],
        taskText,
      });
      const applied = applyEdits(this.worktree, parsed.edits);
      const problems = [...parsed.rejected, ...applied.failed].map((r) => `${r.path}: ${r.reason}`);
      if (applied.applied.length > 0) {
        for (const file of applied.applied) {
          this.memory.filesInPlay.add(file);
          this.memory.editedFiles.add(file);
          existingFiles.add(file);
        }
        for (const file of applied.applied) edited.add(file);
        if (mode === 'fix') await this.commit(applied.applied);
        if (problems.length > 0)
          this.deps.log.append({ type: 'session.warning', message: `Some edits were not applied: ${problems.join('; ')}` });
        const lintError = await this.lint(applied.applied, lintCorrections);
        if (lintError === null) return [...edited];
        // Not an attempt: the check does not run; the Coder fixes the syntax first.
        lintCorrections += 1;
        correction = lintError;
        toolAnswers = [];
        toolRound = [];
        continue;
      }
      const calls = this.callsOf(reply.toolCalls ?? [], leaked.calls, native);
      if ((parsed.toolRequests.length > 0 || calls.asRequests.length > 0 || calls.native.length > 0) && problems.length === 0) {
        // Native calls are answered as `tool` messages; text lines (and, under the text protocol, calls written as text) in the prompt.
        toolRound = calls.native.length > 0 ? await this.answerNativeCalls(replyText, calls.native) : [];
        const textRequests = [...parsed.toolRequests, ...calls.asRequests];
        toolAnswers = textRequests.length > 0 ? await this.answerTools(textRequests) : [];
        if (toolTurns < MAX_TOOL_TURNS_PER_ATTEMPT) toolTurns += 1;
        correction =
          textRequests.length > 0
            ? 'The answers to your requests are above. Ask for more (READ, SEARCH, LIST) or write your edits in the format above.'
            : undefined;
        continue;
      }
      toolRound = [];
      correction = correctionFor(problems, parsed.toolCallsAsText);
      this.deps.log.append({ type: 'edit.rejected', attempt: this.attempt, reasons: problems, correction });
    }
    return [...edited];
  }

  /**
   * Once per session: the tracked files, the files the task names (they start in play) and a compact
   * repo map clamped to ~1/8 of the prompt budget (between 256 and 2048 tokens).
   */
  private async lookAtRepository(): Promise<void> {
    const tracked = await listTrackedFiles(this.git);
    this.existingFiles = new Set(tracked);
    const taskText = `${this.plan.task.description}\n${this.plan.task.constraints.join('\n')}`;
    for (const file of filesNamedInTask(tracked, taskText)) this.memory.filesInPlay.add(file);
    if (tracked.length === 0) return;
    const mapTokens = Math.min(2048, Math.max(256, Math.floor(this.maxPromptTokens / 8)));
    this.repoMap = worktreeRepoMap(this.worktree, tracked, taskText, Math.floor(mapTokens * this.estimator.ratio));
  }

  private checkCommand(): string {
    // The plan's rule, applied to what the Coder has written so far (the same rule after a resume).
    return this.plan.check.kind === 'command' ? this.plan.check.command : defaultCheckCommand(this.worktree, [...this.memory.editedFiles]);
  }

  private async answerTools(requests: readonly ToolRequest[]): Promise<ToolAnswer[]> {
    const maxChars = Math.floor(this.maxPromptTokens * TOOL_ANSWER_SHARE * this.estimator.ratio);
    const answers = await answerToolRequests(this.git, requests, maxChars);
    this.deps.log.append({ type: 'read.answered', attempt: this.attempt, paths: requests.map(describeToolRequest), via: 'text' });
    return answers;
  }

  /**
   * The calls of a reply: under the native protocol, the server's `tool_calls` and the calls written as
   * text, answered as `tool` messages (a call written as text gets an id of ours); under the text
   * protocol, calls written as text become requests answered in the next prompt, like text lines.
   */
  private callsOf(
    served: readonly ChatToolCall[],
    written: readonly Pick<ChatToolCall, 'name' | 'arguments'>[],
    native: boolean,
  ): { native: ChatToolCall[]; asRequests: ToolRequest[] } {
    if (!native) {
      const asRequests = written.flatMap((call) => {
        const parsed = parseNativeToolCall(call);
        return parsed.ok ? [parsed.request] : [];
      });
      return { native: [], asRequests };
    }
    const ids = new Set(served.map((c) => c.id));
    const fromText = written.map((call) => {
      let id: string;
      do id = `call_text_${(this.leakedCalls += 1)}`;
      while (ids.has(id));
      return { id, ...call };
    });
    // Ids must be unique for the answers to name one call each.
    const seen = new Set<string>();
    const all = [...served, ...fromText].map((call, i) => {
      const id = seen.has(call.id) ? `${call.id}_${i}` : call.id;
      seen.add(id);
      return { ...call, id };
    });
    return { native: all, asRequests: [] };
  }

  /**
   * Answers native tool calls: the arguments parsed and vetted as hostile input (native-tools.ts), at
   * most MAX_TOOL_REQUESTS answered, within the same character budget as text requests. Returns the
   * assistant message with its calls, then one `tool` message per call, to send after the next prompt.
   */
  private async answerNativeCalls(replyText: string, calls: readonly ChatToolCall[]): Promise<ChatMessage[]> {
    const parsed = calls.map((call) => ({ call, parsed: parseNativeToolCall(call) }));
    const valid = parsed.flatMap((p) => (p.parsed.ok ? [p.parsed.request] : []));
    const taken = valid.slice(0, MAX_TOOL_REQUESTS);
    const maxChars = Math.floor(this.maxPromptTokens * TOOL_ANSWER_SHARE * this.estimator.ratio);
    const answers = taken.length > 0 ? await answerToolRequests(this.git, taken, maxChars) : [];
    let next = 0;
    const results: ChatMessage[] = parsed.map(({ call, parsed: p }) => {
      if (!p.ok) return { role: 'tool', toolCallId: call.id, content: `Refused: ${p.reason}.` };
      const answer = next < taken.length ? answers[next] : undefined;
      next += 1;
      return {
        role: 'tool',
        toolCallId: call.id,
        content: answer?.body ?? `Not answered: only ${MAX_TOOL_REQUESTS} requests are answered per turn. Ask again next turn.`,
      };
    });
    this.deps.log.append({
      type: 'read.answered',
      attempt: this.attempt,
      paths: parsed.map(({ call, parsed: p }) =>
        p.ok ? describeToolRequest(p.request) : `${call.name.slice(0, 60)} (refused: ${p.reason})`,
      ),
      via: 'native',
    });
    // The calls as the server will read them back: arguments that are not JSON are sent as {} (a template parses them).
    const echoed = calls.map((call) => ({ ...call, arguments: isJsonObject(call.arguments) ? call.arguments : '{}' }));
    return [{ role: 'assistant', content: replyText, toolCalls: echoed }, ...results];
  }

  private snapshots(files: readonly string[]): FileSnapshot[] {
    return files.map((file) => {
      // Never through a link out of the worktree (READ key.txt -> ~/.ssh/id_rsa would send the key to the model).
      const read = readWorktreeText(this.worktree, file, { maxBytes: MAX_FILE_CHARS_IN_PROMPT * 4 });
      if (!read.ok) return { path: file, content: null };
      const content = read.text;
      return {
        path: file,
        content: content.length > MAX_FILE_CHARS_IN_PROMPT || read.truncated ? `${content.slice(0, MAX_FILE_CHARS_IN_PROMPT)}\n…` : content,
      };
    });
  }

  private async commit(files: readonly string[], subject = `Attempt ${this.attempt}: edit ${files.join(', ')}`): Promise<string | null> {
    const sha = await commitFiles({
      worktree: this.git,
      paths: files,
      subject: subject.slice(0, 120),
      trailers: { 'Factory-Session': this.plan.id, 'Factory-Attempt': String(this.attempt) },
    });
    if (sha === null) return null; // the edit rewrote files with identical content
    this.head = sha;
    this.steps += 1;
    this.deps.log.append({ type: 'commit', attempt: this.attempt, step: this.steps, sha, files: [...files] });
    return sha;
  }

  private async runCheck(command: string): Promise<ExecResult> {
    this.throwIfCancelled();
    const attempt = this.attempt;
    const result = await this.deps.runCheck({
      command,
      cwd: this.worktree,
      timeoutMs: this.plan.limits.executionTimeoutMs,
      signal: this.signal,
      sandbox: this.plan.sandbox,
      limits: this.plan.checkLimits,
      // Logged once the check runs, with its process group (what to look for if this process dies).
      onStart: (pgid) => this.deps.log.append({ type: 'exec.started', attempt, command, sandbox: this.plan.sandbox, pgid }),
      env: { PYTHONDONTWRITEBYTECODE: '1', PYTHONUNBUFFERED: '1' },
      readOnlyPaths: [path.join(this.worktree, '.git')],
      onOutput: (chunk, stream) => this.deps.log.append({ type: 'exec.output', attempt, stream, chunk }),
    });
    this.verifyGitPointer();
    if (result.sandbox.warning !== undefined && attempt === 1)
      this.deps.log.append({ type: 'session.warning', message: result.sandbox.warning });
    this.deps.log.append({
      type: 'exec.finished',
      attempt,
      exitCode: result.exitCode,
      signal: result.signal,
      timedOut: result.timedOut,
      durationMs: result.durationMs,
      output: result.output,
      totalBytes: result.totalBytes,
      truncated: result.truncated,
    });
    this.throwIfCancelled();
    return result;
  }

  /** Before any git command after the check: our link to the repository must be what we recorded. */
  private verifyGitPointer(): void {
    if (checkWorktreePointer(this.git) === 'intact') return;
    this.deps.log.append({
      type: 'security.event',
      kind: 'git-pointer-restored',
      message: `The check changed ${path.join(this.worktree, '.git')} (the worktree's link to its repository); it was put back before any git command ran.`,
    });
  }

  private async sheriffTurn(
    check: string,
    diff: string,
    result: ExecResult,
    acceptance: AcceptanceEvidence | undefined,
  ): Promise<{ verdict: Verdict; feedback: string }> {
    let reply: ChatTurnResult | undefined;
    for (const reask of [false, true]) {
      this.throwIfCancelled();
      const messages = buildSheriffPrompt(
        {
          task: this.plan.task,
          checkCommand: check,
          diff,
          exitCode: result.exitCode,
          timedOut: result.timedOut,
          output: result.output,
          maxPromptTokens: this.maxPromptTokens,
          reask,
          acceptance,
        },
        this.estimator,
      );
      reply = await this.modelTurn('sheriff', messages, this.estimator.estimate(messages), []);
      const verdict = parseVerdict(reply.content);
      if (verdict !== 'missing') return { verdict, feedback: sheriffFeedback(reply.content) };
    }
    return { verdict: 'missing', feedback: sheriffFeedback(reply?.content ?? '') };
  }

  private async modelTurn(
    persona: Persona,
    messages: readonly ChatMessage[],
    estimatedTokens: number,
    trimmed: readonly { id: string; fromChars: number; toChars: number }[],
    tooling?: { readonly tools: readonly unknown[] | undefined; readonly toolsLogged: ToolProtocol },
  ): Promise<ChatTurnResult> {
    const maxTokens = this.budget.nextMaxTokens(estimatedTokens);
    if (maxTokens === null) {
      throw new Stop('budget_exhausted', `The token budget (${this.budget.total}) is used up: ${this.budget.used} tokens spent.`);
    }
    const attempt = this.attempt;
    this.deps.log.append({
      type: 'turn.started',
      attempt,
      persona,
      estimatedPromptTokens: estimatedTokens,
      trimmed: [...trimmed],
      ...(tooling !== undefined ? { tools: tooling.toolsLogged } : {}),
    });
    const send = (sent: readonly ChatMessage[], tools: readonly unknown[] | undefined): Promise<ChatTurnResult> =>
      this.deps.model.chat({
        messages: sent,
        maxTokens,
        temperature: this.plan.limits.temperature,
        signal: this.signal,
        onDelta: (text) => this.deps.log.append({ type: 'token.delta', attempt, persona, text }),
        onRetry: (reason) => this.deps.log.append({ type: 'turn.retry', attempt, persona, reason }),
        ...(tools !== undefined ? { tools } : {}),
      });
    let reply: ChatTurnResult;
    try {
      reply = await send(messages, tooling?.tools);
    } catch (error) {
      if (tooling?.tools === undefined || !isFactoryError(error) || error.code !== 'LLM_TOOLS_REJECTED') throw error;
      // The server took tools when asked and refuses them now (it changed): this turn again, as text, and text from now on.
      this.toolsRefused(error.message);
      this.deps.log.append({
        type: 'turn.retry',
        attempt,
        persona,
        reason: 'the server refused tools; running the turn again without them',
      });
      reply = await send(withoutToolRound(messages), undefined);
    }
    this.budget.charge(reply.usage, estimatedTokens, reply.content);
    if (reply.usage !== null) this.checkPromptCut(persona, estimatedTokens, reply.usage.promptTokens);
    // A server that cuts prompts counts what it kept, not how our text tokenizes: it must not teach the
    // estimator (which would then let the next prompts grow past the budget).
    if (reply.usage && !this.promptCutSeen && reply.usage.promptTokens >= estimatedTokens * 0.5)
      this.estimator.observe(messages, reply.usage.promptTokens);
    this.deps.log.append({
      type: 'turn.finished',
      attempt,
      persona,
      content: reply.content,
      usage: reply.usage,
      durationMs: reply.durationMs,
      ...(loggedCalls(reply).length > 0 ? { toolCalls: loggedCalls(reply) } : {}),
    });
    return reply;
  }
}

/** The tool calls of a reply as the log keeps them: the server's, then those written as text (ids of ours come later). */
function loggedCalls(reply: ChatTurnResult): ChatToolCall[] {
  const written = parseLeakedToolCalls(reply.content).calls.map((call, i) => ({ id: `text_${i + 1}`, ...call }));
  return [...(reply.toolCalls ?? []).map((c) => ({ ...c })), ...written];
}

/** A prompt without its tool round (a server that refuses tools refuses `tool` messages too). */
function withoutToolRound(messages: readonly ChatMessage[]): ChatMessage[] {
  return messages.filter((m) => m.role !== 'tool' && !(m.role === 'assistant' && (m.toolCalls?.length ?? 0) > 0));
}

function isJsonObject(text: string): boolean {
  try {
    const value: unknown = JSON.parse(text);
    return typeof value === 'object' && value !== null && !Array.isArray(value);
  } catch {
    return false;
  }
}

/** "Far below": under half our estimate and at least 256 tokens short (estimates are off by a few %, not 2×). */
function promptWasCut(estimated: number, reported: number): boolean {
  return reported < estimated * 0.5 && estimated - reported >= 256;
}

function correctionFor(problems: readonly string[], toolCallsAsText: boolean): string {
  if (toolCallsAsText) {
    return 'Your reply called tools as text; no tool is available. Write each file as its path on a line followed by a fenced code block with the whole file.';
  }
  if (problems.length > 0) return `Your edits could not be applied: ${problems.join('; ')}. Send them again in the format above.`;
  return 'Your reply had no edit I could apply. Write each file as its path alone on a line, followed by a fenced code block with the complete file.';
}

const LINT_ERRORS_IN_CORRECTION = 5;

/** The lint errors, each quoted with its file and line, as the correction the Coder gets instead of a check run. */
function lintCorrection(errors: readonly LintError[]): string {
  const quoted = errors.slice(0, LINT_ERRORS_IN_CORRECTION).map((e) => {
    const fence = fenceFor(e.message);
    return `${e.file}${e.line !== null ? `, line ${e.line}` : ''} (${e.tool}):\n${fence}\n${e.message}\n${fence}`;
  });
  const more = errors.length > LINT_ERRORS_IN_CORRECTION ? `\n(and ${errors.length - LINT_ERRORS_IN_CORRECTION} more)` : '';
  return `Your edit has a syntax error, so the check was not run (this does not count as an attempt). Fix it and send the corrected file(s) in the format above; the current content is under "Current files".\n\n${quoted.join('\n\n')}${more}`;
}
