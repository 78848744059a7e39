import { z } from 'zod';
import { factoryConfigSchema } from '../config/config-schema.js';
import { sessionRowSchema } from './session-row.js';
import { runOutcomeSchema, tokenTotalsSchema } from './session-status.js';
import { memorySamplePayloadSchema, serverStatePayloadSchema } from './server-events.js';

/**
 * The data shapes that requests return and global events carry. Pure zod (no Node): the renderer
 * imports these. Paths are absolute paths on the machine that runs the host.
 */

const sha = z.string();

/** One row of the session list (the projection's row, plus what this host knows of it). */
export const sessionInfoSchema = sessionRowSchema.extend({
  /** True while this host runs the session's loop (so it can be cancelled). */
  live: z.boolean(),
  /** Hidden from the list by the user (`sessions.archive`); nothing was deleted. */
  archived: z.boolean(),
});
export type SessionInfo = z.infer<typeof sessionInfoSchema>;

const sessionCommitSchema = z.object({
  /** 1-based, in commit order; `sessions.rollback` takes it. */
  step: z.int().positive(),
  /** The attempt series it was made in, and its attempt there. */
  series: z.int().positive(),
  attempt: z.int().positive(),
  sha,
  files: z.array(z.string()),
  /** The check that ran on this step's attempt (null: none ran yet, or the attempt ended before it). */
  check: z.object({ exitCode: z.int().nullable(), timedOut: z.boolean() }).nullable(),
  /** The Sheriff's verdict on that attempt, and whether the attempt passed (exit 0 and PASS). */
  verdict: z.enum(['PASS', 'FAIL', 'missing']).nullable(),
  passed: z.boolean().nullable(),
  /** Tests first: this step is the kept acceptance tests. */
  tests: z.boolean(),
  /** Tests first: kept acceptance test files this step changed (marked in the review). */
  testsChanged: z.array(z.string()),
  /** A reviewer's step ("Reverted app.py, lines 3–5"); null for the Coder's commits. */
  label: z.string().nullable(),
});
export type SessionCommit = z.infer<typeof sessionCommitSchema>;

export const updateFromBaseSchema = z.object({
  updated: z.boolean(),
  branch: z.string(),
  fromBase: z.string(),
  toBase: z.string(),
  mergeCommit: z.string().nullable(),
  files: z.array(z.string()),
  message: z.string(),
});

export const reviewCommentSchema = z.object({
  id: z.string(),
  file: z.string(),
  startLine: z.int().positive(),
  endLine: z.int().positive(),
  /** The commented lines as they were. */
  quote: z.string(),
  text: z.string(),
  headCommit: z.string(),
  time: z.string(),
  /** open → sent ("Request changes" started a series with it) → resolved (that series ended). */
  state: z.enum(['open', 'sent', 'resolved']),
  series: z.int().positive().nullable(),
});
export type ReviewCommentInfo = z.infer<typeof reviewCommentSchema>;

