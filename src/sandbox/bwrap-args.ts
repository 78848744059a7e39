/**
 * Linux: the bubblewrap command line for one sandboxed run. Pure; every path must already be
 * absolute and resolved (bwrap mounts follow symlinks, and the worktree is bound at its real path
 * so that paths in the command's output mean the same thing outside).
 *
 * What the command sees:
 * - the host file system read-only (`--ro-bind / /`), so toolchains anywhere keep working;
 * - writable: the worktree, the run's private temp dir (its TMPDIR) and `writableDirs`;
 * - `/tmp` a fresh, empty, writable tmpfs, thrown away at exit: scripts that hard-code /tmp work,
 *   nothing reaches the host's /tmp, and other runs' files and sockets there are invisible;
 * - `/dev` minimal, `/proc` of its own PID namespace;
 * - known credential paths masked (see secret-paths.ts), and the app's own logs and other sessions'
 *   worktrees emptied;
 * - no network: a new network namespace holds only a loopback interface that is down;
 * - no Unix-domain sockets (which reach host daemons through the file system) when a seccomp
 *   program is given (see seccomp-filter.ts).
 */
import type { SecretPath } from './secret-paths.js';

export interface ReadOnlyView {
  /** The user's folder (e.g. their checkout's node_modules). */
  readonly source: string;
  /** Where the command sees it (the same relative path inside the worktree). */
  readonly target: string;
}

export interface BwrapPlan {
  /** Shell command, run as `/bin/sh -c command`. */
  command: string;
  /** Working directory inside the sandbox (normally the worktree). */
  cwd: string;
  worktree: string;
  tmpDir: string;
  writableDirs: readonly string[];
  /**
   * The user's dependency folders (#22, "use mine") bound read-only at a path inside the worktree
   * (source and target resolved; the target folder must exist — an empty mount point).
   */
  readOnlyViews?: readonly ReadOnlyView[];
  /** Paths inside the writable dirs bound read-only on top of them (they must exist). */
  readOnlyPaths?: readonly string[];
  /** Keep the host's network (trusted workspace.setup only). */
  network?: boolean;
  hidden: readonly SecretPath[];
  /**
   * Directories whose content the command has no business reading (the app's session logs, server
   * logs and other sessions' worktrees), emptied before the worktree is bound, so a worktree inside
   * one stays visible (absolute, resolved, existing).
   */
  privateDirs?: readonly string[];
  /** A file descriptor bwrap reads a seccomp program from (the launcher opens it). */
  seccompFd?: number;
}

export function buildBwrapArgs(plan: BwrapPlan): string[] {
  const args: string[] = [
    // If bwrap itself dies (group SIGKILL), the kernel SIGKILLs the sandboxed child too.
    '--die-with-parent',
    ...(plan.network === true ? [] : ['--unshare-net']),
    // Own PID namespace: when its init dies every process in it dies, even one that called
    // setsid() to leave our process group.
    '--unshare-pid',
    '--unshare-ipc',
    '--unshare-uts',
    // Needed when bwrap runs as root (it does in containers/CI): root keeps its capabilities by
    // default and could `mount -o remount,rw /` inside the sandbox, which writes to the host.
    '--cap-drop',
    'ALL',
    // No `--new-session`: it guards against TIOCSTI injection into a controlling terminal, and
    // we have none (Node's detached spawn already called setsid()). It would also move the
    // command into a session and group of its own, out of reach of our group kill.
    '--ro-bind',
    '/',
    '/',
    '--dev',
    '/dev',
    '--proc',
    '/proc',
    '--tmpfs',
    '/tmp',
  ];
  for (const dir of plan.privateDirs ?? []) args.push('--tmpfs', dir);
  // After the /tmp tmpfs and the private dirs, so a worktree or temp dir under them is bound on top.
  for (const dir of [plan.worktree, plan.tmpDir, ...plan.writableDirs]) args.push('--bind', dir, dir);
  // Read-only again (the worktree bound inside stays writable: a remount is not recursive), so a write
  // beside the worktree fails as everywhere else instead of landing in a throwaway folder.
  for (const dir of plan.privateDirs ?? []) args.push('--remount-ro', dir);
  // After the worktree's bind, so the view sits on top of its (empty) mount point; read-only, so a
  // check cannot write through it into the user's checkout.
  for (const view of plan.readOnlyViews ?? []) args.push('--ro-bind', view.source, view.target);
  // The worktree's .git pointer: a check that rewrote it would steer our next git command.
  for (const file of plan.readOnlyPaths ?? []) args.push('--ro-bind', file, file);
  // Last, so a secret inside a writable dir stays masked.
  for (const secret of plan.hidden) {
    if (secret.isDirectory) args.push('--tmpfs', secret.path);
    else args.push('--ro-bind', '/dev/null', secret.path);
  }
  if (plan.seccompFd !== undefined) args.push('--seccomp', String(plan.seccompFd));
  args.push('--chdir', plan.cwd, '/bin/sh', '-c', plan.command);
  return args;
}
