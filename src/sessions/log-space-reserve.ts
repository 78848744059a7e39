import fs from 'node:fs';
import path from 'node:path';
import { FactoryError } from '../errors/factory-error.js';

/**
 * Space set aside beside a session log, so a full disk cannot stop a session from recording how it
 * ended: when a write fails, this file is deleted and the log's last event and meta.json go into the
 * space it frees. Made lazily (at the first event) and removed when the log is closed.
 */
const RESERVE_BYTES = 64 * 1024;

export class LogSpaceReserve {
  private made = false;

  constructor(readonly file: string) {}

  /** Best effort: on an already full disk there is nothing to set aside, and the log still works. */
  ensure(): void {
    if (this.made) return;
    this.made = true;
    try {
      if (!fs.existsSync(this.file)) fs.writeFileSync(this.file, Buffer.alloc(RESERVE_BYTES));
    } catch {
      fs.rmSync(this.file, { force: true });
    }
  }

  release(): void {
    try {
      fs.rmSync(this.file, { force: true });
    } catch {
      // Nothing more can be done; the write that follows reports the real problem.
    }
  }
}

/**
 * ENOSPC when the volume holding `file` has less free space than one reserve, else null. statfs
 * works on Linux and macOS; where it fails nothing is claimed and the next write tells.
 */
export function diskFullError(file: string): NodeJS.ErrnoException | null {
  let free: number;
  try {
    const stats = fs.statfsSync(path.dirname(file));
    free = stats.bavail * stats.bsize;
  } catch {
    return null;
  }
  if (free >= RESERVE_BYTES) return null;
  return Object.assign(new Error(`only ${free} bytes free on the volume`), { code: 'ENOSPC' });
}

/** The error a failed log write becomes: what happened, to which file, and what to do about it. */
export function logWriteError(sessionId: string, file: string, error: unknown): FactoryError {
  const code = (error as NodeJS.ErrnoException).code;
  if (code === 'ENOSPC' || code === 'EDQUOT') {
    return new FactoryError(
      'DISK_FULL',
      `The disk is full (${code}): cannot write the session log ${file}. Session ${sessionId} stopped; its commits are safe in the repository. ` +
        `Free some space on the volume that holds ${path.dirname(file)}, then run \`mlx-factory sessions resume ${sessionId}\`.`,
      { file, errno: code },
    );
  }
  const reason = error instanceof Error ? error.message : String(error);
  return new FactoryError(
    'LOG_WRITE_FAILED',
    `Cannot write the session log ${file}: ${reason}. Session ${sessionId} stopped; its commits are safe in the repository.`,
    { file, errno: code ?? null },
  );
}
