import os from 'node:os';
import path from 'node:path';

/**
 * The app's home: sessions, worktrees, logs, the runtime venv and the user-level factory.yaml.
 * MLX_FACTORY_HOME wins (tests and power users); otherwise the OS's app-data folder.
 */
export function resolveAppHome(
  env: NodeJS.ProcessEnv = process.env,
  platform: NodeJS.Platform = process.platform,
  homedir: string = os.homedir(),
): string {
  const explicit = env['MLX_FACTORY_HOME'];
  if (explicit !== undefined && explicit.trim() !== '') return path.resolve(explicit);
  if (platform === 'darwin') {
    // macOS: where Mac apps keep their data.
    return path.join(homedir, 'Library', 'Application Support', 'MLX Factory');
  }
  if (platform === 'win32') {
    return path.join(env['APPDATA'] ?? path.join(homedir, 'AppData', 'Roaming'), 'MLX Factory');
  }
  // Linux and other Unixes: the XDG data directory.
  const xdg = env['XDG_DATA_HOME'];
  return path.join(xdg !== undefined && xdg !== '' ? xdg : path.join(homedir, '.local', 'share'), 'mlx-factory');
}

/** Fixed sub-folders of the app's home, named in one place. */
export interface AppPaths {
  readonly home: string;
  readonly sessions: string;
  readonly worktrees: string;
  readonly scratchRepos: string;
  readonly logs: string;
  readonly userConfig: string;
  /** What each model server answered when offered OpenAI `tools` (#17), so it is probed once. */
  readonly toolSupport: string;
}

export function appPaths(home: string = resolveAppHome()): AppPaths {
  return {
    home,
    sessions: path.join(home, 'sessions'),
    worktrees: path.join(home, 'worktrees'),
    scratchRepos: path.join(home, 'repos'),
    logs: path.join(home, 'logs'),
    userConfig: path.join(home, 'factory.yaml'),
    toolSupport: path.join(home, 'tool-support.json'),
  };
}
