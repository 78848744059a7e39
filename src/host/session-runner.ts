import fs from 'node:fs';
import type { SessionInfo } from '../api/payloads.js';
import { loadConfig } from '../config/load-config.js';
import type { FactoryConfig } from '../config/config-schema.js';
import { FactoryError, isFactoryError, toFactoryError } from '../errors/factory-error.js';
import type { AppPaths } from '../home/app-home.js';
import type { LlmScheduler } from '../llm/llm-scheduler.js';
import type { ChatModel } from '../llm/llm-types.js';
import type { CheckRunner } from '../sessions/run-attempts.js';
import type { SessionLog } from '../sessions/session-log.js';
import type { SessionEvent } from '../api/events.js';
import { ROW_EVENTS } from '../api/session-row.js';
import { appendEvent, type SessionRecord } from '../sessions/session-store.js';
import { prepareGroup, raceSiblings, siblingsToResume } from '../sessions/session-group.js';
import {
  launchSession,
  prepareSession,
  type LaunchDeps,
  type PreparedSession,
  type SessionRequest,
  type SessionSummary,
} from '../sessions/start-session.js';
import { createScratchRepo } from '../workspace/create-session-workspace.js';
import { readSession, sessionInfo } from './session-views.js';

/** The events with which a resumed or continued session runs again. */
const RUNS_AGAIN: ReadonlySet<SessionEvent['type']> = new Set<SessionEvent['type']>(['session.resumed', 'series.started']);

export interface SessionRunnerDeps {
  readonly paths: AppPaths;
  /** The model a session talks to (the supervised server, or a test's scripted server). */
  readonly chatModelFor: (context: ModelContext) => ChatModel | Promise<ChatModel>;
  readonly runCheck: CheckRunner;
  /** A session was created, changed attempt/head, or ended. */
  readonly onUpdated: (info: SessionInfo) => void;
  /** A session's loop ended (for native notifications). */
  readonly onFinished: (info: SessionInfo) => void;
  /** The model server sessions use now (resume and reply log it as `plan.server`); null when unknown. */
  readonly serverInUse?: () => { url: string | null; model: string | null } | null;
  /** The host's one LLM scheduler (shared by all its sessions), brought up to date for a start of `size` sessions. */
  readonly scheduler?: (size: number) => LlmScheduler;
  /** How many sessions this host runs changed (the server's draft model, #17). */
  readonly onRunningChanged?: (count: number) => void;
}

export interface ModelContext {
  readonly config: FactoryConfig;
  readonly llmTimeoutMs: number;
}

/** Continue a session's loop in its worktree, appending to its log (src/sessions/resume-session.ts). */
export type ResumeLoop = (paths: AppPaths, id: string, deps: LaunchDeps) => Promise<SessionSummary>;
/** Start a new attempt series with the user's instruction (src/sessions/reply-session.ts). */
export type ReplyLoop = (paths: AppPaths, id: string, message: string, deps: LaunchDeps) => Promise<SessionSummary>;

export interface StartParams {
  readonly description: string;
  readonly repo?: string | null | undefined;
  readonly check?: string | null | undefined;
  readonly maxAttempts?: number | undefined;
  readonly timeoutSec?: number | undefined;
  readonly testsFirst?: boolean | undefined;
  readonly bestOf?: number | undefined;
}

interface Running {
  readonly controller: AbortController;
  done: Promise<void>;
  log: SessionLog | undefined;
  /** Set when the host itself stopped it (quit), so the end state is "interrupted", not "cancelled". */
  interruptedByHost: boolean;
}

/**
 * The sessions this host runs: starts them in the background, follows their logs live (so API
 * clients can subscribe), cancels them, and on quit stops them at a step boundary and marks them
 * interrupted so they can be resumed.
 */
export class SessionRunner {
  private readonly running = new Map<string, Running>();
  private readonly logListeners = new Set<(id: string, log: SessionLog) => void>();

  constructor(private readonly deps: SessionRunnerDeps) {}

  /** Answers once the session exists (worktree made, `session.created` logged). */
  async start(params: StartParams): Promise<SessionInfo> {
    const prepared = await this.prepare(params);
    const model = await this.deps.chatModelFor({ config: prepared.config, llmTimeoutMs: prepared.plan.limits.llmTimeoutMs });
    const bestOf = params.bestOf ?? prepared.config.agent.best_of;
    if (bestOf > 1) return this.startGroup(params, bestOf, model);
    // The id is the one launchSession claims (the prepared one unless it was taken): known at onLog.
    return this.run(null, (deps) => launchSession(prepared, { ...deps, model }), 'created', 1);
  }

