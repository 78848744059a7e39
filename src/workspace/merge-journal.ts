import crypto from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { z } from 'zod';
import { isProcessAlive } from '../sandbox/process-tree.js';
import { changedPaths } from './git/changed-paths.js';
import { startFastForward, type FastForwardResult } from './git/merge-fast-forward.js';
import { readBlobs } from './git/read-blobs.js';
import { runGit } from './git/run-git.js';
import { listWorktrees } from './git/worktree-list.js';
import { isJournalGit } from './journal-git-process.js';
import { lstatIfPresent } from './lstat-if-present.js';

/**
 * The one step of a merge that writes into the user's checkout (the fast-forward of its working tree)
 * is journalled in the repository (`<common dir>/mlx-factory/merge-journal.json`) while git runs, so
 * that whatever stops us — a crash, SIGKILL, a power cut — the next look at the repository leaves the
 * checkout either untouched or fully merged, never half-way, and without a stale index.lock.
 */
const journalSchema = z.object({
  version: z.literal(1),
  checkout: z.string(),
  branchRef: z.string(),
  before: z.string(),
  after: z.string(),
  pid: z.int(),
  startedAt: z.string(),
});
type MergeJournal = z.infer<typeof journalSchema>;

function mergeJournalFile(commonDir: string): string {
  return path.join(commonDir, 'mlx-factory', 'merge-journal.json');
}

export interface JournalledFastForward {
  readonly commonDir: string;
  readonly checkout: string;
  readonly branchRef: string;
  readonly before: string;
  readonly after: string;
}

export async function fastForwardJournalled(request: JournalledFastForward): Promise<FastForwardResult> {
  const file = mergeJournalFile(request.commonDir);
  fs.mkdirSync(path.dirname(file), { recursive: true });
  const run = startFastForward(request.checkout, request.after, path.join(path.dirname(file), 'merge-output.txt'));
  writeJournal(file, {
    version: 1,
    checkout: request.checkout,
    branchRef: request.branchRef,
    before: request.before,
    after: request.after,
    pid: run.pid,
    startedAt: new Date().toISOString(),
  });
  const result = await run.done;
  fs.rmSync(file, { force: true });
  return result;
}

/**
 * What the recovery found: nothing to do; git had finished (merged or refused) on its own; we completed
 * a fast-forward git was cut off in; the branch had moved on; git is still running; or files the user
 * changed since the crash stand in the way (nothing is overwritten — `detail` says what to do).
 */
export type MergeRecovery =
  | { readonly kind: 'none' | 'finished' | 'untouched' | 'completed' | 'moved' }
  | { readonly kind: 'running'; readonly journal: string; readonly pid: number }
  | { readonly kind: 'needs-attention'; readonly detail: string };

const WAIT_FOR_GIT_MS = 120_000;

export async function recoverInterruptedMerge(commonDir: string, options: { waitMs?: number } = {}): Promise<MergeRecovery> {
  const file = mergeJournalFile(commonDir);
  const journal = readJournal(file);
  if (journal === null) return { kind: 'none' };
  // Only the git the journal started is waited for: a reused pid is any other process.
  const ours = isProcessAlive(journal.pid) && (await isJournalGit(journal.pid, journal.startedAt));
  if (ours && !(await waitForExit(journal.pid, options.waitMs ?? WAIT_FOR_GIT_MS)))
    return { kind: 'running', journal: file, pid: journal.pid };
  // The journal is repository content a check could have written: its checkout must be one of the
  // repository's own worktrees before anything is read or written there.
  if (!(await isWorktreeOf(commonDir, journal.checkout))) {
    return {
      kind: 'needs-attention',
      detail: `The merge journal ${file} names ${journal.checkout}, which is not a worktree of this repository, so nothing was changed; if no merge is running, delete ${file} and try again.`,
    };
  }
  const outcome = await settle(journal);
  if (outcome.kind !== 'needs-attention') fs.rmSync(file, { force: true });
  return outcome;
}

async function settle(journal: MergeJournal): Promise<MergeRecovery> {
  const at = { cwd: journal.checkout };
  const head = await runGit(['rev-parse', '--verify', '--quiet', journal.branchRef], { ...at, expectedExitCodes: [0, 1] });
  const current = head.stdout.trim();
  if (current === journal.after) return { kind: 'finished' };
  if (current !== journal.before) return { kind: 'moved' };
  const gitDir = (await runGit(['rev-parse', '--absolute-git-dir'], at)).stdout.trim();
  const lock = path.join(gitDir, 'index.lock');
  const locked = fs.existsSync(lock);
  if (!locked) {
    // git either refused (nothing written) or wrote the index and died before moving the branch.
    const indexTree = (await runGit(['write-tree'], at)).stdout.trim();
    const afterTree = (await runGit(['rev-parse', `${journal.after}^{tree}`], at)).stdout.trim();
    if (indexTree !== afterTree) return { kind: 'untouched' };
    await runGit(
      ['update-ref', '-m', 'mlx-factory: merge completed after an interruption', journal.branchRef, journal.after, journal.before],
      at,
    );
    return { kind: 'completed' };
  }
  // git itself was killed mid-checkout: some files are at `after`, the rest at `before`.
  const paths = await changedPaths(journal.checkout, journal.before, journal.after);
  const strangers = await pathsChangedSinceCrash(journal, paths);
  if (strangers.length > 0) {
    return {
      kind: 'needs-attention',
      detail: `A merge into ${journal.branchRef} in ${journal.checkout} was cut off, and ${strangers.length} of its files were changed since (${strangers.slice(0, 5).join(', ')}); nothing was overwritten. Remove ${lock} and run \`git status\` there.`,
    };
  }
  fs.rmSync(lock, { force: true });
  await completeFastForward(journal, paths);
  return { kind: 'completed' };
}

