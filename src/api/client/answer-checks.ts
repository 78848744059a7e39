import type { z } from 'zod';
import { isRequestName, requestSchemas, type RequestName } from '../requests.js';
import { fail, type ApiResult } from '../responses.js';
import { responseEnvelopeSchema } from '../wire.js';

/**
 * The client's check of every answer against the contract (requests.ts) as it crosses from the
 * host's process — the one place both transports use: the WebSocket client (ws-client.ts) with the
 * frame's text, the Electron client (ipc-client.ts) with the structured clone it got. An answer
 * that is not `{ok:true,data}` / `{ok:false,error}`, or whose `data` does not match its request's
 * `data` schema, is a BAD_ANSWER failure naming the request and where it differs: the renderer never
 * gets data of the wrong shape, and a host of another version is said to be one.
 *
 * The session list is the exception for speed, not for trust: checking 200 rows with zod costs more
 * than everything else in a request, so its answer is kept by its exact text (everything after the
 * request id): a frame whose bytes equal an answer already checked *is* that answer — equal bytes
 * parse to equal values — and is handed on without parsing or checking again. Any byte different
 * (one row changed) and the whole answer is parsed and checked. The host builds that text once per
 * list version (src/host/response-frame.ts), so a client that takes the whole list each time pays a
 * string comparison. Other answers are not kept: their bytes are built anew each time, so equal
 * texts are rare, and keeping them would hold big texts (a file pair) for nothing.
 */
const KEPT: ReadonlySet<string> = new Set<RequestName>(['sessions.list']);

/** Shorter answers are cheap to parse and check, and the "unchanged" answers a poller gets must not evict the list. */
const KEEP_FROM_CHARS = 4096;

/** What JSON.stringify writes before the answer of a response frame (wire.ts; key order as the host writes it). */
const RESPONSE_HEAD = /^\{"type":"response","id":(0|[1-9][0-9]{0,14}),"response":/;

/** What a BAD_ANSWER message names at most (the first mismatches; one is usually the cause). */
const ISSUES_NAMED = 3;

export interface FrameTail {
  readonly id: number;
  /** The frame's text after `"response":` — the answer's own bytes. */
  readonly tail: string;
}

export class AnswerChecks {
  /** The last checked answer kept per request name, with the exact text it came as. */
  private readonly kept = new Map<string, { tail: string; response: ApiResult<unknown> }>();

  /** A long response frame's id and answer text; null for anything else (events, short answers, other shapes). */
  split(text: string): FrameTail | null {
    if (text.length < KEEP_FROM_CHARS) return null;
    const head = RESPONSE_HEAD.exec(text);
    if (head === null) return null;
    return { id: Number(head[1]), tail: text.slice(head[0].length) };
  }

  /** The answer to `name` already checked whose text is exactly `tail`, if there is one. */
  known(name: string, tail: string): ApiResult<unknown> | undefined {
    const kept = this.kept.get(name);
    return kept !== undefined && kept.tail === tail ? kept.response : undefined;
  }

  /**
   * The answer as the caller gets it: checked against the contract (a mismatch is a BAD_ANSWER
   * failure, never data of the wrong shape). A session list is frozen (a kept answer is handed to
   * every caller that gets the same bytes) and kept by `tail` when that is given.
   */
  check(name: string, response: unknown, tail: string | null): ApiResult<unknown> {
    const envelope = responseEnvelopeSchema.safeParse(response);
    if (!envelope.success) return badAnswer(name, 'is not an answer (`{ok:true,data}` or `{ok:false,error}`)', envelope.error.issues);
    const answer = envelope.data;
    if (!answer.ok) return { ok: false, error: answer.error as Extract<ApiResult<unknown>, { ok: false }>['error'] };
    // The client asks only for names of its contract; a name it does not know has no shape to trust.
    if (!isRequestName(name)) return fail('BAD_ANSWER', `The host answered ${name}, which this window's contract does not have.`);
    const parsed = requestSchemas[name].data.safeParse(answer.data);
    if (!parsed.success) return badAnswer(name, "does not match this window's contract", parsed.error.issues);
    if (!KEPT.has(name)) return { ok: true, data: parsed.data };
    const checked: ApiResult<unknown> = deepFreeze({ ok: true, data: parsed.data });
    if (tail !== null && tail.length >= KEEP_FROM_CHARS) this.kept.set(name, { tail, response: checked });
    return checked;
  }
}

/** "The host's answer to sessions.show does not match … at session.state: Invalid option …" — the request and each path. */
function badAnswer(name: string, what: string, issues: readonly z.core.$ZodIssue[]): ApiResult<never> {
  const named = issues
    .slice(0, ISSUES_NAMED)
    .map((issue) => `${issue.path.length === 0 ? '' : `at ${issue.path.join('.')}: `}${issue.message}`);
  const more = issues.length > ISSUES_NAMED ? ` (and ${issues.length - ISSUES_NAMED} more)` : '';
  return fail(
    'BAD_ANSWER',
    `The host's answer to ${name} ${what}: ${named.join('; ') || 'invalid'}${more}. Reload the window (the host may be of another version).`,
  );
}

function deepFreeze<T>(value: T): T {
  if (typeof value !== 'object' || value === null || Object.isFrozen(value)) return value;
  for (const inner of Object.values(value)) deepFreeze(inner);
  return Object.freeze(value);
}
