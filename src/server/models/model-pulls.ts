import type { ModelPullPayload } from '../../api/model-pull.js';
import type { ModelInfo } from '../../api/payloads.js';
import type { FactoryConfig } from '../../config/config-schema.js';
import { FactoryError, toFactoryError } from '../../errors/factory-error.js';
import { requireRuntime } from '../runtime/discover-runtime.js';
import { modelCatalog } from './model-catalog.js';
import { pullModel, REPO_ID_PATTERN } from './pull-model.js';
import { removeModel, type RemoveResult } from './remove-model.js';

export interface ModelPullsOptions {
  readonly home: string;
  readonly config: () => FactoryConfig;
  readonly env?: NodeJS.ProcessEnv;
  /** Tests: how often the files on disk are measured. */
  readonly pollMs?: number;
}

const MIN_EVENT_GAP_MS = 250;

/**
 * The app's model downloads: at most one pull per model at a time, each cancellable, with the
 * latest progress of every pull kept so a view opened mid-download (or reconnecting) draws the bar
 * at once. Progress is throttled to ~4 events a second per model; phase changes always go out.
 */
export class ModelPulls {
  private readonly running = new Map<string, AbortController>();
  private readonly latest = new Map<string, ModelPullPayload>();
  private readonly listeners = new Set<(progress: ModelPullPayload) => void>();
  private readonly lastSent = new Map<string, number>();

  constructor(private readonly options: ModelPullsOptions) {}

  /** Starts a pull in the background (false when one already runs for this model). */
  pull(model: string, revision?: string): { started: boolean } {
    if (!REPO_ID_PATTERN.test(model))
      throw new FactoryError('BAD_USAGE', `"${model}" is not a Hugging Face repo id (like mlx-community/Qwen2.5-Coder-7B-Instruct-4bit).`);
    if (this.running.has(model)) return { started: false };
    const cancel = new AbortController();
    this.running.set(model, cancel);
    this.publish(planningPayload(model));
    void this.run(model, revision, cancel.signal).finally(() => {
      if (this.running.get(model) === cancel) this.running.delete(model);
    });
    return { started: true };
  }

  private async run(model: string, revision: string | undefined, signal: AbortSignal): Promise<void> {
    const env = this.options.env ?? process.env;
    let python: string;
    try {
      python = (await requireRuntime({ home: this.options.home, configPython: this.options.config().server.python, env })).python;
    } catch (error) {
      const message = `${toFactoryError(error).message.split('\n')[0] ?? ''} Install the MLX runtime first (the “Install the MLX runtime” button in Models or Server → Doctor, or \`mlx-factory doctor --install\`), then download again.`;
      this.publish({ ...this.current(model), phase: 'failed', message, errorCode: 'runtime-missing' });
      return;
    }
    try {
      await pullModel({ model, revision, python, env, signal, pollMs: this.options.pollMs, onProgress: (p) => this.publish(p) });
    } catch {
      // pullModel reported the failure (or the cancel) as its last progress event.
    }
  }

  private current(model: string): ModelPullPayload {
    return this.latest.get(model) ?? planningPayload(model);
  }

  cancel(model: string): boolean {
    const running = this.running.get(model);
    if (running === undefined) return false;
    running.abort();
    return true;
  }

  /** Deletes a model from the cache; refused while it downloads. */
  remove(model: string): RemoveResult {
    if (this.running.has(model)) throw new FactoryError('BAD_USAGE', `${model} is downloading; cancel the download first.`);
    const result = removeModel(model, this.options.env);
    this.latest.delete(model);
    return result;
  }

  /** The Models view's table: recommended + on disk, and the configured model of the app's own server. */
  catalog(): Promise<ModelInfo[]> {
    const { server } = this.options.config();
    return modelCatalog({ env: this.options.env, folders: server.model_dirs, configured: server.url === null ? server.model : undefined });
  }

  /** The latest progress of every pull since the app started (running or ended). */
  active(): ModelPullPayload[] {
    return [...this.latest.values()];
  }

  isRunning(model: string): boolean {
    return this.running.has(model);
  }

  onProgress(listener: (progress: ModelPullPayload) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  cancelAll(): void {
    for (const cancel of this.running.values()) cancel.abort();
  }

  private publish(progress: ModelPullPayload): void {
    // Once a pull has said how it ended, the model may be pulled again or deleted at once (the
    // helper process may still be exiting; the cache's own locks keep two writers apart).
    if (progress.phase === 'done' || progress.phase === 'failed' || progress.phase === 'cancelled') this.running.delete(progress.model);
    const previous = this.latest.get(progress.model);
    this.latest.set(progress.model, progress);
    const now = Date.now();
    const samePhase = previous !== undefined && previous.phase === progress.phase;
    if (samePhase && progress.phase === 'downloading' && now - (this.lastSent.get(progress.model) ?? 0) < MIN_EVENT_GAP_MS) return;
    this.lastSent.set(progress.model, now);
    for (const listener of [...this.listeners]) listener(progress);
  }
}

/** A pull that has just been asked for: nothing known yet. */
function planningPayload(model: string): ModelPullPayload {
  return {
    type: 'model.pull',
    model,
    phase: 'planning',
    totalBytes: 0,
    doneBytes: 0,
    bytesPerSecond: null,
    etaSeconds: null,
    filesTotal: 0,
    filesDone: 0,
    message: null,
    errorCode: null,
  };
}
