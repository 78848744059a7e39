import { z } from 'zod';
import { formatBytes } from '../../api/format-bytes.js';

/** What the Python bridge says (hub-bridge-script.ts), validated line by line. */
const plannedFileSchema = z.object({
  path: z.string().min(1),
  size: z.number().int().nonnegative(),
  blobId: z.string().min(1),
  lfsSha256: z
    .string()
    .regex(/^[0-9a-f]{64}$/)
    .nullable(),
});
export type PlannedFile = z.infer<typeof plannedFileSchema>;

export const bridgeMessageSchema = z.discriminatedUnion('type', [
  z.object({
    type: z.literal('plan'),
    commit: z.string().min(1),
    gated: z.boolean(),
    hasToken: z.boolean(),
    endpoint: z.string(),
    cacheDir: z.string(),
    files: z.array(plannedFileSchema),
  }),
  z.object({ type: z.literal('done'), snapshot: z.string() }),
  z.object({
    type: z.literal('error'),
    kind: z.enum(['gated', 'not-found', 'revision-not-found', 'network', 'no-space', 'other']),
    message: z.string(),
  }),
]);
export type BridgeMessage = z.infer<typeof bridgeMessageSchema>;
export type PullPlan = Extract<BridgeMessage, { type: 'plan' }>;

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
