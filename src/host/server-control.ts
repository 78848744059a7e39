import type { ModelPullPayload } from '../api/model-pull.js';
import type { DoctorCheck, ModelInfo, ServerStatus } from '../api/payloads.js';
import type { RuntimeInstallPayload, RuntimeStatus } from '../api/runtime-install.js';
import type { ServerEvent } from '../api/server-events.js';

/**
 * What the host needs from the model server and its memory sampler (src/server's ServerChoice).
 * The host owns one and shares it between both front doors; a host built without one (tests)
 * answers the server requests NOT_IMPLEMENTED and sends sessions to `server.host:port` from factory.yaml.
 */
export interface ServerControl {
  start(options: { model?: string | undefined; port?: number | undefined }): Promise<ServerStatus>;
  stop(): Promise<ServerStatus>;
  status(): ServerStatus;
  logs(tail: number): Promise<{ lines: string[]; file: string | null }>;
  models(): Promise<{ models: ModelInfo[]; current: string }>;
  /** Every server.state, server.log and memory.sample, as they happen. */
  onEvent(listener: (event: ServerEvent) => void): () => void;
  /** Where sessions should send chat requests now, or null when nothing serves. */
  baseUrl(): string | null;
  /** On quit: stop what we started (a server someone else runs is left alone) and stop sampling. */
  dispose(): Promise<void>;
  /** The app's own server's batching figures for the host's scheduler; null (or absent) for a server at a URL. */
  serving?(): { decodeConcurrency: number; promptCacheBytes: number; kvBytesPerToken: number | null } | null;
  /** How many sessions the host runs now (the app's own server uses its draft model only while one runs). */
  sessionsRunning?(count: number): void;
  /** Settings changed factory.yaml: switch or restart the server to match, at once. */
  reconfigure?(): Promise<void>;
}

export interface DoctorProvider {
  run(): Promise<DoctorCheck[]>;
}

/** Model downloads (src/server/models/model-pulls.ts): pull, cancel, delete, and their progress. */
export interface ModelOps {
  pull(model: string, revision?: string): { started: boolean };
  cancel(model: string): boolean;
  remove(model: string): { freedBytes: number };
  /** The latest progress of each pull since the host started. */
  active(): ModelPullPayload[];
  /** Recommended models and the Hugging Face cache on this machine, with memory fit. */
  catalog(): Promise<ModelInfo[]>;
  onProgress(listener: (progress: ModelPullPayload) => void): () => void;
  cancelAll(): void;
}

/** The MLX runtime (src/server/runtime/runtime-installs.ts): is it there, and "Install the MLX runtime". */
export interface RuntimeOps {
  status(): Promise<RuntimeStatus>;
  start(): { started: boolean };
  cancel(): boolean;
  onProgress(listener: (progress: RuntimeInstallPayload) => void): () => void;
}
