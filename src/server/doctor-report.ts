import fs from 'node:fs';
import path from 'node:path';
import type { DoctorCheck as ApiDoctorCheck } from '../api/payloads.js';
import type { FactoryConfig } from '../config/config-schema.js';
import { isFactoryError } from '../errors/factory-error.js';
import { serverHost, fitFor } from './create-mlx-supervisor.js';
import { readSystemMemory } from './memory/memory-sampler.js';
import { listLocalModels, type LocalModel } from './models/local-models.js';
import { RECOMMENDED_MODELS, type RecommendedModel } from './models/recommended-models.js';
import { resolveModel } from './models/resolve-model.js';
import { identifyListener, isPortFree } from './port-probe.js';
import { discoverRuntime, findBasePython, type MlxRuntime, type TriedPython } from './runtime/discover-runtime.js';
import { probeMlxRuntime } from './runtime/probe-python.js';
import { minPythonText, PYTHON_REQUIREMENTS } from './runtime/python-requirements.js';
import { formatBytes } from '../api/format-bytes.js';

/**
 * `mlx-factory doctor`: what is installed and what is missing, each with its fix. Gathered here
 * (not in the CLI) so the app's settings screen can show the same report.
 */
type CheckStatus = 'ok' | 'warn' | 'missing';

interface DoctorCheck {
  readonly id: 'platform' | 'python' | 'mlx' | 'mlx-lm' | 'port' | 'memory' | 'model' | 'chromium';
  readonly label: string;
  readonly status: CheckStatus;
  readonly found: string;
  readonly fix: string | null;
}

export interface DoctorReport {
  /** No check is `missing`: a server can be started. */
  readonly ok: boolean;
  readonly checks: readonly DoctorCheck[];
  readonly runtime: MlxRuntime | null;
  readonly tried: readonly TriedPython[];
  readonly localModels: readonly LocalModel[];
  readonly recommended: readonly RecommendedModel[];
}

export interface DoctorOptions {
  readonly config: FactoryConfig;
  readonly home: string;
  readonly model?: string;
  readonly cwd?: string;
  readonly env?: NodeJS.ProcessEnv;
  readonly platform?: NodeJS.Platform;
  /** Extra folders of local models to list. */
  readonly modelFolders?: readonly string[];
  /**
   * The server this process runs or uses now (the app's supervisor), so the port check reports it
   * instead of probing the configured port from outside (which can say "free" while ours runs on
   * another port, or name our own server as someone else's).
   */
  readonly running?: { readonly state: string; readonly port: number | null; readonly pid: number | null; readonly owned: boolean } | null;
}

const INSTALL_FIX = 'run `mlx-factory doctor --install` (creates a venv in the app folder and installs the tested mlx + mlx-lm)';

function platformCheck(platform: NodeJS.Platform, arch: string): DoctorCheck {
  if (platform === 'darwin') {
    return arch === 'arm64'
      ? { id: 'platform', label: 'Platform', status: 'ok', found: 'macOS on Apple silicon (mlx uses Metal)', fix: null }
      : {
          id: 'platform',
          label: 'Platform',
          status: 'missing',
          found: `macOS on ${arch}`,
          fix: 'mlx needs an Apple silicon Mac; use --server-url to point at a server on another machine',
        };
  }
  if (platform === 'linux') {
    return {
      id: 'platform',
      label: 'Platform',
      status: 'ok',
      found: `Linux ${arch} (mlx runs on the CPU: fine for tests and tiny models, slow for real ones)`,
      fix: null,
    };
  }
  return {
    id: 'platform',
    label: 'Platform',
    status: 'missing',
    found: platform,
    fix: 'mlx runs on macOS (Apple silicon) and Linux only; use --server-url',
  };
}

function findOnPath(names: readonly string[], env: NodeJS.ProcessEnv): string | null {
  for (const dir of (env['PATH'] ?? '').split(path.delimiter)) {
    for (const name of names) {
      const full = path.join(dir, name);
      try {
        fs.accessSync(full, fs.constants.X_OK);
        return full;
      } catch {
        // not here
      }
    }
  }
  return null;
}

