import { z } from 'zod';

/**
 * The MLX runtime (the Python venv that runs mlx_lm.server and the model downloads) as the app
 * shows it, and the progress of installing it from the app — the same steps `mlx-factory doctor
 * --install` runs (src/server/runtime/install-runtime.ts), sent as `runtime.install` events on the
 * global stream so the Doctor, the Models view and the Server view draw one progress.
 */
const installPhaseSchema = z.enum([
  /** Looking for a Python 3.11+ to make the venv from. */
  'base',
  /** Making (or repairing) the venv in the app's home. */
  'venv',
  /** pip installing the tested mlx + mlx-lm set. */
  'pip',
  /** Importing mlx and computing once. */
  'verify',
  'done',
  'failed',
  'cancelled',
]);
export type InstallPhase = z.infer<typeof installPhaseSchema>;

/** One file pip downloads, as its progress bar says (pip knows no total across files). */
const pipDownloadSchema = z.object({
  file: z.string(),
  doneBytes: z.number().nonnegative(),
  totalBytes: z.number().nonnegative(),
  bytesPerSecond: z.number().nonnegative().nullable(),
});
export type PipDownload = z.infer<typeof pipDownloadSchema>;

export const runtimeInstallPayloadSchema = z.object({
  type: z.literal('runtime.install'),
  phase: installPhaseSchema,
  /** The latest line the install printed (pip's own words), ANSI removed. */
  line: z.string(),
  /** `line` is a redraw of pip's bar: it replaces the line before it. */
  redraw: z.boolean(),
  /** The file pip is downloading now, when it says. */
  download: pipDownloadSchema.nullable(),
  /** Files pip has downloaded or found cached so far. */
  packagesDone: z.int().nonnegative(),
  /** On `failed` (and `cancelled`): what happened and what to do, in plain sentences (may hold `code`). */
  message: z.string().nullable(),
  /** On `done`: the venv's python. */
  python: z.string().nullable(),
});
export type RuntimeInstallPayload = z.infer<typeof runtimeInstallPayloadSchema>;

/** What `runtime.status` answers: is there a Python with mlx-lm, and can the app install one? */
export const runtimeStatusSchema = z.object({
  state: z.enum(['ready', 'missing', 'installing']),
  /** The python that runs the server, when ready. */
  python: z.string().nullable(),
  /** One sentence: what was found ("Python 3.11.7, mlx 0.32.4, mlx-lm 0.32.2") or why it is missing. */
  detail: z.string(),
  /** The app can install it here (false on an Intel Mac or Windows: mlx does not run there). */
  installable: z.boolean(),
  /** The latest install since the host started (running or ended), or null. */
  install: runtimeInstallPayloadSchema.nullable(),
});
export type RuntimeStatus = z.infer<typeof runtimeStatusSchema>;
