import { GLOBAL_STREAM, type ApiEvent } from '../api/global-events.js';
import type { SubscribeResult } from '../api/payloads.js';
import type { SessionEvent } from '../api/events.js';
import { readSessionLog } from '../sessions/session-log.js';
import { sessionFiles } from '../sessions/session-meta.js';
import type { FactoryHost } from './factory-host.js';
import { readSession } from './session-views.js';

/**
 * One API client (a renderer window, a browser tab's socket) and the streams it follows. A
 * subscription replays the stream after `afterSeq`, then forwards live events; per stream it
 * remembers the last seq sent, so a replay and a live event can never both deliver the same one.
 *
 * No gap between replay and live: a session log is appended with a synchronous write and then
 * tells its listeners, so reading the file and attaching the listener in the same tick sees every
 * event exactly once.
 */
export class ClientConnection {
  private readonly subscriptions = new Map<string, { lastSent: number; detach: () => void }>();
  private readonly stopWatchingLogs: () => void;
  private closed = false;

  constructor(
    private readonly host: FactoryHost,
    private readonly send: (event: ApiEvent) => void,
  ) {
    // A followed session that this host starts running later (resume) gets its live events too.
    this.stopWatchingLogs = host.sessions.onLogOpened((id) => {
      const subscription = this.subscriptions.get(id);
      if (subscription !== undefined) this.followSession(id, subscription.lastSent);
    });
  }

  subscribe(stream: string, afterSeq: number, epoch: string | undefined): SubscribeResult {
    if (stream === GLOBAL_STREAM) return this.followGlobal(epoch !== undefined && epoch !== this.host.epoch ? 0 : afterSeq);
    readSession(this.host.paths, stream); // SESSION_NOT_FOUND for an unknown id
    return this.followSession(stream, afterSeq);
  }

  unsubscribe(stream: string): void {
    this.subscriptions.get(stream)?.detach();
    this.subscriptions.delete(stream);
  }

  close(): void {
    if (this.closed) return;
    this.closed = true;
    for (const { detach } of this.subscriptions.values()) detach();
    this.subscriptions.clear();
    this.stopWatchingLogs();
  }

  private followGlobal(afterSeq: number): SubscribeResult {
    this.unsubscribe(GLOBAL_STREAM);
    const { events, gap } = this.host.global.since(afterSeq);
    const subscription = { lastSent: afterSeq, detach: () => undefined as void };
    const forward = (event: ApiEvent): void => {
      if (event.seq <= subscription.lastSent) return;
      subscription.lastSent = event.seq;
      this.deliver(event);
    };
    for (const event of events) forward(event);
    subscription.detach = this.host.global.subscribe(forward);
    this.subscriptions.set(GLOBAL_STREAM, subscription);
    return { stream: GLOBAL_STREAM, epoch: this.host.epoch, replayed: events.length, lastSeq: this.host.global.lastSeq, gap };
  }

  private followSession(id: string, afterSeq: number): SubscribeResult {
    this.unsubscribe(id);
    const subscription = { lastSent: afterSeq, detach: () => undefined as void };
    const forward = (event: SessionEvent): void => {
      if (event.seq <= subscription.lastSent) return;
      subscription.lastSent = event.seq;
      this.deliver(event);
    };
    // Same tick: read what is on disk, then listen for what comes next.
    const { events } = readSessionLog(sessionFiles(this.host.paths.sessions, id).log);
    const live = this.host.sessions.liveLog(id);
    // Run here: its live log. Run by another process (the CLI): what the host reads appended to the file.
    const external = this.host.external.subscribe(id, forward);
    const local = live?.subscribe(forward);
    subscription.detach = () => {
      external();
      local?.();
    };
    let replayed = 0;
    for (const event of events) {
      if (event.seq > subscription.lastSent) replayed += 1;
      forward(event);
    }
    this.subscriptions.set(id, subscription);
    return { stream: id, epoch: this.host.epoch, replayed, lastSeq: events.at(-1)?.seq ?? 0, gap: false };
  }

  private deliver(event: ApiEvent): void {
    if (this.closed) return;
    try {
      this.send(event);
    } catch {
      // The window or socket went away mid-send; its close handler cleans up.
    }
  }
}