async function runtimeChecks(
  options: DoctorOptions,
  env: NodeJS.ProcessEnv,
  platform: NodeJS.Platform,
): Promise<{ checks: DoctorCheck[]; runtime: MlxRuntime | null; tried: readonly TriedPython[] }> {
  const { runtime, tried } = await discoverRuntime({ home: options.home, configPython: options.config.server.python, env, platform });
  const pinnedMlx = PYTHON_REQUIREMENTS.packages['mlx'] ?? '?';
  const pinnedLm = PYTHON_REQUIREMENTS.packages['mlx-lm'] ?? '?';
  if (runtime === null) {
    const { base } = await findBasePython({ home: options.home, configPython: options.config.server.python, env, platform });
    const configured = tried.find((t) => t.source === 'config');
    const python: DoctorCheck =
      base !== null && base.info !== null
        ? {
            id: 'python',
            label: 'Python',
            status: 'ok',
            found: `Python ${base.info.version} at ${base.path} (${base.source}) — no mlx-lm in it`,
            fix: null,
          }
        : {
            id: 'python',
            label: 'Python',
            status: 'missing',
            found:
              configured !== undefined
                ? `server.python ${configured.path}: ${configured.detail}`
                : tried.length === 0
                  ? 'no Python found'
                  : `none ${minPythonText()}+ (${tried.map((t) => t.detail).join('; ')})`,
            fix:
              platform === 'darwin'
                ? `install Python ${minPythonText()}+: \`brew install python@3.12\` or \`uv python install 3.12\``
                : `install Python ${minPythonText()}+ (e.g. \`apt-get install python3 python3-venv\`)`,
          };
    return {
      checks: [
        python,
        { id: 'mlx', label: 'mlx', status: 'missing', found: 'not installed', fix: INSTALL_FIX },
        { id: 'mlx-lm', label: 'mlx-lm', status: 'missing', found: 'not installed', fix: INSTALL_FIX },
      ],
      runtime,
      tried,
    };
  }
  const deep = await probeMlxRuntime(runtime.python, { env });
  const recentPython = !tried.some((t) => t.path === runtime.python && t.detail.includes('older than'));
  const checks: DoctorCheck[] = [
    {
      id: 'python',
      label: 'Python',
      status: recentPython ? 'ok' : 'warn',
      found: `Python ${runtime.version} at ${runtime.python} (found via ${runtime.source})`,
      fix: recentPython ? null : `the tested mlx-lm needs Python ${minPythonText()}+; ${INSTALL_FIX}`,
    },
    deep.ok
      ? {
          id: 'mlx',
          label: 'mlx',
          status: runtime.mlxVersion === pinnedMlx ? 'ok' : 'warn',
          found: `${runtime.mlxVersion ?? '?'} (computes on ${deep.device})`,
          fix: runtime.mlxVersion === pinnedMlx ? null : `tested with ${pinnedMlx}; ${INSTALL_FIX} to use the tested set`,
        }
      : {
          id: 'mlx',
          label: 'mlx',
          status: 'missing',
          found: `${runtime.mlxVersion ?? 'not installed'}, but importing it fails: ${deep.error}`,
          fix: INSTALL_FIX,
        },
    {
      id: 'mlx-lm',
      label: 'mlx-lm',
      status: runtime.mlxLmVersion === pinnedLm ? 'ok' : 'warn',
      found: runtime.mlxLmVersion,
      fix: runtime.mlxLmVersion === pinnedLm ? null : `tested with ${pinnedLm}; ${INSTALL_FIX} to use the tested set`,
    },
  ];
  return { checks, runtime, tried };
}

