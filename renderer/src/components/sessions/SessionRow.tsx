import { memo } from 'react';
import type { SessionInfo } from '../../../../src/api/payloads.js';
import { formatAge, formatTokens } from '../../lib/display-format.js';
import { environmentShort, preflightShort } from '../../lib/environment-label.js';
import { StatusBadge } from '../common/StatusBadge.js';

/** One session in the list: its task's first line (plus a short id when another has the same), state, numbers, branch. */
export const SessionRow = memo(function SessionRow({
  session,
  title,
  selected,
  now,
  onSelect,
  id,
  sibling = false,
}: {
  session: SessionInfo;
  title: { title: string; suffix: string | null } | undefined;
  selected: boolean;
  now: number;
  onSelect: (id: string) => void;
  id: string;
  /** A best-of-K sibling, listed under its group's line. */
  sibling?: boolean;
}) {
  const tokens = session.totalTokens.prompt + session.totalTokens.completion;
  const text = title?.title ?? session.title;
  const deps = session.environment != null ? environmentShort(session.environment) : null;
  return (
    <div
      id={id}
      role="option"
      aria-selected={selected}
      className={`session-row${selected ? ' selected' : ''}${session.archived ? ' archived' : ''}${sibling ? ' sibling' : ''}`}
      onClick={() => onSelect(session.id)}
      data-session={session.id}
    >
      <div className="session-row-top">
        <span className="session-name" title={text}>
          {text}
        </span>
        {title?.suffix != null && (
          <span className="session-short-id mono" title={session.id}>
            #{title.suffix}
          </span>
        )}
        <span className="session-age">{formatAge(session.createdAt, now)}</span>
      </div>
      <div className="session-row-mid">
        <StatusBadge session={session} />
        {session.archived && <span className="badge neutral">Archived</span>}
        {session.state === 'running' && session.waitingFor !== null && (
          <span className="badge warning" data-waiting-for="memory" title={session.waitingFor}>
            waiting for memory
          </span>
        )}
        <span className="session-stat" data-total-attempts={session.totalAttempts}>
          {session.totalAttempts === 1 ? '1 attempt' : `${session.totalAttempts} attempts`}
          {session.series > 1 ? ` · ${session.series} series` : ''}
        </span>
        <span className="session-stat">{formatTokens(tokens)} tok</span>
        {session.run?.state === 'running' && (
          <span className="session-stat session-running-app" title={`Its app runs on http://127.0.0.1:${session.run.port}`}>
            <span className="run-dot" aria-hidden="true" /> :{session.run.port}
          </span>
        )}
        {sibling && session.group !== undefined && (
          <span className="session-stat" title="Sibling number and the temperature its model turns ask">
            #{session.group.index + 1} · t {session.group.temperature}
          </span>
        )}
      </div>
      <div className="session-row-bottom" title={`${session.repo}\n${session.branch}`}>
        <span className="session-branch">{session.branch}</span>
      </div>
      {(deps !== null || session.preflight != null) && (
        <div className="session-row-env">
          {deps !== null && session.environment != null && (
            <span
              className="session-stat"
              data-row-environment={session.environment.mode}
              title={session.environment.line.replace(/`/g, '')}
            >
              {deps}
            </span>
          )}
          {session.preflight != null && (
            <span
              className={`session-stat${preflightShort(session.preflight).warn ? ' warn' : ''}`}
              data-row-preflight={session.preflight.outcome}
              title={session.preflight.message}
            >
              {preflightShort(session.preflight).text}
            </span>
          )}
        </div>
      )}
    </div>
  );
});
