import { spawn } from 'node:child_process';
import fs from 'node:fs';
import { FactoryError } from '../../errors/factory-error.js';
import { LineSplitter } from '../server-log.js';
import { serverPaths } from '../server-paths.js';
import { describeTried, findBasePython, type MlxRuntime } from './discover-runtime.js';
import { probeMlxRuntime, probePython } from './probe-python.js';
import type { PipDownload } from '../../api/runtime-install.js';
import { nextDownload, readPipLine, stripAnsi } from './pip-progress.js';
import { minPythonText, pipSpecifiers } from './python-requirements.js';
import { REQUIREMENTS_ENV, requirementsOverride } from './requirements-override.js';
import { PYTHON_CWD, pythonEnvironment } from './python-process.js';

/**
 * `mlx-factory doctor --install`: makes <home>/venv from a Python 3.11+ found on this machine and
 * pip-installs the pinned mlx / mlx-lm set into it, passing every line pip prints to `onProgress`
 * so the user sees the download happen. Re-running it repairs or updates the venv in place. The
 * app's "Install the MLX runtime" (runtime-installs.ts) runs this same function.
 */
type InstallPhase = 'base' | 'venv' | 'pip' | 'verify' | 'done';

interface InstallProgress {
  readonly phase: InstallPhase;
  /** ANSI removed. */
  readonly line: string;
  /** A redraw of pip's progress bar (many a second): a terminal may print only some. */
  readonly redraw: boolean;
  /** The file pip downloads now, from its own lines; null outside the pip step. */
  readonly download: PipDownload | null;
  /** Packages pip has downloaded or taken from its cache so far. */
  readonly packagesDone: number;
}

export interface InstallOptions {
  readonly home: string;
  readonly configPython?: string | null;
  readonly env?: NodeJS.ProcessEnv;
  readonly platform?: NodeJS.Platform;
  readonly onProgress?: (progress: InstallProgress) => void;
  readonly signal?: AbortSignal;
  /** pip specifiers; default: MLX_FACTORY_RUNTIME_REQUIREMENTS, else the pinned set for this platform (resources/python-requirements.json). */
  readonly requirements?: readonly string[];
  /** How a message says to try again (the CLI: its command; the app: its button). */
  readonly againHint?: string;
}

interface StepResult {
  readonly code: number | null;
  readonly tail: readonly string[];
}

/** Runs a command, reporting each output line (pip redraws progress with \r: each redraw is a line). */
function runStreaming(
  command: string,
  args: readonly string[],
  env: NodeJS.ProcessEnv,
  onLine: (line: string) => void,
  signal?: AbortSignal,
): Promise<StepResult> {
  return new Promise((resolve) => {
    const tail: string[] = [];
    const child = spawn(command, [...args], { cwd: PYTHON_CWD, env: pythonEnvironment(env), stdio: ['ignore', 'pipe', 'pipe'] });
    const emit = (raw: string): void => {
      const line = stripAnsi(raw);
      if (line.trim() === '') return;
      tail.push(line);
      if (tail.length > 40) tail.shift();
      onLine(line);
    };
    const out = new LineSplitter(emit);
    const err = new LineSplitter(emit);
    child.stdout.on('data', (chunk: Buffer) => out.push(chunk.toString('utf8')));
    child.stderr.on('data', (chunk: Buffer) => err.push(chunk.toString('utf8')));
    const abort = (): void => {
      child.kill('SIGTERM');
    };
    signal?.addEventListener('abort', abort, { once: true });
    child.once('error', (error) => {
      emit(`${command}: ${error.message}`);
    });
    child.once('close', (code) => {
      signal?.removeEventListener('abort', abort);
      out.flush();
      err.flush();
      resolve({ code, tail });
    });
  });
}

