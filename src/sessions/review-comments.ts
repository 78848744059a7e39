import crypto from 'node:crypto';
import type { ReviewComment } from '../api/session-projection.js';
import { fenceFor } from '../agents/fence-for.js';
import { FactoryError } from '../errors/factory-error.js';
import type { AppPaths } from '../home/app-home.js';
import { readWorktreeText } from '../workspace/worktree-files.js';
import { replySession } from './reply-session.js';
import { appendEvent, loadSession } from './session-store.js';
import { assertAppStopped } from './run-guard.js';
import type { LaunchDeps, SessionSummary } from './start-session.js';

/**
 * Review comments on lines of the session's files, kept in its log (`review.comment`). "Request
 * changes" sends every open one to the Coder as the next instruction (a reply whose series lists
 * them); once that series has ended they show as resolved. The quoted code is read host-side from the
 * worktree (never through a link out of it), so the Coder sees exactly what the reviewer saw.
 */
const MAX_COMMENT_CHARS = 4000;
const MAX_QUOTE_CHARS = 2000;
const MAX_LINES = 400;

export interface NewComment {
  readonly file: string;
  readonly startLine: number;
  readonly endLine: number;
  readonly text: string;
}

export function addReviewComment(paths: AppPaths, id: string, comment: NewComment): ReviewComment {
  const record = loadSession(paths, id);
  if (record.discard !== null)
    throw new FactoryError('SESSION_DISCARDED', `Session ${id} was discarded or cleaned up; there is nothing to comment on.`);
  const text = comment.text.trim();
  if (text === '') throw new FactoryError('BAD_USAGE', 'The comment is empty.');
  if (text.length > MAX_COMMENT_CHARS) throw new FactoryError('BAD_USAGE', `A comment holds at most ${MAX_COMMENT_CHARS} characters.`);
  const { startLine, endLine } = comment;
  if (endLine < startLine || endLine - startLine >= MAX_LINES)
    throw new FactoryError('BAD_USAGE', `Lines ${startLine}–${endLine} are not a range of at most ${MAX_LINES} lines.`);
  // The quote is read from the worktree: not while its app could swap a folder for a link out of it.
  assertAppStopped(record, 'commented on');
  const read = readWorktreeText(record.worktree, comment.file, { maxBytes: 4 * 1024 * 1024 });
  if (!read.ok) throw new FactoryError('PATH_REFUSED', `Cannot comment on ${comment.file}: ${read.reason}.`);
  const lines = read.text.split('\n');
  if (startLine > lines.length)
    throw new FactoryError('BAD_USAGE', `${comment.file} has ${lines.length} lines; line ${startLine} is past its end.`);
  let quote = lines.slice(startLine - 1, endLine).join('\n');
  if (quote.length > MAX_QUOTE_CHARS) quote = `${quote.slice(0, MAX_QUOTE_CHARS)}\n…`;
  const event = appendEvent(paths, id, {
    type: 'review.comment',
    commentId: crypto.randomUUID().slice(0, 8),
    file: comment.file,
    startLine,
    endLine: Math.min(endLine, lines.length),
    quote,
    text,
    headCommit: record.headCommit,
  });
  const added = loadSession(paths, id).comments.find((c) => event.type === 'review.comment' && c.id === event.commentId);
  if (added === undefined) throw new FactoryError('INTERNAL', 'The comment was not recorded.');
  return added;
}

/** The instruction "Request changes" sends: every open comment with its file, lines and the quoted code. */
export function requestChangesInstruction(
  comments: readonly Pick<ReviewComment, 'file' | 'startLine' | 'endLine' | 'quote' | 'text'>[],
): string {
  const parts = comments.map((c, i) => {
    const lines = c.startLine === c.endLine ? `line ${c.startLine}` : `lines ${c.startLine}–${c.endLine}`;
    const fence = fenceFor(c.quote);
    return `${i + 1}. ${c.file}, ${lines}:\n${fence}\n${c.quote}\n${fence}\nReview comment: ${c.text}`;
  });
  return `The reviewer requested changes. Address each comment below (file, lines, the code as it was, the comment):\n\n${parts.join('\n\n')}`;
}

/** "Request changes": every open comment goes to the Coder as the next instruction, a new attempt series. */
export async function requestChanges(paths: AppPaths, id: string, deps: LaunchDeps): Promise<SessionSummary> {
  const open = loadSession(paths, id).comments.filter((c) => c.state === 'open');
  if (open.length === 0) throw new FactoryError('BAD_USAGE', `Session ${id} has no open review comment to send.`);
  return replySession(paths, id, requestChangesInstruction(open), deps, { comments: open.map((c) => c.id) });
}
