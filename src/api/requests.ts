import { z } from 'zod';
import { PROGRAM_SETTINGS } from './program-settings.js';
import {
  appInfoSchema,
  bulkResultSchema,
  configViewSchema,
  discardResultSchema,
  doctorCheckSchema,
  filePairSchema,
  folderListingSchema,
  memorySampleSchema,
  mergePreviewSchema,
  mergeResultSchema,
  conflictViewSchema,
  pullRequestResultSchema,
  runOutputSchema,
  runStartedSchema,
  modelInfoSchema,
  repoStatusSchema,
  repoEnvironmentSchema,
  dependencyModeSchema,
  reviewCommentSchema,
  revertResultSchema,
  diffHunkSchema,
  rollbackResultSchema,
  serverStatusSchema,
  sessionDetailSchema,
  sessionDiffSchema,
  sessionInfoSchema,
  subscribeResultSchema,
  updateFromBaseSchema,
  worktreeUsageSchema,
} from './payloads.js';
import { historyEvalReportSchema } from './history-eval.js';
import { modelPullPayloadSchema } from './model-pull.js';
import { runtimeStatusSchema } from './runtime-install.js';
import type { ApiResult } from './responses.js';

/**
 * Every request of the typed API: its name, the schema of its params (validated by the host before
 * any handler runs — a bad request is a BAD_REQUEST answer, never a crash) and the schema of the
 * data a success carries. The preload bridge, the IPC handlers, the WebSocket host, the browser
 * client and the renderer all use this one map.
 */

const sessionId = z.string().regex(/^[A-Za-z0-9][A-Za-z0-9._-]{0,127}$/, 'a session id');
const commitSha = z.string().regex(/^[0-9a-f]{4,64}$/, 'a commit sha');
/** An absolute or host-relative filesystem path; the host resolves and checks it. */
const hostPath = z.string().min(1).max(4096);
const byId = z.strictObject({ id: sessionId });
const repoId = z
  .string()
  .regex(/^[A-Za-z0-9][\w.-]*\/[\w.-]+$/, 'a Hugging Face repo id (org/name)')
  .max(200);
const none = z.strictObject({});
const empty = z.object({});

/**
 * Start at login. macOS 13+ adds a status: `requires-approval` means the user must allow the app in
 * System Settings → General → Login Items before it starts at login (openAtLogin stays false until then).
 */
const loginItemStateSchema = z.object({
  openAtLogin: z.boolean(),
  status: z.enum(['not-registered', 'enabled', 'requires-approval', 'not-found']).optional(),
});
export type LoginItemState = z.infer<typeof loginItemStateSchema>;

/** A config patch: section → key → value (null removes the key from the user file). */
const configPatchSection = z.record(z.string().min(1), z.union([z.string(), z.number(), z.boolean(), z.null(), z.array(z.string())]));

