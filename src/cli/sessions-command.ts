import { cachedShare } from '../api/session-projection.js';
import { attemptsLabel, sessionRow, stateLabel } from '../api/session-row.js';
import fs from 'node:fs';
import { loadConfig } from '../config/load-config.js';
import { FactoryError } from '../errors/factory-error.js';
import { appPaths, type AppPaths } from '../home/app-home.js';
import { runSandboxed } from '../sandbox/index.js';
import { discardSession } from '../sessions/discard-session.js';
import { mergeSession, previewSessionMerge } from '../sessions/merge-session.js';
import { relocateSession } from '../sessions/relocate-session.js';
import { replySession } from '../sessions/reply-session.js';
import { updateFromBase } from '../sessions/update-from-base.js';
import { resumeSession } from '../sessions/resume-session.js';
import type { SessionLog } from '../sessions/session-log.js';
import { sessionChanges } from '../sessions/review-session.js';
import { rollbackSession } from '../sessions/rollback-session.js';
import { loadSession, loadSessionRow, reconcileSessions, type SessionRecord } from '../sessions/session-store.js';
import type { ChangedFile } from '../workspace/git/diff-file-list.js';
import { diffRange } from '../workspace/git/diff-range.js';
import type { CliOutput } from './cli-output.js';
import { connectModelServer } from './connect-model-server.js';
import { exitCodeForOutcome } from './exit-codes.js';
import { parseCliArgs } from './parse-cli-args.js';
import { summaryLine } from './run-command.js';
import { cachedShareText } from './prompt-cache-text.js';
import { listSessions } from './sessions-list-command.js';
import { createTerminalView } from './terminal-view.js';

/**
 * `mlx-factory sessions …`: review and take what sessions did. Every subcommand rebuilds sessions
 * from their logs first (a session whose process died is marked interrupted), and every refusal says
 * what is in the way and changes nothing.
 */
export const SESSIONS_USAGE = `Usage:
  mlx-factory sessions list [--json]
  mlx-factory sessions show ID [--json]
  mlx-factory sessions diff ID [--step N] [--files] [--json]
  mlx-factory sessions merge ID [--squash|--no-squash] [--into BRANCH] [--remove-worktree] [--dry-run] [--json]
  mlx-factory sessions discard ID [--json]
  mlx-factory sessions rollback ID STEP [--json]          (STEP 0 = the base commit)
  mlx-factory sessions resume ID [--server-url URL | --no-server] [-m MODEL] [--json]
  mlx-factory sessions reply ID "MESSAGE" [--server-url URL | --no-server] [-m MODEL] [--json]
                                                          (continue in the same worktree: a new attempt series)
  mlx-factory sessions update ID [--json]                 (merge the base branch into the session branch)
  mlx-factory sessions relocate ID NEW_REPO_FOLDER        (after moving the repository)`;

const OPTIONS = {
  json: { type: 'boolean' },
  step: { type: 'string' },
  files: { type: 'boolean' },
  squash: { type: 'boolean' },
  'no-squash': { type: 'boolean' },
  into: { type: 'string' },
  'remove-worktree': { type: 'boolean' },
  'dry-run': { type: 'boolean' },
  'server-url': { type: 'string' },
  'no-server': { type: 'boolean' },
  model: { type: 'string', short: 'm' },
  help: { type: 'boolean', short: 'h' },
} as const;

export interface SessionsContext {
  readonly output: CliOutput;
  readonly signal: AbortSignal;
  /** The app's home (default: MLX_FACTORY_HOME or the OS's app-data folder). */
  readonly home?: string;
}