export const sessionDetailSchema = z.object({
  session: sessionInfoSchema,
  task: z
    .object({ name: z.string(), description: z.string(), constraints: z.array(z.string()), check: z.string(), files: z.array(z.string()) })
    .nullable(),
  /** Uncommitted paths in the user's checkout that the session does not contain. */
  uncommittedNotIncluded: z.array(z.string()),
  commits: z.array(sessionCommitSchema),
  /** Steps a rollback took off the branch, oldest first (kept under refs/factory/<id>/rollback/N; `sessions.rollback` to one restores it). */
  dropped: z.array(sessionCommitSchema),
  /** Review comments on the diff, oldest first. */
  comments: z.array(reviewCommentSchema),
  /** "Viewed" marks: file → its blob when marked (the mark counts while the file's blob is that one). */
  viewed: z.record(z.string(), z.string()),
  lastVerdict: z
    .object({
      series: z.int().positive(),
      attempt: z.int().positive(),
      verdict: z.enum(['PASS', 'FAIL', 'missing']),
      passed: z.boolean(),
      feedback: z.string(),
    })
    .nullable(),
  /** Every attempt series, oldest first. */
  seriesList: z.array(
    z.object({
      series: z.int().positive(),
      instruction: z.string().nullable(),
      fromStep: z.int().nonnegative(),
      attempts: z.int().nonnegative(),
      outcome: runOutcomeSchema.nullable(),
      rolledBack: z.boolean(),
      tokens: tokenTotalsSchema,
    }),
  ),
  /** The latest rollback or restore (null: none). */
  lastRollback: z
    .object({ toStep: z.int().nonnegative(), restore: z.boolean(), stepsMoved: z.int().nonnegative(), time: z.string() })
    .nullable(),
  /** The model server the latest series used, when one was chosen anew (resume, reply). */
  server: z.object({ url: z.string().nullable(), model: z.string().nullable() }).nullable(),
  /** Tests first: the kept acceptance tests and their failing run on the base (null: none kept). */
  tests: z
    .object({
      files: z.array(z.string()),
      step: z.int().positive(),
      command: z.string(),
      exitCode: z.int().nullable(),
      timedOut: z.boolean(),
    })
    .nullable(),
  /** Lint on edit: lint runs and the corrections they sent back (no attempt spent on them). */
  lint: z.object({ runs: z.int().nonnegative(), corrections: z.int().nonnegative() }),
  /** The session's pull request as last seen (null: none opened): gh's number, state and checks, or the compare page. */
  pullRequest: z
    .object({
      via: z.enum(['gh', 'compare']),
      url: z.string(),
      base: z.string(),
      branch: z.string(),
      draft: z.boolean(),
      number: z.int().positive().nullable(),
      state: z.string().nullable(),
      checks: z.object({ passing: z.int().nonnegative(), failing: z.int().nonnegative(), pending: z.int().nonnegative() }).nullable(),
      time: z.string(),
    })
    .nullable()
    .default(null),
  /** The last push of the session branch (null: never pushed). */
  lastPush: z
    .object({ remote: z.string(), url: z.string(), branch: z.string(), commit: z.string(), time: z.string() })
    .nullable()
    .default(null),
  /** The seq of the last event in the session's log: `events.subscribe` with it replays nothing. */
  lastSeq: z.int().nonnegative(),
});
export type SessionDetail = z.infer<typeof sessionDetailSchema>;

const fileChangeSchema = z.object({
  path: z.string(),
  /** For renames and copies: where it came from. */
  oldPath: z.string().nullable(),
  status: z.enum(['added', 'modified', 'deleted', 'renamed', 'copied', 'type-changed']),
  /** null for binary files. */
  additions: z.int().nonnegative().nullable(),
  deletions: z.int().nonnegative().nullable(),
  binary: z.boolean(),
  /** The file's blob at the head side (zeros when deleted): a "Viewed" mark counts while it is this one. */
  blob: z.string().optional(),
});
export type FileChange = z.infer<typeof fileChangeSchema>;

export const sessionDiffSchema = z.object({
  /** The left side: the session's base commit, or the commit's parent when one commit was asked for. */
  base: sha,
  head: sha,
  files: z.array(fileChangeSchema),
});
export type SessionDiff = z.infer<typeof sessionDiffSchema>;

const fileSideSchema = z.object({
  exists: z.boolean(),
  binary: z.boolean(),
  /** Bigger than the host sends (text is then null). */
  tooLarge: z.boolean(),
  size: z.int().nonnegative(),
  text: z.string().nullable(),
});
export type FileSide = z.infer<typeof fileSideSchema>;

/** One changed region of a file as `git diff -U0` numbers it: what "Revert hunk" names. */
export const diffHunkSchema = z.object({
  oldStart: z.int().nonnegative(),
  oldLines: z.int().nonnegative(),
  newStart: z.int().nonnegative(),
  newLines: z.int().nonnegative(),
});
export type DiffHunkInfo = z.infer<typeof diffHunkSchema>;

export const filePairSchema = z.object({
  path: z.string(),
  base: sha,
  head: sha,
  left: fileSideSchema,
  right: fileSideSchema,
  /** The session's hunks in this file against its base, each revertible (absent for one step's diff; empty when none can be reverted one by one). */
  hunks: z.array(diffHunkSchema).optional(),
});

