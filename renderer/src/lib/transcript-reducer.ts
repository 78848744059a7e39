import type { SessionEvent } from '../../../src/api/events.js';
import { project, type Session } from '../../../src/api/session-projection.js';
import type { Persona, RunOutcome, TokenTotals } from '../../../src/api/session-status.js';

/**
 * A session's event log folded into what the session view shows: the Coder and Sheriff turns
 * (growing as token deltas arrive), each attempt's check run and output, verdicts, commits and
 * notices. Pure and immutable: an unchanged item keeps its identity, so only what changed
 * re-renders, and a batch of events (one animation frame's worth) is applied in one go.
 */
export interface TurnItem {
  readonly kind: 'turn';
  readonly id: string;
  readonly attempt: number;
  readonly persona: Persona;
  /** Exactly the concatenated token deltas received. */
  readonly streamed: string;
  /** The reply as the host recorded it at the end of the turn (null while streaming). */
  readonly final: string | null;
  readonly streaming: boolean;
  /** `cachedTokens`: prompt tokens the server took from its prefix cache (absent: it did not say). */
  readonly usage: { readonly promptTokens: number; readonly completionTokens: number; readonly cachedTokens?: number } | null;
  readonly durationMs: number | null;
  readonly estimatedPromptTokens: number;
  readonly retries: readonly string[];
  /** The turn ended without its reply being recorded (an error, a kill): what streamed is all there is. */
  readonly cutOff?: boolean;
  /**
   * A Coder turn's tool protocol (#17): READ / SEARCH / LIST offered as OpenAI tools (`native`) or as
   * text lines only, and why (absent: a Sheriff turn, or a log from before it was logged).
   */
  readonly tools?: { readonly protocol: 'native' | 'text'; readonly reason: string | null };
  /** The tool calls the model made in this turn (native, or written as `<tool_call>` text). */
  readonly toolCalls?: readonly { readonly name: string; readonly arguments: string }[];
  /** Bumped on every change, so a renderer can tell a turn changed without comparing text. */
  readonly version: number;
}

export interface ExecItem {
  readonly kind: 'exec';
  readonly id: string;
  readonly attempt: number;
  readonly command: string;
  readonly sandbox: string;
  readonly output: string;
  readonly finished: {
    readonly exitCode: number | null;
    readonly signal: string | null;
    readonly timedOut: boolean;
    readonly durationMs: number;
    readonly truncated: boolean;
    readonly totalBytes: number;
  } | null;
  readonly version: number;
}

interface VerdictItem {
  readonly kind: 'verdict';
  readonly id: string;
  readonly attempt: number;
  readonly verdict: 'PASS' | 'FAIL' | 'missing';
  readonly passed: boolean;
  readonly feedback: string;
}

interface CommitItem {
  readonly kind: 'commit';
  readonly id: string;
  readonly attempt: number;
  readonly step: number;
  readonly sha: string;
  readonly files: readonly string[];
}

/** Lint on edit: the syntax check of the files an edit touched, before the check (no attempt spent on an error). */
export interface LintItem {
  readonly kind: 'lint';
  readonly id: string;
  readonly attempt: number;
  readonly files: readonly string[];
  /** null while it runs. */
  readonly finished: {
    readonly errors: readonly { readonly file: string; readonly tool: string; readonly line: number | null; readonly message: string }[];
    readonly skipped: readonly { readonly file: string; readonly reason: string }[];
    readonly durationMs: number;
    /** Sent back to the Coder (null: clean, or the attempt's corrections were spent and the check runs anyway). */
    readonly correction: string | null;
  } | null;
}

interface AttemptItem {
  readonly kind: 'attempt';
  readonly id: string;
  readonly attempt: number;
}

interface NoteItem {
  readonly kind: 'note';
  readonly id: string;
  readonly tone: 'info' | 'warn' | 'error' | 'success';
  readonly text: string;
  readonly detail: string | null;
}

