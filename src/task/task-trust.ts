import fs from 'node:fs';
import path from 'node:path';
import { isTrusted } from '../config/project-trust.js';
import type { TaskFile } from './task-schema.js';

/**
 * A task file inside a repository is the repository's content, as hostile as its factory.yaml
 * (#19): until the user trusts its current content (`mlx-factory trust TASK.yaml`), its limits may
 * only tighten the user's own — `max_attempts` and `timeout` at or below the user's effective
 * `agent.max_attempts` / `agent.execution_timeout`; a higher one is ignored with a notice. A task
 * file outside any repository is one the user wrote and named on purpose. The command line's own
 * flags (-n, --timeout) are the user's and are never filtered.
 */
export interface TaskTrustInput {
  readonly file: string;
  readonly task: TaskFile;
  /** The trust store (beside the user's factory.yaml). */
  readonly trustFile: string;
  /** The user's effective limits (their home file over the defaults, before any project layer). */
  readonly own: { readonly maxAttempts: number; readonly executionTimeoutSec: number };
}

export interface TrustedTask {
  readonly task: TaskFile;
  /** One sentence when keys were ignored, else null. */
  readonly notice: string | null;
}

/** The nearest folder at or above `file` holding a `.git` entry (a repository or worktree), if any. */
function repositoryHolding(file: string): string | null {
  let dir = path.dirname(path.resolve(file));
  for (;;) {
    if (fs.existsSync(path.join(dir, '.git'))) return dir;
    const parent = path.dirname(dir);
    if (parent === dir) return null;
    dir = parent;
  }
}

export function applyTaskTrust(input: TaskTrustInput): TrustedTask {
  const { task, own } = input;
  if (repositoryHolding(input.file) === null) return { task, notice: null };
  if (isTrusted(input.trustFile, input.file, fs.readFileSync(input.file))) return { task, notice: null };
  const ignored: string[] = [];
  const kept: { -readonly [K in keyof TaskFile]: TaskFile[K] } = { ...task };
  if (task.max_attempts !== undefined && task.max_attempts > own.maxAttempts) {
    delete kept.max_attempts;
    ignored.push(`max_attempts: ${task.max_attempts}`);
  }
  if (task.timeout !== undefined && task.timeout > own.executionTimeoutSec) {
    delete kept.timeout;
    ignored.push(`timeout: ${task.timeout}`);
  }
  if (ignored.length === 0) return { task, notice: null };
  return {
    task: kept,
    notice: `${input.file} is not trusted, so ${ignored.join(', ')} ${ignored.length === 1 ? 'was' : 'were'} ignored (a repository's task file may only tighten your limits); trust its current content with \`mlx-factory trust ${input.file}\`.`,
  };
}
