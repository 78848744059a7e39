import { useServerStore } from '../../state/server-store.js';
import { useSessionsStore } from '../../state/sessions-store.js';
import { useNewSessionStore } from '../../state/new-session-store.js';
import { useUiStore } from '../../state/ui-store.js';
import type { Route } from '../../lib/route.js';
import { shortcutLabel } from '../../lib/shortcuts.js';
import { keyContext } from '../../hooks/use-key-context.js';
import { Icon, type IconName } from '../common/Icon.js';
import { serverStateLabel, serverStateTone } from '../common/ServerStateBadge.js';

const ITEMS: ReadonlyArray<{ view: Route['view']; label: string; icon: IconName; shortcut?: 'settings' }> = [
  { view: 'sessions', label: 'Sessions', icon: 'sessions' },
  { view: 'memory', label: 'Memory', icon: 'memory' },
  { view: 'server', label: 'Server', icon: 'server' },
  { view: 'models', label: 'Models', icon: 'arrow-down' },
  { view: 'cleanup', label: 'Cleanup', icon: 'folder' },
  { view: 'settings', label: 'Settings', icon: 'settings', shortcut: 'settings' },
];

export function Sidebar() {
  const route = useUiStore((s) => s.route);
  const navigate = useUiStore((s) => s.navigate);
  const running = useSessionsStore((s) => Object.values(s.byId).filter((x) => x.state === 'running').length);
  const server = useServerStore((s) => s.status.value);
  const openNew = useNewSessionStore((s) => s.open);
  const keys = keyContext();
  return (
    <nav className="sidebar" aria-label="Sections">
      <div className="sidebar-head">
        <span className="app-name">MLX Factory</span>
      </div>
      <button
        type="button"
        className="btn primary sidebar-new"
        onClick={() => openNew()}
        title={`New session (${shortcutLabel('new-session', keys)})`}
      >
        <Icon name="plus" size={12} /> New session
      </button>
      <ul className="nav-list">
        {ITEMS.map((item) => (
          <li key={item.view}>
            <button
              type="button"
              className={`nav-item${route.view === item.view ? ' on' : ''}`}
              aria-current={route.view === item.view ? 'page' : undefined}
              aria-label={item.label}
              onClick={() =>
                navigate(item.view === 'sessions' ? { view: 'sessions', session: null, tab: 'transcript' } : ({ view: item.view } as Route))
              }
            >
              <Icon name={item.icon} size={14} />
              <span>{item.label}</span>
              {item.view === 'sessions' && running > 0 && <span className="nav-count">{running}</span>}
              {item.shortcut !== undefined && (
                <kbd className="nav-shortcut" title={`Shortcut: ${shortcutLabel(item.shortcut, keys)}`}>
                  {shortcutLabel(item.shortcut, keys)}
                </kbd>
              )}
            </button>
          </li>
        ))}
      </ul>
      <div className="spacer-v" />
      <button type="button" className="sidebar-server" onClick={() => navigate({ view: 'server' })} title={server?.detail ?? ''}>
        <span className={`dot ${server !== null ? serverStateTone(server.state) : 'neutral'}`} />
        <span className="sidebar-server-text">
          <span>{server !== null ? serverStateLabel(server.state) : 'Server'}</span>
          <span className="muted mono">{server?.model ?? ''}</span>
        </span>
      </button>
    </nav>
  );
}
