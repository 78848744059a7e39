import os from 'node:os';
import { FactoryError } from '../../errors/factory-error.js';
import { serverPaths } from '../server-paths.js';
import { existingCandidates, pythonCandidates, type PythonSource } from './python-candidates.js';
import { probePython, type PythonInfo } from './probe-python.js';
import { isPythonRecentEnough, minPythonText, PYTHON_REQUIREMENTS } from './python-requirements.js';

/**
 * Finds the Python that runs mlx_lm.server: server.python from config, else the app's venv, else
 * python3 on PATH, else the usual install places — each one run to see whether it has mlx_lm.
 * Every candidate tried is reported with why it was or was not used, for `doctor` and for errors.
 */
export type CandidateVerdict = 'usable' | 'no-mlx-lm' | 'too-old' | 'wrong-arch' | 'broken';

export interface TriedPython {
  readonly path: string;
  readonly source: PythonSource;
  readonly verdict: CandidateVerdict;
  readonly detail: string;
  readonly info: PythonInfo | null;
}

export interface MlxRuntime {
  readonly python: string;
  readonly source: PythonSource;
  readonly version: string;
  readonly mlxVersion: string | null;
  readonly mlxLmVersion: string;
  readonly machine: string;
}

export interface DiscoveryOptions {
  readonly home: string;
  readonly configPython?: string | null;
  readonly env?: NodeJS.ProcessEnv;
  readonly platform?: NodeJS.Platform;
  readonly homedir?: string;
}

export interface DiscoveryResult {
  readonly runtime: MlxRuntime | null;
  readonly tried: readonly TriedPython[];
}

/** mlx on macOS needs Apple silicon: an x86_64 Python (Rosetta, old Homebrew in /usr/local) cannot load it. */
function archProblem(info: PythonInfo, platform: NodeJS.Platform): string | null {
  if (platform === 'darwin' && info.machine !== 'arm64') return `runs as ${info.machine}; mlx needs an arm64 (Apple silicon) Python`;
  return null;
}

export function judgePython(info: PythonInfo, platform: NodeJS.Platform): { verdict: CandidateVerdict; detail: string } {
  const arch = archProblem(info, platform);
  if (arch !== null) return { verdict: 'wrong-arch', detail: `Python ${info.version} ${arch}` };
  if (info.mlxLm !== null) {
    const old = isPythonRecentEnough(info.version)
      ? ''
      : ` (Python ${info.version} is older than the ${minPythonText()} the pinned mlx-lm needs)`;
    return { verdict: 'usable', detail: `Python ${info.version}, mlx ${info.mlx ?? 'not found'}, mlx-lm ${info.mlxLm}${old}` };
  }
  if (!isPythonRecentEnough(info.version)) {
    return {
      verdict: 'too-old',
      detail: `Python ${info.version} is too old: mlx-lm ${PYTHON_REQUIREMENTS.packages['mlx-lm'] ?? ''} needs Python ${minPythonText()} or newer`,
    };
  }
  return { verdict: 'no-mlx-lm', detail: `Python ${info.version} without mlx-lm${info.mlx !== null ? ` (has mlx ${info.mlx})` : ''}` };
}

async function tryCandidates(
  options: DiscoveryOptions,
  stopWhen: (verdict: CandidateVerdict, info: PythonInfo) => boolean,
  skipAppVenv = false,
): Promise<{ hit: TriedPython | null; tried: TriedPython[] }> {
  const platform = options.platform ?? process.platform;
  const candidates = existingCandidates(
    pythonCandidates({
      configPython: options.configPython ?? null,
      appVenvPython: serverPaths(options.home, platform).venvPython,
      env: options.env ?? process.env,
      homedir: options.homedir ?? os.homedir(),
      platform,
    }),
  ).filter((c) => !(skipAppVenv && c.source === 'app-venv'));
  // The first candidate (server.python, else the app's venv) is nearly always the one: probe it
  // alone; when it is not, probe the rest at once (each probe is a Python start-up plus imports,
  // seconds on a loaded machine) and still judge them in order.
  const probe = (candidate: { readonly path: string }): ReturnType<typeof probePython> => probePython(candidate.path, { env: options.env });
  const started = new Map<(typeof candidates)[number], ReturnType<typeof probePython>>();
  const tried: TriedPython[] = [];
  for (const [index, candidate] of candidates.entries()) {
    if (index === 1) for (const later of candidates.slice(1)) started.set(later, probe(later));
    const outcome = await (started.get(candidate) ?? probe(candidate));
    if (!outcome.ok) {
      tried.push({ ...candidate, verdict: 'broken', detail: outcome.error, info: null });
      continue;
    }
    const { verdict, detail } = judgePython(outcome.info, platform);
    const entry: TriedPython = { ...candidate, verdict, detail, info: outcome.info };
    tried.push(entry);
    if (stopWhen(verdict, outcome.info)) return { hit: entry, tried };
  }
  return { hit: null, tried };
}

export async function discoverRuntime(options: DiscoveryOptions): Promise<DiscoveryResult> {
  const { hit, tried } = await tryCandidates(options, (verdict) => verdict === 'usable');
  if (hit === null || hit.info === null || hit.info.mlxLm === null) return { runtime: null, tried };
  return {
    runtime: {
      python: hit.path,
      source: hit.source,
      version: hit.info.version,
      mlxVersion: hit.info.mlx,
      mlxLmVersion: hit.info.mlxLm,
      machine: hit.info.machine,
    },
    tried,
  };
}

/** A Python recent enough to make the app's venv from (mlx not needed); the app venv itself is skipped. */
export async function findBasePython(options: DiscoveryOptions): Promise<{ base: TriedPython | null; tried: readonly TriedPython[] }> {
  const platform = options.platform ?? process.platform;
  const { hit, tried } = await tryCandidates(
    options,
    (_verdict, info) => isPythonRecentEnough(info.version) && archProblem(info, platform) === null,
    true,
  );
  return { base: hit, tried };
}

export function describeTried(tried: readonly TriedPython[]): string {
  if (tried.length === 0) return '  (no Python interpreter found in the config, the app venv, PATH, Homebrew, pyenv, uv or conda)';
  return tried.map((t) => `  ${t.path} [${t.source}]: ${t.detail}`).join('\n');
}

/** The runtime, or a RUNTIME_MISSING error that lists what was tried and says how to fix it. */
export async function requireRuntime(options: DiscoveryOptions): Promise<MlxRuntime> {
  const { runtime, tried } = await discoverRuntime(options);
  if (runtime !== null) return runtime;
  const configured = tried.find((t) => t.source === 'config');
  const why = configured !== undefined ? `server.python (${configured.path}): ${configured.detail}.` : 'No Python with mlx-lm was found.';
  throw new FactoryError(
    'RUNTIME_MISSING',
    `${why}\nTried:\n${describeTried(tried)}\nFix: run \`mlx-factory doctor --install\` to create ${serverPaths(options.home).venv} with mlx-lm (needs Python ${minPythonText()}+), or set server.python in factory.yaml to a Python that has mlx-lm.`,
    { tried: tried.map((t) => ({ path: t.path, source: t.source, verdict: t.verdict, detail: t.detail })) },
  );
}
