import { GLOBAL_STREAM, type GlobalEvent, type GlobalEventPayload } from '../api/global-events.js';

/**
 * The host's global event stream (server, memory, session list, app requests): numbered from 1 in
 * memory, with a bounded backlog so a client that reconnects gets what it missed. Older events are
 * dropped first; a subscriber asking for them is told there is a gap (it then refetches state).
 */
export type GlobalListener = (event: GlobalEvent) => void;

export class GlobalStream {
  private readonly backlog: GlobalEvent[] = [];
  private readonly listeners = new Set<GlobalListener>();
  private seq = 0;

  constructor(private readonly capacity = 5000) {}

  emit(payload: GlobalEventPayload): GlobalEvent {
    this.seq += 1;
    const event = { ...payload, session: GLOBAL_STREAM, seq: this.seq, time: new Date().toISOString() } as GlobalEvent;
    this.backlog.push(event);
    if (this.backlog.length > this.capacity) this.backlog.splice(0, this.backlog.length - this.capacity);
    for (const listener of this.listeners) listener(event);
    return event;
  }

  get lastSeq(): number {
    return this.seq;
  }

  /** The kept events after `afterSeq`, and whether some asked-for ones were already dropped. */
  since(afterSeq: number): { events: GlobalEvent[]; gap: boolean } {
    const first = this.backlog[0];
    const gap = first !== undefined && first.seq > afterSeq + 1;
    return { events: this.backlog.filter((event) => event.seq > afterSeq), gap };
  }

  subscribe(listener: GlobalListener): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }
}