async function portCheck(config: FactoryConfig, running: DoctorOptions['running']): Promise<DoctorCheck> {
  const host = serverHost(config.server.host);
  const port = config.server.port;
  const serving = running != null && running.port !== null && ['ready', 'adopted', 'starting', 'restarting'].includes(running.state);
  if (serving) {
    const whose = running.owned
      ? `the app's server${running.pid !== null ? ` (pid ${running.pid})` : ''}`
      : 'a server the app uses but did not start';
    const moved = running.port !== port ? ` (server.port is ${port}, which was taken)` : '';
    return { id: 'port', label: 'Port', status: 'ok', found: `${host}:${running.port} is served by ${whose}${moved}`, fix: null };
  }
  if (await isPortFree(host, port)) return { id: 'port', label: 'Port', status: 'ok', found: `${host}:${port} is free`, fix: null };
  const listener = await identifyListener(host, port);
  if (listener.kind === 'openai') {
    return {
      id: 'port',
      label: 'Port',
      status: 'ok',
      found: `${host}:${port}: an OpenAI-compatible server answers (models: ${listener.models.slice(0, 3).join(', ') || 'none listed'}); it is used only if it is the server MLX Factory recorded starting, otherwise the next free port is`,
      fix: null,
    };
  }
  const detail = listener.kind === 'other' ? listener.detail : 'cannot be bound';
  return {
    id: 'port',
    label: 'Port',
    status: 'warn',
    found: `${host}:${port} is taken by something else (${detail}); the server will use the next free port`,
    fix: 'set server.port in factory.yaml to a free port',
  };
}

async function modelCheck(options: DoctorOptions, env: NodeJS.ProcessEnv): Promise<DoctorCheck> {
  const name = options.model ?? options.config.server.model;
  try {
    const model = resolveModel(name, { cwd: options.cwd, env });
    const fit = await fitFor(model, options.config);
    const status: CheckStatus = fit.verdict === 'fits' ? 'ok' : fit.verdict === 'tight' ? 'warn' : 'missing';
    return {
      id: 'model',
      label: 'Model',
      status,
      found: `${model.arg}: ${formatBytes(model.diskBytes)} on disk (${model.source === 'hf-cache' ? `hub cache, ${model.dir}` : 'folder'}). ${fit.message}`,
      fix: fit.verdict === 'fits' ? null : 'pick a smaller model with -m or server.model (see the recommended models below)',
    };
  } catch (error) {
    if (!isFactoryError(error)) throw error;
    return {
      id: 'model',
      label: 'Model',
      status: 'missing',
      found: error.message,
      fix: `download it, or set server.model to one of the local models below`,
    };
  }
}

export async function gatherDoctorReport(options: DoctorOptions): Promise<DoctorReport> {
  const env = options.env ?? process.env;
  const platform = options.platform ?? process.platform;
  const [runtime, port, memory, model] = await Promise.all([
    runtimeChecks(options, env, platform),
    portCheck(options.config, options.running),
    readSystemMemory(platform),
    modelCheck(options, env),
  ]);
  const checks: DoctorCheck[] = [platformCheck(platform, process.arch), ...runtime.checks, port];
  checks.push({
    id: 'memory',
    label: 'Memory',
    status: 'ok',
    found: `${formatBytes(memory.availableBytes)} available of ${formatBytes(memory.totalBytes)} (${memory.source})`,
    fix: null,
  });
  checks.push(model);
  if (platform === 'linux') {
    const chromium = findOnPath(['chromium', 'chromium-browser', 'google-chrome'], env);
    checks.push(
      chromium !== null
        ? { id: 'chromium', label: 'Chromium (ui tests)', status: 'ok', found: chromium, fix: null }
        : {
            id: 'chromium',
            label: 'Chromium (ui tests)',
            status: 'warn',
            found: 'not found on PATH (only needed for the browser UI tests)',
            fix: 'apt-get install chromium',
          },
    );
  }
  return {
    ok: !checks.some((c) => c.status === 'missing'),
    checks,
    runtime: runtime.runtime,
    tried: runtime.tried,
    localModels: listLocalModels({ env, folders: options.modelFolders }),
    recommended: RECOMMENDED_MODELS,
  };
}

/** The checks as the API gives them (`doctor.run`): a missing piece is an error there. */
export async function apiDoctorChecks(options: DoctorOptions): Promise<ApiDoctorCheck[]> {
  const report = await gatherDoctorReport(options);
  return report.checks.map((c) => ({
    id: c.id,
    label: c.label,
    status: c.status === 'missing' ? 'error' : c.status,
    detail: c.found,
    fix: c.fix,
  }));
}
