import fs from 'node:fs';
import path from 'node:path';
import { z } from 'zod';
import type { Session } from '../api/session-projection.js';
import { sessionStateSchema } from '../api/session-status.js';

/**
 * meta.json beside each session's log: a checkpoint of the projection (src/api/session-projection.ts)
 * at a byte offset of the log, written only by the session store. The log stays the source of truth:
 * a checkpoint whose log was replaced or is shorter is ignored, and the log is read again from 0.
 * Decided by measurement (#15, DESIGN.md): `sessions list` in a new process over 1,000 sessions reads
 * these instead of 1,000 logs. Written atomically (temp file + rename), so a crash never leaves half a file.
 */
export interface ListCache {
  readonly version: 2;
  readonly offset: number;
  /** The log's dev:ino when it was read. */
  readonly identity: string;
  readonly session: Session;
}

// The shape is checked where the store relies on it; the rest is our own writing in the app's home,
// which checks (sandboxed, no writes outside their worktree) cannot reach.
const listCacheSchema = z.object({
  version: z.literal(2),
  offset: z.int().nonnegative(),
  identity: z.string(),
  session: z.looseObject({
    id: z.string(),
    state: sessionStateSchema,
    lastSeq: z.int().nonnegative(),
    createdAt: z.string(),
    pid: z.int().nullable(),
    steps: z.array(z.looseObject({ step: z.int() })),
    currentSteps: z.array(z.int()),
    seriesList: z.array(z.looseObject({ series: z.int() })),
    fold: z.looseObject({ passedHeads: z.array(z.string()) }),
    plan: z.looseObject({ limits: z.looseObject({}) }),
    task: z.looseObject({ name: z.string() }),
  }),
});

/** meta.json as the first versions wrote it: only its pid is still read (logs of that time have none). */
const legacyMetaSchema = z.looseObject({ pid: z.int().nullable() });

const MAX_BYTES = 8 * 1024 * 1024;

export interface SessionFiles {
  readonly dir: string;
  readonly log: string;
  readonly meta: string;
}

export function sessionFiles(sessionsRoot: string, id: string): SessionFiles {
  const dir = path.join(sessionsRoot, id);
  return { dir, log: path.join(dir, 'events.jsonl'), meta: path.join(dir, 'meta.json') };
}

export function writeListCache(file: string, cache: ListCache): void {
  const temp = `${file}.${process.pid}.tmp`;
  try {
    fs.writeFileSync(temp, JSON.stringify(cache));
    fs.renameSync(temp, file);
  } catch {
    // A cache: a full disk or a read-only home costs speed, never a session.
    fs.rmSync(temp, { force: true });
  }
}

export function readListCache(file: string): ListCache | undefined;
export function readListCache(file: string, options: { legacyPidOnly: true }): { legacyPid: number | null } | undefined;
export function readListCache(file: string, options?: { legacyPidOnly: true }): ListCache | { legacyPid: number | null } | undefined {
  let data: unknown;
  try {
    const stat = fs.lstatSync(file);
    if (!stat.isFile() || stat.size > MAX_BYTES) return undefined;
    data = JSON.parse(fs.readFileSync(file, 'utf8'));
  } catch {
    return undefined;
  }
  if (options?.legacyPidOnly === true) {
    const legacy = legacyMetaSchema.safeParse(data);
    return legacy.success ? { legacyPid: legacy.data.pid } : undefined;
  }
  const parsed = listCacheSchema.safeParse(data);
  return parsed.success ? (parsed.data as unknown as ListCache) : undefined;
}
