/** A second process that keeps one core busy while a bench measures ("loaded" figures). */
import { spawn } from 'node:child_process';

export interface CpuLoad {
  stop(): Promise<void>;
}

export function startCpuLoad(): CpuLoad {
  const child = spawn(process.execPath, ['-e', 'for (;;) {}'], { stdio: 'ignore' });
  const gone = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  return {
    stop: async () => {
      child.kill('SIGKILL');
      await gone;
    },
  };
}

/** `npm run bench -- NAME --loaded`: the bench's figures with one core kept busy by another process. */
export function loadRequested(): boolean {
  return process.argv.includes('--loaded');
}