  /**
   * Best of K (src/sessions/session-group.ts): K siblings run as K sessions of this host; the first to
   * pass cancels the others (they end `cancelled`, kept for review). Answers with sibling 1.
   */
  private async startGroup(params: StartParams, size: number, model: ChatModel): Promise<SessionInfo> {
    const siblings = await prepareGroup(this.request(params), size);
    const noRepo = params.repo === undefined || params.repo === null;
    // Without a repository the siblings still share one: sibling 1's fresh repository, made here.
    const first = siblings[0] as PreparedSession;
    const repo = noRepo ? await createScratchRepo(first.paths.scratchRepos, first.slug, first.plan.id) : first.repo;
    const ids = siblings.map((s) => s.plan.id);
    const answers = siblings.map((sibling) =>
      this.run(
        sibling.plan.id,
        async (deps) => {
          const summary = await launchSession({ ...sibling, repo }, { ...deps, model });
          if (summary.state === 'passed')
            for (const other of ids) if (other !== sibling.plan.id) this.running.get(other)?.controller.abort();
          return summary;
        },
        'created',
        size,
      ),
    );
    const infos = await Promise.all(answers);
    return infos[0] as SessionInfo;
  }

  /**
   * Runs an interrupted (or cancelled, timed-out…) session's loop again in its worktree. A sibling of
   * a best-of-K group that stopped before the group ended continues the whole group: every unfinished
   * sibling is resumed, and the first to pass stops the others (as `sessions resume GROUP` does).
   */
  async resume(id: string, resumeLoop: ResumeLoop): Promise<SessionInfo> {
    if (this.running.has(id)) throw new FactoryError('BAD_USAGE', `Session ${id} is already running.`);
    const groupId = readSession(this.deps.paths, id).plan.group?.id;
    const siblings = groupId === undefined ? null : this.groupToResume(groupId, id);
    if (siblings !== null) return this.resumeGroup(id, siblings, resumeLoop);
    return this.runLogged(id, (paths, deps) => resumeLoop(paths, id, deps));
  }

  /**
   * The group's siblings to continue with `id`, or null to resume `id` alone: the group has a winner
   * (a stopped sibling is then continued on its own), or it still runs here, or `id` is not one of them.
   */
  private groupToResume(groupId: string, id: string): string[] | null {
    try {
      const { ids } = siblingsToResume(this.deps.paths, groupId);
      return ids.includes(id) ? ids : null;
    } catch (error) {
      if (isFactoryError(error) && (error.code === 'SESSION_RUNNING' || error.code === 'SESSION_NOT_RESUMABLE')) return null;
      throw error;
    }
  }

  /**
   * Best of K after a crash or a stop (src/sessions/session-group.ts): the siblings race again, each
   * as a session of this host (followed live, cancellable on its own); the first to pass aborts the
   * others, which end `cancelled`. Answers with `requested` once every sibling has logged its resume.
   */
  private async resumeGroup(requested: string, ids: readonly string[], resumeLoop: ResumeLoop): Promise<SessionInfo> {
    const { model, server } = await this.continueWith(requested);
    const answers = new Map<string, Promise<SessionInfo>>();
    const race = raceSiblings(
      ids.map((id) => (stop: AbortSignal) => {
        const { answer, summary } = this.launch(
          id,
          (deps) => resumeLoop(this.deps.paths, id, { ...deps, model, server, signal: AbortSignal.any([deps.signal, stop]) }),
          'log',
          ids.length,
        );
        answers.set(id, answer);
        return summary;
      }),
      new AbortController().signal,
    );
    // Each sibling's own end (or failure) is settled in its log by launch(); the race only stops the others.
    race.catch(() => undefined);
    // raceSiblings has called every starter before its first await: each sibling's answer is here.
    const infos = await Promise.all(ids.map((id) => answers.get(id) ?? Promise.reject(new Error(`sibling ${id} did not start`))));
    return infos[ids.indexOf(requested)] ?? (infos[0] as SessionInfo);
  }

  /** Talks back to a session that is not running: its loop runs again as a new attempt series. */
  async reply(id: string, message: string, replyLoop: ReplyLoop): Promise<SessionInfo> {
    return this.runAgain(id, (paths, deps) => replyLoop(paths, id, message, deps));
  }

  /** "Request changes": the open review comments as the next instruction (src/sessions/review-comments.ts). */
  async requestChanges(id: string, loop: ResumeLoop): Promise<SessionInfo> {
    return this.runAgain(id, (paths, deps) => loop(paths, id, deps));
  }

