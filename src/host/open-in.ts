import { spawn } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { FactoryError } from '../errors/factory-error.js';

/**
 * "Open in…" a session's worktree: the user's editor, a terminal, or the file manager. The folder
 * comes from the session's record (never from the renderer), the program is started detached with
 * an argument array (never a shell string), and the editor command is the user's own setting
 * (`workspace.editor` in the home factory.yaml — a repository's file cannot choose it).
 *
 * Each target has the platform's usual candidates, tried in order; a target never falls back to
 * another one (an editor that is missing does not open the file manager), and "opened" is said
 * only when a candidate started and did not fail at once (issue #20).
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

/** Linux terminals, most usual first, with how each is told the folder (the cwd is set too). */
const LINUX_TERMINALS: ReadonlyArray<readonly [string, (dir: string) => string[]]> = [
  // Debian's alternatives entry: the user's chosen terminal, started in the current folder.
  ['x-terminal-emulator', () => []],
  ['gnome-terminal', (dir) => [`--working-directory=${dir}`]],
  ['konsole', (dir) => ['--workdir', dir]],
  ['xfce4-terminal', (dir) => [`--working-directory=${dir}`]],
  ['kitty', (dir) => ['--directory', dir]],
  ['alacritty', (dir) => ['--working-directory', dir]],
  ['wezterm', (dir) => ['start', '--cwd', dir]],
  ['foot', (dir) => [`--working-directory=${dir}`]],
  ['xterm', () => []],
];
const LINUX_EDITORS = ['code', 'codium', 'cursor', 'zed', 'subl'] as const;
const MAC_EDITOR_APPS = ['Visual Studio Code', 'Cursor', 'Zed', 'Sublime Text'] as const;
const MAC_TERMINAL_APPS = ['iTerm', 'Terminal'] as const;
const LINUX_FILE_OPENERS: ReadonlyArray<readonly [string, (dir: string) => string[]]> = [
  ['xdg-open', (dir) => [dir]],
  ['gio', (dir) => ['open', dir]],
];

export interface OpenOptions {
  readonly platform: NodeJS.Platform;
  /** workspace.editor from the user's own factory.yaml, or null. */
  readonly editor: readonly string[] | null;
  readonly found?: (program: string) => boolean;
}

/**
 * The candidates for a target on a platform, in the order to try them: programs on PATH, and on
 * macOS `open -a App` (whose exit code says whether the app exists). Pure but for `found`.
 * Empty when nothing could open it: see `nothingToOpenWith` for what to tell the user.
 */
export function openCandidates(target: OpenTarget, worktree: string, options: OpenOptions): OpenCommand[] {
  const found = options.found ?? ((program: string) => onPath(program));
  const mac = options.platform === 'darwin';
  const at = (command: string, args: readonly string[]): OpenCommand => ({ command, args, cwd: worktree });
  const openApp = (app: string): OpenCommand => at('open', ['-a', app, worktree]);
  switch (target) {
    case 'editor': {
      // The user's own choice is the only candidate when set: no surprise program instead.
      if (options.editor !== null) {
        const [command, ...args] = options.editor;
        if (command === undefined) throw new FactoryError('BAD_USAGE', 'workspace.editor is empty: set it to a command, e.g. ["code"].');
        return found(command) ? [at(command, [...args, worktree])] : [];
      }
      const onThePath = LINUX_EDITORS.filter((program) => found(program)).map((program) => at(program, [worktree]));
      return mac ? [...onThePath, ...MAC_EDITOR_APPS.map(openApp)] : onThePath;
    }
    case 'terminal':
      if (mac) return MAC_TERMINAL_APPS.map(openApp);
      return LINUX_TERMINALS.filter(([program]) => found(program)).map(([program, args]) => at(program, args(worktree)));
    case 'files':
      if (mac) return [at('open', [worktree])];
      return LINUX_FILE_OPENERS.filter(([program]) => found(program)).map(([program, args]) => at(program, args(worktree)));
  }
}

/** What to say when no candidate exists (or every one failed): per target, in plain words. */
export function nothingToOpenWith(target: OpenTarget, options: Pick<OpenOptions, 'platform' | 'editor'>, tried: readonly string[]): string {
  const triedNote = tried.length > 0 ? ` Tried: ${tried.join('; ')}.` : '';
  const mac = options.platform === 'darwin';
  switch (target) {
    case 'editor':
      if (options.editor !== null)
        return `The editor command "${options.editor.join(' ')}" could not be started (is it installed and on PATH?). Change "Editor command" in Settings.${triedNote}`;
      return `No editor found (looked for ${mac ? [...LINUX_EDITORS, ...MAC_EDITOR_APPS].join(', ') : LINUX_EDITORS.join(', ')}). Set "Editor command" in Settings, e.g. ["code"].${triedNote}`;
    case 'terminal':
      return `No terminal found (looked for ${mac ? MAC_TERMINAL_APPS.join(', ') : LINUX_TERMINALS.map(([p]) => p).join(', ')}). Install one, e.g. xterm.${triedNote}`;
    case 'files':
      return `No file manager could open the folder (looked for ${mac ? 'open' : LINUX_FILE_OPENERS.map(([p]) => p).join(', ')}).${triedNote}`;
  }
}

export type LaunchOutcome = { readonly ok: true } | { readonly ok: false; readonly why: string };

/**
 * Starts a candidate detached (it outlives the host) and watches it for `settleMs`: an exit with
 * code 0 (a launcher such as `open -a` or `code` handing over to a running instance) or still
 * running by then counts as opened; a failed start or a non-zero exit (`open -a` for an app that
 * is not there, xdg-open with no handler, a terminal with no display) does not.
 */
export function launchDetached(open: OpenCommand, settleMs = 1500): Promise<LaunchOutcome> {
  return new Promise((resolve) => {
    const child = spawn(open.command, [...open.args], { cwd: open.cwd, detached: true, stdio: 'ignore', shell: false });
    let timer: NodeJS.Timeout | undefined;
    const done = (outcome: LaunchOutcome): void => {
      if (timer !== undefined) clearTimeout(timer);
      child.removeAllListeners();
      child.unref();
      resolve(outcome);
    };
    child.once('error', (error: NodeJS.ErrnoException) =>
      done({ ok: false, why: error.code === 'ENOENT' ? `${open.command} is not installed` : `${open.command}: ${error.message}` }),
    );
    child.once('spawn', () => {
      timer = setTimeout(() => done({ ok: true }), settleMs);
    });
    child.once('exit', (code, signal) =>
      done(
        code === 0
          ? { ok: true }
          : { ok: false, why: `${[open.command, ...open.args.slice(0, 2)].join(' ')} exited with ${code ?? signal}` },
      ),
    );
  });
}

/** Tries a target's candidates in order; answers with the one that opened, or OPEN_FAILED saying why. */
export async function openWorktree(target: OpenTarget, worktree: string, options: OpenOptions): Promise<OpenCommand> {
  const tried: string[] = [];
  for (const candidate of openCandidates(target, worktree, options)) {
    const outcome = await launchDetached(candidate);
    if (outcome.ok) return candidate;
    tried.push(outcome.why);
  }
  throw new FactoryError('OPEN_FAILED', nothingToOpenWith(target, options, tried));
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
