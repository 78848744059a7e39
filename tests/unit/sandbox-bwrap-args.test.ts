import { describe, expect, it } from 'vitest';
import { buildBwrapArgs, type BwrapPlan } from '../../src/sandbox/bwrap-args.js';

const plan: BwrapPlan = {
  command: `python3 -c "print('hi')" && echo "$HOME" 'x y'`,
  cwd: '/work/wt/sub',
  worktree: '/work/wt',
  tmpDir: '/tmp/mlx-factory-run-abc',
  writableDirs: ['/opt/cache'],
  hidden: [
    { path: '/home/me/.ssh', isDirectory: true },
    { path: '/home/me/.netrc', isDirectory: false },
  ],
};

/** The index of `flag` followed by `values`, or -1. */
function indexOfSequence(args: readonly string[], ...sequence: string[]): number {
  for (let i = 0; i + sequence.length <= args.length; i++) {
    if (sequence.every((value, k) => args[i + k] === value)) return i;
  }
  return -1;
}

describe('buildBwrapArgs', () => {
  const args = buildBwrapArgs(plan);

  it('isolates network, pids, ipc and uts, drops capabilities and dies with its parent', () => {
    for (const flag of ['--unshare-net', '--unshare-pid', '--unshare-ipc', '--unshare-uts', '--die-with-parent']) {
      expect(args).toContain(flag);
    }
    expect(indexOfSequence(args, '--cap-drop', 'ALL')).toBeGreaterThanOrEqual(0);
  });

  it('does not start a new session (that would take the command out of our process group)', () => {
    expect(args).not.toContain('--new-session');
  });

  it('mounts the host read-only, then a private /tmp, then the writable dirs on top', () => {
    const root = indexOfSequence(args, '--ro-bind', '/', '/');
    const tmp = indexOfSequence(args, '--tmpfs', '/tmp');
    const worktree = indexOfSequence(args, '--bind', '/work/wt', '/work/wt');
    const tmpDir = indexOfSequence(args, '--bind', plan.tmpDir, plan.tmpDir);
    const extra = indexOfSequence(args, '--bind', '/opt/cache', '/opt/cache');
    expect(root).toBeGreaterThanOrEqual(0);
    expect(indexOfSequence(args, '--dev', '/dev')).toBeGreaterThan(root);
    expect(indexOfSequence(args, '--proc', '/proc')).toBeGreaterThan(root);
    expect(tmp).toBeGreaterThan(root);
    expect(worktree).toBeGreaterThan(tmp);
    expect(tmpDir).toBeGreaterThan(tmp);
    expect(extra).toBeGreaterThan(tmp);
    expect(args.filter((a) => a === '--bind')).toHaveLength(3);
  });

  it('masks secrets after every writable bind: an empty tmpfs over dirs, /dev/null over files', () => {
    const ssh = indexOfSequence(args, '--tmpfs', '/home/me/.ssh');
    const netrc = indexOfSequence(args, '--ro-bind', '/dev/null', '/home/me/.netrc');
    const lastBind = args.lastIndexOf('--bind');
    expect(ssh).toBeGreaterThan(lastBind);
    expect(netrc).toBeGreaterThan(lastBind);
  });

  it('ends with chdir and the command as one argv element for /bin/sh -c', () => {
    expect(args.slice(-5)).toEqual(['--chdir', '/work/wt/sub', '/bin/sh', '-c', plan.command]);
  });
});