/** A reverted file or hunk: the new step ("Reverted …") on the session branch. */
export const revertResultSchema = z.object({ step: z.int().positive(), sha, label: z.string(), files: z.array(z.string()) });
export type FilePair = z.infer<typeof filePairSchema>;

export const rollbackResultSchema = z.object({
  headCommit: sha,
  /** A ref that keeps the dropped commits reachable (null when nothing was dropped). */
  keptRef: z.string().nullable(),
  droppedCommits: z.int().nonnegative(),
});
export type RollbackResult = z.infer<typeof rollbackResultSchema>;

export const mergePreviewSchema = z.object({
  canMerge: z.boolean(),
  /** The branch the merge would update (the session's base branch). */
  baseBranch: z.string().nullable(),
  /** Files `git merge-tree` predicts will conflict. */
  conflicts: z.array(z.string()),
  /** Files in the user's checkout whose uncommitted changes block updating it. */
  blockedBy: z.array(z.string()),
  /** Nothing new since the last merge from this session. */
  upToDate: z.boolean(),
  files: z.array(fileChangeSchema),
  /** Why it cannot merge, or what will happen — a sentence for the UI. */
  message: z.string(),
  /**
   * The commits the prediction was made from: the base branch's (null: no such branch) and the
   * session branch's (null: gone). A `session.refsMoved` event with other heads makes it out of date.
   */
  baseHead: sha.nullable(),
  sessionHead: sha.nullable(),
});
export type MergePreview = z.infer<typeof mergePreviewSchema>;

export const mergeResultSchema = z.object({
  mergedCommit: sha,
  baseBranch: z.string(),
  /** Whether the user's checkout (if it has the base branch checked out) was updated too. */
  checkoutUpdated: z.boolean(),
  /** Nothing new since this session's last merge into the branch: nothing was done (`mergedCommit` is that merge). */
  alreadyMerged: z.boolean(),
  message: z.string(),
  /**
   * Stash-and-merge: the user's changes in the way were kept under `ref` during the merge; `restored`
   * says whether they are back in the checkout, else `restoreCommand` is how to get them back.
   */
  stash: z
    .object({
      ref: z.string(),
      restored: z.boolean(),
      files: z.array(z.string()),
      conflicts: z.array(z.string()),
      restoreCommand: z.string(),
    })
    .optional(),
});
export type MergeResult = z.infer<typeof mergeResultSchema>;

/** The conflict view: each conflicting file with its hunks (both sides and the common base), from git's merge-tree. */
export const conflictViewSchema = z.object({
  direction: z.enum(['merge', 'update']),
  ours: z.string(),
  theirs: z.string(),
  files: z.array(
    z.object({
      path: z.string(),
      kinds: z.array(z.string()),
      hunks: z.array(
        z.object({
          line: z.int().positive(),
          ours: z.array(z.string()),
          base: z.array(z.string()).nullable(),
          theirs: z.array(z.string()),
        }),
      ),
    }),
  ),
});
export type ConflictViewData = z.infer<typeof conflictViewSchema>;

/** Push the session branch and open a pull request (gh), or hand over the host's compare page. */
export const pullRequestResultSchema = z.object({
  via: z.enum(['gh', 'compare', 'none']),
  url: z.string().nullable(),
  number: z.int().positive().nullable(),
  state: z.string().nullable(),
  draft: z.boolean(),
  remote: z.string(),
  branch: z.string(),
  commit: z.string(),
  message: z.string(),
});
export type PullRequestResult = z.infer<typeof pullRequestResultSchema>;

export const discardResultSchema = z.object({ archiveRef: z.string().nullable() });

