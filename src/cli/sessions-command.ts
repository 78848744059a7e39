import { cachedShare } from '../api/session-projection.js';
import { attemptsLabel, sessionRow, stateLabel } from '../api/session-row.js';
import fs from 'node:fs';
import { loadConfig } from '../config/load-config.js';
import { FactoryError } from '../errors/factory-error.js';
import { appPaths, type AppPaths } from '../home/app-home.js';
import { runSandboxed } from '../sandbox/index.js';
import { discardSession } from '../sessions/discard-session.js';
import { mergeSession, previewSessionMerge } from '../sessions/merge-session.js';
import { sessionConflicts, type ConflictView } from '../sessions/conflict-view.js';
import { createPullRequest, HOOKS_NOTICE, pushSession } from '../sessions/push-session.js';
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
import { openInBrowser } from './open-in-browser.js';
import { parseCliArgs } from './parse-cli-args.js';
import { formatGroupEnd, groupSummaryLine, summaryLine } from './run-command.js';
import { cachedShareText } from './prompt-cache-text.js';
import { listSessions } from './sessions-list-command.js';
import { createMultiSessionView, createTerminalView } from './terminal-view.js';
import { isGroupId } from '../api/group-projection.js';
import { schedulerForServer } from '../server/serving/scheduler-for-server.js';
import { discardGroup, groupWinner, loadGroup, resumeGroup } from '../sessions/session-group.js';

/**
 * `mlx-factory sessions …`: review and take what sessions did. Every subcommand rebuilds sessions
 * from their logs first (a session whose process died is marked interrupted), and every refusal says
 * what is in the way and changes nothing.
 */
export const SESSIONS_USAGE = `Usage:
  mlx-factory sessions list [--json]
  mlx-factory sessions show ID [--json]
  mlx-factory sessions diff ID [--step N] [--files] [--json]
  mlx-factory sessions merge ID|GROUP [--squash|--no-squash] [--into BRANCH] [--remove-worktree] [--dry-run] [--stash] [--json]
                                                          (--stash: put your local changes in the way aside, merge, put them back)
  mlx-factory sessions discard ID|GROUP [--json]
  mlx-factory sessions rollback ID STEP [--json]          (STEP 0 = the base commit)
  mlx-factory sessions resume ID|GROUP [--server-url URL | --no-server] [-m MODEL] [--json]
  mlx-factory sessions reply ID "MESSAGE" [--server-url URL | --no-server] [-m MODEL] [--json]
                                                          (continue in the same worktree: a new attempt series)
  mlx-factory sessions update ID [--json]                 (merge the base branch into the session branch)
  mlx-factory sessions relocate ID NEW_REPO_FOLDER        (after moving the repository)
  mlx-factory sessions conflicts ID [--update] [--json]   (why a merge, or with --update an update from the base, would conflict)
  mlx-factory sessions push ID [--remote NAME] [--json]   (push the session branch; never forced)
  mlx-factory sessions pr ID [--remote NAME] [--draft] [--no-open] [--json]
                                                          (push, then open a pull request: gh, or the host's compare page)
  mlx-factory sessions run ID [--json]                    (the repository's run script, workspace.run, in the session's
                                                          worktree with PORT set; in the foreground: Ctrl-C stops it)`;

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
  remote: { type: 'string' },
  draft: { type: 'boolean' },
  'no-open': { type: 'boolean' },
  update: { type: 'boolean' },
  stash: { type: 'boolean' },
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
  const known = ['show', 'diff', 'merge', 'discard', 'rollback', 'resume', 'reply', 'update', 'relocate', 'push', 'pr', 'conflicts', 'run'];
  if (!known.includes(sub)) throw usage(`Unknown sessions command "${sub}".`);
  if (id === undefined) throw usage(`sessions ${sub} needs a session ID (see \`mlx-factory sessions list\`).`);
  reconcileSessions(paths);
  if (isGroupId(id)) return groupCommand(sub, id, paths, values, context, print);
  switch (sub) {
    case 'run':
      return (await import('./sessions-run-command.js')).sessionsRunCommand(paths, id, { output: out, signal: context.signal, json });
    case 'show': {
      const record = loadSession(paths, id);
      // The projection as every surface reads it, with its row's figures; the fold's book-keeping is not output.
      const { fold: _fold, memory: _memory, ...shown } = record;
      // The row's `steps` is a count; the step list (with the tests-first marks) is `commits`, as in the app's detail.
      print({ ...shown, ...sessionRow(record), commits: record.steps }, formatShow(record));
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
        stash: values.stash === true,
      });
      print(
        result,
        `${result.message}${result.worktreeRemoved ? '\nThe session worktree was removed; its branch is kept until you discard the session.' : ''}`,
      );
      // Merged, but the user's changes wait under a ref: not a clean end (the message says how to restore them).
      return result.stash !== undefined && !result.stash.restored ? 1 : 0;
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
    case 'conflicts': {
      const view = await sessionConflicts(paths, id, values.update === true ? 'update' : 'merge');
      print(view, formatConflicts(view));
      return view.files.length === 0 ? 0 : 1;
    }
    case 'push': {
      const result = await pushSession(paths, id, { remote: values.remote });
      print(result, `${result.message}\n${HOOKS_NOTICE}`);
      return 0;
    }
    case 'pr': {
      const result = await createPullRequest(paths, id, { remote: values.remote, draft: values.draft === true });
      print(result, result.message);
      // The compare page is where the user finishes the request: opened for them, as well as printed.
      if (result.via === 'compare' && result.url !== null && !json && values['no-open'] !== true) openInBrowser(result.url);
      return 0;
    }
    default:
      throw usage(`Unknown sessions command "${sub}".`);
  }
}