export async function installRuntime(options: InstallOptions): Promise<MlxRuntime> {
  const platform = options.platform ?? process.platform;
  const env = { ...(options.env ?? process.env), PYTHONUNBUFFERED: '1' };
  const again = options.againHint ?? 'run `mlx-factory doctor --install` again';
  let download: PipDownload | null = null;
  let packagesDone = 0;
  const report = (phase: InstallPhase, line: string, redraw = false): void =>
    options.onProgress?.({ phase, line, redraw, download: phase === 'pip' ? download : null, packagesDone });
  const paths = serverPaths(options.home, platform);
  const cancelled = (): FactoryError => new FactoryError('RUNTIME_INSTALL_FAILED', `The install was cancelled; ${again} to finish it.`);

  if (platform === 'darwin' && process.arch !== 'arm64') {
    throw new FactoryError('RUNTIME_INSTALL_FAILED', 'mlx runs on Apple silicon Macs only (this Mac is Intel).');
  }

  // A bad override is refused before anything is made.
  const override = options.requirements === undefined ? requirementsOverride(env) : null;

  report('base', `Looking for Python ${minPythonText()} or newer…`);
  const { base, tried } = await findBasePython({ home: options.home, configPython: options.configPython ?? null, env, platform });
  if (base === null || base.info === null) {
    const fix =
      platform === 'darwin'
        ? `install one with \`brew install python@3.12\` (Homebrew) or \`uv python install 3.12\`, or from python.org`
        : `install one with your package manager (e.g. \`apt-get install python3 python3-venv\`) or \`uv python install 3.12\``;
    throw new FactoryError(
      'RUNTIME_MISSING',
      `No Python ${minPythonText()} or newer was found to make the runtime from.\nTried:\n${describeTried(tried)}\nFix: ${fix}, then ${again}.`,
    );
  }
  report('base', `Using ${base.path} (${base.source}, Python ${base.info.version}).`);

  // A venv whose python no longer runs (its base interpreter was upgraded away) is remade.
  if (fs.existsSync(paths.venv)) {
    const existing = await probePython(paths.venvPython, { env });
    if (!existing.ok) {
      report('venv', `The existing venv at ${paths.venv} is broken (${existing.error}); making it again.`);
      fs.rmSync(paths.venv, { recursive: true, force: true });
    }
  }
  if (!fs.existsSync(paths.venvPython)) {
    report('venv', `Creating a virtual environment at ${paths.venv}…`);
    const made = await runStreaming(base.path, ['-m', 'venv', paths.venv], env, (line) => report('venv', line), options.signal);
    if (options.signal?.aborted === true) throw cancelled();
    if (made.code !== 0) {
      const hint = platform === 'linux' ? ' On Debian/Ubuntu the venv module is a separate package: apt-get install python3-venv.' : '';
      throw new FactoryError(
        'RUNTIME_INSTALL_FAILED',
        `\`${base.path} -m venv ${paths.venv}\` failed (exit ${String(made.code)}):\n${made.tail.slice(-10).join('\n')}\n${hint}`.trim(),
      );
    }
  }

  const requirements = options.requirements ?? override ?? pipSpecifiers(platform);
  report(
    'pip',
    override !== null
      ? `Installing ${requirements.join(' ')} (from ${REQUIREMENTS_ENV}, instead of the tested set)…`
      : `Installing ${requirements.join(' ')} (a few hundred MB on the first install)…`,
  );
  // FORCE_COLOR: pip's bar redraws through our pipe (else it prints only the finished bar).
  const pip = await runStreaming(
    paths.venvPython,
    ['-m', 'pip', 'install', '--progress-bar', 'on', ...requirements],
    { ...env, FORCE_COLOR: '1' },
    (line) => {
      const read = readPipLine(line);
      download = nextDownload(download, read);
      if (read.countsAsPackage) packagesDone += 1;
      report('pip', line, read.bar !== null);
    },
    options.signal,
  );
  if (options.signal?.aborted === true) throw cancelled();
  if (pip.code !== 0) {
    const where = platform === 'linux' ? ' (mlx on Linux needs glibc 2.35+ and x86_64 or aarch64)' : '';
    throw new FactoryError(
      'RUNTIME_INSTALL_FAILED',
      `pip install failed (exit ${String(pip.code)})${where}. Its last lines:\n${pip.tail.slice(-12).join('\n')}\nFix the cause (network? disk space?) and ${again}; it resumes where it stopped.`,
    );
  }

  report('verify', 'Checking that mlx and mlx-lm import and compute…');
  const deep = await probeMlxRuntime(paths.venvPython, { env });
  if (!deep.ok) throw new FactoryError('RUNTIME_INSTALL_FAILED', `The runtime was installed but does not work: ${deep.error}`);
  const probe = await probePython(paths.venvPython, { env });
  if (!probe.ok || probe.info.mlxLm === null)
    throw new FactoryError('RUNTIME_INSTALL_FAILED', `The runtime was installed but mlx-lm is not found in ${paths.venv}.`);
  report(
    'done',
    `Ready: ${paths.venvPython} (Python ${probe.info.version}, mlx ${probe.info.mlx ?? '?'} on ${deep.device}, mlx-lm ${probe.info.mlxLm}).`,
  );
  return {
    python: paths.venvPython,
    source: 'app-venv',
    version: probe.info.version,
    mlxVersion: probe.info.mlx,
    mlxLmVersion: probe.info.mlxLm,
    machine: probe.info.machine,
  };
}