interface FinishedItem {
  readonly kind: 'finished';
  readonly id: string;
  readonly status: RunOutcome;
  readonly reason: string;
  readonly attempts: number;
  readonly tokens: TokenTotals;
}

export type TranscriptItem = TurnItem | ExecItem | VerdictItem | CommitItem | AttemptItem | NoteItem | FinishedItem | LintItem;

export interface Transcript {
  readonly session: string;
  readonly items: readonly TranscriptItem[];
  readonly lastSeq: number;
  /**
   * The session's projection (src/api/session-projection.ts) of the same events: every figure the
   * view shows beside the items (attempts, tokens, the turn in progress) comes from it, as in the core.
   */
  readonly projection: Session | null;
  /** Events that arrived out of order (seq not after lastSeq) and were ignored. */
  readonly ignored: number;
}

export function emptyTranscript(session: string): Transcript {
  return { session, items: [], lastSeq: 0, projection: null, ignored: 0 };
}

/** Mutable working copy of one reduction (the items array is copied once per batch). */
interface Draft {
  items: TranscriptItem[];
  /** Where the turn of (attempt, persona) that is streaming now sits. */
  openTurns: Map<string, number>;
  openExec: Map<number, number>;
  state: Omit<Transcript, 'items'>;
}

const turnKey = (attempt: number, persona: Persona): string => `${attempt}:${persona}`;

function openTurnsOf(items: readonly TranscriptItem[]): Map<string, number> {
  const open = new Map<string, number>();
  items.forEach((item, index) => {
    if (item.kind === 'turn' && item.streaming) open.set(turnKey(item.attempt, item.persona), index);
  });
  return open;
}

function openExecOf(items: readonly TranscriptItem[]): Map<number, number> {
  const open = new Map<number, number>();
  items.forEach((item, index) => {
    if (item.kind === 'exec' && item.finished === null) open.set(item.attempt, index);
  });
  return open;
}

function note(event: SessionEvent, tone: NoteItem['tone'], text: string, detail: string | null = null): NoteItem {
  return { kind: 'note', id: `n${event.seq}`, tone, text, detail };
}

function newTurn(event: SessionEvent, attempt: number, persona: Persona, estimatedPromptTokens: number): TurnItem {
  return {
    kind: 'turn',
    id: `t${event.seq}`,
    attempt,
    persona,
    streamed: '',
    final: null,
    streaming: true,
    usage: null,
    durationMs: null,
    estimatedPromptTokens,
    retries: [],
    version: 0,
  };
}

function updateTurn(draft: Draft, event: SessionEvent, attempt: number, persona: Persona, change: (turn: TurnItem) => TurnItem): void {
  const key = turnKey(attempt, persona);
  let index = draft.openTurns.get(key);
  if (index === undefined) {
    // A delta with no turn.started before it (a log that begins mid-turn): start one.
    draft.items.push(newTurn(event, attempt, persona, 0));
    index = draft.items.length - 1;
    draft.openTurns.set(key, index);
  }
  const turn = draft.items[index] as TurnItem;
  draft.items[index] = { ...change(turn), version: turn.version + 1 };
}

/** Events after which no turn of the run before them can still be streaming (its process ended or moved on). */
const ENDS_TURNS: ReadonlySet<SessionEvent['type']> = new Set([
  'session.finished',
  'session.interrupted',
  'session.resumed',
  'series.started',
  'attempt.started',
]);

/** A turn that never got its turn.finished (the server died, the process was killed) ends here, marked cut off. */
function endOpenTurns(draft: Draft): void {
  for (const index of draft.openTurns.values()) {
    const turn = draft.items[index] as TurnItem;
    draft.items[index] = { ...turn, streaming: false, cutOff: true, version: turn.version + 1 };
  }
  draft.openTurns.clear();
}

