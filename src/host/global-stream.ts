import { GLOBAL_STREAM, type GlobalEvent, type GlobalEventPayload } from '../api/global-events.js';

/**
 * The host's global event stream (server, memory, session list, app requests): numbered from 1 in
 * memory, with a bounded backlog so a client that reconnects gets what it missed. Older events are
 * dropped first; a subscriber asking for them is told there is a gap (it then refetches state).
 *
 * `app.*` events are requests for a moment ("open New session with this folder"), not state: they
 * never enter the backlog, so a dashboard created later does not replay an old one. The newest one
 * waits, for `requestTtlMs`, for the one next client that subscribes after it was sent — the
 * dashboard that a drop on the tray icon opens — and is handed to that client only.
 */
export type GlobalListener = (event: GlobalEvent) => void;

type AppRequest = Extract<GlobalEvent, { type: `app.${string}` }>;

function isAppRequest(event: GlobalEvent): event is AppRequest {
  return event.type.startsWith('app.');
}

export class GlobalStream {
  private readonly backlog: GlobalEvent[] = [];
  private readonly listeners = new Set<GlobalListener>();
  private seq = 0;
  /** The highest seq dropped from the backlog (0: none yet). */
  private droppedThrough = 0;
  private pending: { event: AppRequest; until: number } | null = null;

  constructor(
    private readonly capacity = 5000,
    private readonly requestTtlMs = 15_000,
    private readonly now: () => number = Date.now,
  ) {}

  emit(payload: GlobalEventPayload): GlobalEvent {
    this.seq += 1;
    const event = { ...payload, session: GLOBAL_STREAM, seq: this.seq, time: new Date().toISOString() } as GlobalEvent;
    if (isAppRequest(event)) {
      this.pending = { event, until: this.now() + this.requestTtlMs };
    } else {
      this.backlog.push(event);
      if (this.backlog.length > this.capacity) {
        const dropped = this.backlog.splice(0, this.backlog.length - this.capacity);
        this.droppedThrough = dropped.at(-1)?.seq ?? this.droppedThrough;
      }
    }
    for (const listener of this.listeners) listener(event);
    return event;
  }

  get lastSeq(): number {
    return this.seq;
  }

  /**
   * The kept events after `afterSeq`, and whether some asked-for ones were already dropped. A
   * waiting app request sent after `afterSeq` is included (in seq order) and then forgotten.
   */
  since(afterSeq: number): { events: GlobalEvent[]; gap: boolean } {
    const events = this.backlog.filter((event) => event.seq > afterSeq);
    const request = this.takePending(afterSeq);
    if (request !== null) {
      const at = events.findIndex((event) => event.seq > request.seq);
      events.splice(at < 0 ? events.length : at, 0, request);
    }
    return { events, gap: this.droppedThrough > afterSeq };
  }

  subscribe(listener: GlobalListener): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  private takePending(afterSeq: number): AppRequest | null {
    const pending = this.pending;
    if (pending === null || pending.event.seq <= afterSeq) return null;
    this.pending = null;
    return pending.until >= this.now() ? pending.event : null;
  }
}
