import { z } from 'zod';

/**
 * A task file: the seed's fields (name, description, constraints, max_attempts, timeout) plus `check`
 * (the command whose exit code decides) and `files` (paths the Coder should see from the start).
 */
export const taskFileSchema = z.strictObject({
  name: z.string().min(1).optional(),
  description: z.string().trim().min(1),
  constraints: z.union([z.string(), z.array(z.string())]).optional(),
  max_attempts: z.int().positive().optional(),
  /** Seconds for each check run (the seed's name for execution_timeout). */
  timeout: z.number().positive().optional(),
  check: z.string().trim().min(1).optional(),
  files: z.array(z.string().min(1)).optional(),
});

export type TaskFile = z.infer<typeof taskFileSchema>;

/** The task as the orchestrator sees it, whatever it came from (CLI text, task file, UI). */
export interface TaskSpec {
  readonly name: string;
  readonly description: string;
  readonly constraints: readonly string[];
  readonly check: string | null;
  readonly files: readonly string[];
}
