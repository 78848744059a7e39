import type { RuntimeInstallPayload, RuntimeStatus } from '../../api/runtime-install.js';
import type { FactoryConfig } from '../../config/config-schema.js';
import { toFactoryError } from '../../errors/factory-error.js';
import { discoverRuntime } from './discover-runtime.js';
import { installRuntime } from './install-runtime.js';

export interface RuntimeInstallsOptions {
  readonly home: string;
  readonly config: () => FactoryConfig;
  readonly env?: NodeJS.ProcessEnv;
  readonly platform?: NodeJS.Platform;
}

const MIN_EVENT_GAP_MS = 250;
const AGAIN = 'press “Install the MLX runtime” again';

/**
 * The app's "Install the MLX runtime": `installRuntime` — the very steps of `mlx-factory doctor
 * --install` — run in the background, one at a time, cancellable, its latest progress kept so a
 * view opened mid-install (or a client that reconnects) draws it at once. pip's bar redraws are
 * throttled to ~4 events a second; every other line and each phase change go out.
 */
export class RuntimeInstalls {
  private running: AbortController | null = null;
  private latest: RuntimeInstallPayload | null = null;
  private looking: Promise<RuntimeStatus> | null = null;
  private lastSent = 0;
  private readonly listeners = new Set<(progress: RuntimeInstallPayload) => void>();

  constructor(private readonly options: RuntimeInstallsOptions) {}

  /** Views ask at once (Server, Doctor, Models): one look at the machine's Pythons answers them all. */
  status(): Promise<RuntimeStatus> {
    if (this.looking === null) {
      this.looking = this.lookNow().finally(() => {
        this.looking = null;
      });
    }
    return this.looking;
  }

  private async lookNow(): Promise<RuntimeStatus> {
    const platform = this.options.platform ?? process.platform;
    const installable = platform === 'linux' || (platform === 'darwin' && process.arch === 'arm64');
    if (this.running !== null)
      return { state: 'installing', python: null, detail: 'The MLX runtime is being installed.', installable, install: this.latest };
    const { runtime, tried } = await discoverRuntime({
      home: this.options.home,
      configPython: this.options.config().server.python,
      env: this.options.env,
      platform,
    });
    if (runtime !== null)
      return {
        state: 'ready',
        python: runtime.python,
        detail: `Python ${runtime.version}, mlx ${runtime.mlxVersion ?? 'not found'}, mlx-lm ${runtime.mlxLmVersion} at ${runtime.python}`,
        installable,
        install: this.latest,
      };
    const configured = tried.find((t) => t.source === 'config');
    const detail = !installable
      ? 'mlx runs on Apple silicon Macs and Linux only; use an OpenAI-compatible server at a URL (Settings → Model server).'
      : configured !== undefined
        ? `server.python (${configured.path}): ${configured.detail}.`
        : 'No Python with mlx-lm was found. The model server and model downloads need it.';
    return { state: 'missing', python: null, detail, installable, install: this.latest };
  }

  /** Starts the install in the background (false when one already runs). */
  start(): { started: boolean } {
    if (this.running !== null) return { started: false };
    const cancel = new AbortController();
    this.running = cancel;
    this.publish(payload('base', 'Starting…'));
    void this.run(cancel.signal).finally(() => {
      if (this.running === cancel) this.running = null;
    });
    return { started: true };
  }

  private async run(signal: AbortSignal): Promise<void> {
    let last = payload('base', '');
    try {
      const runtime = await installRuntime({
        home: this.options.home,
        configPython: this.options.config().server.python,
        env: this.options.env,
        platform: this.options.platform,
        signal,
        againHint: AGAIN,
        onProgress: (progress) => {
          last = {
            ...payload(progress.phase, progress.line),
            redraw: progress.redraw,
            download: progress.download,
            packagesDone: progress.packagesDone,
          };
          // `done` goes out once below, with the python, after the install has returned.
          if (progress.phase !== 'done') this.publish(last, progress.redraw);
        },
      });
      this.running = null;
      this.publish({ ...last, phase: 'done', redraw: false, python: runtime.python });
    } catch (error) {
      this.running = null;
      this.publish({
        ...last,
        phase: signal.aborted ? 'cancelled' : 'failed',
        redraw: false,
        download: null,
        message: toFactoryError(error).message,
      });
    }
  }

  cancel(): boolean {
    if (this.running === null) return false;
    this.running.abort();
    return true;
  }

  onProgress(listener: (progress: RuntimeInstallPayload) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  private publish(progress: RuntimeInstallPayload, redraw = false): void {
    this.latest = progress;
    const now = Date.now();
    if (redraw && now - this.lastSent < MIN_EVENT_GAP_MS) return;
    this.lastSent = now;
    for (const listener of [...this.listeners]) listener(progress);
  }
}

function payload(phase: RuntimeInstallPayload['phase'], line: string): RuntimeInstallPayload {
  return { type: 'runtime.install', phase, line, redraw: false, download: null, packagesDone: 0, message: null, python: null };
}