/** What a dropped or picked path is, for the "New session" dialog. */
export const repoStatusSchema = z.object({
  path: z.string(),
  /**
   * repo: usable; file: a file was given (offer its folder or another); missing: no such path;
   * not-repo: a folder without git (offer `repo.init`); bare / no-commits: git but unusable as is.
   */
  kind: z.enum(['repo', 'file', 'missing', 'not-repo', 'bare', 'no-commits']),
  root: z.string().nullable(),
  branch: z.string().nullable(),
  headCommit: z.string().nullable(),
  /** Uncommitted paths in the checkout: not in a new session, which starts from HEAD. */
  uncommitted: z.array(z.string()),
  message: z.string(),
  /**
   * The project's own factory.yaml, when it has one that is not trusted: what is ignored until the
   * user trusts its current content (`project.trust`). Absent or null: nothing to ask.
   */
  untrustedConfig: z
    .object({ file: z.string(), ignored: z.array(z.string()) })
    .nullable()
    .optional(),
});
export type RepoStatus = z.infer<typeof repoStatusSchema>;

/** How a session's checks get the project's dependencies (#22): see src/sessions/session-environment.ts. */
export const dependencyModeSchema = z.enum(['mine', 'install', 'none']);
export type DependencyModeChoice = z.infer<typeof dependencyModeSchema>;

/**
 * A repository's dependencies for New session (`repo.environment`, `repo.setEnvironment`): what a new
 * session's checks would get, as the line the app and the CLI show, and the modes the user can pick
 * instead; the pick is a repository setting kept with the trust record in the app's home.
 */
export const repoEnvironmentSchema = z.object({
  /** The repository's root. */
  root: z.string(),
  /** npm, pnpm, yarn, uv, pip, bundler, cargo, go; null: no manifest found. */
  ecosystem: z.string().nullable(),
  /** What a session started now uses. */
  mode: dependencyModeSchema,
  /** "Environment: node_modules from your checkout (read-only)"; commands in backticks. */
  line: z.string(),
  /** The mode the user confirmed for this repository (null: not chosen, the default applies). */
  remembered: dependencyModeSchema.nullable(),
  /** Every mode with the line it would show; unavailable ones say why (no folder, nothing to install). */
  choices: z.array(z.object({ mode: dependencyModeSchema, line: z.string(), available: z.boolean() })),
});
export type RepoEnvironment = z.infer<typeof repoEnvironmentSchema>;

/** A folder's subfolders on the host, for the New session folder browser (`fs.listFolders`). */
export const folderListingSchema = z.object({
  /** The folder listed, absolute. */
  path: z.string(),
  /** Its parent, or null at the root. */
  parent: z.string().nullable(),
  /** The user's home folder on the host (the browser's "Home"). */
  home: z.string(),
  folders: z.array(z.object({ name: z.string(), path: z.string(), repo: z.boolean() })),
  /** Folders left out past the cap. */
  omitted: z.int().nonnegative(),
});
export type FolderListing = z.infer<typeof folderListingSchema>;

export const serverStatusSchema = serverStatePayloadSchema.omit({ type: true });
export type ServerStatus = z.infer<typeof serverStatusSchema>;

export const memorySampleSchema = memorySamplePayloadSchema.omit({ type: true }).extend({ time: z.string() });
export type MemorySample = z.infer<typeof memorySampleSchema>;

export const modelInfoSchema = z.object({
  id: z.string(),
  /** From the recommended list (the seed's table). */
  recommended: z.boolean(),
  onDisk: z.boolean(),
  sizeBytes: z.int().nonnegative().nullable(),
  note: z.string(),
  /** A short name for tables (the repo id when there is none). */
  label: z.string().optional(),
  /** The seed's default model. */
  isDefault: z.boolean().optional(),
  /** Bytes in the hub cache (or the folder) now; null when nothing is on disk. */
  diskBytes: z.int().nonnegative().nullable().optional(),
  /** Whether it fits this machine's memory (weights + KV cache + runtime vs RAM and what is free now). */
  fit: z.enum(['fits', 'tight', 'too-large']).optional(),
  fitMessage: z.string().optional(),
  /** On disk but cannot be loaded (an incomplete download): why. */
  problem: z.string().nullable().optional(),
  /** Where it lives on disk: the Hugging Face cache, LM Studio's models folder, or a folder from server.model_dirs. */
  where: z.enum(['hf-cache', 'lm-studio', 'folder']).optional(),
  /** The recommended draft model for speculative decoding (same tokenizer family), for recommended models that have one. */
  draft: z.string().optional(),
});
export type ModelInfo = z.infer<typeof modelInfoSchema>;

