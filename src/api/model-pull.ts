import { z } from 'zod';

/**
 * A model download's progress, as `mlx-factory models pull` prints it and the Models view draws
 * it (event `model.pull` on the global stream). Bytes count what is on disk for the files of the
 * snapshot, so a resumed download starts where the last one stopped.
 */
const pullPhaseSchema = z.enum([
  /** Asking the Hub for the file list and sizes; checking free space. */
  'planning',
  'downloading',
  /** Checking sizes and the sha256 of the LFS files. */
  'verifying',
  'done',
  'failed',
  'cancelled',
]);
export type PullPhase = z.infer<typeof pullPhaseSchema>;

/** `refused`: the Hub (or a mirror) answered something that would steer a write outside the plan. */
const pullErrorCodeSchema = z.enum(['gated', 'not-found', 'no-space', 'corrupt', 'network', 'refused', 'runtime-missing', 'busy', 'other']);
export type PullErrorCode = z.infer<typeof pullErrorCodeSchema>;

export const modelPullPayloadSchema = z.object({
  type: z.literal('model.pull'),
  model: z.string(),
  phase: pullPhaseSchema,
  /** Sum of the snapshot's file sizes (0 while planning). */
  totalBytes: z.number().nonnegative(),
  /** What is on disk of them now (complete files plus partial downloads). */
  doneBytes: z.number().nonnegative(),
  /** Over the last few seconds; null before there is a measurement. */
  bytesPerSecond: z.number().nonnegative().nullable(),
  etaSeconds: z.number().nonnegative().nullable(),
  filesTotal: z.int().nonnegative(),
  filesDone: z.int().nonnegative(),
  /** On `failed`: one plain sentence with what to do. */
  message: z.string().nullable(),
  errorCode: pullErrorCodeSchema.nullable(),
});
export type ModelPullPayload = z.infer<typeof modelPullPayloadSchema>;
