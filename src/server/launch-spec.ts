import fs from 'node:fs';
import { hfCacheDir } from './models/hf-cache.js';
import { serverPaths } from './server-paths.js';
import { PYTHON_CWD, pythonEnvironment } from './runtime/python-process.js';

/**
 * How the supervisor starts a server: a command, its arguments for a given port, and its
 * environment. Injectable, so fault tests can put the scripted stand-in (which takes the same
 * flags) or a deliberately broken program in place of `python -m mlx_lm server`.
 */
export interface LaunchSpec {
  readonly command: string;
  readonly args: readonly string[];
  readonly env?: NodeJS.ProcessEnv;
  readonly cwd?: string;
  /** A sentence the supervisor adds to its `ready` detail (e.g. whether the draft model is in use). */
  readonly note?: string;
}

/** May be async: the real one finds the Python runtime on first use (a server that can be adopted needs none). */
export type LaunchBuilder = (port: number, host: string) => LaunchSpec | Promise<LaunchSpec>;

/**
 * The server's environment (MLX-SERVER-NOTES.md §1): offline, so a model name never turns into a
 * download in the middle of a start; an existing hub cache directory, because without one
 * GET /v1/models answers 200 with an empty body; unbuffered output, so log lines arrive as they
 * are printed and the supervisor sees a fatal line at once.
 */
function mlxServerEnvironment(home: string, base: NodeJS.ProcessEnv = process.env): NodeJS.ProcessEnv {
  let cache = hfCacheDir(base);
  if (!fs.existsSync(cache)) {
    cache = serverPaths(home).emptyHfCache;
    fs.mkdirSync(cache, { recursive: true });
  }
  return pythonEnvironment({ ...base, HF_HUB_OFFLINE: '1', TRANSFORMERS_OFFLINE: '1', HF_HUB_CACHE: cache, PYTHONUNBUFFERED: '1' });
}

export interface MlxLaunchOptions {
  readonly python: string;
  /** The --model string (absolute folder or cached repo id; see resolve-model.ts). */
  readonly model: string;
  readonly home: string;
  readonly env?: NodeJS.ProcessEnv;
  readonly extraArgs?: readonly string[];
}

/** `python -m mlx_lm server …` (`-m mlx_lm.server` works too but prints a deprecation line). */
export function mlxLaunchBuilder(options: MlxLaunchOptions): LaunchBuilder {
  const env = mlxServerEnvironment(options.home, options.env);
  return (port, host) => ({
    command: options.python,
    args: ['-m', 'mlx_lm', 'server', '--model', options.model, '--host', host, '--port', String(port), ...(options.extraArgs ?? [])],
    env,
    cwd: PYTHON_CWD,
  });
}
