import type { GlobalEventPayload } from '../api/global-events.js';
import type { RunOutput, RunStarted } from '../api/payloads.js';
import type { SessionEventPayload } from '../api/events.js';
import { FactoryError } from '../errors/factory-error.js';
import type { AppPaths } from '../home/app-home.js';
import type { PortRange } from '../sessions/run-ports.js';
import { runCommandFor, startRunScript, type RunEnd, type RunningScript, type RunStopReason } from '../sessions/run-script.js';
import { appendEvent, loadSession } from '../sessions/session-store.js';
import type { SessionLog } from '../sessions/session-log.js';

/**
 * The run scripts this host started (#21), one per session at most: started by the user's "Run",
 * stopped by Stop, by the session's merge or discard (here or, seen through its log, by another
 * process), and on quit. Their output goes to clients as `run.output` global events and a bounded tail
 * is kept per session for a panel that opens later; it is not written to the session log.
 */
const KEPT_OUTPUT_CHARS = 64 * 1024;

interface Run {
  readonly script: RunningScript;
  text: string;
  /** Characters of output so far (the offset of the next chunk). */
  end: number;
  running: boolean;
}

export interface RunScriptsDeps {
  readonly paths: AppPaths;
  /** The open log of a session whose loop runs in this host (one writer per log). */
  readonly liveLog: (id: string) => SessionLog | undefined;
  /** Ranges recorded by every session's runs (the list rows know them). */
  readonly takenRanges: () => PortRange[];
  readonly emit: (payload: GlobalEventPayload) => void;
  /** A run started or ended: the session's row changed. */
  readonly onChanged: (id: string) => void;
}

export class RunScripts {
  private readonly runs = new Map<string, Run>();
  private readonly starting = new Set<string>();

  constructor(private readonly deps: RunScriptsDeps) {}

  running(id: string): boolean {
    return this.runs.get(id)?.running === true;
  }

  async start(id: string): Promise<RunStarted> {
    if (this.running(id) || this.starting.has(id))
      throw new FactoryError('RUN_ALREADY_RUNNING', `Session ${id} already runs its app here; stop it first.`);
    this.starting.add(id);
    try {
      const log = {
        // Resolved at each write: the session's loop may start (a reply) or end while the app runs.
        append: (payload: SessionEventPayload) => this.deps.liveLog(id)?.append(payload) ?? appendEvent(this.deps.paths, id, payload),
      };
      // Output can come before startRunScript answers: it waits here until the run is known.
      const holder: { run?: Run } = {};
      const early: Array<[string, 'stdout' | 'stderr']> = [];
      const script = await startRunScript(this.deps.paths, id, {
        log,
        takenRanges: this.deps.takenRanges(),
        onOutput: (chunk, stream) => {
          if (holder.run === undefined) early.push([chunk, stream]);
          else this.output(holder.run, id, chunk, stream);
        },
      });
      const run: Run = { script, text: '', end: 0, running: true };
      for (const [chunk, stream] of early) this.output(run, id, chunk, stream);
      holder.run = run;
      this.runs.set(id, run);
      void script.ended.then(() => {
        run.running = false;
        this.deps.onChanged(id);
      });
      this.deps.onChanged(id);
      return {
        command: script.command,
        port: script.port,
        range: { ...script.range },
        pgid: script.pgid,
        url: `http://127.0.0.1:${script.port}`,
        sandbox: script.sandbox,
      };
    } finally {
      this.starting.delete(id);
    }
  }

  private output(run: Run, id: string, chunk: string, stream: 'stdout' | 'stderr'): void {
    this.deps.emit({ type: 'run.output', id, pgid: run.script.pgid, stream, offset: run.end, chunk });
    run.end += chunk.length;
    run.text = (run.text + chunk).slice(-KEPT_OUTPUT_CHARS);
  }

  /** Stops the session's run (its whole tree); null when none runs here. */
  async stop(id: string, reason: RunStopReason): Promise<RunEnd | null> {
    const run = this.runs.get(id);
    if (run === undefined || !run.running) return null;
    return run.script.stop(reason);
  }

  /** The panel's start: the command that Run would start, and the latest run's kept output. */
  outputOf(id: string): RunOutput {
    const record = loadSession(this.deps.paths, id);
    const { command, notice, source } = runCommandFor(this.deps.paths, record.repo);
    const run = this.runs.get(id);
    return {
      pgid: run?.script.pgid ?? null,
      running: run?.running ?? false,
      text: run?.text ?? '',
      end: run?.end ?? 0,
      command,
      notice,
      source,
      repo: record.repo,
    };
  }

  /** The session changed in another process (a terminal's merge or discard): its run stops here too. */
  noticeChange(id: string): void {
    if (!this.running(id)) return;
    let record;
    try {
      record = loadSession(this.deps.paths, id);
    } catch {
      return;
    }
    if (record.discard !== null) void this.stop(id, 'discarded');
    else if (record.state === 'merged' && (record.run?.startedAt ?? '') < (record.merges.at(-1)?.time ?? '')) void this.stop(id, 'merged');
  }

  /** On quit: every run's tree ends before the host does. */
  async stopAll(): Promise<void> {
    await Promise.all([...this.runs.keys()].map((id) => this.stop(id, 'quit')));
  }
}
