import path from 'node:path';

/**
 * Where the server's files live under the app's home, named in one place:
 *   <home>/server/server.json   the pid file (who runs which server on which port)
 *   <home>/logs/mlx-server.log  its output, rotated (.1, .2 …)
 *   <home>/venv                 the Python runtime `mlx-factory doctor --install` makes
 */
export interface ServerPaths {
  readonly dir: string;
  readonly pidFile: string;
  readonly logFile: string;
  /** The stdout/stderr of a `server start` background supervisor (before it has its own log). */
  readonly daemonLogFile: string;
  readonly venv: string;
  readonly venvPython: string;
  /** An existing, empty Hugging Face cache for when the user has none (see launch-spec.ts). */
  readonly emptyHfCache: string;
}

export function serverPaths(home: string, platform: NodeJS.Platform = process.platform): ServerPaths {
  const venv = path.join(home, 'venv');
  return {
    dir: path.join(home, 'server'),
    pidFile: path.join(home, 'server', 'server.json'),
    logFile: path.join(home, 'logs', 'mlx-server.log'),
    daemonLogFile: path.join(home, 'logs', 'server-daemon.log'),
    venv,
    venvPython: platform === 'win32' ? path.join(venv, 'Scripts', 'python.exe') : path.join(venv, 'bin', 'python'),
    emptyHfCache: path.join(home, 'server', 'hf-hub-empty'),
  };
}
