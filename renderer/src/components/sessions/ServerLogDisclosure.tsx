import { useState } from 'react';
import { errorText } from '../../lib/api-errors.js';
import { api } from '../../state/api-instance.js';

/**
 * Under a session that ended in error: its one-sentence reason stays in view, and the model
 * server's last log lines are one click away instead of a wall of text in the header.
 */
export function ServerLogDisclosure() {
  const [lines, setLines] = useState<string[] | null>(null);
  const [error, setError] = useState<string | null>(null);
  const load = async (): Promise<void> => {
    const answer = await api().request('server.logs', { tail: 40 });
    if (answer.ok) setLines(answer.data.lines);
    else setError(errorText(answer.error));
  };
  return (
    <details
      className="reason-log"
      onToggle={(e) => {
        if ((e.currentTarget as HTMLDetailsElement).open && lines === null) void load();
      }}
    >
      <summary>Model server log</summary>
      {error !== null ? (
        <div className="inline-error">{error}</div>
      ) : (
        <pre className="log-tail">{lines === null ? 'Loading…' : lines.length > 0 ? lines.join('\n') : '(empty)'}</pre>
      )}
    </details>
  );
}