export async function sessionsCommand(args: readonly string[], context: SessionsContext): Promise<number> {
  const { values, positionals } = parseCliArgs(args, OPTIONS, SESSIONS_USAGE);
  const [sub, id, extra] = positionals;
  if (values.help === true || sub === 'help') {
    context.output.out(`${SESSIONS_USAGE}\n`);
    return 0;
  }
  const paths = appPaths(context.home);
  const out = context.output;
  const json = values.json === true;
  const print = (data: unknown, text: string): void =>
    out.out(json ? `${JSON.stringify(data)}\n` : text.endsWith('\n') ? text : `${text}\n`);
  if (sub === undefined) throw usage('Say which sessions command to run.');
  if (sub === 'list') return listSessions(paths, out, json);
  const known = ['show', 'diff', 'merge', 'discard', 'rollback', 'resume', 'reply', 'update', 'relocate'];
  if (!known.includes(sub)) throw usage(`Unknown sessions command "${sub}".`);
  if (id === undefined) throw usage(`sessions ${sub} needs a session ID (see \`mlx-factory sessions list\`).`);
  reconcileSessions(paths);
  switch (sub) {
    case 'show': {
      const record = loadSession(paths, id);
      // The projection as every surface reads it, with its row's figures; the fold's book-keeping is not output.
      const { fold: _fold, memory: _memory, ...shown } = record;
      print({ ...shown, ...sessionRow(record) }, formatShow(record));
      return 0;
    }
    case 'diff': {
      const step = values.step === undefined ? undefined : parseStep(values.step, '--step');
      const changes = await sessionChanges(paths, id, { step });
      if (json) {
        print(changes, '');
        return 0;
      }
      const record = loadSession(paths, id);
      let text = `${step === undefined ? `Session ${id} against its base ${changes.base.slice(0, 8)}` : `Step ${step} of session ${id}`} (${changes.files.length} file(s)):\n`;
      text += formatFiles(changes.files);
      if (values.files !== true && changes.files.length > 0) text += `\n${await diffRange(record.repo, changes.base, changes.head)}`;
      print(changes, text);
      return 0;
    }
    case 'merge': {
      if (values.squash === true && values['no-squash'] === true) throw usage('--squash and --no-squash cannot be used together.');
      const unchecked = loadSession(paths, id).rolledBackTo;
      if (unchecked !== null) out.err(`warning: ${rolledBackWarning(id, unchecked)}\n`);
      if (values['dry-run'] === true) {
        const preview = await previewSessionMerge(paths, id, { into: values.into });
        const text = `${preview.message}\n${preview.files.length > 0 ? formatFiles(preview.files) : ''}`;
        print(preview, text);
        return preview.canMerge ? 0 : 1;
      }
      const result = await mergeSession(paths, id, {
        into: values.into,
        squash: values['no-squash'] !== true,
        removeWorktree: values['remove-worktree'] === true,
      });
      print(
        result,
        `${result.message}${result.worktreeRemoved ? '\nThe session worktree was removed; its branch is kept until you discard the session.' : ''}`,
      );
      return 0;
    }
    case 'discard': {
      const result = await discardSession(paths, id);
      const kept = [result.archiveRef, result.wipRef].filter((r) => r !== null).join(' and ');
      print(
        result,
        `Discarded session ${id}: ${result.worktreeRemoved ? 'worktree removed' : 'worktree was already gone'}, ${result.branchDeleted ? 'branch deleted' : 'branch was already gone'}.${kept ? ` Its work is kept under ${kept}.` : ''}`,
      );
      return 0;
    }
    case 'rollback': {
      if (extra === undefined) throw usage('sessions rollback needs a STEP (0 = the base commit; `sessions show ID` lists the steps).');
      const result = await rollbackSession(paths, id, parseStep(extra, 'STEP'));
      const text =
        result.droppedCommits === 0 && result.keptRef === null
          ? `Session ${id} is already at step ${result.toStep}.`
          : `Session ${id} is back at step ${result.toStep} (${result.headCommit.slice(0, 8)}); ${result.droppedCommits} commit(s) left the branch and are kept under ${result.keptRef ?? ''}.` +
            (result.wipRef ? ` Uncommitted work in the worktree is kept under ${result.wipRef}.` : '') +
            (result.worktreeMoved ? '' : ' (The worktree folder was gone; only the branch moved.)');
      print(result, text);
      return 0;
    }
    case 'resume':
      return continueSession(paths, id, values, context, null);
    case 'reply':
      if (extra === undefined || extra.trim() === '') throw usage('sessions reply needs the MESSAGE for the Coder (in quotes).');
      return continueSession(paths, id, values, context, extra);
    case 'update': {
      const result = await updateFromBase(paths, id);
      print(result, result.message);
      return 0;
    }
    case 'relocate': {
      if (extra === undefined) throw usage("sessions relocate needs the repository's new folder.");
      const result = await relocateSession(paths, id, extra);
      print(result, `Session ${id} now belongs to ${result.to} (was ${result.from}).`);
      return 0;
    }
    default:
      throw usage(`Unknown sessions command "${sub}".`);
  }
}

/** `resume` (message null) and `reply`: the server chosen anew, the rest from the session's logged plan. */
async function continueSession(
  paths: AppPaths,
  id: string,
  values: { 'server-url'?: string | undefined; 'no-server'?: boolean | undefined; model?: string | undefined; json?: boolean | undefined },
  context: SessionsContext,
  message: string | null,
): Promise<number> {
  const record = loadSession(paths, id);
  const { config } = loadConfig({ repoDir: fs.existsSync(record.repo) ? record.repo : undefined, userConfigFile: paths.userConfig });
  const server = await connectModelServer(values, { config, home: paths.home, cwd: process.cwd(), output: context.output });
  const json = values.json === true;
  const view = json ? (event: unknown) => context.output.out(`${JSON.stringify(event)}\n`) : createTerminalView(context.output);
  try {
    const deps = {
      model: server.chatModel(record.plan.limits.llmTimeoutMs),
      runCheck: runSandboxed,
      signal: context.signal,
      onLog: (log: SessionLog) => log.subscribe(view),
    };
    const summary =
      message === null
        ? await resumeSession(paths, id, deps)
        : await replySession(paths, id, message, deps, { server: { url: server.status().url, model: server.status().model } });
    if (json) context.output.out(`${JSON.stringify(summaryLine(summary, loadSessionRow(paths, id)))}\n`);
    return exitCodeForOutcome(summary.status);
  } finally {
    await server.stop();
  }
}

