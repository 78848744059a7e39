import { memo } from 'react';
import type { SessionInfo } from '../../../../src/api/payloads.js';
import { baseName, formatAge, formatTokens } from '../../lib/display-format.js';
import { StatusBadge } from '../common/StatusBadge.js';

export const SessionRow = memo(function SessionRow({ session, selected, now, onSelect, id }: { session: SessionInfo; selected: boolean; now: number; onSelect: (id: string) => void; id: string }) {
  const tokens = session.tokens.prompt + session.tokens.completion;
  return (
    <div id={id} role="option" aria-selected={selected} className={`session-row${selected ? ' selected' : ''}`} onClick={() => onSelect(session.id)} data-session={session.id}>
      <div className="session-row-top">
        <span className="session-name" title={session.name}>
          {session.name}
        </span>
        <span className="session-age">{formatAge(session.createdAt, now)}</span>
      </div>
      <div className="session-row-mid">
        <StatusBadge state={session.state} />
        <span className="session-stat">{session.attempts === 1 ? '1 attempt' : `${session.attempts} attempts`}</span>
        <span className="session-stat">{formatTokens(tokens)} tok</span>
      </div>
      <div className="session-row-bottom" title={`${session.repo}\n${session.branch}`}>
        <span className="session-repo">{baseName(session.repo)}</span>
        <span className="session-branch">{session.branch}</span>
      </div>
    </div>
  );
});
