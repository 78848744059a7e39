import { execFile } from 'node:child_process';
import fs from 'node:fs';

/**
 * Facts about a process we did not necessarily start (an orphan from a killed app, a server another
 * supervisor runs). Linux reads /proc; macOS asks ps(1), since it has no /proc.
 */

/** The argv of a process, or null when it is gone or unreadable. */
export async function commandLineOf(pid: number): Promise<string[] | null> {
  if (process.platform === 'linux') {
    try {
      const raw = fs.readFileSync(`/proc/${pid}/cmdline`, 'utf8');
      const args = raw.split('\0');
      if (args.at(-1) === '') args.pop();
      return args.length > 0 ? args : null;
    } catch {
      return null;
    }
  }
  // macOS/BSD: ps prints the command line joined by spaces; good enough to look for our flags.
  return new Promise((resolve) => {
    execFile('ps', ['-o', 'command=', '-p', String(pid)], { timeout: 5000 }, (error, stdout) => {
      const line = String(stdout).trim();
      resolve(error !== null || line === '' ? null : line.split(/\s+/));
    });
  });
}

/**
 * Does the process still run the command we recorded? Guards against killing an unrelated process
 * that got the pid after ours died: it must carry the same --port and the recorded program's name.
 */
export function looksLikeRecordedServer(actual: readonly string[], recorded: readonly string[], port: number): boolean {
  const joined = actual.join(' ');
  const portFlag = new RegExp(`--port(?:=|\\s+)${port}(?:\\s|$)`);
  if (!portFlag.test(joined)) return false;
  // The module or script that serves (mlx_lm, or a stand-in's script path) must be there too.
  const marker = recorded.find((arg) => /mlx_lm|server\.(?:ts|js|py)$/.test(arg));
  return marker === undefined || joined.includes(marker);
}
