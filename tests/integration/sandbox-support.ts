// Helpers for the sandbox integration tests: temp worktrees, survivor checks through ps(1)
// (independent of the code under test), and the "this machine must have a sandbox" gate.
import { execFileSync } from 'node:child_process';
import { mkdtempSync, realpathSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { detectSandbox, type SandboxKind } from '../../src/sandbox/index.js';

/** A fresh directory standing in for a worktree, resolved (macOS /var → /private/var). */
export function makeDir(prefix: string, base: string = tmpdir()): string {
  return realpathSync(mkdtempSync(join(base, prefix)));
}

export interface PsEntry {
  pid: number;
  pgid: number;
  state: string;
  args: string;
}

function ps(): PsEntry[] {
  const out = execFileSync('ps', ['-A', '-o', 'pid=,pgid=,stat=,args='], { encoding: 'utf8' });
  return out
    .split('\n')
    .map((line) => /^\s*(\d+)\s+(\d+)\s+(\S+)\s+(.*)$/.exec(line))
    .filter((m): m is RegExpExecArray => m !== null)
    .map((m) => ({ pid: Number(m[1]), pgid: Number(m[2]), state: m[3] ?? '', args: m[4] ?? '' }));
}

/** Running (not zombie) processes in group `pgid` or whose command line contains `marker`. */
export function survivors(pgid: number | null, marker: string): PsEntry[] {
  return ps().filter((p) => !p.state.startsWith('Z') && p.pid !== process.pid && (p.pgid === pgid || p.args.includes(marker)));
}

export const EXPECTED_SANDBOX: SandboxKind = process.platform === 'darwin' ? 'sandbox-exec' : 'bwrap';

/** Fails (never skips) when the OS sandbox the tests need is missing, saying how to get it. */
export async function requireSandbox(): Promise<void> {
  const found = await detectSandbox();
  if (found.kind !== EXPECTED_SANDBOX) {
    throw new Error(
      `The sandbox tests need ${EXPECTED_SANDBOX} but found ${found.kind}: ${found.warning ?? ''}\n` +
        'On Linux: `apt-get install -y bubblewrap` (as root), or run `npm test`, which installs the test dependencies.',
    );
  }
}

/** A marker unlikely to appear anywhere else in the process list. */
export function uniqueMarker(): string {
  return `${1000 + Math.floor(Math.random() * 9000)}.${process.pid}${Date.now() % 100000}`;
}
