/**
 * Collects items (session events) and hands them over in one batch per animation frame, so a
 * stream of hundreds of token deltas per second costs one store update and one render per frame
 * instead of one per delta. Order is kept: a batch is everything pushed since the last flush.
 */
export type FrameScheduler = (callback: () => void) => void;

export class FrameBatcher<T> {
  private queue: T[] = [];
  private scheduled = false;

  constructor(
    private readonly deliver: (items: T[]) => void,
    private readonly schedule: FrameScheduler,
  ) {}

  push(item: T): void {
    this.queue.push(item);
    if (this.scheduled) return;
    this.scheduled = true;
    this.schedule(() => this.flush());
  }

  /** Delivers what is queued now (also what the scheduled callback does). */
  flush(): void {
    this.scheduled = false;
    if (this.queue.length === 0) return;
    const items = this.queue;
    this.queue = [];
    this.deliver(items);
  }

  get pending(): number {
    return this.queue.length;
  }
}

/**
 * The next animation frame — or, if none comes within `fallbackMs` (a hidden window or a
 * background tab gets no frames), a timer, so events never pile up unboundedly while nobody looks.
 */
export function animationFrameScheduler(fallbackMs = 250): FrameScheduler {
  return (callback) => {
    let frame: number | undefined;
    let timer: ReturnType<typeof setTimeout> | undefined;
    const run = (): void => {
      // Whichever comes first cancels the other: a timer left to fire 60 times a second for nothing
      // would wake the page's main thread as often as the frames do.
      if (frame !== undefined) cancelAnimationFrame(frame);
      if (timer !== undefined) clearTimeout(timer);
      frame = undefined;
      timer = undefined;
      callback();
    };
    frame = requestAnimationFrame(run);
    timer = setTimeout(run, fallbackMs);
  };
}
