import { memo, useState } from 'react';
import { formatTokens, plural, shortSha } from '../../lib/display-format.js';
import type { TranscriptItem, TurnItem, ExecItem, LintItem } from '../../lib/transcript-reducer.js';
import { Icon } from '../common/Icon.js';
import { StatusBadge } from '../common/StatusBadge.js';
import { InlineMarkdown } from './InlineMarkdown.js';

/** The one-row items of a transcript: attempt dividers, commits, verdicts, notices, the end. */
export const TranscriptItemRow = memo(function TranscriptItemRow({ item }: { item: Exclude<TranscriptItem, TurnItem | ExecItem> }) {
  switch (item.kind) {
    case 'attempt':
      return (
        <div className="attempt-divider">
          <span>Attempt {item.attempt}</span>
        </div>
      );
    case 'commit':
      return (
        <div className="commit-row">
          <span className="commit-dot" />
          <span>
            Step {item.step} committed <code>{shortSha(item.sha)}</code> · {plural(item.files.length, 'file')}
          </span>
          <span className="commit-files">{item.files.join(', ')}</span>
        </div>
      );
    case 'verdict':
      return <VerdictCard verdict={item.verdict} passed={item.passed} feedback={item.feedback} attempt={item.attempt} />;
    case 'note':
      return <NoteRow tone={item.tone} text={item.text} detail={item.detail} />;
    case 'lint':
      return <LintRow item={item} />;
    case 'finished':
      return (
        <div className={`finished-row ${item.status === 'passed' ? 'success' : 'danger'}`} data-outcome={item.status}>
          <StatusBadge state={item.status} />
          <span>
            {item.reason} · {plural(item.attempts, 'attempt')} · {formatTokens(item.tokens.prompt + item.tokens.completion)} tokens
          </span>
        </div>
      );
  }
});

/** The verdict's outcome; its reasoning is the Sheriff's turn just above, so it is not repeated. */
function VerdictCard({
  verdict,
  passed,
  feedback,
  attempt,
}: {
  verdict: 'PASS' | 'FAIL' | 'missing';
  passed: boolean;
  feedback: string;
  attempt: number;
}) {
  const firstLine = feedback.split('\n').find((line) => line.trim() !== '' && !/VERDICT/i.test(line)) ?? '';
  return (
    <div className={`verdict-card ${passed ? 'pass' : verdict === 'missing' ? 'missing' : 'fail'}`} data-verdict={verdict}>
      <div className="verdict-head">
        <Icon name={passed ? 'check' : 'x'} size={14} />
        <span className="verdict-title">{verdict === 'missing' ? 'No verdict' : `Verdict: ${verdict}`}</span>
        <span className="verdict-attempt">attempt {attempt}</span>
        {verdict === 'PASS' && !passed && <span className="verdict-note">the check did not pass, so this counts as a failure</span>}
      </div>
      {!passed && firstLine !== '' && (
        <div className="verdict-body">
          <InlineMarkdown text={firstLine.trim()} />
        </div>
      )}
    </div>
  );
}

/** The lint step: which files, and each error with its line (what the Coder was sent instead of a check run). */
function LintRow({ item }: { item: LintItem }) {
  const done = item.finished;
  const files = item.files.join(', ');
  if (done === null) return <NoteRow tone="info" text={`Lint: checking the syntax of ${files}…`} detail={null} />;
  const skipped = done.skipped.length > 0 ? ` Not checked: ${done.skipped.map((x) => `${x.file} (${x.reason})`).join('; ')}.` : '';
  if (done.errors.length === 0)
    return <NoteRow tone="info" text={`Lint: ${files} — no syntax error (${Math.round(done.durationMs)} ms).${skipped}`} detail={null} />;
  const where = done.errors.map((e) => `${e.file}${e.line !== null ? `:${e.line}` : ''}`).join(', ');
  const text =
    done.correction !== null
      ? `Lint: syntax error in ${where} — sent back to the Coder; the check did not run and no attempt was spent.${skipped}`
      : `Lint: syntax error in ${where} — this attempt's 3 lint corrections are spent, so the check runs anyway.${skipped}`;
  return (
    <NoteRow
      tone="warn"
      text={text}
      detail={done.errors.map((e) => `${e.file}${e.line !== null ? `, line ${e.line}` : ''} (${e.tool}):\n${e.message}`).join('\n\n')}
    />
  );
}

function NoteRow({ tone, text, detail }: { tone: 'info' | 'warn' | 'error' | 'success'; text: string; detail: string | null }) {
  const [open, setOpen] = useState(false);
  return (
    <div className={`note-row ${tone}`}>
      <div className="note-line">
        <Icon name={tone === 'success' ? 'check' : tone === 'info' ? 'info' : 'warning'} size={12} />
        <span>{text}</span>
        {detail !== null && (
          <button type="button" className="link-btn" onClick={() => setOpen(!open)} aria-expanded={open}>
            {open ? 'Hide' : 'Details'}
          </button>
        )}
      </div>
      {open && detail !== null && <pre className="note-detail">{detail}</pre>}
    </div>
  );
}
