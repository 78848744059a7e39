/**
 * Speculative decoding with a draft model (#17 part 4; DESIGN, "Serving": the draft model is used
 * only when one session runs).
 *
 * mlx_lm.server (0.32, server.py `ModelProvider._load`) marks a model loaded with `--draft-model`
 * as not batchable: every request is then served alone (`_serve_single`), one after the other.
 * A draft makes one stream 1.5–3× faster, but two sessions' turns would wait for each other
 * instead of sharing one batch — so with more than one session the server runs without it.
 *
 * The flags are fixed at launch, so switching means a restart; it happens only while no model
 * request is in flight (a restart in the middle of a turn would cost that turn), and it is said in
 * the server's log and in the `ready` detail every view shows.
 */
export interface DraftModel {
  /** The --draft-model string (a folder or a cached repo id). */
  readonly model: string;
  readonly tokens: number;
}

/** What the switch needs of the supervisor (ServerSupervisor has it). */
export interface RelaunchTarget {
  readonly requestsInFlight: number;
  onRequestsDrained(listener: () => void): () => void;
  /** True while a server this supervisor launched serves (an adopted one keeps its own flags). */
  readonly launchedHere: boolean;
  restartFor(detail: string): Promise<void>;
  note(line: string): void;
}

export class DraftSwitch {
  private sessions: number;
  /** Whether the server running now was launched with the draft (null: none launched yet). */
  private launchedWithDraft: boolean | null = null;
  private target: RelaunchTarget | null = null;
  private offDrained: (() => void) | null = null;
  private switching: Promise<void> | null = null;

  constructor(
    readonly draft: DraftModel | null,
    /** Sessions expected at the first launch (a group of K starts without the draft at once). */
    initialSessions = 0,
  ) {
    this.sessions = initialSessions;
  }

  /** Wires the supervisor in (it is built with this switch's launch flags, so it comes after). */
  attach(target: RelaunchTarget): void {
    this.target = target;
    this.offDrained?.();
    this.offDrained = target.onRequestsDrained(() => this.maybeSwitch());
  }

  /** Whether the next launch should carry the draft. */
  get wanted(): boolean {
    return this.draft !== null && this.sessions <= 1;
  }

  /** Whether the server in use was launched with the draft (null before any launch). */
  get inUse(): boolean | null {
    return this.launchedWithDraft;
  }

  /** The flags for a launch now, and the sentence the `ready` state says about them. */
  launchFlags(): { args: string[]; note: string | undefined } {
    if (this.draft === null) return { args: [], note: undefined };
    const use = this.wanted;
    this.launchedWithDraft = use;
    if (use)
      return {
        args: ['--draft-model', this.draft.model, '--num-draft-tokens', String(this.draft.tokens)],
        note: `Speculative decoding with the draft model ${this.draft.model} (${this.draft.tokens} tokens): one session runs.`,
      };
    return {
      args: [],
      note: `Without the draft model ${this.draft.model}: ${this.sessions} sessions run, and mlx_lm.server batches them only without a draft.`,
    };
  }

  /** How many sessions run now (the host's runner, or a CLI command's count). */
  setSessions(count: number): void {
    this.sessions = Math.max(0, count);
    this.maybeSwitch();
  }

  /** Resolves once a switch under way (if any) has finished (tests, and quitting). */
  async settled(): Promise<void> {
    while (this.switching !== null) await this.switching;
  }

  detach(): void {
    this.offDrained?.();
    this.offDrained = null;
    this.target = null;
  }

  private maybeSwitch(): void {
    const target = this.target;
    if (target === null || this.draft === null || this.switching !== null) return;
    if (this.launchedWithDraft === null || this.launchedWithDraft === this.wanted) return;
    if (!target.launchedHere) return; // stopped, unloaded or restarting: the next launch takes the new flags
    if (target.requestsInFlight > 0) return; // not now: when the last request ends (onRequestsDrained)
    const detail = this.wanted
      ? `Restarting with the draft model ${this.draft.model}: ${this.sessions === 0 ? 'no session runs now' : 'one session runs now'}, and speculative decoding makes a single session faster.`
      : `Restarting without the draft model ${this.draft.model}: ${this.sessions} sessions run now, and mlx_lm.server batches their turns only without a draft.`;
    this.switching = target
      .restartFor(detail)
      .catch((error: unknown) =>
        target.note(`The restart for the draft model failed: ${error instanceof Error ? error.message : String(error)}`),
      )
      .finally(() => {
        this.switching = null;
        this.maybeSwitch(); // the count may have changed again meanwhile
      });
  }
}
