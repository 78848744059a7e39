import { FactoryError } from '../errors/factory-error.js';

/**
 * All LLM turns of all sessions on one server go through one scheduler: `concurrency` turns at a
 * time, granted round-robin across sessions (a session with many queued turns cannot starve
 * another), cancellable while waiting. While one session waits for the model, the others run their
 * checks: only model turns are queued here.
 */
export interface QueueState {
  readonly running: number;
  readonly waiting: number;
}

/**
 * Whether one more turn may start now, beside `running` others (memory-aware admission, #17).
 * The scheduler asks before every grant but the first: with nothing running the server's own
 * memory is all there is to free, so refusing would only deadlock.
 */
export interface AdmissionGate {
  check(running: number): { readonly admit: true } | { readonly admit: false; readonly reason: string };
  /** Called when the answer may have changed (a new memory sample); returns an unsubscribe. */
  onChange(listener: () => void): () => void;
  /** A turn was granted (with or without a check), so the gate can count it until a sample shows it. */
  granted(): void;
}

/** A held turn's "waiting for memory" is said again (with the new numbers) at most this often. */
const MEMORY_RETELL_MS = 30_000;

/** Why a turn waits: for a slot (other sessions' turns first), or for memory to free. */
export type WaitInfo = { readonly reason: 'turns'; readonly position: number } | { readonly reason: 'memory'; readonly message: string };

interface Waiter {
  readonly sessionId: string;
  readonly grant: (release: () => void) => void;
  readonly reject: (error: Error) => void;
  readonly onWait?: ((info: WaitInfo) => void) | undefined;
  /** The memory reason last told to this waiter and when: said when the hold starts, then again at most every RETELL_MS. */
  told: string | null;
  toldAt: number;
}

export class LlmScheduler {
  private running = 0;
  /** Waiting turns per session, in arrival order; the Map's order is the rotation. */
  private readonly queues = new Map<string, Waiter[]>();
  private lastGranted: string | undefined;
  private readonly listeners = new Set<(state: QueueState) => void>();

  /** Why the next turn is held back by memory right now (null: it is not). */
  private memoryHold: string | null = null;

  constructor(
    private concurrency: number,
    private readonly gate?: AdmissionGate,
  ) {
    if (!Number.isInteger(concurrency) || concurrency < 1) throw new RangeError('concurrency must be a positive integer');
    gate?.onChange(() => this.pump());
  }

  /** Why turns wait for memory now, or null. */
  get heldForMemory(): string | null {
    return this.memoryHold;
  }

  get state(): QueueState {
    let waiting = 0;
    for (const q of this.queues.values()) waiting += q.length;
    return { running: this.running, waiting };
  }

  /** Where a session's next turn stands in the rotation (0 = served next), or -1 if it waits for nothing. */
  positionOf(sessionId: string): number {
    return this.rotation().indexOf(sessionId);
  }

  onChange(listener: (state: QueueState) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  setConcurrency(concurrency: number): void {
    this.concurrency = concurrency;
    this.pump();
  }

  /** Resolves with a release function once a slot is granted; rejects if `signal` aborts first. */
  acquire(sessionId: string, signal?: AbortSignal, onWait?: (info: WaitInfo) => void): Promise<() => void> {
    if (signal?.aborted) return Promise.reject(cancelled());
    this.joinIndex(sessionId); // fix the session's place in the rotation on its first request
    return new Promise((resolve, reject) => {
      const waiter: Waiter = {
        sessionId,
        grant: (release) => {
          signal?.removeEventListener('abort', onAbort);
          resolve(release);
        },
        reject,
        onWait,
        told: null,
        toldAt: 0,
      };
      const onAbort = (): void => {
        const queue = this.queues.get(sessionId);
        const index = queue?.indexOf(waiter) ?? -1;
        if (queue && index !== -1) {
          queue.splice(index, 1);
          if (queue.length === 0) this.queues.delete(sessionId);
          this.emit();
        }
        reject(cancelled());
      };
      signal?.addEventListener('abort', onAbort, { once: true });
      const queue = this.queues.get(sessionId);
      if (queue) queue.push(waiter);
      else this.queues.set(sessionId, [waiter]);
      this.pump();
      this.emit();
    });
  }

  /**
   * Sessions with waiting turns, in the order they will be served: by the order in which sessions
   * first asked, starting after the session served last, wrapping around.
   */
  private rotation(): string[] {
    const waiting = [...this.queues.keys()].sort((a, b) => this.joinIndex(a) - this.joinIndex(b));
    const last = this.lastGranted === undefined ? -1 : this.joinIndex(this.lastGranted);
    const split = waiting.findIndex((s) => this.joinIndex(s) > last);
    return split <= 0 ? waiting : [...waiting.slice(split), ...waiting.slice(0, split)];
  }

  private readonly joinOrder = new Map<string, number>();

  private joinIndex(sessionId: string): number {
    let index = this.joinOrder.get(sessionId);
    if (index === undefined) {
      index = this.joinOrder.size;
      this.joinOrder.set(sessionId, index);
    }
    return index;
  }

  private pump(): void {
    while (this.running < this.concurrency) {
      const next = this.rotation()[0];
      if (next === undefined) return;
      if (this.running > 0 && this.gate) {
        const verdict = this.gate.check(this.running);
        if (!verdict.admit) {
          this.holdForMemory(verdict.reason);
          return;
        }
      }
      this.memoryHold = null;
      const queue = this.queues.get(next);
      const waiter = queue?.shift();
      if (!queue || !waiter) return;
      if (queue.length === 0) this.queues.delete(next);
      this.running += 1;
      this.gate?.granted();
      this.lastGranted = next;
      let released = false;
      waiter.grant(() => {
        if (released) return;
        released = true;
        this.running -= 1;
        this.pump();
        this.emit();
      });
    }
  }

  private holdForMemory(reason: string): void {
    this.memoryHold = reason;
    for (const queue of this.queues.values())
      for (const waiter of queue) {
        // Its numbers move with every memory sample: a long wait would log a notice per sample.
        if (waiter.told === reason || (waiter.told !== null && Date.now() - waiter.toldAt < MEMORY_RETELL_MS)) continue;
        waiter.told = reason;
        waiter.toldAt = Date.now();
        waiter.onWait?.({ reason: 'memory', message: reason });
      }
  }

  private emit(): void {
    const state = this.state;
    for (const listener of this.listeners) listener(state);
  }
}

function cancelled(): FactoryError {
  return new FactoryError('LLM_CANCELLED', 'The model turn was cancelled while waiting for the model.');
}
