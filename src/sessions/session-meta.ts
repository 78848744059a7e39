import fs from 'node:fs';
import path from 'node:path';
import { z } from 'zod';
import { sessionRowSchema, type SessionRow } from '../api/session-row.js';

/**
 * meta.json beside each session's log: its list row (src/api/session-row.ts) as the projection gave
 * it at a byte offset of the log, written only by the session store. The log stays the source of
 * truth: a cache whose log was replaced or has grown is ignored, and the log is read again.
 * Decided by measurement (#15, DESIGN.md): `sessions list` in a new process over 1,000 sessions reads
 * these small rows instead of 1,000 logs (or whole projections). Written atomically (temp file +
 * rename), so a crash never leaves half a file. The version changes when the row gains fields (4: the
 * environment and the preflight, #22), so older caches are folded again once.
 */
export interface ListCache {
  readonly version: 4;
  readonly offset: number;
  /** The log's dev:ino when it was read. */
  readonly identity: string;
  readonly row: SessionRow;
}

const listCacheSchema = z.object({
  version: z.literal(4),
  offset: z.int().nonnegative(),
  identity: z.string(),
  row: sessionRowSchema,
});

/** meta.json as the first versions wrote it: only its pid is still read (logs of that time have none). */
const legacyMetaSchema = z.looseObject({ pid: z.int().nullable() });

const MAX_BYTES = 1024 * 1024;

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
  return parsed.success ? parsed.data : undefined;
}
