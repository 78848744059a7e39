import type { SessionEvent } from '../api/events.js';
import type { CliOutput } from './cli-output.js';
import { turnUsageText } from './prompt-cache-text.js';

/**
 * The human-readable live view of `mlx-factory run`: attempt headers, the personas' tokens as they
 * stream, the check's output and the verdict. Colours only on a terminal.
 */
export function createTerminalView(output: CliOutput): (event: SessionEvent) => void {
  const paint = (code: string, text: string): string => (output.isTty ? `\u001b[${code}m${text}\u001b[0m` : text);
  const bold = (t: string): string => paint('1', t);
  const dim = (t: string): string => paint('2', t);
  let midLine = false;
  const line = (text: string): void => {
    if (midLine) output.out('\n');
    midLine = false;
    output.out(`${text}\n`);
  };
  return (event) => {
    switch (event.type) {
      case 'session.created':
        line(bold(`Session ${event.session}`) + dim(` — ${event.task.name}`));
        line(
          dim(
            `  repo ${event.repo}\n  branch ${event.branch} (from ${event.baseCommit.slice(0, 8)})\n  worktree ${event.worktree}\n  check: ${event.task.check}`,
          ),
        );
        break;
      case 'session.warning':
        line(paint('33', `warning: ${event.message}`));
        break;
      case 'environment':
        line(event.line);
        break;
      case 'setup.started':
        line(dim(`setup: $ ${event.command}`));
        break;
      case 'setup.finished':
        line(
          event.exitCode === 0
            ? dim(`setup: done in ${(event.durationMs / 1000).toFixed(1)} s`)
            : paint('31', `setup: failed (exit ${String(event.exitCode ?? event.signal)})\n${event.output}`),
        );
        break;
      case 'preflight':
        line(event.outcome === 'environment' ? paint('31', `preflight: ${event.message}`) : dim(`preflight: ${event.message}`));
        break;
      case 'prompt.cut':
        line(paint('33', `warning: ${event.message}`));
        break;
      case 'attempt.started':
        line(`\n${bold(`━━ Attempt ${event.attempt} ━━`)}`);
        break;
      case 'turn.started':
        line(
          paint(event.persona === 'coder' ? '36' : '35', `▸ ${event.persona === 'coder' ? 'Coder' : 'Sheriff'}`) +
            dim(` (~${event.estimatedPromptTokens} prompt tokens)`),
        );
        break;
      case 'turn.queued':
        line(
          event.reason === 'memory'
            ? paint('33', `  waiting for memory: ${event.message ?? ''}`)
            : dim(`  waiting for the model (${event.position} turn(s) of other sessions first)`),
        );
        break;
      case 'turn.admitted':
        line(dim(`  memory is free again: the turn goes on (waited ${Math.round(event.waitedMs / 1000)} s)`));
        break;
      case 'token.delta':
        output.out(event.text);
        midLine = !event.text.endsWith('\n');
        break;
      case 'turn.retry':
        line(paint('33', `  the model server failed (${event.reason}); retrying the turn`));
        break;
      case 'turn.finished':
        line(dim(`  (${event.usage ? `${turnUsageText(event.usage)}, ` : ''}${(event.durationMs / 1000).toFixed(1)} s)`));
        break;
      case 'edit.rejected':
        line(paint('33', `  no usable edit: ${event.reasons.join('; ') || 'no file blocks'} — asking again`));
        break;
      case 'read.answered':
        line(dim(`  answered the Coder's ${event.via === 'native' ? 'tool calls' : 'requests'}: ${event.paths.join('; ')}`));
        break;
      case 'tools.protocol':
        line(
          dim(
            `tools: READ / SEARCH / LIST ${event.protocol === 'native' ? 'offered as tool calls' : 'as text lines'} — ${event.reason}${event.source === 'remembered' ? ' (remembered)' : ''}`,
          ),
        );
        break;
      case 'commit':
        line(dim(`  committed ${event.sha.slice(0, 8)}: ${event.files.join(', ')}`));
        break;
      case 'exec.started':
        line(dim(`▸ $ ${event.command}`));
        break;
      case 'exec.output':
        output.out(dim(event.chunk));
        midLine = !event.chunk.endsWith('\n');
        break;
      case 'exec.finished':
        line(
          event.timedOut
            ? paint('31', `  check killed after the execution timeout (${(event.durationMs / 1000).toFixed(1)} s)`)
            : paint(
                event.exitCode === 0 ? '32' : '31',
                `  check exited ${String(event.exitCode ?? event.signal)} in ${(event.durationMs / 1000).toFixed(1)} s`,
              ),
        );
        break;
      case 'verdict':
        line(
          event.passed
            ? paint('32', `✔ PASS (attempt ${event.attempt})`)
            : paint('31', `✘ ${event.verdict === 'missing' ? 'no verdict (counted as FAIL)' : event.verdict} (attempt ${event.attempt})`),
        );
        break;
      case 'session.finished':
        line(`\n${bold(event.status === 'passed' ? paint('32', 'passed') : paint('31', event.status))} — ${event.reason}`);
        line(dim(`  ${event.attempts} attempt(s), ${event.tokens.prompt}+${event.tokens.completion} tokens`));
        break;
    }
  };
}

/**
 * Several sessions at once (`run -t a.yaml -t b.yaml`): interleaved token streams would be unreadable,
 * so each session's milestones are printed as one line with its name, and tokens are not.
 */
export function createMultiSessionView(output: CliOutput): (event: SessionEvent) => void {
  const names = new Map<string, string>();
  const views = new Map<string, (event: SessionEvent) => void>();
  return (event) => {
    if (event.type === 'session.created') names.set(event.session, event.task.name);
    if (event.type === 'token.delta' || event.type === 'exec.output') return;
    let view = views.get(event.session);
    if (!view) {
      const prefix = `[${names.get(event.session) ?? event.session}] `;
      view = createTerminalView({
        ...output,
        out: (text) =>
          output.out(
            text
              .split('\n')
              .map((l) => (l === '' ? l : prefix + l))
              .join('\n'),
          ),
      });
      views.set(event.session, view);
    }
    view(event);
  };
}
