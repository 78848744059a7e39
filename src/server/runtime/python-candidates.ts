import fs from 'node:fs';
import path from 'node:path';

/**
 * Where a Python for mlx_lm may be, in the order we try them. A GUI-launched app on macOS gets a
 * minimal PATH (/usr/bin:/bin:/usr/sbin:/sbin), so besides PATH we look where Homebrew, pyenv, uv
 * and conda put their interpreters, and report which of them was used.
 */
export type PythonSource =
  'config' | 'app-venv' | 'virtualenv' | 'conda-env' | 'path' | 'homebrew' | 'pyenv' | 'uv' | 'conda' | 'python.org';

export interface PythonCandidate {
  readonly path: string;
  readonly source: PythonSource;
}

export interface CandidateContext {
  /** server.python from factory.yaml, if set. */
  readonly configPython: string | null;
  /** <home>/venv/bin/python (made by `mlx-factory doctor --install`). */
  readonly appVenvPython: string;
  readonly env: NodeJS.ProcessEnv;
  readonly homedir: string;
  readonly platform: NodeJS.Platform;
  /** Lists a directory (injectable so the order can be unit-tested without those folders). */
  readonly listDir?: (dir: string) => readonly string[];
}

const PYTHON_NAMES = ['python3', 'python3.13', 'python3.12', 'python3.11', 'python'];

function safeList(dir: string): readonly string[] {
  try {
    return fs.readdirSync(dir);
  } catch {
    return [];
  }
}

/** Newest first: "cpython-3.12.4-macos-aarch64-none" sorts after "cpython-3.11.9-…" numerically. */
function byVersionDescending(names: readonly string[]): string[] {
  const key = (name: string): number[] => (/(\d+)\.(\d+)(?:\.(\d+))?/.exec(name)?.slice(1) ?? []).map((n) => Number(n ?? 0));
  return [...names].sort((a, b) => {
    const ka = key(a);
    const kb = key(b);
    for (let i = 0; i < 3; i++) {
      const d = (kb[i] ?? 0) - (ka[i] ?? 0);
      if (d !== 0) return d;
    }
    return a.localeCompare(b);
  });
}

/**
 * Every candidate, in order, without duplicates (by path; a venv's python is a symlink to its
 * base interpreter but has other packages, so paths are not resolved before comparing).
 */
export function pythonCandidates(context: CandidateContext): PythonCandidate[] {
  const { env, homedir, platform } = context;
  const list = context.listDir ?? safeList;
  const bin = (prefix: string): string => path.join(prefix, platform === 'win32' ? 'python.exe' : path.join('bin', 'python'));
  const out: PythonCandidate[] = [];
  const add = (candidatePath: string | undefined, source: PythonSource): void => {
    if (candidatePath === undefined || candidatePath === '') return;
    const normal = path.resolve(candidatePath);
    if (!out.some((c) => c.path === normal)) out.push({ path: normal, source });
  };

  if (context.configPython !== null) {
    // A bare name ("python3.12") means the first one on PATH, as a shell would pick it.
    const configured = context.configPython;
    if (configured.includes('/') || configured.includes(path.sep)) add(configured.replace(/^~(?=\/|$)/, homedir), 'config');
    else for (const dir of (env['PATH'] ?? '').split(path.delimiter)) if (dir !== '') add(path.join(dir, configured), 'config');
  }
  add(context.appVenvPython, 'app-venv');
  // A venv or conda env the user activated in the terminal that runs the CLI.
  if (env['VIRTUAL_ENV']) add(bin(env['VIRTUAL_ENV']), 'virtualenv');
  if (env['CONDA_PREFIX']) add(bin(env['CONDA_PREFIX']), 'conda-env');

  for (const dir of (env['PATH'] ?? '').split(path.delimiter)) {
    if (dir === '') continue;
    for (const name of PYTHON_NAMES) add(path.join(dir, name), 'path');
  }

  // The usual places, for a GUI app whose PATH has none of them.
  const brewPrefixes = platform === 'darwin' ? ['/opt/homebrew', '/usr/local'] : ['/home/linuxbrew/.linuxbrew'];
  for (const prefix of brewPrefixes) {
    for (const name of PYTHON_NAMES.slice(0, 4)) add(path.join(prefix, 'bin', name), 'homebrew');
  }
  const pyenvRoot = env['PYENV_ROOT'] || path.join(homedir, '.pyenv');
  add(path.join(pyenvRoot, 'shims', 'python3'), 'pyenv');
  for (const version of byVersionDescending(list(path.join(pyenvRoot, 'versions'))))
    add(path.join(pyenvRoot, 'versions', version, 'bin', 'python3'), 'pyenv');

  // uv: `uv python install` puts interpreters under $UV_PYTHON_INSTALL_DIR or ~/.local/share/uv/python.
  const uvRoot = env['UV_PYTHON_INSTALL_DIR'] || path.join(env['XDG_DATA_HOME'] || path.join(homedir, '.local', 'share'), 'uv', 'python');
  for (const name of byVersionDescending(list(uvRoot).filter((n) => n.startsWith('cpython-'))))
    add(path.join(uvRoot, name, 'bin', 'python3'), 'uv');
  add(path.join(homedir, '.local', 'bin', 'python3'), 'uv');

  const condaRoots = [
    ...['miniforge3', 'mambaforge', 'miniconda3', 'anaconda3'].map((d) => path.join(homedir, d)),
    '/opt/homebrew/Caskroom/miniforge/base',
    '/opt/miniconda3',
    '/opt/anaconda3',
  ];
  for (const root of condaRoots) add(path.join(root, 'bin', 'python3'), 'conda');

  if (platform === 'darwin') {
    const frameworks = '/Library/Frameworks/Python.framework/Versions';
    for (const version of byVersionDescending(list(frameworks).filter((v) => /^\d/.test(v))))
      add(path.join(frameworks, version, 'bin', 'python3'), 'python.org');
    add('/usr/bin/python3', 'path'); // Apple's (3.9 on current macOS: found, then refused as too old)
  }
  return out;
}

/** Only candidates that exist as files: probing a missing path would just spend a spawn. */
export function existingCandidates(candidates: readonly PythonCandidate[]): PythonCandidate[] {
  return candidates.filter((c) => {
    try {
      return fs.statSync(c.path).isFile();
    } catch {
      return false;
    }
  });
}