function applyOne(draft: Draft, event: SessionEvent): void {
  const { items } = draft;
  if (ENDS_TURNS.has(event.type)) endOpenTurns(draft);
  switch (event.type) {
    case 'session.created':
      // (Uncommitted changes left out are shown by the session view's banner and the core's warning.)
      return;
    case 'session.warning':
      items.push(note(event, 'warn', event.message));
      return;
    case 'prompt.cut':
      items.push(note(event, 'warn', event.message, `Sent ~${event.estimated} prompt tokens; the server counted ${event.reported}.`));
      return;
    case 'attempt.started':
      items.push({ kind: 'attempt', id: `a${event.seq}`, attempt: event.attempt });
      return;
    case 'turn.queued':
      // A wait for other sessions' turns is routine; a wait for memory is news the user should see (#17).
      if (event.reason === 'memory')
        items.push(note(event, 'warn', `Waiting for memory: ${event.message ?? 'another turn now would go below the free-memory floor'}`));
      return;
    case 'turn.admitted':
      items.push(note(event, 'info', `Memory is free again: the turn goes on (waited ${Math.round(event.waitedMs / 1000)} s).`));
      return;
    case 'turn.started': {
      const turn = newTurn(event, event.attempt, event.persona, event.estimatedPromptTokens);
      const protocol = draft.state.projection?.toolProtocol ?? null;
      items.push(
        event.tools === undefined
          ? turn
          : { ...turn, tools: { protocol: event.tools, reason: protocol?.protocol === event.tools ? protocol.reason : null } },
      );
      draft.openTurns.set(turnKey(event.attempt, event.persona), items.length - 1);
      return;
    }
    case 'token.delta':
      updateTurn(draft, event, event.attempt, event.persona, (turn) => ({ ...turn, streamed: turn.streamed + event.text }));
      return;
    case 'turn.retry':
      // The stream restarts: what was streamed so far is superseded by the retry's tokens.
      updateTurn(draft, event, event.attempt, event.persona, (turn) => ({
        ...turn,
        streamed: '',
        retries: [...turn.retries, event.reason],
      }));
      return;
    case 'turn.finished': {
      updateTurn(draft, event, event.attempt, event.persona, (turn) => ({
        ...turn,
        final: event.content,
        streaming: false,
        usage: event.usage,
        durationMs: event.durationMs,
        ...(event.toolCalls !== undefined && event.toolCalls.length > 0
          ? { toolCalls: event.toolCalls.map((c) => ({ name: c.name, arguments: c.arguments })) }
          : {}),
      }));
      draft.openTurns.delete(turnKey(event.attempt, event.persona));
      return;
    }
    case 'edit.rejected':
      items.push(
        note(
          event,
          'warn',
          `The reply had no usable edit; the Coder was asked again.`,
          [...event.reasons, '', event.correction].join('\n').trim(),
        ),
      );
      return;
    case 'read.answered':
      items.push(
        note(
          event,
          'info',
          `Answered the Coder's ${event.paths.length === 1 ? 'request' : `${event.paths.length} requests`}${event.via === 'native' ? ' (tool calls)' : ''}: ${event.paths.join('; ')}`,
        ),
      );
      return;
    case 'commit':
      items.push({ kind: 'commit', id: `c${event.seq}`, attempt: event.attempt, step: event.step, sha: event.sha, files: event.files });
      return;
    case 'exec.started':
      items.push({
        kind: 'exec',
        id: `e${event.seq}`,
        attempt: event.attempt,
        command: event.command,
        sandbox: event.sandbox,
        output: '',
        finished: null,
        version: 0,
      });
      draft.openExec.set(event.attempt, items.length - 1);
      return;
    case 'exec.output': {
      const index = draft.openExec.get(event.attempt);
      if (index === undefined) return;
      const exec = items[index] as ExecItem;
      items[index] = { ...exec, output: exec.output + event.chunk, version: exec.version + 1 };
      return;
    }
    case 'exec.finished': {
      let index = draft.openExec.get(event.attempt);
      if (index === undefined) {
        items.push({
          kind: 'exec',
          id: `e${event.seq}`,
          attempt: event.attempt,
          command: '',
          sandbox: '',
          output: '',
          finished: null,
          version: 0,
        });
        index = items.length - 1;
      }
      const exec = items[index] as ExecItem;
      const { exitCode, signal, timedOut, durationMs, truncated, totalBytes } = event;
      // The host's capture (head + tail) is what was kept; prefer it once the run is over.
      items[index] = {
        ...exec,
        output: event.output !== '' || exec.output === '' ? event.output : exec.output,
        finished: { exitCode, signal, timedOut, durationMs, truncated, totalBytes },
        version: exec.version + 1,
      };
      draft.openExec.delete(event.attempt);
      return;
    }
    case 'lint.started':
      items.push({ kind: 'lint', id: `l${event.seq}`, attempt: event.attempt, files: event.files, finished: null });
      return;
    case 'lint.finished': {
      const { errors, skipped, durationMs, correction } = event;
      const at = items.findLastIndex((item) => item.kind === 'lint' && item.attempt === event.attempt && item.finished === null);
      const open = at >= 0 ? (items[at] as LintItem) : null;
      const item: LintItem = {
        kind: 'lint',
        id: open?.id ?? `l${event.seq}`,
        attempt: event.attempt,
        files: open?.files ?? event.files,
        finished: { errors, skipped, durationMs, correction },
      };
      if (at >= 0) items[at] = item;
      else items.push(item);
      return;
    }
    case 'tests.refused':
      items.push(
        note(
          event,
          'warn',
          `Tests refused: ${event.files.join(', ')} passed on the base (exit 0) — it passes before any change, so it does not test the task. The Coder was asked again.`,
          event.output || null,
        ),
      );
      return;
    case 'tests.kept':
      items.push(
        note(
          event,
          'success',
          `Acceptance tests kept as step ${event.step}: ${event.files.join(', ')} — on the base the check ${event.timedOut ? 'timed out' : `failed (exit ${event.exitCode ?? '?'})`}, as it should before the fix.`,
          event.output || null,
        ),
      );
      return;
    case 'verdict':
      items.push({
        kind: 'verdict',
        id: `v${event.seq}`,
        attempt: event.attempt,
        verdict: event.verdict,
        passed: event.passed,
        feedback: event.feedback,
      });
      return;
    case 'session.finished':
      items.push({
        kind: 'finished',
        id: `f${event.seq}`,
        status: event.status,
        reason: event.reason,
        attempts: event.attempts,
        tokens: event.tokens,
      });
      return;
    case 'workspace.included':
      items.push(
        note(
          event,
          event.missing.length > 0 ? 'warn' : 'info',
          `Copied ${event.copied.length} ignored file(s) into the worktree${event.missing.length > 0 ? `; missing: ${event.missing.join(', ')}` : ''}.`,
        ),
      );
      return;
    case 'environment':
      items.push(note(event, 'info', event.line));
      return;
    case 'preflight':
      // The check on the base before the first attempt (#22): an environment failure stopped the session.
      items.push(
        note(
          event,
          event.outcome === 'environment' ? 'error' : event.outcome === 'passes' ? 'warn' : 'info',
          `Preflight: ${event.message}`,
          event.output || null,
        ),
      );
      return;
    case 'setup.started':
      items.push(note(event, 'info', `Setup: ${event.command}`));
      return;
    case 'setup.output':
      return;
    case 'setup.finished':
      items.push(
        note(
          event,
          event.exitCode === 0 ? 'info' : 'error',
          `Setup ${event.exitCode === 0 ? 'finished' : `failed (exit ${event.exitCode ?? event.signal ?? '?'})`} in ${Math.round(event.durationMs)} ms.`,
          event.output || null,
        ),
      );
      return;
    case 'rollback': {
      // The projection (already past this event) tells a restore (forward to dropped steps) from a rollback.
      const restore = draft.state.projection?.rollbacks.at(-1)?.restore === true;
      const where = `${event.toStep === 0 ? 'the start' : `step ${event.toStep}`} (${event.toCommit.slice(0, 7)})`;
      items.push(
        note(
          event,
          'info',
          restore
            ? `Restored ${where}. Where the branch was is kept at ${event.archiveRef}.`
            : `Rolled back to ${where}. The dropped commits are kept at ${event.archiveRef}.`,
        ),
      );
      return;
    }
    case 'merge':
      items.push(
        note(
          event,
          'success',
          `${event.squash ? 'Squash-merged' : 'Merged'} into ${event.target} (${event.targetAfter.slice(0, 7)}), ${event.files.length} file${event.files.length === 1 ? '' : 's'}.`,
        ),
      );
      return;
    case 'discard': {
      // After a merge it is a clean-up: the session stays merged (the projection says which).
      const cleanup = draft.state.projection?.state === 'merged';
      const kept = event.archiveRef !== null ? ` The work is kept at ${event.archiveRef}.` : '';
      items.push(note(event, 'info', `${cleanup ? 'Removed the worktree and branch after the merge.' : 'Discarded.'}${kept}`));
      return;
    }
    case 'session.interrupted':
      items.push(note(event, 'warn', `Interrupted: ${event.reason}`));
      return;
    case 'session.resumed':
      items.push(
        note(
          event,
          'info',
          `Resumed from attempt ${event.fromAttempt}${event.worktreeRestored ? ' (the worktree was restored from the branch)' : ''}.`,
        ),
      );
      return;
    case 'session.relocated':
      items.push(note(event, 'info', `The repository moved to ${event.to}.`));
      return;
    case 'push':
      items.push(
        note(
          event,
          'info',
          event.outcome === 'pushed'
            ? `Pushed ${event.branch} (${event.commit.slice(0, 7)}) to ${event.remote}.`
            : `${event.remote} already had ${event.branch} at ${event.commit.slice(0, 7)}.`,
        ),
      );
      return;
    case 'pr':
      items.push(
        note(
          event,
          'success',
          event.via === 'gh'
            ? `Pull request${event.number !== null ? ` #${event.number}` : ''} into ${event.base}${event.draft ? ' (draft)' : ''}: ${event.url}`
            : `Pull request page for ${event.branch} into ${event.base}: ${event.url}`,
        ),
      );
      return;
    case 'series.started':
      items.push(note(event, 'info', `You replied — attempt series ${event.series}, from step ${event.fromStep}: ${event.instruction}`));
      return;
    case 'plan.server':
      items.push(
        note(
          event,
          'info',
          `Model server for this series: ${event.url ?? 'the configured one'}${event.model !== null ? ` (${event.model})` : ''}.`,
        ),
      );
      return;
  }
}

