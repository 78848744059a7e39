import type { FileChange, FilePair, FileSide as ApiFileSide, SessionDiff } from '../api/payloads.js';
import { FactoryError } from '../errors/factory-error.js';
import type { AppPaths } from '../home/app-home.js';
import { readContentPair, type FileSide } from '../workspace/content-pair.js';
import { listChangedFiles, type ChangedFile } from '../workspace/git/diff-file-list.js';
import { revParse } from '../workspace/git/rev-parse.js';
import { fileHunks } from './revert-change.js';
import { openSession, type SessionContext } from './session-context.js';

/**
 * Reviewing a session: what it changed against its recorded base commit — as a whole, or one step
 * (commit) at a time — and both sides of a file for a diff view. Read-only.
 */
export interface DiffScope {
  /** One step's own change (its commit against its parent); 0 or undefined = the whole session. */
  readonly step?: number | undefined;
  /** The same for a commit given by sha (the API's form). */
  readonly commit?: string | undefined;
}

interface SessionRange {
  readonly base: string;
  readonly head: string;
}

async function sessionRange(context: SessionContext, scope: DiffScope): Promise<SessionRange> {
  const { record } = context;
  let commit = scope.commit;
  if (scope.step !== undefined && scope.step > 0) {
    const step = record.steps.find((s) => s.step === scope.step);
    if (step === undefined)
      throw stepNotFound(
        record.id,
        scope.step,
        record.steps.map((s) => s.step),
      );
    commit = step.sha;
  }
  if (commit !== undefined) {
    const head = await revParse(record.repo, commit).catch(() => {
      throw new FactoryError('BAD_USAGE', `Commit ${commit} is not in ${record.repo}.`);
    });
    const parent = await revParse(record.repo, `${head}^`).catch(() => record.baseCommit);
    return { base: parent, head };
  }
  // The branch tip while the branch exists; once discarded, where the log last saw it.
  return { base: record.baseCommit, head: context.branchHead ?? record.headCommit };
}

export function stepNotFound(id: string, step: number, known: readonly number[]): FactoryError {
  return new FactoryError(
    'STEP_NOT_FOUND',
    `Session ${id} has no step ${step}. ${known.length > 0 ? `Its steps are 0 (the base) and ${known.join(', ')}.` : 'It has made no commit yet; only step 0 (the base) exists.'}`,
  );
}

export interface SessionChanges extends SessionRange {
  readonly files: readonly ChangedFile[];
}

export async function sessionChanges(
  paths: AppPaths,
  id: string,
  scope: DiffScope = {},
  options: { stats?: boolean } = { stats: true },
): Promise<SessionChanges> {
  const context = await openSession(paths, id);
  const range = await sessionRange(context, scope);
  return { ...range, files: await listChangedFiles(context.record.repo, range.base, range.head, options) };
}

/** The API's `sessions.diff` payload. */
export async function sessionDiff(paths: AppPaths, id: string, scope: DiffScope = {}): Promise<SessionDiff> {
  const changes = await sessionChanges(paths, id, scope);
  return { base: changes.base, head: changes.head, files: changes.files.map(toFileChange) };
}

export function toFileChange(file: ChangedFile): FileChange {
  return {
    path: file.path,
    oldPath: file.oldPath,
    status: file.status === 'unmerged' ? 'modified' : file.status,
    additions: file.additions,
    deletions: file.deletions,
    binary: file.binary === true,
    blob: file.newOid,
  };
}

/** The API's `sessions.filePair` payload: both sides of one changed file. */
export async function sessionFilePair(paths: AppPaths, id: string, filePath: string, scope: DiffScope = {}): Promise<FilePair> {
  const context = await openSession(paths, id);
  const range = await sessionRange(context, scope);
  const files = await listChangedFiles(context.record.repo, range.base, range.head);
  // A changed file is read by blob id (a rename's left side is its old path); any other path as it is
  // at both ends, so an unchanged or absent file answers too.
  const file = files.find((f) => f.path === filePath || f.oldPath === filePath) ?? {
    path: filePath,
    oldPath: null,
    oldOid: `${range.base}:${filePath}`,
    newOid: `${range.head}:${filePath}`,
  };
  const pair = await readContentPair(context.record.repo, file);
  // The whole session's diff offers its hunks for reverting; one step's diff is history, not revertible.
  const wholeSession = scope.commit === undefined && (scope.step === undefined || scope.step === 0);
  const hunks = wholeSession && 'status' in file ? await fileHunks(context.record.repo, file) : undefined;
  return {
    path: file.path,
    base: range.base,
    head: range.head,
    left: toApiSide(pair.before),
    right: toApiSide(pair.after),
    ...(hunks === undefined ? {} : { hunks }),
  };
}

function toApiSide(side: FileSide | null): ApiFileSide {
  if (side === null) return { exists: false, binary: false, tooLarge: false, size: 0, text: null };
  return { exists: true, binary: side.binary, tooLarge: !side.binary && side.text === null, size: side.size, text: side.text };
}
