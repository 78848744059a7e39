import os from 'node:os';
import type { FactoryConfig } from '../config/config-schema.js';
import { FactoryError } from '../errors/factory-error.js';
import { mlxLaunchBuilder, type LaunchBuilder, type LaunchSpec } from './launch-spec.js';
import { readSystemMemory } from './memory/memory-sampler.js';
import { checkFit, contextTokens, type FitResult } from './models/fit-check.js';
import { resolveModel, type ResolvedModel } from './models/resolve-model.js';
import { requireRuntime, type MlxRuntime } from './runtime/discover-runtime.js';
import { ServerSupervisor, type SupervisorOptions } from './server-supervisor.js';
import { DraftSwitch, type DraftModel } from './serving/draft-switch.js';
import { chooseServerTuning, tuningArgs, type ServerTuning } from './serving/server-tuning.js';

export interface MlxSupervisorOptions {
  readonly config: FactoryConfig;
  readonly home: string;
  /** -m MODEL: overrides server.model. */
  readonly model?: string;
  /** --port N: overrides server.port. */
  readonly port?: number;
  readonly cwd?: string;
  readonly env?: NodeJS.ProcessEnv;
  /** Start even when the fit check says the model cannot fit. */
  readonly allowTooLarge?: boolean;
  /** A memory warning before launching (the model fits the machine but not what is free now). */
  readonly onWarning?: (message: string) => void;
  /** Tests: launch something else (the scripted server) with the same flags. */
  readonly launch?: LaunchBuilder;
  readonly supervisor?: Partial<Omit<SupervisorOptions, 'home' | 'model' | 'launch'>>;
  /** Sessions that will share the server from the start (a group of K): more than one starts it without the draft. */
  readonly sessions?: number;
}

export interface MlxSupervisor {
  readonly supervisor: ServerSupervisor;
  readonly model: ResolvedModel;
  /** Set once a launch has looked for it. */
  runtime(): MlxRuntime | null;
  fit(): FitResult | null;
  /** The batching and cache flags chosen for this machine (used when we launch; an adopted server keeps its own). */
  readonly tuning: ServerTuning;
  /** The draft model, on while one session runs (tell it how many run). */
  readonly draft: DraftSwitch;
}

/** The configured draft model, resolved like the main one (a folder, an LM Studio model, a cached repo id). */
function draftModel(config: FactoryConfig, options: { cwd?: string | undefined; env?: NodeJS.ProcessEnv | undefined }): DraftModel | null {
  if (config.server.draft_model === null) return null;
  const resolved = resolveModel(config.server.draft_model, options);
  return { model: resolved.arg, tokens: config.server.num_draft_tokens };
}

/** mlx_lm.server binds the first address `--host` resolves to; "localhost" may be ::1 only. */
export function serverHost(host: string): string {
  return host === 'localhost' ? '127.0.0.1' : host;
}

export async function fitFor(model: ResolvedModel, config: FactoryConfig): Promise<FitResult> {
  const memory = await readSystemMemory();
  return checkFit({
    weightsBytes: model.weightsBytes,
    kvBytes: model.kvBytesPerToken === null ? null : model.kvBytesPerToken * contextTokens(config.agent),
    totalBytes: memory.totalBytes,
    availableBytes: memory.availableBytes,
    platform: process.platform,
  });
}

/**
 * The supervisor for the configured model, as the CLI and the app use it: the model resolved now
 * (a bad path fails before anything starts), the runtime found and the memory fit checked only
 * when a process must actually be launched (adopting a running server needs neither).
 */
export function createMlxSupervisor(options: MlxSupervisorOptions): MlxSupervisor {
  const { config } = options;
  const model = resolveModel(options.model ?? config.server.model, { cwd: options.cwd, env: options.env });
  let runtime: MlxRuntime | null = null;
  let fit: FitResult | null = null;
  let realLaunch: LaunchBuilder | null = null;
  // A draft that is not on disk (or not a model) must not keep the server from starting: without it, and said.
  let draftProblem: string | null = null;
  let draft: DraftSwitch;
  try {
    draft = new DraftSwitch(draftModel(config, { cwd: options.cwd, env: options.env }), options.sessions ?? 0);
  } catch (error) {
    draftProblem = `The draft model ${config.server.draft_model ?? ''} cannot be used, so the server runs without it: ${error instanceof Error ? error.message : String(error)}`;
    options.onWarning?.(draftProblem);
    draft = new DraftSwitch(null);
  }
  const tuning = chooseServerTuning({
    totalBytes: os.totalmem(),
    weightsBytes: model.weightsBytes,
    kvBytesPerToken: model.kvBytesPerToken,
    tokensPerTurn: config.agent.max_prompt_tokens + config.agent.max_tokens_per_turn,
    floorGb: config.server.memory_floor_gb,
  });
  const launch: LaunchBuilder =
    options.launch ??
    (async (port: number, host: string): Promise<LaunchSpec> => {
      if (realLaunch === null) {
        runtime = await requireRuntime({ home: options.home, configPython: config.server.python, env: options.env });
        fit = await fitFor(model, config);
        if (fit.verdict === 'too-large' && options.allowTooLarge !== true)
          throw new FactoryError('MODEL_TOO_LARGE', `${model.arg}: ${fit.message}`, { fit });
        if (fit.verdict !== 'fits') options.onWarning?.(`${model.arg}: ${fit.message}`);
        realLaunch = mlxLaunchBuilder({
          python: runtime.python,
          model: model.arg,
          home: options.home,
          env: options.env,
          extraArgs: tuningArgs(tuning),
        });
        supervisor.note(`Chose ${tuning.summary}.`);
      }
      // The draft flags are chosen at every launch: a restart for more sessions drops them.
      const spec = await realLaunch(port, host);
      const flags = draft.launchFlags();
      return { ...spec, args: [...spec.args, ...flags.args], ...(flags.note !== undefined ? { note: flags.note } : {}) };
    });
  const supervisor = new ServerSupervisor({
    ...options.supervisor,
    home: options.home,
    model: model.arg,
    launch,
    host: serverHost(config.server.host),
    port: options.port ?? config.server.port,
    idleUnloadMs: options.supervisor?.idleUnloadMs ?? config.server.idle_unload_minutes * 60_000,
  });
  draft.attach(supervisor);
  if (draftProblem !== null) supervisor.note(draftProblem);
  return { supervisor, model, runtime: () => runtime, fit: () => fit, tuning, draft };
}
