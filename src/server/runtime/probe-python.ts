import { execFile } from 'node:child_process';
import { z } from 'zod';
import { PYTHON_CWD, pythonEnvironment } from './python-process.js';

/**
 * Asks an interpreter what it is by running it: version, machine, and the installed mlx / mlx-lm
 * versions (from package metadata, plus find_spec so a half-removed package does not count). The
 * script runs on any Python from 2.7 on, so an old one is reported as "too old", not as "broken".
 */
const PROBE_SCRIPT = `
import json, sys, platform
info = {"version": "%d.%d.%d" % tuple(sys.version_info[:3]), "executable": sys.executable,
        "prefix": sys.prefix, "machine": platform.machine(), "mlx": None, "mlxLm": None}
try:
    import importlib.metadata as md, importlib.util as iu
    for key, dist, module in (("mlx", "mlx", "mlx.core"), ("mlxLm", "mlx-lm", "mlx_lm")):
        try:
            if iu.find_spec(module.split(".")[0]) is not None:
                info[key] = md.version(dist)
        except Exception:
            pass
except Exception:
    pass
print(json.dumps(info))
`;

/**
 * Imports mlx and computes on its default device (the part that fails on a wrong wheel or a
 * missing backend), and checks that mlx_lm/server.py is there without importing it: mlx_lm's import
 * pulls in transformers and takes seconds; a broken mlx_lm shows up in the server's own start-up log.
 */
const DEEP_PROBE_SCRIPT = `
import json, os, importlib.util
import mlx.core as mx
x = mx.array([1.0, 2.0]) * 2
mx.eval(x)
assert x.tolist() == [2.0, 4.0]
spec = importlib.util.find_spec("mlx_lm")  # the package's location, without running its __init__
assert spec is not None and any(os.path.exists(os.path.join(d, "server.py")) for d in spec.submodule_search_locations or []), "mlx_lm.server not found"
print(json.dumps({"device": str(mx.default_device())}))
`;

const probeResultSchema = z.object({
  version: z.string(),
  executable: z.string(),
  prefix: z.string(),
  machine: z.string(),
  mlx: z.string().nullable(),
  mlxLm: z.string().nullable(),
});
export type PythonInfo = z.infer<typeof probeResultSchema>;

export type ProbeOutcome = { ok: true; info: PythonInfo } | { ok: false; error: string };

function run(
  python: string,
  script: string,
  timeoutMs: number,
  env: NodeJS.ProcessEnv,
): Promise<{ stdout: string; stderr: string; error: Error | null }> {
  return new Promise((resolve) => {
    execFile(
      python,
      ['-c', script],
      { timeout: timeoutMs, cwd: PYTHON_CWD, env: pythonEnvironment(env), maxBuffer: 1024 * 1024, killSignal: 'SIGKILL' },
      (error, stdout, stderr) => {
        resolve({ stdout: String(stdout), stderr: String(stderr), error });
      },
    );
  });
}

function lastLine(text: string): string {
  return text.trim().split('\n').at(-1) ?? '';
}

function describeFailure(error: Error & { code?: unknown; killed?: boolean }, stderr: string, timeoutMs: number): string {
  if (error.code === 'ENOENT') return 'not found';
  if (error.code === 'EACCES') return 'not executable';
  if (error.killed === true) return `did not answer within ${Math.round(timeoutMs / 1000)} s`;
  const said = lastLine(stderr);
  return said !== '' ? said : (error.message.split('\n')[0] ?? 'failed');
}

export async function probePython(python: string, options: { timeoutMs?: number; env?: NodeJS.ProcessEnv } = {}): Promise<ProbeOutcome> {
  const timeoutMs = options.timeoutMs ?? 20_000;
  const { stdout, stderr, error } = await run(python, PROBE_SCRIPT, timeoutMs, options.env ?? process.env);
  if (error !== null) return { ok: false, error: describeFailure(error, stderr, timeoutMs) };
  try {
    return { ok: true, info: probeResultSchema.parse(JSON.parse(lastLine(stdout))) };
  } catch {
    return { ok: false, error: `answered something that is not the probe's JSON: ${lastLine(stdout).slice(0, 200)}` };
  }
}

/** Imports mlx and runs one computation; for `doctor` and after an install. */
export async function probeMlxRuntime(
  python: string,
  options: { timeoutMs?: number; env?: NodeJS.ProcessEnv } = {},
): Promise<{ ok: true; device: string } | { ok: false; error: string }> {
  const timeoutMs = options.timeoutMs ?? 120_000;
  const { stdout, stderr, error } = await run(python, DEEP_PROBE_SCRIPT, timeoutMs, options.env ?? process.env);
  if (error !== null) return { ok: false, error: describeFailure(error, stderr, timeoutMs) };
  try {
    return { ok: true, device: z.object({ device: z.string() }).parse(JSON.parse(lastLine(stdout))).device };
  } catch {
    return { ok: false, error: `unexpected output: ${lastLine(stdout).slice(0, 200)}` };
  }
}