  /** "Ask the Coder to resolve": the conflicting update from the base branch, then a series to resolve it. */
  async resolveConflicts(id: string, loop: ResumeLoop): Promise<SessionInfo> {
    return this.runAgain(id, (paths, deps) => loop(paths, id, deps));
  }

  private async runAgain(id: string, loop: (paths: AppPaths, deps: LaunchDeps) => Promise<SessionSummary>): Promise<SessionInfo> {
    if (this.running.has(id)) throw new FactoryError('SESSION_RUNNING', `Session ${id} is running; reply once it has stopped.`);
    return this.runLogged(id, loop);
  }

  /** Resume, reply and the like: the logged plan (its LLM timeout included); only the server is chosen anew. */
  private async runLogged(id: string, loop: (paths: AppPaths, deps: LaunchDeps) => Promise<SessionSummary>): Promise<SessionInfo> {
    const { model, server } = await this.continueWith(id);
    return this.run(id, (deps) => loop(this.deps.paths, { ...deps, model, server }), 'log');
  }

  /** The model and server a session continues with: its logged LLM timeout, the server in use now. */
  private async continueWith(id: string): Promise<Pick<LaunchDeps, 'model' | 'server'>> {
    const record = readSession(this.deps.paths, id);
    const { config } = loadConfig({
      repoDir: fs.existsSync(record.repo) ? record.repo : undefined,
      userConfigFile: this.deps.paths.userConfig,
    });
    const model = await this.deps.chatModelFor({ config, llmTimeoutMs: record.plan.limits.llmTimeoutMs });
    return { model, server: this.deps.serverInUse?.() ?? undefined };
  }

  /**
   * Runs a loop in the background and answers when the session is visible: at `session.created` for
   * a new one, as soon as its log is open for a resumed one. A failure before that is the answer.
   */
  private run(
    knownId: string | null,
    loop: (deps: Omit<LaunchDeps, 'model'>) => Promise<SessionSummary>,
    readyAt: 'created' | 'log',
    size = 1,
  ): Promise<SessionInfo> {
    return this.launch(knownId, loop, readyAt, size).answer;
  }

  /** run(), with the loop's own end (a group's race waits on it); `size`: the sessions started together. */
  private launch(
    knownId: string | null,
    loop: (deps: Omit<LaunchDeps, 'model'>) => Promise<SessionSummary>,
    readyAt: 'created' | 'log',
    size = 1,
  ): { answer: Promise<SessionInfo>; summary: Promise<SessionSummary> } {
    /** A new session's id is the one its log is opened with (launchSession claims it first). */
    let id = knownId;
    const controller = new AbortController();
    let ready: ((info: SessionInfo) => void) | undefined;
    let failed: ((error: unknown) => void) | undefined;
    const answer = new Promise<SessionInfo>((resolve, reject) => {
      ready = resolve;
      failed = reject;
    });
    const entry: Running = {
      controller,
      done: Promise.resolve(),
      log: undefined,
      interruptedByHost: false,
    };
    const scheduler = this.deps.scheduler?.(size);
    const launched = loop({
      ...(scheduler !== undefined ? { scheduler } : {}),
      runCheck: this.deps.runCheck,
      signal: controller.signal,
      onLog: (log) => {
        const opened = log.sessionId;
        id = opened;
        entry.log = log;
        this.running.set(opened, entry);
        this.deps.onRunningChanged?.(this.running.size);
        for (const listener of this.logListeners) listener(opened, log);
        log.subscribe((event) => {
          // The answer is the session as the log says it runs: at its creation, or at the event that
          // starts it again (resumed, a new series).
          const starts = readyAt === 'created' ? event.type === 'session.created' : RUNS_AGAIN.has(event.type);
          if (starts && ready !== undefined) {
            ready(this.announce(opened));
            ready = undefined;
          } else if (ROW_EVENTS.has(event.type)) this.deps.onUpdated(this.info(opened));
        });
      },
    });
    entry.done = launched.then(
      (summary) => {
        if (id === null) return;
        // A loop that ended before it logged a start (nothing to continue) answers with how it ended.
        if (ready !== undefined && this.tryRecord(id) !== undefined) ready(this.info(id));
        this.finish(id, entry, summary);
      },
      (error: unknown) => {
        failed?.(error);
        // Failed before its log was opened: there is no session (the caller got the error).
        if (id !== null) this.finishWithError(id, entry, error);
      },
    );
    return { answer, summary: launched };
  }

  private announce(id: string): SessionInfo {
    const info = this.info(id);
    this.deps.onUpdated(info);
    return info;
  }