/** Applies a batch of one session's events (in seq order); duplicates and stale events are ignored. */
export function applyEvents(transcript: Transcript, events: readonly SessionEvent[]): Transcript {
  if (events.length === 0) return transcript;
  const { items, ...state } = transcript;
  const draft: Draft = { items: [...items], openTurns: openTurnsOf(items), openExec: openExecOf(items), state };
  let changed = false;
  for (const event of events) {
    if (event.seq <= draft.state.lastSeq) {
      draft.state = { ...draft.state, ignored: draft.state.ignored + 1 };
      continue;
    }
    draft.state = { ...draft.state, lastSeq: event.seq, projection: projectSafely(draft.state.projection, event) };
    applyOne(draft, event);
    changed = true;
  }
  if (!changed) return { ...transcript, ignored: draft.state.ignored };
  return { ...draft.state, items: draft.items };
}

/** A stream that joined mid-log (no session.created seen) has no projection; the host's row stands in. */
function projectSafely(state: Session | null, event: SessionEvent): Session | null {
  if (state === null && event.type !== 'session.created') return null;
  try {
    return project(state, event);
  } catch {
    return state;
  }
}

/** What a turn shows: the recorded reply once finished, the stream while it runs. */
export function turnText(turn: TurnItem): string {
  return turn.final ?? turn.streamed;
}
