import fs from 'node:fs';
import os from 'node:os';

/** The log file's size now, to read what a measured stretch appended. */
export function fileSize(file: string): number {
  return fs.statSync(file, { throwIfNoEntry: false })?.size ?? 0;
}

export function readFrom(file: string, offset: number): string {
  const fd = fs.openSync(file, 'r');
  try {
    const size = fs.fstatSync(fd).size;
    const buffer = Buffer.alloc(Math.max(0, size - offset));
    fs.readSync(fd, buffer, 0, buffer.length, offset);
    return buffer.toString('utf8');
  } finally {
    fs.closeSync(fd);
  }
}

/**
 * mlx_lm.server logs "Prompt processing progress: n/total" per prompt per prefill step; prompts
 * prefilled together in one batch step log within the same millisecond, one after another. More
 * than one there means turns ran on the server at once.
 */
export function maxPrefillsInOneStep(log: string): number {
  let best = 0;
  let run = 0;
  let last = '';
  for (const line of log.split('\n')) {
    const match = /^(\S+ \S+) - INFO - Prompt processing progress:/.exec(line);
    if (match === null) continue;
    const stamp = match[1] ?? '';
    run = stamp === last ? run + 1 : 1;
    last = stamp;
    best = Math.max(best, run);
  }
  return best;
}

/** "load 3.2" — the 1-minute load average, printed beside each figure (the machine is shared). */
export function load(): string {
  return `load ${(os.loadavg()[0] ?? 0).toFixed(1)}`;
}
