import { memo } from 'react';
import { formatDuration, formatTokens } from '../../lib/display-format.js';
import type { TurnItem } from '../../lib/transcript-reducer.js';

export const TurnHeader = memo(function TurnHeader({ turn }: { turn: TurnItem }) {
  const persona = turn.persona === 'coder' ? 'Coder' : 'Sheriff';
  return (
    <div className={`turn-header ${turn.persona}`} data-turn={turn.id} data-streaming={turn.streaming}>
      <span className={`persona-chip ${turn.persona}`}>{persona}</span>
      <span className="turn-meta">attempt {turn.attempt}</span>
      {turn.streaming ? (
        <span className="turn-live">
          <span className="pulse-dot" /> writing…
        </span>
      ) : turn.cutOff === true && turn.final === null ? (
        <span className="turn-cut" data-cut-off title="The turn ended without a reply: the server stopped, or the session's process did.">
          cut off — no reply recorded
        </span>
      ) : (
        <span className="turn-meta">
          {turn.usage !== null
            ? `${formatTokens(turn.usage.promptTokens)} in · ${formatTokens(turn.usage.completionTokens)} out`
            : 'no usage reported'}
          {turn.usage?.cachedTokens !== undefined && turn.usage.promptTokens > 0 && (
            <span
              className="turn-cached"
              data-cached-tokens={turn.usage.cachedTokens}
              title={`${turn.usage.cachedTokens} of ${turn.usage.promptTokens} prompt tokens came from the server's prefix cache`}
            >
              {` · ${Math.round((turn.usage.cachedTokens / turn.usage.promptTokens) * 100)} % cached`}
            </span>
          )}
          {turn.durationMs !== null ? ` · ${formatDuration(turn.durationMs)}` : ''}
        </span>
      )}
      {turn.tools !== undefined && (
        <span
          className={`turn-tools ${turn.tools.protocol}`}
          data-tool-protocol={turn.tools.protocol}
          title={`READ / SEARCH / LIST ${turn.tools.protocol === 'native' ? 'offered as OpenAI tools (text lines work too)' : 'as text lines'}${turn.tools.reason !== null ? `: ${turn.tools.reason}` : ''}`}
        >
          {turn.tools.protocol === 'native' ? 'native tools' : 'text tools'}
          {turn.toolCalls !== undefined && turn.toolCalls.length > 0
            ? ` · ${turn.toolCalls.length} call${turn.toolCalls.length === 1 ? '' : 's'}`
            : ''}
        </span>
      )}
      {turn.retries.length > 0 && (
        <span className="turn-retry" title={turn.retries.join('\n')}>
          retried {turn.retries.length}×
        </span>
      )}
    </div>
  );
});
