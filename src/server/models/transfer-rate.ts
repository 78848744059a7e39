/**
 * Download rate and time left over a sliding window, so a stall shows as a falling rate within a
 * few seconds and a burst does not promise an ETA the link cannot keep. Pure: the caller gives the
 * clock.
 */
export class TransferRate {
  private readonly samples: Array<{ at: number; bytes: number }> = [];

  constructor(private readonly windowMs = 5_000) {}

  add(atMs: number, bytes: number): void {
    this.samples.push({ at: atMs, bytes });
    while (this.samples.length > 2 && (this.samples[0]?.at ?? atMs) < atMs - this.windowMs) this.samples.shift();
  }

  /** Bytes per second across the window; null until two samples at least 200 ms apart exist. */
  bytesPerSecond(): number | null {
    const first = this.samples[0];
    const last = this.samples[this.samples.length - 1];
    if (first === undefined || last === undefined || last.at - first.at < 200) return null;
    return Math.max(0, ((last.bytes - first.bytes) * 1000) / (last.at - first.at));
  }

  /** Seconds to fetch `remaining` at the current rate; null while the rate is unknown or zero. */
  etaSeconds(remaining: number): number | null {
    const rate = this.bytesPerSecond();
    if (rate === null || rate <= 0) return remaining <= 0 ? 0 : null;
    return remaining / rate;
  }
}
