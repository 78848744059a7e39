import { apiEventSchema, GLOBAL_STREAM, globalEventSchema, type ApiEvent } from '../global-events.js';
import { sessionEventSchema } from '../events.js';

/**
 * The client's check of every pushed event against the contract (apiEventSchema) as it arrives from
 * the host's process — one place for both transports (ws-client.ts, ipc-client.ts).
 *
 * An event off the contract is dropped and said, never handed on. Why not the other two choices:
 * - handed on, a wrong-shaped event reaches the stores and the projection, which trust their types:
 *   the window would show wrong state, or throw far from the cause;
 * - ending the connection over it would take the whole window down for one event — typically a kind
 *   a newer host added, which this window cannot show anyway — while everything else still works.
 * What the window loses is that one event: the next request (every answer is checked, a mismatch is a
 * BAD_ANSWER the UI shows) or the next event of the same thing brings it up to date. So it is
 * dropped with a console error naming the stream, the seq, the type and where it differs (the e2e
 * tests assert that a page, its API worker included, logs none) — once per kind of mismatch, since
 * a stream of token deltas would otherwise print thousands of lines for one cause.
 */

/** Distinct mismatches reported per client; past this, one line says that more were dropped. */
const REPORTED_KINDS = 20;

export type DiagnosticReport = (message: string) => void;

/** Where a client says what it dropped unless told otherwise: the window's console (the e2e tests assert it stays empty). */
export const reportToConsole: DiagnosticReport = (message) => console.error(message);

export class EventChecks {
  /** The kinds of mismatch said so far (type + path). */
  private readonly reported = new Set<string>();
  private dropped = 0;
  private silenced = false;

  constructor(private readonly report: DiagnosticReport = reportToConsole) {}

  /** The event, checked; null (and said once per kind) when it does not match the contract. */
  read(raw: unknown): ApiEvent | null {
    const parsed = apiEventSchema.safeParse(raw);
    if (parsed.success) return parsed.data;
    this.dropped++;
    if (this.silenced) return null;
    const { kind, message } = describe(raw);
    if (this.reported.has(kind)) return null;
    if (this.reported.size === REPORTED_KINDS) {
      this.silenced = true;
      this.report(
        `MLX Factory: ${this.dropped} events off this window's contract were dropped; further ones are not reported. Reload the window.`,
      );
      return null;
    }
    this.reported.add(kind);
    this.report(message);
    return null;
  }
}

/**
 * What is wrong with an event, and a key for the kind of mismatch (type + path). The union's own
 * error says little ("no union member matched"), so the event is checked again against the stream's
 * own schema — a global event against the global union, any other against the session events — whose
 * discriminated union names the field.
 */
function describe(raw: unknown): { kind: string; message: string } {
  const record = typeof raw === 'object' && raw !== null && !Array.isArray(raw) ? (raw as Record<string, unknown>) : null;
  if (record === null) {
    const what = Array.isArray(raw) ? 'an array' : raw === null ? 'null' : typeof raw;
    return { kind: `not-object:${what}`, message: `MLX Factory: dropped an event the host sent that is not an object (${what}).` };
  }
  const type = typeof record.type === 'string' ? record.type : '(no type)';
  const stream =
    record.session === GLOBAL_STREAM ? 'the global stream' : typeof record.session === 'string' ? `session ${record.session}` : 'no stream';
  const seq = typeof record.seq === 'number' ? ` seq ${record.seq}` : '';
  const schema = record.session === GLOBAL_STREAM ? globalEventSchema : sessionEventSchema;
  const issue = schema.safeParse(raw).error?.issues[0];
  const path = issue === undefined || issue.path.length === 0 ? '' : issue.path.join('.');
  const where = path === '' ? '' : ` at ${path}`;
  return {
    kind: `${type}:${path}`,
    message:
      `MLX Factory: dropped a ${type} event (${stream}${seq}) that does not match this window's contract${where}: ` +
      `${issue?.message ?? 'invalid'}. What it says is not shown; reload the window (the host may be of another version).`,
  };
}