  private request(params: StartParams): SessionRequest {
    const { paths } = this.deps;
    // cwd is only consulted when no repo is given; a fresh repository is what "no repo" means here
    // (forced by the callers even if the app's home happens to sit inside some repository).
    fs.mkdirSync(paths.scratchRepos, { recursive: true });
    return {
      description: params.description,
      repo: params.repo ?? undefined,
      cwd: paths.scratchRepos,
      check: params.check ?? undefined,
      maxAttempts: params.maxAttempts,
      timeoutSec: params.timeoutSec,
      testsFirst: params.testsFirst,
      home: paths.home,
    };
  }

  private async prepare(params: StartParams): Promise<PreparedSession> {
    const prepared = await prepareSession(this.request(params));
    return params.repo === undefined || params.repo === null ? { ...prepared, repo: null } : prepared;
  }

  private finish(id: string, entry: Running, _summary: SessionSummary): void {
    this.running.delete(id);
    this.deps.onRunningChanged?.(this.running.size);
    if (entry.interruptedByHost) this.settle(id, 'interrupted', 'The app quit while this session ran; resume it to continue.');
    this.announceEnd(id);
  }

  private finishWithError(id: string, entry: Running, error: unknown): void {
    this.running.delete(id);
    this.deps.onRunningChanged?.(this.running.size);
    // The loop threw after the session existed: say so in its log, or it would read as running
    // for as long as this process lives. (Before that, there is no session, and the caller got the error.)
    if (this.tryRecord(id)?.state === 'running') {
      this.settle(id, entry.interruptedByHost ? 'interrupted' : 'error', toFactoryError(error).message);
    }
    if (this.tryRecord(id) !== undefined) this.announceEnd(id);
  }

  private announceEnd(id: string): void {
    const info = this.info(id);
    this.deps.onUpdated(info);
    this.deps.onFinished(info);
  }

  /** Appends the end state to the log (the source of truth). */
  private settle(id: string, state: 'interrupted' | 'error', reason: string): void {
    const record = this.tryRecord(id);
    if (record === undefined) return;
    if (state === 'interrupted') {
      const lastStep = record.steps.reduce((max, step) => Math.max(max, step.step), 0);
      appendEvent(this.deps.paths, id, { type: 'session.interrupted', reason, pid: process.pid, lastAttempt: record.attempts, lastStep });
    } else {
      appendEvent(this.deps.paths, id, {
        type: 'session.finished',
        status: 'error',
        reason,
        attempts: record.attempts,
        tokens: record.tokens,
        headCommit: record.headCommit,
      });
    }
  }

  private tryRecord(id: string): SessionRecord | undefined {
    try {
      return readSession(this.deps.paths, id);
    } catch {
      return undefined;
    }
  }

  info(id: string): SessionInfo {
    return sessionInfo(this.deps.paths, id, (x) => this.runsHere(x));
  }

  /** This host runs the session's loop now (so it can stop it). */
  runsHere(id: string): boolean {
    return this.running.has(id);
  }

  /** Called when this host starts running a session (new or resumed), with its live log. */
  onLogOpened(listener: (id: string, log: SessionLog) => void): () => void {
    this.logListeners.add(listener);
    return () => this.logListeners.delete(listener);
  }

  /** The live log of a session this host runs (events appended to it reach subscribers at once). */
  liveLog(id: string): SessionLog | undefined {
    return this.running.get(id)?.log;
  }

  cancel(id: string): boolean {
    const entry = this.running.get(id);
    if (entry === undefined) {
      readSession(this.deps.paths, id); // SESSION_NOT_FOUND for an unknown id
      return false;
    }
    entry.controller.abort();
    return true;
  }

  get runningIds(): string[] {
    return [...this.running.keys()];
  }

  /** Waits for one session's loop to end (tests, and quitting). */
  async settled(id: string): Promise<void> {
    await this.running.get(id)?.done;
  }

  /**
   * On quit: stop every loop at its next step boundary (edits are committed per step and the log is
   * fsync'd there), wait up to `timeoutMs`, and mark them interrupted so they can be resumed.
   */
  async checkpointAll(timeoutMs = 10_000): Promise<void> {
    const entries = [...this.running.values()];
    for (const entry of entries) {
      entry.interruptedByHost = true;
      entry.controller.abort();
    }
    let timer: ReturnType<typeof setTimeout> | undefined;
    const timeout = new Promise<void>((resolve) => {
      timer = setTimeout(resolve, timeoutMs);
    });
    await Promise.race([Promise.allSettled(entries.map((entry) => entry.done)), timeout]);
    if (timer !== undefined) clearTimeout(timer);
    // A loop that did not stop in time dies with this process; the next start finds its process
    // gone and reads it as interrupted (src/sessions/session-store.ts).
  }
}