export const requestSchemas = {
  /** Who answers: version, transport, epoch of the global stream, native capabilities. */
  'app.info': { params: none, data: appInfoSchema },
  /** Electron only (else UNSUPPORTED): start the app at login. */
  'app.getLoginItem': { params: none, data: loginItemStateSchema },
  'app.setLoginItem': { params: z.strictObject({ openAtLogin: z.boolean() }), data: loginItemStateSchema },
  /** Electron only (else UNSUPPORTED): show the dashboard window, optionally on one session. */
  'app.openDashboard': { params: z.strictObject({ session: sessionId.optional() }), data: empty },
  /** Electron only (else UNSUPPORTED): quit the app (the popover's Quit), after the one shutdown. */
  'app.quit': { params: none, data: empty },

  /**
   * Starts a session and answers once it exists (worktree made, `session.created` logged); the
   * loop then runs in the host. repo null (or omitted) = a fresh repository for the session.
   */
  'sessions.start': {
    params: z.strictObject({
      description: z.string().trim().min(1, 'Say what to do.').max(20_000),
      repo: hostPath.nullable().optional(),
      check: z.string().min(1).max(2000).nullable().optional(),
      maxAttempts: z.int().positive().max(100).optional(),
      timeoutSec: z.number().positive().max(86_400).optional(),
      /** Tests first (#16): acceptance tests that fail on the base come first (omitted: `agent.tests_first`). Needs a check. */
      testsFirst: z.boolean().optional(),
      /** Best of K: K sibling sessions, the first to pass stops the others (default: agent.best_of). The answer is sibling 1. */
      bestOf: z.int().min(1).max(8).optional(),
    }),
    data: sessionInfoSchema,
  },
  /** Stops a running session at once; the worktree is left consistent and the session ends `cancelled`. */
  'sessions.cancel': { params: byId, data: z.object({ cancelled: z.boolean() }) },
  /** Continues an interrupted (or ended) session in the same worktree. */
  'sessions.resume': { params: byId, data: sessionInfoSchema },
  /**
   * Talks back to a session that is not running (passed, failed, stopped, rolled back): the Coder
   * continues in the same worktree and branch with this instruction, as a new attempt series.
   * Answers once the series has started.
   */
  'sessions.reply': {
    params: z.strictObject({ id: sessionId, message: z.string().trim().min(1, 'Say what the Coder should do next.').max(20_000) }),
    data: sessionInfoSchema,
  },
  /** A review comment on lines of a file as the session branch has it now (kept in the session's log). */
  'sessions.comment': {
    params: z.strictObject({
      id: sessionId,
      file: z.string().min(1).max(4096),
      startLine: z.int().positive(),
      endLine: z.int().positive(),
      text: z.string().trim().min(1, 'Write the comment.').max(4000),
    }),
    data: reviewCommentSchema,
  },
  /** Reverts one changed file, or one hunk of it (`hunk` as filePair numbered it), against the base: a new step "Reverted …". */
  'sessions.revert': {
    params: z.strictObject({ id: sessionId, path: z.string().min(1).max(4096), hunk: diffHunkSchema.nullable().default(null) }),
    data: revertResultSchema,
  },
  /** Marks a changed file as viewed (as it is now) or unmarks it; answers every mark. */
  'sessions.markViewed': {
    params: z.strictObject({ id: sessionId, path: z.string().min(1).max(4096), viewed: z.boolean() }),
    data: z.object({ viewed: z.record(z.string(), z.string()) }),
  },
  /** Sends every open review comment to the Coder as the next instruction (a new attempt series). */
  'sessions.requestChanges': { params: byId, data: sessionInfoSchema },
  /** Merges the base branch into the session branch (predicted first; a conflict changes nothing: MERGE_CONFLICTS names the files). */
  'sessions.updateFromBase': { params: byId, data: updateFromBaseSchema },
  /** The update from the base branch conflicts: merge it anyway (conflicted files as the session has them) and ask the Coder to resolve them, then the check. */
  'sessions.resolveWithCoder': { params: byId, data: sessionInfoSchema },
  /**
   * The session list. `version` names this answer's content; a client that polls passes the one it
   * has as `since` and gets `unchanged: true` with no rows while nothing changed (as HTTP's If-None-Match).
   */
  'sessions.list': {
    params: z.strictObject({ since: z.string().max(64).optional() }),
    data: z.object({ sessions: z.array(sessionInfoSchema), version: z.string(), unchanged: z.boolean() }),
  },
  'sessions.show': { params: byId, data: sessionDetailSchema },
  /** Changed files against the base; with `commit`, what that one commit changed. */
  'sessions.diff': { params: z.strictObject({ id: sessionId, commit: commitSha.optional() }), data: sessionDiffSchema },
  /** Both sides of one file for the diff editor (same base/head rules as `sessions.diff`; a rename's left side is its old path). */
  'sessions.filePair': {
    params: z.strictObject({ id: sessionId, path: z.string().min(1).max(4096), commit: commitSha.optional() }),
    data: filePairSchema,
  },
  /** Back to the state after commit `step` (0 = the base); dropped commits stay reachable by a ref. */
  'sessions.rollback': { params: z.strictObject({ id: sessionId, step: z.int().nonnegative() }), data: rollbackResultSchema },
  'sessions.mergePreview': { params: z.strictObject({ id: sessionId, squash: z.boolean().default(true) }), data: mergePreviewSchema },
  'sessions.merge': {
    params: z.strictObject({
      id: sessionId,
      squash: z.boolean().default(true),
      message: z.string().min(1).max(10_000).optional(),
      /** "Stash and merge", confirmed by the user: their local changes in the way are put aside and back. */
      stash: z.boolean().default(false),
    }),
    data: mergeResultSchema,
  },
  /** Why a merge into the base branch (`merge`) or an update from it (`update`) would conflict: files, hunks, both sides and the base. */
  'sessions.conflicts': {
    params: z.strictObject({ id: sessionId, direction: z.enum(['merge', 'update']) }),
    data: conflictViewSchema,
  },
  /**
   * Pushes the session branch (with the user's credentials, hooks off, never forced) and opens a pull
   * request with gh, or answers the host's compare page for the client to open.
   */
  'sessions.pullRequest': {
    params: z.strictObject({ id: sessionId, draft: z.boolean().default(false) }),
    data: pullRequestResultSchema,
  },
  /**
   * Run script (#21): starts `workspace.run` in the session's worktree (sandbox with network, PORT a free
   * port of the session's range); answers once it runs. Output: `run.output` global events.
   */
  'sessions.run.start': { params: byId, data: runStartedSchema },
  /** Stops the session's run script, its whole process tree; `stopped` false: none ran here. */
  'sessions.run.stop': {
    params: byId,
    data: z.object({ stopped: z.boolean(), treeGone: z.boolean(), exitCode: z.int().nullable(), signal: z.string().nullable() }),
  },
  /** The run command for the session and the kept output of its latest run here (the run panel's start). */
  'sessions.run.output': { params: byId, data: runOutputSchema },
  /**
   * The run script of one repository, as the user sets it in Settings (over workspace.run; null removes
   * it). Setting one needs `confirmation`: the token `config.confirm` gave for `workspace.run` and that value.
   */
  'repo.setRunCommand': {
    params: z.strictObject({
      repo: hostPath,
      command: z.string().trim().min(1).max(2000).nullable(),
      confirmation: z
        .string()
        .regex(/^[0-9a-f]{32}$/)
        .optional(),
    }),
    data: z.object({ command: z.string().nullable() }),
  },
  /** Removes the worktree and branch; an archive ref keeps the work. */
  'sessions.discard': { params: byId, data: discardResultSchema },
  /** Discards several sessions (e.g. every merged or failed one of a repository), one after another; running ones are refused. */
  'sessions.discardMany': {
    params: z.strictObject({ ids: z.array(sessionId).min(1).max(1000) }),
    data: z.object({ results: z.array(bulkResultSchema) }),
  },
  /** Hides sessions from the list (archived: false brings them back); nothing is deleted. */
  'sessions.archive': {
    params: z.strictObject({ ids: z.array(sessionId).min(1).max(1000), archived: z.boolean() }),
    data: z.object({ changed: z.array(z.string()) }),
  },
  /** Disk used by the sessions' worktrees (all sessions, or `ids`). */
  'sessions.diskUsage': {
    params: z.strictObject({ ids: z.array(sessionId).max(1000).optional() }),
    data: z.object({ sessions: z.array(worktreeUsageSchema), totalBytes: z.int().nonnegative() }),
  },
  /** Opens the session's worktree (the recorded one) in the user's editor, a terminal, or the file manager. */
  'sessions.openIn': {
    params: z.strictObject({
      id: sessionId,
      target: z.enum(['editor', 'terminal', 'files']),
      /** With `editor`: a file of the worktree to open (relative; the conflict view's "Open in editor"). */
      file: z.string().min(1).max(4096).optional(),
    }),
    /** The command that opened it, and its program's name (to say "Opened in gnome-terminal"). */
    data: z.object({ command: z.string(), program: z.string() }),
  },

  'server.start': {
    params: z.strictObject({ model: z.string().min(1).optional(), port: z.int().min(1).max(65535).optional() }),
    data: serverStatusSchema,
  },
  'server.stop': { params: none, data: serverStatusSchema },
  'server.status': { params: none, data: serverStatusSchema },
  /** The last lines of the server's log. */
  'server.logs': {
    params: z.strictObject({ tail: z.int().positive().max(10_000).default(200) }),
    data: z.object({ lines: z.array(z.string()), file: z.string().nullable() }),
  },
  /** Recommended models plus those on disk; `current` is the configured one. */
  /**
   * `models`: what the chosen server can serve (for an external one, its /v1/models); `local`: the
   * recommended models and the Hugging Face cache on this machine, whatever server is chosen (the
   * Models view); `pulls`: each download's latest progress.
   */
  'models.list': {
    params: none,
    data: z.object({
      models: z.array(modelInfoSchema),
      current: z.string(),
      pulls: z.array(modelPullPayloadSchema).optional(),
      local: z.array(modelInfoSchema).optional(),
    }),
  },
  /** Starts downloading a model into the Hugging Face cache (progress: `model.pull` events); started false = one already runs. */
  'models.pull': {
    params: z.strictObject({ model: repoId, revision: z.string().min(1).max(200).optional() }),
    data: z.object({ started: z.boolean() }),
  },
  'models.cancelPull': { params: z.strictObject({ model: repoId }), data: z.object({ cancelled: z.boolean() }) },
  /** Deletes a model from the Hugging Face cache. */
  /**
   * "Which model for this repo?": eval --from-history on the repository with the server's current
   * model; answers with the report when it is done (minutes), `eval.progress` events meanwhile.
   */
  'models.evalHistory': {
    params: z.strictObject({ repo: hostPath, count: z.int().min(1).max(50).default(5), check: z.string().min(1).max(2000).optional() }),
    data: historyEvalReportSchema,
  },
  'models.remove': { params: z.strictObject({ model: repoId }), data: z.object({ freedBytes: z.number().nonnegative() }) },
  /** Memory samples kept by the host, oldest first (`since`: ISO time, exclusive). */
  'memory.history': { params: z.strictObject({ since: z.string().optional() }), data: z.object({ samples: z.array(memorySampleSchema) }) },
  'doctor.run': { params: none, data: z.object({ checks: z.array(doctorCheckSchema) }) },
  /** Whether a Python with mlx-lm is there (the server and model downloads need it), and the latest install's progress. */
  'runtime.status': { params: none, data: runtimeStatusSchema },
  /**
   * "Install the MLX runtime": what `mlx-factory doctor --install` does (a venv in the app's home
   * with the tested mlx + mlx-lm), in the background; progress as `runtime.install` events.
   * started false = an install already runs.
   */
  'runtime.install': { params: none, data: z.object({ started: z.boolean() }) },
  'runtime.cancelInstall': { params: none, data: z.object({ cancelled: z.boolean() }) },

  /** The effective config; with `repo`, as a session in that repository would see it. */
  'config.read': { params: z.strictObject({ repo: hostPath.optional() }), data: configViewSchema },
  /** Merges a patch into the user's factory.yaml (comments kept); an invalid result is refused whole. */
  'config.write': {
    params: z.strictObject({
      patch: z.strictObject({
        server: configPatchSection.optional(),
        agent: configPatchSection.optional(),
        workspace: configPatchSection.optional(),
        sandbox: configPatchSection.optional(),
      }),
      /** Per program setting in the patch (`workspace.editor`, …): the token `config.confirm` gave for that value. */
      confirmations: z.partialRecord(z.enum(PROGRAM_SETTINGS), z.string().regex(/^[0-9a-f]{32}$/)).optional(),
    }),
    data: configViewSchema,
  },
  /**
   * Asks the user, in a dialog the host shows (Electron: a native one; a page cannot answer it),
   * to allow a program setting's new value; `token` (null if declined) goes with `config.write`.
   * Browser host: UNSUPPORTED — there, such settings are made in factory.yaml itself.
   */
  'config.confirm': {
    params: z.strictObject({ key: z.enum(PROGRAM_SETTINGS), value: z.union([z.string().min(1), z.array(z.string()).min(1)]) }),
    data: z.object({ token: z.string().nullable() }),
  },

  /** Electron only (else UNSUPPORTED): the native folder picker; path null = cancelled. */
  'dialog.pickFolder': {
    params: z.strictObject({ title: z.string().max(200).optional() }),
    data: z.object({ path: z.string().nullable() }),
  },
  /**
   * A folder's subfolders on the host (default: the home folder), for the New session folder
   * browser: links are neither followed nor listed; hidden and system folders only when asked.
   */
  'fs.listFolders': {
    params: z.strictObject({ path: hostPath.optional(), showHidden: z.boolean().optional() }),
    data: folderListingSchema,
  },
  /** What a path is, for the New session dialog (a drop, a pick or a typed path). */
  'repo.status': { params: z.strictObject({ path: hostPath }), data: repoStatusSchema },
  /** "Start a new repo there": git init + a first commit of what the folder holds. */
  'repo.init': { params: z.strictObject({ path: hostPath }), data: repoStatusSchema },
  /** Trusts the project's factory.yaml as it is now (like `mlx-factory trust DIR`); answers the folder's status again. */
  'project.trust': { params: z.strictObject({ path: hostPath }), data: repoStatusSchema },
  /** How a new session's checks would get the repository's dependencies (#22), and the other modes. */
  'repo.environment': { params: z.strictObject({ path: hostPath }), data: repoEnvironmentSchema },
  /** The user's pick for the repository, remembered with the trust record (like `run --deps`). */
  'repo.setEnvironment': { params: z.strictObject({ path: hostPath, mode: dependencyModeSchema }), data: repoEnvironmentSchema },

  /**
   * Follow a stream (a session id, or GLOBAL_STREAM): the events after `afterSeq` are sent through
   * onEvent, then live ones, with no gap and no duplicate. `epoch` (global stream): the epoch the
   * client last saw; if the host's differs, it replays from the start of what it keeps.
   */
  'events.subscribe': {
    params: z.strictObject({
      stream: z.string().max(128),
      afterSeq: z.int().nonnegative().default(0),
      epoch: z.string().max(64).optional(),
    }),
    data: subscribeResultSchema,
  },
  'events.unsubscribe': { params: z.strictObject({ stream: z.string().max(128) }), data: empty },
} as const;

export type RequestName = keyof typeof requestSchemas;
export const REQUEST_NAMES = Object.keys(requestSchemas) as RequestName[];

/** What a caller passes (defaults may be omitted). */
export type RequestParams<K extends RequestName> = z.input<(typeof requestSchemas)[K]['params']>;
/** What a handler receives (validated, defaults filled in). */
export type ParsedParams<K extends RequestName> = z.output<(typeof requestSchemas)[K]['params']>;
export type ResponseData<K extends RequestName> = z.output<(typeof requestSchemas)[K]['data']>;
export type ApiResponse<K extends RequestName> = ApiResult<ResponseData<K>>;

export function isRequestName(name: unknown): name is RequestName {
  return typeof name === 'string' && Object.hasOwn(requestSchemas, name);
}
