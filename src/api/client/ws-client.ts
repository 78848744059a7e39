import type { ConnectionState, FactoryApi } from './factory-api.js';
import { AnswerChecks } from './answer-checks.js';
import { EventChecks, reportToConsole, type DiagnosticReport } from './event-checks.js';
import { EventCursors } from './event-cursors.js';
import { GLOBAL_STREAM, type ApiEvent } from '../global-events.js';
import type { ApiResponse, RequestName, RequestParams } from '../requests.js';
import { fail, type ApiError, type ApiResult } from '../responses.js';
import { hostFrameSchema, type ClientFrame } from '../wire.js';

/**
 * The browser's FactoryApi: one WebSocket to `mlx-factory ui`'s host. No Node imports — the
 * renderer bundles this. It reconnects with backoff and, after each reconnect, re-subscribes every
 * followed stream after the last seq it delivered, so a dropped socket loses and repeats nothing.
 */

/** The part of the WebSocket API we use (the browser's, or `ws` in tests). */
export interface WebSocketLike {
  readonly readyState: number;
  send(data: string): void;
  close(code?: number, reason?: string): void;
  onopen: ((event: unknown) => void) | null;
  onmessage: ((event: { data: unknown }) => void) | null;
  onclose: ((event: unknown) => void) | null;
  onerror: ((event: unknown) => void) | null;
}

export interface WsClientOptions {
  /** ws://127.0.0.1:PORT/api */
  readonly url: string;
  /** The subprotocols to offer at each (re)connect: they carry the credential (see wire.ts). */
  readonly protocols?: () => readonly string[];
  /** The host sent the long-lived token (the socket came in with a one-time code): keep it for reconnects. */
  readonly onToken?: (token: string) => void;
  /** Defaults to the global WebSocket. */
  readonly createSocket?: (url: string, protocols: readonly string[]) => WebSocketLike;
  readonly minBackoffMs?: number;
  readonly maxBackoffMs?: number;
  /**
   * Stop reconnecting (state 'closed', error HOST_GONE) once nothing has answered for this long
   * (default 30 s): a tab of an `mlx-factory ui` that is gone must say so, not spin forever.
   */
  readonly giveUpAfterMs?: number;
  /** Where a frame or event off the contract is said (it is dropped); defaults to console.error. */
  readonly report?: DiagnosticReport;
}

const OPEN = 1;

interface Pending {
  readonly resolve: (result: ApiResult<unknown>) => void;
  /** Frames not yet sent (socket down) can be sent later; sent ones fail on disconnect. */
  sent: boolean;
  readonly frame: ClientFrame;
}

