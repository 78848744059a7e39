import { spawn } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { FactoryError } from '../errors/factory-error.js';

/**
 * "Open in…" a session's worktree: the user's editor, a terminal, or the file manager. The folder
 * comes from the session's record (never from the renderer), the program is started detached with
 * an argument array (never a shell string), and the editor command is the user's own setting
 * (`workspace.editor` in the home factory.yaml — a repository's file cannot choose it).
 */
export type OpenTarget = 'editor' | 'terminal' | 'files';

export interface OpenCommand {
  readonly command: string;
  readonly args: readonly string[];
  /** The program starts in the worktree (terminals open there). */
  readonly cwd: string;
}

/** Whether a program is on PATH (executable). */
function onPath(program: string, envPath = process.env['PATH'] ?? ''): boolean {
  if (program.includes('/')) return isExecutable(program);
  return envPath.split(path.delimiter).some((dir) => dir !== '' && isExecutable(path.join(dir, program)));
}

function isExecutable(file: string): boolean {
  try {
    fs.accessSync(file, fs.constants.X_OK);
    return fs.statSync(file).isFile();
  } catch {
    return false;
  }
}

/** The program and arguments for a target on a platform. Pure but for `found` (PATH lookups). */
export function openCommand(
  target: OpenTarget,
  worktree: string,
  options: { platform: NodeJS.Platform; editor: readonly string[] | null; found?: (program: string) => boolean },
): OpenCommand {
  const found = options.found ?? ((program: string) => onPath(program));
  const mac = options.platform === 'darwin';
  switch (target) {
    case 'editor': {
      const [command, ...args] = options.editor ?? (found('code') ? ['code'] : mac ? ['open', '-a', 'Visual Studio Code'] : ['xdg-open']);
      if (command === undefined) throw new FactoryError('BAD_USAGE', 'workspace.editor is empty: set it to a command, e.g. ["code"].');
      return { command, args: [...args, worktree], cwd: worktree };
    }
    case 'terminal':
      if (mac) return { command: 'open', args: ['-a', 'Terminal', worktree], cwd: worktree };
      // Debian's alternatives entry starts the user's terminal in the current folder.
      return { command: found('x-terminal-emulator') ? 'x-terminal-emulator' : 'xterm', args: [], cwd: worktree };
    case 'files':
      return { command: mac ? 'open' : 'xdg-open', args: [worktree], cwd: worktree };
  }
}

/** Starts it detached (it outlives the host); answers once it started, or OPEN_FAILED. */
export function launchDetached(open: OpenCommand): Promise<void> {
  return new Promise((resolve, reject) => {
    const child = spawn(open.command, [...open.args], { cwd: open.cwd, detached: true, stdio: 'ignore', shell: false });
    child.once('error', (error: NodeJS.ErrnoException) => {
      reject(
        new FactoryError(
          'OPEN_FAILED',
          error.code === 'ENOENT'
            ? `\`${open.command}\` is not installed (or not on PATH). Set "Editor command" in Settings (workspace.editor in factory.yaml).`
            : `Could not start \`${open.command}\`: ${error.message}`,
        ),
      );
    });
    child.once('spawn', () => {
      child.unref();
      resolve();
    });
  });
}

/** The worktree of a session as recorded, if it is still a real folder (not a link, not gone). */
export function existingWorktree(worktree: string): string {
  const stat = fs.lstatSync(worktree, { throwIfNoEntry: false });
  if (stat === undefined) throw new FactoryError('REPO_GONE', `The worktree ${worktree} is gone (discarded or removed).`);
  if (!stat.isDirectory()) throw new FactoryError('REPO_GONE', `${worktree} is not a folder any more.`);
  return worktree;
}

/** A file of the worktree by its relative path, refused unless its real path is inside the worktree's. */
export function fileInWorktree(worktree: string, file: string): string {
  const root = fs.realpathSync(worktree);
  let full: string;
  try {
    full = fs.realpathSync(path.resolve(root, file));
  } catch {
    throw new FactoryError('PATH_OUTSIDE_WORKTREE', `${file} is not a file of the session's worktree.`);
  }
  if (path.isAbsolute(file) || !full.startsWith(`${root}${path.sep}`)) {
    throw new FactoryError('PATH_OUTSIDE_WORKTREE', `${file} is not inside the session's worktree.`);
  }
  return full;
}
