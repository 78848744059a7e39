import type { ReactNode } from 'react';
import type { SessionDetail, SessionInfo } from '../../../../src/api/payloads.js';
import { baseName, formatAge, shortSha, stepName } from '../../lib/display-format.js';
import type { Transcript } from '../../lib/transcript-reducer.js';
import { attemptsLabel } from '../../../../src/api/session-row.js';
import { sessionNow } from '../../lib/session-now.js';
import { Banner } from '../common/Banner.js';
import { CodeSpans } from '../common/CodeSpans.js';
import { StatusBadge } from '../common/StatusBadge.js';
import { TokenBudget } from './TokenBudget.js';
import { ServerLogDisclosure } from './ServerLogDisclosure.js';

/** Title, state and numbers of the open session, with what can be done to it now. */
export function SessionHeader({
  session,
  detail,
  transcript,
  onCancel,
  onResume,
  busy,
  actions,
}: {
  session: SessionInfo;
  detail: SessionDetail | null;
  transcript: Transcript | undefined;
  onCancel: () => void;
  onResume: () => void;
  busy: boolean;
  /** More actions at the end of the title row (Open in…, Archive). */
  actions?: ReactNode;
}) {
  const row = sessionNow(session, transcript?.projection);
  const used = row.tokens.prompt + row.tokens.completion;
  const started = formatAge(session.createdAt, Date.now());
  const resumable = !session.live && !['running', 'merged', 'discarded', 'passed'].includes(session.state);
  return (
    <header className="session-header">
      <div className="session-title-row">
        <h1 className="session-title" title={detail?.task?.description ?? session.title}>
          {session.title}
        </h1>
        <StatusBadge session={row} />
        {row.rolledBackTo !== null && row.state !== 'discarded' && (
          <span className="rolled-back-pill" title="A rollback moved the branch to a step no check has passed on as it is.">
            rolled back to {stepName(row.rolledBackTo)} · not checked
          </span>
        )}
        {row.merged && row.state !== 'merged' && <span className="badge neutral">merged before</span>}
        <div className="spacer" />
        {session.live && (
          <button type="button" className="btn small" onClick={onCancel} disabled={busy}>
            Stop
          </button>
        )}
        {resumable && (
          <button type="button" className="btn small" onClick={onResume} disabled={busy}>
            Resume
          </button>
        )}
        {actions}
      </div>
      <div className="session-meta-row">
        <span className="meta-item" title={session.repo}>
          {baseName(session.repo)}
        </span>
        <span className="meta-sep">·</span>
        <code className="meta-item branch">{session.branch}</code>
        <span className="meta-sep">·</span>
        <span className="meta-item" title={session.baseCommit}>
          from {session.baseBranch ?? 'detached HEAD'} @ {shortSha(session.baseCommit)}
        </span>
        <span className="meta-sep">·</span>
        <span className="meta-item" title={new Date(session.createdAt).toLocaleString()}>
          {started === 'just now' ? 'started just now' : `started ${started} ago`}
        </span>
      </div>
      <div className="session-stats-row">
        <div className="stat">
          <span className="stat-label">{row.series > 1 ? `Series ${row.series}` : 'Attempt'}</span>
          <span className="stat-value" data-attempt={row.attempts} data-total-attempts={row.totalAttempts} data-series={row.series}>
            {row.series > 1 ? attemptsLabel(row).replace(/^series \d+ · /, '') : `${row.attempts} of ${row.maxAttempts}`}
          </span>
        </div>
        {detail?.task?.check !== undefined && detail.task.check !== '' && (
          <div className="stat grow">
            <span className="stat-label">Check</span>
            <code className="stat-value mono" title={detail.task.check}>
              {detail.task.check}
            </code>
          </div>
        )}
        {row.cachedShare !== null && (
          <div
            className="stat"
            title="The share of prompt tokens the model server took from its prefix cache instead of computing them again."
          >
            <span className="stat-label">Prompt cache</span>
            <span className="stat-value" data-cached-share={row.cachedShare.toFixed(3)}>
              {Math.round(row.cachedShare * 100)} % cached
            </span>
          </div>
        )}
        <TokenBudget used={used} budget={row.tokenBudget} series={row.series} total={row.totalTokens.prompt + row.totalTokens.completion} />
      </div>
      {(row.environment != null || row.preflight != null) && (
        <div className="session-environment" data-session-environment={row.environment?.mode ?? ''}>
          {row.environment != null && <CodeSpans text={row.environment.line} />}
          {row.environment != null && row.preflight != null && <span className="meta-sep"> · </span>}
          {row.preflight != null && (
            <span data-session-preflight={row.preflight.outcome}>
              Preflight: <CodeSpans text={row.preflight.message} />
            </span>
          )}
        </div>
      )}
      {row.reason !== '' && row.state !== 'running' && <div className="session-reason">{row.reason}</div>}
      {row.state === 'running' && row.waitingFor !== null && (
        <div data-waiting-for="memory">
          <Banner tone="info">
            Its next model turn is waiting for memory, so the Mac does not swap: {row.waitingFor.replace(/^waiting for memory: /, '')}
          </Banner>
        </div>
      )}
      {row.promptCut !== null && (
        <div data-prompt-cut>
          <Banner tone="warning">{row.promptCut}</Banner>
        </div>
      )}
      {row.state === 'error' && <ServerLogDisclosure />}
    </header>
  );
}
