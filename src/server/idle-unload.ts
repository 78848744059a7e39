/**
 * The supervisor's idle-unload job: counts requests in flight and the time of the last activity,
 * and calls `unload` once a server of ours has had none for `idleMs` (0 = never).
 */
export class IdleUnload {
  private timer: NodeJS.Timeout | null = null;
  private inFlight = 0;
  private lastActivity = Date.now();
  private readonly drained = new Set<() => void>();

  /** Requests in flight now. */
  get busy(): number {
    return this.inFlight;
  }

  /** Called each time the last request in flight ends (the draft switch restarts only then). */
  onDrained(listener: () => void): () => void {
    this.drained.add(listener);
    return () => this.drained.delete(listener);
  }

  /** A request, or a request line in the server's log: the idle clock starts again. */
  touch(): void {
    this.lastActivity = Date.now();
  }

  /** Marks a request in flight (no unload meanwhile); call the returned function when it ends. */
  beginRequest(): () => void {
    this.inFlight += 1;
    this.touch();
    let ended = false;
    return () => {
      if (ended) return;
      ended = true;
      this.inFlight -= 1;
      this.touch();
      if (this.inFlight === 0) for (const listener of [...this.drained]) listener();
    };
  }

  /** Checks every quarter of `idleMs` (50 ms to 15 s) whether `ours()` has been idle that long. */
  arm(idleMs: number, ours: () => boolean, unload: (idleMs: number) => void): void {
    this.disarm();
    if (idleMs <= 0) return;
    const every = Math.max(50, Math.min(idleMs / 4, 15_000));
    this.timer = setInterval(() => {
      if (!ours() || this.inFlight > 0) return;
      if (Date.now() - this.lastActivity < idleMs) return;
      this.disarm();
      unload(idleMs);
    }, every);
    this.timer.unref();
  }

  disarm(): void {
    if (this.timer !== null) clearInterval(this.timer);
    this.timer = null;
  }
}

/** "Unloaded after 15 min" / "after 30 s". */
export function formatIdle(ms: number): string {
  const minutes = ms / 60_000;
  return minutes >= 1 ? `${Number(minutes.toFixed(1))} min` : `${Math.round(ms / 1000)} s`;
}
