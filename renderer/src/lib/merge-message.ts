import type { SessionDetail, SessionInfo } from '../../../src/api/payloads.js';
import { shortSha, stepName } from './display-format.js';
import { stepOutcome } from './step-outcome.js';

/**
 * The merge commit's default message, for the user to edit: the subject is the task's first line
 * (cut at a word, never with a literal "…"; git's 72-column habit), the body the rest of the task
 * and what each step did and how its check and the Sheriff judged it. Pure.
 */
const SUBJECT_MAX = 72;

export function commitSubject(task: string): string {
  const first =
    task
      .trim()
      .split('\n')[0]
      ?.trim()
      .replace(/[.…]+$/u, '') ?? '';
  if (first.length <= SUBJECT_MAX) return first;
  const cut = first.slice(0, SUBJECT_MAX + 1);
  const space = cut.lastIndexOf(' ');
  return (space > 20 ? cut.slice(0, space) : first.slice(0, SUBJECT_MAX)).replace(/[\s,;:.-]+$/u, '');
}

export function defaultMergeMessage(session: SessionInfo, detail: SessionDetail | null): string {
  const description = detail?.task?.description ?? session.title;
  const subject = commitSubject(description) || session.name.replace(/\.\.\.$|…$/u, '');
  const lines: string[] = [subject, ''];
  const [first = '', ...rest] = description.trim().split('\n');
  const restText = rest.join('\n').trim();
  // The whole first line again only when the subject had to cut it.
  const cut = first.trim().replace(/[.…]+$/u, '').length > subject.length;
  if (cut || restText !== '') lines.push(...(cut ? [first.trim()] : []), ...(restText !== '' ? [restText] : []), '');
  const commits = detail?.commits ?? [];
  if (commits.length > 0) {
    lines.push(`Steps:`);
    for (const commit of commits) {
      const outcome = stepOutcome(commit);
      const files =
        commit.files.length > 3 ? `${commit.files.slice(0, 3).join(', ')} +${commit.files.length - 3}` : commit.files.join(', ');
      lines.push(`- Step ${commit.step} (attempt ${commit.attempt}, ${shortSha(commit.sha)}): ${files || 'no files'} — ${outcome.label}`);
    }
    lines.push('');
  }
  const verdict = detail?.lastVerdict;
  if (session.rolledBackTo !== null) lines.push(`Rolled back to ${stepName(session.rolledBackTo)} afterwards: not checked as merged.`);
  else if (verdict != null)
    lines.push(
      `Sheriff: ${verdict.verdict === 'missing' ? 'no verdict' : verdict.verdict} on attempt ${verdict.attempt}${verdict.passed ? ' (passed)' : ''}.`,
    );
  if (detail?.task?.check != null && detail.task.check !== '') lines.push(`Check: ${detail.task.check}`);
  return `${lines.join('\n').trimEnd()}\n`;
}
