import { requestSchemas, type RequestName } from '../requests.js';
import { fail, type ApiResult } from '../responses.js';

/**
 * The client's check of answers against the contract (requests.ts) as they cross from the host's
 * process. The session list is checked: it is the answer a window asks for most, and the one whose
 * rows every surface shows.
 *
 * Checking 200 rows with zod costs more than everything else in a request, so an answer is kept by
 * its exact text (everything after the request id): a frame whose bytes equal an answer already
 * checked *is* that answer — equal bytes parse to equal values — and is handed on without parsing or
 * checking again. Any byte different (one row changed) and the whole answer is parsed and checked.
 * The host builds that text once per list version (src/host/response-frame.ts), so a client that
 * takes the whole list each time pays a string comparison.
 */
const CHECKED: ReadonlySet<string> = new Set<RequestName>(['sessions.list']);

/** Shorter answers are cheap to parse and check, and the "unchanged" answers a poller gets must not evict the list. */
const KEEP_FROM_CHARS = 4096;

/** What JSON.stringify writes before the answer of a response frame (wire.ts; key order as the host writes it). */
const RESPONSE_HEAD = /^\{"type":"response","id":(0|[1-9][0-9]{0,14}),"response":/;

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
   * The answer as the caller gets it: checked against the contract when `name` is checked (a
   * mismatch is a BAD_ANSWER failure, never data of the wrong shape), frozen (a kept answer is
   * handed to every caller that gets the same bytes), and kept by `tail` when that is given.
   */
  check(name: string, response: ApiResult<unknown>, tail: string | null): ApiResult<unknown> {
    if (!CHECKED.has(name) || !response.ok) return response;
    const parsed = requestSchemas[name as RequestName].data.safeParse(response.data);
    if (!parsed.success) {
      const issue = parsed.error.issues[0];
      const where = issue === undefined || issue.path.length === 0 ? '' : ` at ${issue.path.join('.')}`;
      return fail(
        'BAD_ANSWER',
        `The host's answer to ${name} does not match this window's contract${where}: ${issue?.message ?? 'invalid'}. Reload the window (the host may be of another version).`,
      );
    }
    const checked: ApiResult<unknown> = deepFreeze({ ok: true, data: parsed.data });
    if (tail !== null && tail.length >= KEEP_FROM_CHARS) this.kept.set(name, { tail, response: checked });
    return checked;
  }
}

function deepFreeze<T>(value: T): T {
  if (typeof value !== 'object' || value === null || Object.isFrozen(value)) return value;
  for (const inner of Object.values(value)) deepFreeze(inner);
  return Object.freeze(value);
}