/** A rollback leaves the branch at a step no check has passed on as it is now. */
export function rolledBackWarning(id: string, step: number): string {
  return `session ${id} was rolled back to step ${step} and not checked since: the code being merged is not what the check passed. \`mlx-factory sessions reply ${id} "…"\` runs the check again.`;
}

function usage(message: string): FactoryError {
  return new FactoryError('BAD_USAGE', `${message}\n\n${SESSIONS_USAGE}`);
}

function parseStep(text: string, what: string): number {
  const n = Number(text);
  if (!/^\d+$/.test(text) || !Number.isSafeInteger(n)) throw usage(`${what} must be a step number (0 = the base commit), got "${text}".`);
  return n;
}

function formatShow(r: SessionRecord): string {
  const lines = [
    `Session ${r.id} — ${r.task.name}`,
    `  state     ${stateLabel(r).label.toLowerCase()}${r.reason ? ` — ${r.reason}` : ''}`,
    `  repo      ${r.repo}${fs.existsSync(r.repo) ? '' : '  (missing: moved or deleted?)'}`,
    `  branch    ${r.branch}${r.state === 'discarded' ? ' (deleted)' : ''}`,
    `  base      ${r.baseBranch ?? '(detached HEAD)'} @ ${r.baseCommit.slice(0, 8)}`,
    `  head      ${r.headCommit.slice(0, 8)}`,
    `  worktree  ${r.worktree}${fs.existsSync(r.worktree) ? '' : '  (folder missing)'}`,
    `  check     ${r.task.check}`,
    `  attempts  ${attemptsLabel(sessionRow(r))}, tokens ${r.totalTokens.prompt}+${r.totalTokens.completion}`,
    `  cache     ${cachedShareText(cachedShare(r.promptCache))}`,
    '',
    '  steps (0 = the base):',
    ...(r.steps.length === 0
      ? ['    (no commits yet)']
      : r.steps.map(
          (s) =>
            `    ${String(s.step).padStart(3)}  ${s.series > 1 ? `series ${s.series} ` : ''}attempt ${s.attempt}  ${s.sha.slice(0, 8)}  ${s.files.join(', ')}${r.currentSteps.includes(s.step) ? '' : '  (dropped by a rollback)'}`,
        )),
  ];
  for (const m of r.merges)
    lines.push(
      `  merged into ${m.target} (${m.squash ? 'squash' : 'merge commit'}) → ${m.targetAfter.slice(0, 8)}, ${m.files.length} file(s)`,
    );
  for (const b of r.rollbacks)
    lines.push(
      b.restore
        ? `  restored step ${b.toStep}; where the branch was is kept under ${b.archiveRef}`
        : `  rolled back to step ${b.toStep}; ${b.stepsMoved} step(s) left the branch, kept under ${b.archiveRef}`,
    );
  if (r.rolledBackTo !== null) lines.push(`  NOT CHECKED: rolled back to step ${r.rolledBackTo}; no check has passed on it as it is`);
  if (r.discard) lines.push(`  ${r.cleanedUp ? 'cleaned up after the merge' : 'discarded'}; archive ${r.discard.archiveRef ?? '(none)'}`);
  if (r.uncommittedNotIncluded.length > 0)
    lines.push(`  not in this session (uncommitted in the repo when it started): ${r.uncommittedNotIncluded.join(', ')}`);
  for (const w of r.warnings) lines.push(`  warning: ${w}`);
  if (r.promptCut !== null) lines.push(`  warning: ${r.promptCut.message}`);
  if (r.partialTail) lines.push('  note: the log ended in a half-written line (the process died mid-write); it was ignored.');
  return lines.join('\n');
}

const LETTER: Readonly<Record<ChangedFile['status'], string>> = {
  added: 'A',
  modified: 'M',
  deleted: 'D',
  renamed: 'R',
  copied: 'C',
  'type-changed': 'T',
  unmerged: 'U',
};

function formatFiles(
  files: ReadonlyArray<Pick<ChangedFile, 'status' | 'path' | 'oldPath' | 'binary' | 'additions' | 'deletions'>>,
): string {
  return files
    .map((f) => {
      const counts = f.binary === true ? 'binary' : f.additions === null ? '' : `+${f.additions} -${f.deletions ?? 0}`;
      return `  ${LETTER[f.status]}  ${f.oldPath !== null ? `${f.oldPath} → ` : ''}${f.path}${counts ? `  (${counts})` : ''}`;
    })
    .join('\n')
    .concat(files.length > 0 ? '\n' : '');
}
