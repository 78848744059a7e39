import { useEffect, useRef, type FormEvent } from 'react';
import type { SessionInfo } from '../../../../src/api/payloads.js';
import { worktreeGone } from '../../lib/session-gone.js';
import { useRunStore } from '../../state/run-store.js';
import { AnsiText } from '../transcript/AnsiText.js';

/**
 * "Run" (#21): the repository's run script (workspace.run, e.g. `npm run dev`) in this session's
 * worktree, in the sandbox with the network and PORT set to a free port of the session's own range.
 * While it runs: the port and range, "Open" (http://127.0.0.1:PORT) and Stop, which ends its whole
 * process tree; its output streams below. It stops by itself when the session is merged or discarded,
 * or the app quits.
 */
const STOP_REASONS: Record<string, string> = {
  stop: 'Stopped',
  exited: 'Exited',
  merged: 'Stopped: the session was merged',
  discarded: 'Stopped: the session was discarded',
  quit: 'Stopped when the app quit',
  gone: 'Ended with the process that ran it',
};

export function RunPanel({ session }: { session: SessionInfo }) {
  const state = useRunStore((s) => s.bySession[session.id]);
  const load = useRunStore((s) => s.load);
  const start = useRunStore((s) => s.start);
  const stop = useRunStore((s) => s.stop);
  const setCommand = useRunStore((s) => s.setCommand);
  const edit = useRunStore((s) => s.edit);
  const outputRef = useRef<HTMLPreElement>(null);
  const run = session.run ?? null;
  const running = run?.state === 'running';

  useEffect(() => {
    void load(session.id);
  }, [session.id, load]);

  const text = state?.text ?? '';
  useEffect(() => {
    const pre = outputRef.current;
    if (pre !== null) pre.scrollTop = pre.scrollHeight;
  }, [text]);

  if (state === undefined || !state.loaded) return null;
  const editing = state.editing;
  const setEditing = (value: string | null): void => edit(session.id, value);
  const command = state.command;
  const gone = worktreeGone(session);
  // No run script and no earlier run: nothing here, unless the header's "Run script…" opened the form.
  if (run === null && (gone || command === null) && state.notice === null) {
    if (gone || editing === null) return null;
    return (
      <section className="run-panel compact" aria-label="Run">
        <span className="run-title">Run</span>
        <RunCommandForm
          value={editing}
          busy={state.busy}
          onChange={setEditing}
          onCancel={() => setEditing(null)}
          onSave={async (value) => {
            await setCommand(session.id, value);
          }}
        />
        {state.error !== null && (
          <span className="run-error" role="alert">
            {state.error}
          </span>
        )}
      </section>
    );
  }
  const url = run !== null ? `http://127.0.0.1:${run.port}` : null;
  const exit =
    run !== null && !running
      ? `${STOP_REASONS[run.stopReason ?? 'stop'] ?? 'Stopped'}${run.stopReason === 'exited' && run.exitCode !== null ? ` (exit ${run.exitCode})` : ''}`
      : null;
  return (
    <section className="run-panel" aria-label="Run" data-run-state={running ? 'running' : 'stopped'}>
      <div className="run-bar">
        <span className="run-title">Run</span>
        <code className="run-command" title={command ?? run?.command ?? ''}>
          {running ? run.command : (command ?? run?.command ?? '')}
        </code>
        {running && run !== null && url !== null ? (
          <>
            <span className="run-port" data-run-port={run.port}>
              <span className="run-dot" aria-hidden="true" /> Port {run.port}
              <span className="run-range">
                {' '}
                · range {run.range.first}–{run.range.last}
              </span>
            </span>
            <a className="btn small" href={url} target="_blank" rel="noreferrer" data-run-open={url}>
              Open
            </a>
            <button type="button" className="btn small danger" disabled={state.busy} onClick={() => void stop(session.id)}>
              Stop
            </button>
          </>
        ) : (
          <>
            {exit !== null && <span className="run-exit">{exit}</span>}
            {run !== null && (
              <span className="run-range" title="The ports this session's app gets">
                range {run.range.first}–{run.range.last}
              </span>
            )}
            {!gone && editing === null && (
              <button
                type="button"
                className="link-btn"
                title="The run script of this repository (over workspace.run)"
                onClick={() => setEditing(command ?? '')}
              >
                {state.perRepository ? 'Change…' : 'Set for this repository…'}
              </button>
            )}
            <button
              type="button"
              className="btn small primary"
              disabled={state.busy || gone || command === null}
              title={gone ? 'The worktree was removed' : (command ?? state.notice ?? '')}
              onClick={() => void start(session.id)}
            >
              Run
            </button>
          </>
        )}
      </div>
      {editing !== null && (
        <div className="run-edit">
          <RunCommandForm
            value={editing}
            busy={state.busy}
            onChange={setEditing}
            onCancel={() => setEditing(null)}
            onSave={async (value) => {
              await setCommand(session.id, value);
            }}
            onClear={
              state.perRepository
                ? async () => {
                    await setCommand(session.id, null);
                  }
                : undefined
            }
          />
        </div>
      )}
      {state.notice !== null && command === null && <div className="run-hint">{state.notice}</div>}
      {state.error !== null && (
        <div className="run-error" role="alert">
          {state.error}
        </div>
      )}
      {(running || text !== '') && (
        <pre className="run-output" ref={outputRef} aria-label="Run output" tabIndex={0}>
          {text === '' ? <span className="run-waiting">Waiting for output…</span> : <AnsiText text={text} />}
        </pre>
      )}
    </section>
  );
}

/** The repository's own run script: saved after the host's confirmation of this very command. */
function RunCommandForm({
  value,
  busy,
  onChange,
  onSave,
  onCancel,
  onClear,
}: {
  value: string;
  busy: boolean;
  onChange: (value: string) => void;
  onSave: (command: string) => Promise<void>;
  onCancel: () => void;
  onClear?: (() => Promise<void>) | undefined;
}) {
  const submit = (event: FormEvent): void => {
    event.preventDefault();
    if (value.trim() !== '') void onSave(value.trim());
  };
  return (
    <form className="run-form" onSubmit={submit}>
      <input
        className="input mono"
        aria-label="Run script for this repository"
        placeholder="npm run dev"
        value={value}
        onChange={(event) => onChange(event.target.value)}
        autoFocus
      />
      <button type="submit" className="btn small primary" disabled={busy || value.trim() === ''}>
        Save
      </button>
      {onClear !== undefined && (
        <button type="button" className="btn small" disabled={busy} onClick={() => void onClear()}>
          Remove
        </button>
      )}
      <button type="button" className="btn small" onClick={onCancel}>
        Cancel
      </button>
    </form>
  );
}

/**
 * In the session header: "Run script…" for a repository with none yet (the Run bar itself shows only
 * once there is one, so sessions without an app keep their room for the transcript).
 */
export function RunScriptButton({ session }: { session: SessionInfo }) {
  const state = useRunStore((s) => s.bySession[session.id]);
  const edit = useRunStore((s) => s.edit);
  if (state === undefined || !state.loaded || state.command !== null || (session.run ?? null) !== null || worktreeGone(session))
    return null;
  return (
    <button
      type="button"
      className="btn small"
      title="Set the command that starts this repository's app (e.g. npm run dev); it gets PORT"
      onClick={() => edit(session.id, state.editing ?? '')}
    >
      Run script…
    </button>
  );
}
