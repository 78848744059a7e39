import type { SessionEvent } from '../api/events.js';
import type { SessionInfo } from '../api/payloads.js';
import { toFactoryError } from '../errors/factory-error.js';
import type { AppPaths } from '../home/app-home.js';
import type { ChatModel } from '../llm/llm-types.js';
import type { CheckRunner } from '../sessions/run-attempts.js';
import type { SessionLog } from '../sessions/session-log.js';
import { readSessionMeta, sessionFiles, writeSessionMeta } from '../sessions/session-meta.js';
import { launchSession, prepareSession, type PreparedSession, type SessionSummary } from '../sessions/start-session.js';
import { readSession, toSessionInfo, type LiveSessionState } from './session-views.js';

/**
 * The sessions this host runs: starts them in the background, follows their logs live (so API
 * clients can subscribe), cancels them, and on quit stops them at a step boundary and marks them
 * interrupted so they can be resumed.
 */
export interface SessionRunnerDeps {
  readonly paths: AppPaths;
  /** The model a new session talks to (the supervised server, or a test's scripted server). */
  readonly chatModelFor: (prepared: PreparedSession) => ChatModel | Promise<ChatModel>;
  readonly runCheck: CheckRunner;
  /** A session was created, changed attempt/head, or ended. */
  readonly onUpdated: (info: SessionInfo) => void;
  /** A session's loop ended (for native notifications). */
  readonly onFinished: (info: SessionInfo) => void;
}

export interface StartParams {
  readonly description: string;
  readonly repo?: string | null | undefined;
  readonly check?: string | null | undefined;
  readonly maxAttempts?: number | undefined;
  readonly timeoutSec?: number | undefined;
}

interface Running {
  readonly controller: AbortController;
  done: Promise<void>;
  log: SessionLog | undefined;
  live: { attempts: number; headCommit: string; tokens: { prompt: number; completion: number } };
  /** Set when the host itself stopped it (quit), so the end state is "interrupted", not "cancelled". */
  interruptedByHost: boolean;
}

export class SessionRunner {
  private readonly running = new Map<string, Running>();

  constructor(private readonly deps: SessionRunnerDeps) {}

  /** Answers once the session exists (worktree made, `session.created` logged). */
  async start(params: StartParams): Promise<SessionInfo> {
    const prepared = await this.prepare(params);
    const id = prepared.plan.id;
    const model = await this.deps.chatModelFor(prepared);
    const controller = new AbortController();
    let created: ((info: SessionInfo) => void) | undefined;
    let failed: ((error: unknown) => void) | undefined;
    const ready = new Promise<SessionInfo>((resolve, reject) => {
      created = resolve;
      failed = reject;
    });
    const entry: Running = {
      controller,
      done: Promise.resolve(),
      log: undefined,
      live: { attempts: 0, headCommit: '', tokens: { prompt: 0, completion: 0 } },
      interruptedByHost: false,
    };
    const launched = launchSession(prepared, {
      model,
      runCheck: this.deps.runCheck,
      signal: controller.signal,
      onLog: (log) => {
        entry.log = log;
        this.running.set(id, entry);
        log.subscribe((event) => {
          this.follow(id, entry, event);
          if (event.type === 'session.created') created?.(this.info(id));
        });
      },
    });
    const done = launched.then(
      (summary) => this.finish(id, entry, summary),
      (error: unknown) => {
        failed?.(error);
        this.finishWithError(id, entry, error);
      },
    );
    entry.done = done;
    return ready;
  }

  private async prepare(params: StartParams): Promise<PreparedSession> {
    const { paths } = this.deps;
    // cwd is only consulted when no repo is given; a fresh repository is what "no repo" means here.
    const prepared = await prepareSession({
      description: params.description,
      repo: params.repo ?? undefined,
      cwd: paths.home,
      check: params.check ?? undefined,
      maxAttempts: params.maxAttempts,
      timeoutSec: params.timeoutSec,
      home: paths.home,
    });
    return params.repo === undefined || params.repo === null ? { ...prepared, repo: null } : prepared;
  }

  private follow(id: string, entry: Running, event: SessionEvent): void {
    switch (event.type) {
      case 'session.created':
        entry.live.headCommit = event.baseCommit;
        return;
      case 'attempt.started':
        entry.live.attempts = event.attempt;
        this.deps.onUpdated(this.info(id));
        return;
      case 'commit':
        entry.live.headCommit = event.sha;
        this.deps.onUpdated(this.info(id));
        return;
      case 'turn.finished':
        if (event.usage !== null) {
          entry.live.tokens = {
            prompt: entry.live.tokens.prompt + event.usage.promptTokens,
            completion: entry.live.tokens.completion + event.usage.completionTokens,
          };
        }
        return;
      default:
        return;
    }
  }

  private finish(id: string, entry: Running, _summary: SessionSummary): void {
    this.running.delete(id);
    if (entry.interruptedByHost) this.markInterrupted(id, 'The app quit while this session ran; resume it to continue.');
    const info = this.info(id);
    this.deps.onUpdated(info);
    this.deps.onFinished(info);
  }

  private finishWithError(id: string, entry: Running, error: unknown): void {
    this.running.delete(id);
    const files = sessionFiles(this.deps.paths.sessions, id);
    const meta = readSessionMeta(files.meta);
    if (meta === undefined) return; // it never existed (e.g. the worktree could not be made)
    if (meta.state === 'running') {
      const state = entry.interruptedByHost ? 'interrupted' : 'error';
      writeSessionMeta(files.meta, { ...meta, state, reason: toFactoryError(error).message, updatedAt: new Date().toISOString(), pid: null });
    }
    const info = this.info(id);
    this.deps.onUpdated(info);
    this.deps.onFinished(info);
  }

  private markInterrupted(id: string, reason: string): void {
    const files = sessionFiles(this.deps.paths.sessions, id);
    const meta = readSessionMeta(files.meta);
    if (meta !== undefined) writeSessionMeta(files.meta, { ...meta, state: 'interrupted', reason, updatedAt: new Date().toISOString(), pid: null });
  }

  info(id: string): SessionInfo {
    return toSessionInfo(readSession(this.deps.paths, id), this.live(id));
  }

  live(id: string): LiveSessionState | undefined {
    const entry = this.running.get(id);
    if (entry === undefined) return undefined;
    return { attempts: entry.live.attempts, headCommit: entry.live.headCommit, tokens: { ...entry.live.tokens } };
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
    // Whatever did not stop in time is marked now; its process is about to end anyway.
    for (const id of this.running.keys()) this.markInterrupted(id, 'The app quit while this session ran; resume it to continue.');
  }
}