/**
 * A group id (best of K) where a session id goes: `merge` takes the winner, `discard` every sibling,
 * `resume` continues the unfinished siblings, `show` the group; the rest need one sibling's id.
 */
async function groupCommand(
  sub: string,
  groupId: string,
  paths: AppPaths,
  values: {
    'server-url'?: string | undefined;
    'no-server'?: boolean | undefined;
    model?: string | undefined;
    json?: boolean | undefined;
    squash?: boolean | undefined;
    'no-squash'?: boolean | undefined;
    into?: string | undefined;
    'remove-worktree'?: boolean | undefined;
    'dry-run'?: boolean | undefined;
    stash?: boolean | undefined;
  },
  context: SessionsContext,
  print: (data: unknown, text: string) => void,
): Promise<number> {
  switch (sub) {
    case 'show': {
      const group = loadGroup(paths, groupId);
      print(group, formatGroupEnd(group));
      return 0;
    }
    case 'merge': {
      const winner = groupWinner(paths, groupId);
      if (values.squash === true && values['no-squash'] === true) throw usage('--squash and --no-squash cannot be used together.');
      if (values['dry-run'] === true) {
        const preview = await previewSessionMerge(paths, winner, { into: values.into });
        print(
          { ...preview, group: groupId, winner },
          `Group ${groupId}: the winner is ${winner}.\n${preview.message}\n${preview.files.length > 0 ? formatFiles(preview.files) : ''}`,
        );
        return preview.canMerge ? 0 : 1;
      }
      const result = await mergeSession(paths, winner, {
        into: values.into,
        squash: values['no-squash'] !== true,
        removeWorktree: values['remove-worktree'] === true,
        stash: values.stash === true,
      });
      const others = loadGroup(paths, groupId).siblings.filter((s) => s.id !== winner && s.state !== 'discarded');
      print(
        { ...result, group: groupId, winner },
        `Group ${groupId}: merged the winner ${winner}. ${result.message}${others.length > 0 ? `\nThe other siblings are kept for review; \`mlx-factory sessions discard ${groupId}\` discards them all.` : ''}`,
      );
      return result.stash !== undefined && !result.stash.restored ? 1 : 0;
    }
    case 'discard': {
      const discarded = await discardGroup(paths, groupId);
      print(
        { group: groupId, discarded },
        `Discarded group ${groupId}: ${discarded.length} sibling(s) (${discarded.join(', ') || 'none left'}); their commits are kept under refs/factory/<id>/archive.`,
      );
      return 0;
    }
    case 'resume': {
      const group = loadGroup(paths, groupId);
      const firstId = group.siblings[0]?.id ?? '';
      const record = loadSession(paths, firstId);
      const { config } = loadConfig({ repoDir: fs.existsSync(record.repo) ? record.repo : undefined, userConfigFile: paths.userConfig });
      // The siblings run at once: the server runs without a draft model (it cannot batch with one).
      const server = await connectModelServer(values, {
        config,
        home: paths.home,
        cwd: process.cwd(),
        output: context.output,
        sessions: group.size,
      });
      const json = values.json === true;
      const view = json ? (event: unknown) => context.output.out(`${JSON.stringify(event)}\n`) : createMultiSessionView(context.output);
      const serving = schedulerForServer(config, server, group.size);
      try {
        const { group: after, resumed } = await resumeGroup(paths, groupId, {
          model: server.chatModel(record.plan.limits.llmTimeoutMs),
          runCheck: runSandboxed,
          signal: context.signal,
          scheduler: serving.scheduler,
          onLog: (log: SessionLog) => log.subscribe(view),
        });
        if (json) {
          const main = loadSession(paths, after.winner ?? firstId);
          const summary = {
            id: main.id,
            state: main.outcome ?? 'error',
            reason: main.reason,
            attempts: main.attempts,
            branch: main.branch,
            baseCommit: main.baseCommit,
            headCommit: main.headCommit,
            worktree: main.worktree,
            repo: main.repo,
            tokens: main.tokens,
          } as const;
          context.output.out(
            `${JSON.stringify({ ...groupSummaryLine([summary], after, (rowId) => loadSessionRow(paths, rowId)), resumed })}\n`,
          );
        } else context.output.out(`\n${resumed.length === 0 ? 'Nothing to continue: ' : ''}${formatGroupEnd(after)}\n`);
        return exitCodeForOutcome(after.winner !== null ? 'passed' : 'failed');
      } finally {
        serving.stop();
        await server.stop();
      }
    }
    default:
      throw usage(
        `sessions ${sub} works on one session: ${groupId} is a group (\`mlx-factory sessions show ${groupId}\` lists its siblings).`,
      );
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
      server: { url: server.status().url, model: server.status().model },
    };
    const summary = message === null ? await resumeSession(paths, id, deps) : await replySession(paths, id, message, deps);
    if (json) context.output.out(`${JSON.stringify(summaryLine(summary, loadSessionRow(paths, id)))}\n`);
    return exitCodeForOutcome(summary.state);
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
    ...(r.toolProtocol === null
      ? []
      : [
          `  tools     ${r.toolProtocol.protocol === 'native' ? 'native tool calls (READ / SEARCH / LIST as OpenAI tools)' : 'text lines (READ / SEARCH / LIST)'} — ${r.toolProtocol.reason}`,
        ]),
    '',
    '  steps (0 = the base):',
    ...(r.steps.length === 0
      ? ['    (no commits yet)']
      : r.steps.map(
          (s) =>
            `    ${String(s.step).padStart(3)}  ${s.series > 1 ? `series ${s.series} ` : ''}attempt ${s.attempt}  ${s.sha.slice(0, 8)}  ${s.files.join(', ')}${s.tests ? '  (acceptance tests, kept: they failed on the base)' : ''}${s.testsChanged.length > 0 ? `  CHANGES THE KEPT TESTS: ${s.testsChanged.join(', ')}` : ''}${r.currentSteps.includes(s.step) ? '' : '  (dropped by a rollback)'}`,
        )),
  ];
  if (r.tests !== null)
    lines.push(
      `  tests first: ${r.tests.files.join(', ')} kept at step ${r.tests.step} (on the base: ${r.tests.timedOut ? 'timed out' : `exit ${String(r.tests.exitCode)}`})${r.testsRefused > 0 ? `; ${r.testsRefused} round(s) refused for passing on the base` : ''}`,
    );
  if (r.lint.runs > 0)
    lines.push(`  lint on edit: ${r.lint.runs} run(s), ${r.lint.corrections} correction(s) sent back without spending an attempt`);
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

/** Each conflicting file's hunks in plain labelled sections (never git's markers). */
function formatConflicts(view: ConflictView): string {
  if (view.files.length === 0) return `No conflicts: ${view.direction === 'merge' ? 'the merge' : 'the update'} would be clean.`;
  const lines = [`${view.files.length} file(s) would conflict (${view.ours} vs ${view.theirs}):`];
  const block = (label: string, body: readonly string[]): string[] => [`    ${label}:`, ...body.map((l) => `      ${l}`)];
  for (const file of view.files) {
    lines.push(`  ${file.path}${file.kinds.length > 0 ? ` (${file.kinds.join(', ')})` : ''}`);
    for (const hunk of file.hunks) {
      lines.push(`   at line ${hunk.line}`, ...block(view.ours, hunk.ours));
      if (hunk.base !== null) lines.push(...block('common base', hunk.base));
      lines.push(...block(view.theirs, hunk.theirs));
    }
  }
  return lines.join('\n');
}
