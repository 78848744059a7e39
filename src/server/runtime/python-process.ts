/**
 * How we start a Python of ours (the runtime's venv and pip, mlx_lm.server, the Hub bridge, the
 * probes). Python puts the folder it starts in first on `sys.path` for `-c` and `-m`, so a cloned
 * repository holding `pip/`, `mlx_lm/` or `huggingface_hub/` at its root would run its code
 * unsandboxed if `mlx-factory` were started there. PYTHONSAFEPATH (3.11+) leaves that folder out;
 * `/` as the working folder covers an older Python a probe may meet (only root writes there).
 */
export const PYTHON_CWD = '/';

export function pythonEnvironment(env: NodeJS.ProcessEnv): NodeJS.ProcessEnv {
  return { ...env, PYTHONSAFEPATH: '1' };
}
