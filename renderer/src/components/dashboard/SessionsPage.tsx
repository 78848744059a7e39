import { useEffect, type CSSProperties } from 'react';
import { useShallow } from 'zustand/react/shallow';
import { NARROW_QUERY, useMediaQuery } from '../../hooks/use-media-query.js';
import { keyContext } from '../../hooks/use-key-context.js';
import type { SessionTab } from '../../lib/route.js';
import { shortcutLabel } from '../../lib/shortcuts.js';
import { LIST_WIDTH, useLayoutStore } from '../../state/layout-store.js';
import { useNewSessionStore } from '../../state/new-session-store.js';
import { EmptyState } from '../common/EmptyState.js';
import { Splitter } from '../common/Splitter.js';
import { SessionList } from '../sessions/SessionList.js';
import { SessionView } from '../sessions/SessionView.js';

/**
 * The list and the open session. Wide: side by side with a splitter, the list hidden on
 * "Changes" unless asked for (the diff gets the width). Narrow (< 760 px): one column — the list,
 * or the session with a back button.
 */
export function SessionsPage({ session, tab }: { session: string | null; tab: SessionTab }) {
  const openNew = useNewSessionStore((s) => s.open);
  const narrow = useMediaQuery(NARROW_QUERY);
  const layout = useLayoutStore(
    useShallow((s) => ({
      listWidth: s.listWidth,
      listHidden: s.listHidden,
      setListWidth: s.setListWidth,
      setActiveTab: s.setActiveTab,
      toggleList: s.toggleList,
    })),
  );
  const { setActiveTab } = layout;
  useEffect(() => setActiveTab(tab), [tab, setActiveTab]);

  const showList = narrow ? session === null : session === null || !layout.listHidden[tab];
  const showDetail = !narrow || session !== null;
  const style = { '--list-width': `${layout.listWidth}px` } as CSSProperties;
  return (
    <div className="sessions-page" data-columns={showList && showDetail ? 'two' : 'one'} style={style}>
      {session === null && <h1 className="visually-hidden">Sessions</h1>}
      {showList && (
        <div className="list-pane" id="session-list-pane">
          <SessionList selected={session} />
        </div>
      )}
      {showList && showDetail && (
        <Splitter
          label="Session list width"
          value={layout.listWidth}
          min={LIST_WIDTH.min}
          max={LIST_WIDTH.max}
          onChange={layout.setListWidth}
          controls="session-list-pane"
        />
      )}
      {showDetail && (
        <div className="sessions-detail">
          {session !== null ? (
            <SessionView key={session} id={session} tab={tab} narrow={narrow} listShown={showList} onToggleList={layout.toggleList} />
          ) : (
            <EmptyState
              icon="sessions"
              title="Pick a session"
              message="Its live transcript, check output, verdicts and diff show here."
              action={
                <button type="button" className="btn" onClick={() => openNew()}>
                  New session… <span className="kbd">{shortcutLabel('new-session', keyContext())}</span>
                </button>
              }
            />
          )}
        </div>
      )}
    </div>
  );
}
