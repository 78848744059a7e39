import { useShallow } from 'zustand/react/shallow';
import type { SessionInfo } from '../../../../src/api/payloads.js';
import { countByGroup, SESSION_GROUPS } from '../../lib/session-filter.js';
import { useSessionsStore } from '../../state/sessions-store.js';
import { Icon } from '../common/Icon.js';

export function SessionFilters({ sessions }: { sessions: readonly SessionInfo[] }) {
  const { group, query, setGroup, setQuery } = useSessionsStore(
    useShallow((s) => ({ group: s.group, query: s.query, setGroup: s.setGroup, setQuery: s.setQuery })),
  );
  const counts = countByGroup(sessions);
  return (
    <div className="session-filters">
      <label className="search-field">
        <Icon name="search" size={12} />
        <input
          type="search"
          placeholder="Filter sessions"
          value={query}
          onChange={(e) => setQuery(e.target.value)}
          aria-label="Filter sessions"
        />
      </label>
      <div className="chips" role="radiogroup" aria-label="Show sessions">
        {SESSION_GROUPS.map((g) => (
          <button
            key={g.id}
            type="button"
            role="radio"
            aria-checked={group === g.id}
            className={`chip${group === g.id ? ' on' : ''}`}
            onClick={() => setGroup(g.id)}
          >
            {g.label}
            {counts[g.id] > 0 && <span className="chip-count">{counts[g.id]}</span>}
          </button>
        ))}
      </div>
    </div>
  );
}