export const doctorCheckSchema = z.object({
  id: z.string(),
  label: z.string(),
  status: z.enum(['ok', 'warn', 'error']),
  detail: z.string(),
  /** What to do about it (a command or a sentence), when there is something to do. */
  fix: z.string().nullable(),
});
export type DoctorCheck = z.infer<typeof doctorCheckSchema>;

export const configViewSchema = z.object({
  /** The effective config (user file merged with the repo's, if a repo was given). */
  config: factoryConfigSchema,
  /** Files that contributed, lowest precedence first. */
  sources: z.array(z.string()),
  /** The user-level factory.yaml that `config.write` edits. */
  userConfigFile: z.string(),
});
export type ConfigView = z.infer<typeof configViewSchema>;

export const appInfoSchema = z.object({
  name: z.string(),
  version: z.string(),
  transport: z.enum(['ipc', 'web']),
  platform: z.string(),
  /** Changes when the host restarts: global-stream seqs start again from 1. */
  epoch: z.string(),
  home: z.string(),
  /** What this front door can do natively. */
  capabilities: z.object({ pickFolder: z.boolean(), loginItem: z.boolean(), notifications: z.boolean(), windows: z.boolean() }),
});
export type AppInfo = z.infer<typeof appInfoSchema>;

export const subscribeResultSchema = z.object({
  stream: z.string(),
  epoch: z.string(),
  /** How many past events were sent (as ordinary events, before this response resolves). */
  replayed: z.int().nonnegative(),
  /** The last seq of the stream at subscription time; live events continue after it. */
  lastSeq: z.int().nonnegative(),
  /** Some asked-for events are no longer kept (global stream only): refetch state with requests. */
  gap: z.boolean(),
});
export type SubscribeResult = z.infer<typeof subscribeResultSchema>;

/** One session of a bulk action, and how it went (`error` null when it went through). */
export const bulkResultSchema = z.object({
  id: z.string(),
  ok: z.boolean(),
  archiveRef: z.string().nullable(),
  error: z.object({ code: z.string(), message: z.string() }).nullable(),
});
export type BulkResult = z.infer<typeof bulkResultSchema>;

/** Disk a session's worktree takes (lstat walk, links not followed). */
export const worktreeUsageSchema = z.object({
  id: z.string(),
  worktree: z.string(),
  bytes: z.int().nonnegative(),
  files: z.int().nonnegative(),
  /** false: the worktree is gone (discarded, or removed by hand). */
  exists: z.boolean(),
  /** The walk stopped early (a huge tree): bytes is a lower bound. */
  partial: z.boolean(),
});
export type WorktreeUsage = z.infer<typeof worktreeUsageSchema>;

/** A session's run script as `sessions.run.start` started it (#21). */
export const runStartedSchema = z.object({
  command: z.string(),
  port: z.int(),
  range: z.object({ first: z.int(), last: z.int() }),
  pgid: z.int(),
  /** http://127.0.0.1:PORT — what "Open" opens. */
  url: z.string(),
  sandbox: z.string(),
});
export type RunStarted = z.infer<typeof runStartedSchema>;

/** What the run panel shows when it opens: the kept tail of the output of the session's latest run in this host. */
export const runOutputSchema = z.object({
  /** The run the text is of (null: none ran in this host since it started). */
  pgid: z.int().nullable(),
  running: z.boolean(),
  text: z.string(),
  /** The characters of that run's output up to the end of `text` (live `run.output` chunks before it are in it). */
  end: z.int().nonnegative(),
  /** The run command for the session's repository now (null: none set), and why an untrusted one is ignored. */
  command: z.string().nullable(),
  notice: z.string().nullable(),
  /** Where the command comes from: the repository's own setting (repo.setRunCommand) or workspace.run. */
  source: z.enum(['repository', 'config']).nullable(),
  /** The session's repository (what repo.setRunCommand takes). */
  repo: z.string(),
});
export type RunOutput = z.infer<typeof runOutputSchema>;