export function createWsClient(options: WsClientOptions): FactoryApi & { close(): void } {
  const createSocket =
    options.createSocket ?? ((url: string, protocols: readonly string[]) => new WebSocket(url, [...protocols]) as unknown as WebSocketLike);
  const minBackoff = options.minBackoffMs ?? 250;
  const maxBackoff = options.maxBackoffMs ?? 5000;
  const cursors = new EventCursors();
  const checks = new AnswerChecks();
  const report = options.report ?? reportToConsole;
  const events = new EventChecks(report);
  const followed = new Set<string>();
  const eventListeners = new Set<(event: ApiEvent) => void>();
  const stateListeners = new Set<(state: ConnectionState, error: ApiError | null) => void>();
  const giveUpAfter = options.giveUpAfterMs ?? 30_000;
  const pending = new Map<number, Pending>();
  let nextId = 1;
  let socket: WebSocketLike | null = null;
  let ready = false;
  let state: ConnectionState = 'connecting';
  let epoch: string | null = null;
  let backoff = minBackoff;
  let closedByUser = false;
  let retryTimer: ReturnType<typeof setTimeout> | undefined;
  /** Why the host ended it (a `refused` frame), or why we gave up; null while it may come back. */
  let endError: ApiError | null = null;
  /** When the socket was last seen working (or first tried): the give-up clock starts here. */
  let lastAlive = Date.now();

  const setState = (next: ConnectionState): void => {
    if (state === next) return;
    state = next;
    for (const listener of stateListeners) listener(next, endError);
  };

  const deliver = (event: ApiEvent): void => {
    if (!cursors.accept(event)) return;
    for (const listener of eventListeners) listener(event);
  };

  const deliverRaw = (raw: unknown): void => {
    const event = events.read(raw);
    if (event !== null) deliver(event);
  };

  const sendFrame = (entry: Pending): void => {
    if (socket === null || !ready || socket.readyState !== OPEN) return;
    socket.send(JSON.stringify(entry.frame));
    entry.sent = true;
  };

  const rawRequest = (name: string, params: unknown): Promise<ApiResult<unknown>> => {
    if (endError !== null) return Promise.resolve({ ok: false, error: endError });
    if (closedByUser) return Promise.resolve(fail('DISCONNECTED', 'The connection to MLX Factory was closed.'));
    return new Promise((resolve) => {
      const id = nextId++;
      const entry: Pending = { resolve, sent: false, frame: { type: 'request', id, name, params } };
      pending.set(id, entry);
      sendFrame(entry);
    });
  };

  const onHello = async (helloEpoch: string): Promise<void> => {
    // A new epoch means the host restarted: its global seqs begin again.
    if (epoch !== null && epoch !== helloEpoch) cursors.reset(GLOBAL_STREAM);
    epoch = helloEpoch;
    ready = true;
    backoff = minBackoff;
    // Re-follow first so replays come before anything queued while we were away.
    const resubscribes = [...followed].map((stream) => rawRequest('events.subscribe', { stream, afterSeq: cursors.lastSeq(stream) }));
    for (const entry of pending.values()) if (!entry.sent) sendFrame(entry);
    setState('open');
    await Promise.all(resubscribes);
  };

  const onFrame = (raw: unknown): void => {
    const text = typeof raw === 'string' ? raw : String(raw);
    // A long answer with exactly the bytes of one already checked is that answer (answer-checks.ts).
    const long = checks.split(text);
    if (long !== null) {
      const entry = pending.get(long.id);
      const known = entry === undefined ? undefined : checks.known(entry.frame.name, long.tail);
      if (entry !== undefined && known !== undefined) {
        pending.delete(long.id);
        entry.resolve(known);
        return;
      }
    }
    let parsed: unknown;
    try {
      parsed = JSON.parse(text);
    } catch {
      report(`MLX Factory: dropped a frame from the host that is not JSON (${text.length} characters).`);
      return;
    }
    const frame = hostFrameSchema.safeParse(parsed);
    if (!frame.success) {
      // Not one of the host's frames: nothing in it can be trusted, not even an id to answer.
      const issue = frame.error.issues[0];
      report(
        `MLX Factory: dropped a frame from the host that does not match this window's contract${issue === undefined || issue.path.length === 0 ? '' : ` at ${issue.path.join('.')}`}: ${issue?.message ?? 'invalid'}.`,
      );
      return;
    }
    const value = frame.data;
    if (value.type === 'refused') {
      // This host will never take our token: stop here (the close that follows ends the socket).
      endError = { code: value.error.code as ApiError['code'], message: value.error.message };
      return;
    }
    if (value.type === 'hello') {
      if (value.token !== undefined) options.onToken?.(value.token);
      void onHello(value.epoch);
    } else if (value.type === 'events') {
      // In order, each through the cursors, exactly as if they had come one frame each.
      for (const raw of value.events) deliverRaw(raw);
    } else if (value.type === 'event') {
      deliverRaw(value.event);
    } else if (value.id !== null) {
      const entry = pending.get(value.id);
      if (entry === undefined) return;
      pending.delete(value.id);
      entry.resolve(checks.check(entry.frame.name, value.response, long?.id === value.id ? long.tail : null));
    }
  };

  const connect = (): void => {
    ready = false;
    const current = createSocket(options.url, options.protocols?.() ?? []);
    socket = current;
    current.onmessage = (event) => {
      if (socket === current) onFrame(event.data);
    };
    current.onclose = () => {
      if (socket !== current) return;
      const wasReady = ready;
      socket = null;
      ready = false;
      if (wasReady) lastAlive = Date.now();
      // What was sent may or may not have happened: say so rather than guess or resend.
      for (const [id, entry] of pending) {
        if (!entry.sent) continue;
        pending.delete(id);
        entry.resolve(fail('DISCONNECTED', 'The connection to MLX Factory dropped before it answered; check the result before retrying.'));
      }
      if (!closedByUser && endError === null && Date.now() - lastAlive >= giveUpAfter) {
        endError = {
          code: 'HOST_GONE',
          message:
            'Nothing answers at this address any more: this `mlx-factory ui` has stopped. Open the new address printed by `mlx-factory ui`.',
        };
      }
      if (closedByUser || endError !== null) {
        for (const [id, entry] of pending) {
          pending.delete(id);
          entry.resolve(
            endError !== null ? { ok: false, error: endError } : fail('DISCONNECTED', 'The connection to MLX Factory was closed.'),
          );
        }
        setState('closed');
        return;
      }
      setState('reconnecting');
      retryTimer = setTimeout(connect, backoff);
      backoff = Math.min(maxBackoff, backoff * 2);
    };
    current.onerror = () => {
      // onclose follows; nothing to do here.
    };
  };

  connect();

  const api: FactoryApi & { close(): void } = {
    transport: 'web',
    get connectionState() {
      return state;
    },
    get connectionError() {
      return endError;
    },
    request<K extends RequestName>(name: K, params: RequestParams<K>): Promise<ApiResponse<K>> {
      return rawRequest(name, params) as Promise<ApiResponse<K>>;
    },
    onEvent(listener) {
      eventListeners.add(listener);
      return () => eventListeners.delete(listener);
    },
    async subscribe(stream, afterSeq) {
      followed.add(stream);
      const after = afterSeq ?? cursors.lastSeq(stream);
      return (await rawRequest('events.subscribe', {
        stream,
        afterSeq: after,
        ...(epoch !== null && stream === GLOBAL_STREAM ? { epoch } : {}),
      })) as ApiResponse<'events.subscribe'>;
    },
    async unsubscribe(stream) {
      followed.delete(stream);
      return (await rawRequest('events.unsubscribe', { stream })) as ApiResponse<'events.unsubscribe'>;
    },
    onConnectionChange(listener) {
      stateListeners.add(listener);
      return () => stateListeners.delete(listener);
    },
    pathForFile() {
      // Browsers do not reveal where a dropped file lives.
      return null;
    },
    close() {
      closedByUser = true;
      if (retryTimer !== undefined) clearTimeout(retryTimer);
      for (const [id, entry] of pending) {
        pending.delete(id);
        entry.resolve(fail('DISCONNECTED', 'The connection to MLX Factory was closed.'));
      }
      if (socket === null) setState('closed');
      else socket.close(1000, 'closed by the client');
    },
  };
  return api;
}
