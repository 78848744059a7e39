import type { ApiEvent } from '../global-events.js';

/**
 * The last seq a client has seen per stream. Both clients route every incoming event through
 * `accept`, which drops anything at or below the cursor — so a replay that overlaps what already
 * arrived (a reconnect, or a replay racing a live event) is never delivered twice — and re-subscribe
 * after a reconnect with `afterSeq = last(stream)`, so nothing is lost.
 */
export class EventCursors {
  private readonly last = new Map<string, number>();

  /** True if the event is new for its stream (and records it); false for a duplicate. */
  accept(event: ApiEvent): boolean {
    const previous = this.last.get(event.session) ?? 0;
    if (event.seq <= previous) return false;
    this.last.set(event.session, event.seq);
    return true;
  }

  lastSeq(stream: string): number {
    return this.last.get(stream) ?? 0;
  }

  /** Forget a stream (e.g. the host restarted and the global stream's seqs begin again). */
  reset(stream: string): void {
    this.last.delete(stream);
  }
}
