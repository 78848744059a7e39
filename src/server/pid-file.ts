import fs from 'node:fs';
import path from 'node:path';
import { z } from 'zod';

/**
 * <home>/server/server.json: which server process we launched, on which port, with which model,
 * and which supervisor process owns it. It outlives an app killed with SIGKILL, so the next start
 * can adopt the server (if it answers) or kill it (if it is ours and hung) instead of orphaning it.
 */
const pidFileSchema = z.object({
  pid: z.int().positive(),
  /** The process group (the server leads its own; the whole group is signalled on stop). */
  pgid: z.int().positive(),
  host: z.string(),
  port: z.int().min(1).max(65535),
  /** The --model string the server was started with (what requests must send, if anything). */
  model: z.string(),
  /** The launch command line, to recognise the process before killing it. */
  command: z.array(z.string()),
  startedAt: z.string(),
  /** The process that supervises it; when it is alive, it (not us) decides about restarts and stop. */
  supervisorPid: z.int().positive(),
  state: z.enum(['starting', 'ready']),
});
export type PidFileRecord = z.infer<typeof pidFileSchema>;

export function readPidFile(file: string): PidFileRecord | null {
  let text: string;
  try {
    text = fs.readFileSync(file, 'utf8');
  } catch {
    return null;
  }
  try {
    const parsed = pidFileSchema.safeParse(JSON.parse(text));
    return parsed.success ? parsed.data : null;
  } catch {
    return null; // half-written by a process killed mid-write: treat as absent
  }
}

/** Write to a temp file and rename, so a reader never sees half a record. */
export function writePidFile(file: string, record: PidFileRecord): void {
  fs.mkdirSync(path.dirname(file), { recursive: true });
  const tmp = `${file}.${process.pid}.tmp`;
  fs.writeFileSync(tmp, `${JSON.stringify(record, null, 2)}\n`);
  fs.renameSync(tmp, file);
}

/** Removes the file only if it still describes `pid` (another supervisor may have replaced it). */
export function removePidFile(file: string, pid?: number): void {
  if (pid !== undefined) {
    const current = readPidFile(file);
    if (current !== null && current.pid !== pid) return;
  }
  fs.rmSync(file, { force: true });
}
