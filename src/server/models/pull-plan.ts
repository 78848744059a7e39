import { z } from 'zod';
import { formatBytes } from '../../api/format-bytes.js';
import { COMMIT_ID_PATTERN, isPlainRepoPath } from './hub-path.js';

/**
 * What the Python bridge says (hub-bridge-script.ts), validated line by line. The plan carries the
 * endpoint's answers unconverted, so this schema is where a hostile one is stopped: every field
 * that becomes a path (commit, file path, blob id) is vetted before the bridge may write a byte.
 */
const plannedFileSchema = z.object({
  path: z.string().refine(isPlainRepoPath, { message: 'not a plain relative path' }),
  size: z.number().int().nonnegative().max(Number.MAX_SAFE_INTEGER),
  blobId: z.string().regex(COMMIT_ID_PATTERN, { message: 'not 40 lowercase hexadecimal characters' }),
  lfsSha256: z
    .string()
    .regex(/^[0-9a-f]{64}$/, { message: 'not 64 lowercase hexadecimal characters' })
    .nullable(),
});
export type PlannedFile = z.infer<typeof plannedFileSchema>;

const bridgeMessageSchema = z.discriminatedUnion('type', [
  z.object({
    type: z.literal('plan'),
    commit: z.string().regex(COMMIT_ID_PATTERN, { message: 'not 40 lowercase hexadecimal characters' }),
    gated: z.boolean(),
    hasToken: z.boolean(),
    endpoint: z.string(),
    cacheDir: z.string(),
    files: z.array(plannedFileSchema),
  }),
  z.object({ type: z.literal('done'), snapshot: z.string() }),
  z.object({
    type: z.literal('error'),
    kind: z.enum(['gated', 'not-found', 'revision-not-found', 'network', 'no-space', 'refused', 'other']),
    message: z.string(),
  }),
]);
export type BridgeMessage = z.infer<typeof bridgeMessageSchema>;
export type PullPlan = Extract<BridgeMessage, { type: 'plan' }>;

/** One stdout line of the bridge: a message, a line that is not ours (null), or one that fails the schema. */
export type BridgeLine = { readonly ok: true; readonly message: BridgeMessage } | { readonly ok: false; readonly problem: string } | null;

export function parseBridgeLine(line: string): BridgeLine {
  if (!line.startsWith('{')) return null;
  let raw: unknown;
  try {
    raw = JSON.parse(line);
  } catch {
    return null; // a stray line from a library: not ours
  }
  const parsed = bridgeMessageSchema.safeParse(raw);
  if (parsed.success) return { ok: true, message: parsed.data };
  const issue = parsed.error.issues[0];
  return { ok: false, problem: issue === undefined ? 'an invalid line' : describeIssue(raw, issue.path, issue.message) };
}

/** "the entry for "x.bin" (lfsSha256: not 64 lowercase …)" rather than zod's numeric path. */
function describeIssue(raw: unknown, where: readonly PropertyKey[], message: string): string {
  const [first, index, field] = where;
  if (first === 'files' && typeof index === 'number') {
    const entry = (raw as { files?: Array<{ path?: unknown }> }).files?.[index];
    const name = typeof entry?.path === 'string' ? JSON.stringify(entry.path.slice(0, 200)) : `#${index + 1}`;
    return `the file entry ${name} (${String(field ?? 'entry')}: ${message.toLowerCase()})`;
  }
  return `${where.map(String).join('.') || 'the line'} (${message.toLowerCase()})`;
}

/**
 * The blob name huggingface_hub stores a file under: the ETag the Hub sends, which is the LFS
 * object's sha256 for LFS files and the git blob id otherwise.
 */
export function blobName(file: PlannedFile): string {
  return file.lfsSha256 ?? file.blobId;
}

export function planTotalBytes(files: readonly PlannedFile[]): number {
  return files.reduce((sum, f) => sum + f.size, 0);
}

/** Space kept free beyond the download itself: the OS, logs, and a margin for the cache's own files. */
const FREE_SPACE_MARGIN_BYTES = 256 * 1024 ** 2;

export interface SpaceVerdict {
  readonly ok: boolean;
  /** Bytes still to fetch (total minus what is already on disk). */
  readonly needBytes: number;
  readonly availableBytes: number;
  readonly message: string;
}

/** Refuse before downloading anything when what is left to fetch cannot fit. Pure. */
export function checkFreeSpace(input: {
  model: string;
  totalBytes: number;
  presentBytes: number;
  availableBytes: number;
  cacheDir: string;
}): SpaceVerdict {
  const needBytes = Math.max(0, input.totalBytes - input.presentBytes);
  const ok = needBytes === 0 || needBytes + FREE_SPACE_MARGIN_BYTES <= input.availableBytes;
  const message = ok
    ? `${formatBytes(needBytes)} to download, ${formatBytes(input.availableBytes)} free.`
    : `Not enough disk space for ${input.model}: it needs ${formatBytes(needBytes)} more (plus ${formatBytes(FREE_SPACE_MARGIN_BYTES)} to spare) but only ${formatBytes(input.availableBytes)} is free where the Hugging Face cache lives (${input.cacheDir}). Free some space, or set HF_HUB_CACHE to a folder on a bigger disk, then pull again. Nothing was downloaded.`;
  return { ok, needBytes, availableBytes: input.availableBytes, message };
}
