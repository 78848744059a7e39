import type { MemorySample } from '../../../../src/api/payloads.js';
import { formatBytes } from '../../lib/display-format.js';
import { useSessionsStore } from '../../state/sessions-store.js';

/**
 * The model server's prompt cache (#17): its size as mlx_lm.server last logged it, and how much of it
 * each running session holds. The server does not say whose prefix is whose, so a session's part is
 * an estimate from its latest prompt's tokens — and the card says so.
 */
export function PromptCacheCard({ cache }: { cache: NonNullable<MemorySample['promptCache']> }) {
  const byId = useSessionsStore((s) => s.byId);
  const held = cache.sessions.reduce((sum, s) => sum + s.bytes, 0);
  return (
    <div className="card prompt-cache-card" data-prompt-cache-bytes={cache.bytes}>
      <div className="card-title">Prompt cache of the model server</div>
      <div className="stat-grid">
        <div className="stat-tile">
          <span className="stat-label">Size</span>
          <span className="stat-big">{formatBytes(cache.bytes)}</span>
          <span className="stat-note">
            {cache.sequences} cached {cache.sequences === 1 ? 'prefix' : 'prefixes'}, as the server logs it
          </span>
        </div>
      </div>
      {cache.sessions.length > 0 ? (
        <table className="prompt-cache-sessions">
          <thead>
            <tr>
              <th>Running session</th>
              <th>Latest prompt</th>
              <th>Holds (estimate)</th>
            </tr>
          </thead>
          <tbody>
            {cache.sessions.map((s) => (
              <tr key={s.id} data-cache-session={s.id}>
                <td>{byId[s.id]?.title ?? s.id}</td>
                <td className="mono">{s.promptTokens.toLocaleString()} tokens</td>
                <td className="mono">~{formatBytes(s.bytes)}</td>
              </tr>
            ))}
          </tbody>
        </table>
      ) : (
        <div className="muted small">No running session has finished a model turn yet.</div>
      )}
      <div className="muted small">
        Estimates: the server does not say which cached prefix belongs to which session, so each session’s part is its latest prompt’s
        tokens times the model’s KV bytes per token (or its share of the cache by tokens).
        {held < cache.bytes ? ` The rest (~${formatBytes(cache.bytes - held)}) is prefixes of earlier turns and ended sessions.` : ''}
      </div>
    </div>
  );
}
