import { loadConfig } from '../config/load-config.js';
import { FactoryError } from '../errors/factory-error.js';
import type { AppPaths } from '../home/app-home.js';
import { reopenSessionWorktree } from './reopen-worktree.js';
import { continueLoggedSession } from './run-session.js';
import { SessionLog } from './session-log.js';
import { sessionFiles } from './session-meta.js';
import { checkpointSession, loadSession } from './session-store.js';
import type { LaunchDeps, SessionSummary } from './start-session.js';

/**
 * Talking back to a session that is not running (passed, failed, stopped, rolled back, merged): the
 * loop runs again in the same worktree and branch as a new attempt series — `series.started` with the
 * instruction, attempts and the token budget counted afresh under the logged plan's limits, the
 * Coder's task = the original task + the instruction, earlier series summarised in a few lines.
 */
const MAX_INSTRUCTION_CHARS = 20_000;

export interface ReplyOptions {
  /** The model server chosen for this series (logged as `plan.server`; the plan fixes everything else). */
  readonly server?: { readonly url: string | null; readonly model: string | null } | undefined;
  /** The review comments the instruction carries (they show as resolved once this series ends). */
  readonly comments?: readonly string[] | undefined;
}

export async function replySession(
  paths: AppPaths,
  id: string,
  instruction: string,
  deps: LaunchDeps,
  options: ReplyOptions = {},
): Promise<SessionSummary> {
  const text = instruction.trim();
  if (text === '') throw new FactoryError('BAD_USAGE', 'Say what the Coder should do next (the reply is empty).');
  if (text.length > MAX_INSTRUCTION_CHARS)
    throw new FactoryError('BAD_USAGE', `The reply is ${text.length} characters; at most ${MAX_INSTRUCTION_CHARS} fit.`);
  const record = loadSession(paths, id);
  if (record.state === 'running')
    throw new FactoryError('SESSION_RUNNING', `Session ${id} is still running (pid ${String(record.pid)}); reply once it has stopped.`);
  if (record.discard !== null)
    throw new FactoryError(
      'SESSION_DISCARDED',
      `Session ${id} was ${record.state === 'merged' ? 'merged and its worktree and branch removed' : 'discarded'}; it cannot be continued.`,
    );
  const { git, restored, pointer, droppedRef } = await reopenSessionWorktree(record, 'continued');
  const { config } = loadConfig({ repoDir: record.repo, userConfigFile: paths.userConfig });
  const log = SessionLog.open(id, sessionFiles(paths.sessions, id).log);
  deps.onLog?.(log);
  try {
    if (pointer === 'restored') {
      log.append({
        type: 'security.event',
        kind: 'git-pointer-restored',
        message: `${record.worktree}/.git had been changed (by a check?); it was put back before continuing.`,
      });
    }
    const series = record.series + 1;
    const fromStep = record.currentSteps.at(-1) ?? 0;
    log.append({
      type: 'series.started',
      series,
      instruction: text,
      fromStep,
      pid: process.pid,
      worktreeRestored: restored,
      droppedRef,
      ...(options.comments !== undefined ? { comments: [...options.comments] } : {}),
    });
    const server = options.server ?? deps.server;
    if (server !== undefined) log.append({ type: 'plan.server', url: server.url, model: server.model });
    const summary = await continueLoggedSession(
      { record: loadSession(paths, id), config, toolSupportFile: paths.toolSupport },
      { git, restored },
      log,
      deps,
    );
    checkpointSession(paths, id);
    return summary;
  } finally {
    log.close();
  }
}
