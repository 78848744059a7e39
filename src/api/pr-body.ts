import type { Session } from './session-projection.js';

/**
 * The pull request a session opens, written from its projection (pure; the renderer shows the same
 * text before it is sent): the merge subject as title, and a body with the task, each step on the
 * branch with its check result and verdict, the user's replies and review comments, and the check.
 */
const MAX_BODY_CHARS = 60_000;

/** The subject a squash merge of the session would get (merge-session.ts). */
export function pullRequestTitle(session: Pick<Session, 'task' | 'id'>): string {
  return session.task.name.trim().split('\n')[0] ?? session.id;
}

export function pullRequestBody(session: Session): string {
  const lines: string[] = ['## Task', '', session.task.description.trim() || session.task.name, ''];
  if (session.task.constraints.length > 0) {
    lines.push('Constraints:', ...session.task.constraints.map((c) => `- ${c}`), '');
  }
  lines.push('## Steps', '');
  const onBranch = session.steps.filter((step) => session.currentSteps.includes(step.step));
  if (onBranch.length === 0) lines.push('(no steps on the branch)');
  for (const step of onBranch) {
    lines.push(
      `- Step ${step.step} (attempt ${step.attempt}${step.series > 1 ? `, reply ${step.series - 1}` : ''}): ${step.files.join(', ')} — ${checkText(step)}`,
    );
  }
  lines.push('');
  const replies = session.seriesList.filter((s) => s.instruction !== null);
  if (replies.length > 0) {
    lines.push('## Replies', '', ...replies.map((s) => `- ${oneLine(s.instruction ?? '')}${s.rolledBack ? ' (rolled back)' : ''}`), '');
  }
  if (session.comments.length > 0) {
    lines.push(
      '## Review comments',
      '',
      ...session.comments.map(
        (c) => `- ${c.file}:${c.startLine}${c.endLine !== c.startLine ? `-${c.endLine}` : ''} — ${oneLine(c.text)} (${c.state})`,
      ),
      '',
    );
  }
  lines.push('## Check', '', session.task.check === '' ? '(the entry file the Coder writes)' : `\`${session.task.check}\``, '');
  if (session.rolledBackTo !== null) lines.push(`Rolled back to step ${session.rolledBackTo} and not checked since.`, '');
  lines.push(`Made by MLX Factory, session ${session.id} (branch ${session.branch}).`);
  const body = lines.join('\n');
  return body.length <= MAX_BODY_CHARS ? body : `${body.slice(0, MAX_BODY_CHARS - 1)}…`;
}

function checkText(step: Session['steps'][number]): string {
  const check =
    step.check === null ? 'not checked' : step.check.timedOut ? 'check timed out' : `check exit ${step.check.exitCode ?? 'none'}`;
  return step.verdict === null ? check : `${check}, verdict ${step.verdict}`;
}

function oneLine(text: string): string {
  const flat = text.replace(/\s+/g, ' ').trim();
  return flat.length <= 300 ? flat : `${flat.slice(0, 299)}…`;
}
