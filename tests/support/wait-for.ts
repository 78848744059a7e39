/** The one way tests wait for something to happen (a state, a file, an event): poll, never sleep. */
export interface WaitOptions {
  /**
   * How long before giving up. Generous by default: the suite must pass on a loaded 2-core
   * machine, so this is a guard against hanging for ever, not a measurement.
   */
  readonly timeoutMs?: number;
  /** How often to check. */
  readonly everyMs?: number;
  /** More for the failure message (the last event seen, a file's content…). */
  readonly detail?: () => string;
}

const DEFAULT_TIMEOUT_MS = 60_000;

/**
 * Resolves with the first value of `check` that is not undefined, null or false (polled every
 * `everyMs`, 20 ms by default); rejects after the timeout with a message naming `what` it waited
 * for. A number as third argument is the timeout.
 */
export async function waitFor<T>(
  what: string,
  check: () => T | undefined | null | false | Promise<T | undefined | null | false>,
  options: WaitOptions | number = {},
): Promise<T> {
  const { timeoutMs = DEFAULT_TIMEOUT_MS, everyMs = 20, detail } = typeof options === 'number' ? { timeoutMs: options } : options;
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await check();
    if (value !== undefined && value !== null && value !== false) return value;
    if (Date.now() > deadline) {
      const more = detail === undefined ? '' : ` (${detail()})`;
      throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}${more}`);
    }
    await new Promise((resolve) => setTimeout(resolve, everyMs));
  }
}
