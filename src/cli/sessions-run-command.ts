import type { AppPaths } from '../home/app-home.js';
import { loadAllSessions, appendEvent, loadSession } from '../sessions/session-store.js';
import { startRunScript, type RunStopReason } from '../sessions/run-script.js';
import type { CliOutput } from './cli-output.js';

/**
 * `mlx-factory sessions run ID`: the session's run script (workspace.run) in the foreground, as the
 * app's "Run" starts it — in the sandbox with the network, PORT a free port of the session's range,
 * recorded in the session's log (the app shows it). Its output goes to this terminal. Ctrl-C stops
 * the whole tree; so does the end of this process (SIGTERM, SIGHUP: the terminal closed). A merge or
 * discard elsewhere is refused while it runs (src/sessions/run-guard.ts); the watch below still stops it
 * for one that slipped in as it started.
 */
const WATCH_MS = 1000;

export async function sessionsRunCommand(
  paths: AppPaths,
  id: string,
  context: { readonly output: CliOutput; readonly signal: AbortSignal; readonly json: boolean },
): Promise<number> {
  const { output, json } = context;
  const taken = loadAllSessions(paths)
    .sessions.filter((row) => row.id !== id && row.run != null)
    .map((row) => row.run?.range ?? { first: 0, last: 0 });
  const script = await startRunScript(paths, id, {
    log: { append: (payload) => appendEvent(paths, id, payload) },
    takenRanges: taken,
    // With --json, stdout carries the JSON lines only: the app's output goes to stderr.
    onOutput: (chunk, stream) => (stream === 'stdout' && !json ? output.out(chunk) : output.err(chunk)),
  });
  const url = `http://127.0.0.1:${script.port}`;
  if (json)
    output.out(
      `${JSON.stringify({ type: 'run.started', id, command: script.command, port: script.port, range: script.range, pgid: script.pgid, url, sandbox: script.sandbox })}\n`,
    );
  else
    output.err(
      `Running \`${script.command}\` for session ${id} on ${url} (PORT=${script.port}, the session's range ${script.range.first}–${script.range.last}). Ctrl-C stops it.\n`,
    );

  const stop = (reason: RunStopReason): void => void script.stop(reason);
  const onAbort = (): void => stop('stop');
  const onTerm = (): void => stop('quit');
  context.signal.addEventListener('abort', onAbort, { once: true });
  process.once('SIGTERM', onTerm);
  process.once('SIGHUP', onTerm);
  // A merge or discard of the session (by the app, or another terminal) ends its app here too.
  const startedAt = new Date().toISOString();
  const watch = setInterval(() => {
    try {
      const record = loadSession(paths, id);
      if (record.discard !== null) stop('discarded');
      else if ((record.merges.at(-1)?.time ?? '') > startedAt) stop('merged');
    } catch {
      // Unreadable for a moment (a write in progress): the next look decides.
    }
  }, WATCH_MS);
  try {
    const end = await script.ended;
    if (json) output.out(`${JSON.stringify({ type: 'run.stopped', id, ...end })}\n`);
    else
      output.err(
        `${end.reason === 'exited' ? `The run script exited (${end.exitCode ?? end.signal ?? 'no status'}).` : `Stopped (${end.reason}).`}${end.treeGone ? '' : ' A process of it survived the kill.'}\n`,
      );
    if (end.reason === 'exited') return end.exitCode === 0 ? 0 : 1;
    return end.treeGone ? 0 : 1;
  } finally {
    clearInterval(watch);
    context.signal.removeEventListener('abort', onAbort);
    process.off('SIGTERM', onTerm);
    process.off('SIGHUP', onTerm);
  }
}