/** Writes the `after` side of every changed path, updates the index for them, then moves the branch. */
async function completeFastForward(journal: MergeJournal, paths: readonly string[]): Promise<void> {
  const at = { cwd: journal.checkout };
  const afterFiles = new Set(
    (await runGit(['ls-tree', '-r', '-z', '--name-only', journal.after, '--', ...paths.map((p) => `:(literal)${p}`)], at)).stdout
      .split('\0')
      .filter((p) => p !== ''),
  );
  const tempIndex = path.join(os.tmpdir(), `mlx-factory-merge-index-${crypto.randomBytes(6).toString('hex')}`);
  try {
    const env = { GIT_INDEX_FILE: tempIndex };
    await runGit(['read-tree', journal.after], { ...at, env });
    const toWrite = paths.filter((p) => afterFiles.has(p));
    for (let i = 0; i < toWrite.length; i += 500)
      await runGit(['checkout-index', '-f', '-z', '--stdin'], { ...at, env, stdin: `${toWrite.slice(i, i + 500).join('\0')}\0` });
  } finally {
    fs.rmSync(tempIndex, { force: true });
  }
  for (const gone of paths.filter((p) => !afterFiles.has(p))) {
    const full = path.join(journal.checkout, gone);
    const stat = lstatIfPresent(full);
    if (stat !== undefined && (stat.isFile() || stat.isSymbolicLink())) fs.rmSync(full);
  }
  for (let i = 0; i < paths.length; i += 500) {
    await runGit(['update-index', '--add', '--remove', '-z', '--stdin'], { ...at, stdin: `${paths.slice(i, i + 500).join('\0')}\0` });
  }
  await runGit(
    ['update-ref', '-m', 'mlx-factory: merge completed after an interruption', journal.branchRef, journal.after, journal.before],
    at,
  );
}

/**
 * Changed paths whose file is at neither side's content, nor a prefix of the `after` side (git writes
 * each file front to back, so one it was killed in the middle of is cut short): edited since the
 * crash, so not ours to write.
 */
async function pathsChangedSinceCrash(journal: MergeJournal, paths: readonly string[]): Promise<string[]> {
  const blobs = new Map<string, Set<string>>();
  for (const side of [journal.before, journal.after]) {
    const listing = await runGit(['ls-tree', '-r', '-z', side, '--', ...paths.map((p) => `:(literal)${p}`)], { cwd: journal.checkout });
    for (const entry of listing.stdout.split('\0').filter((e) => e !== '')) {
      const tab = entry.indexOf('\t');
      const oid = entry.slice(0, tab).split(' ')[2] ?? '';
      const file = entry.slice(tab + 1);
      blobs.set(file, (blobs.get(file) ?? new Set()).add(oid));
    }
  }
  const unknown: Array<{ file: string; content: Buffer }> = [];
  const strangers: string[] = [];
  for (const file of paths) {
    const known = blobs.get(file) ?? new Set<string>();
    const full = path.join(journal.checkout, file);
    const stat = lstatIfPresent(full);
    if (stat === undefined) continue; // git removes before it writes: a missing file is one it had not written yet
    const content = stat.isSymbolicLink() ? Buffer.from(fs.readlinkSync(full)) : stat.isFile() ? fs.readFileSync(full) : null;
    if (content === null) strangers.push(file);
    else if (!known.has(gitBlobId(content))) unknown.push({ file, content });
  }
  if (unknown.length === 0) return strangers;
  const after = await readBlobs(
    journal.checkout,
    unknown.map((u) => `${journal.after}:${u.file}`),
  );
  unknown.forEach((u, i) => {
    const target = after[i]?.content ?? null;
    if (target === null || !target.subarray(0, u.content.length).equals(u.content)) strangers.push(u.file);
  });
  return strangers;
}

function gitBlobId(content: Buffer): string {
  return crypto.createHash('sha1').update(`blob ${content.length}\0`).update(content).digest('hex');
}

function readJournal(file: string): MergeJournal | null {
  try {
    const parsed = journalSchema.safeParse(JSON.parse(fs.readFileSync(file, 'utf8')));
    if (parsed.success) return parsed.data;
  } catch {
    return null;
  }
  fs.rmSync(file, { force: true });
  return null;
}

function writeJournal(file: string, journal: MergeJournal): void {
  const temp = `${file}.${process.pid}.tmp`;
  fs.writeFileSync(temp, JSON.stringify(journal));
  fs.renameSync(temp, file);
}

export async function isWorktreeOf(commonDir: string, checkout: string): Promise<boolean> {
  let real: string;
  try {
    real = fs.realpathSync(checkout);
  } catch {
    return false;
  }
  const worktrees = await listWorktrees(commonDir).catch(() => []);
  return worktrees.some((w) => {
    try {
      return fs.realpathSync(w.path) === real;
    } catch {
      return false;
    }
  });
}

async function waitForExit(pid: number, timeoutMs: number): Promise<boolean> {
  const until = Date.now() + timeoutMs;
  while (isProcessAlive(pid)) {
    if (Date.now() > until) return false;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  return true;
}
