import { useEffect, useState } from 'react';
import type { DependencyModeChoice } from '../../../../src/api/payloads.js';
import { useNewSessionStore } from '../../state/new-session-store.js';
import { CodeSpans } from '../common/CodeSpans.js';

const MODE_LABEL: Record<DependencyModeChoice, string> = {
  mine: 'Use mine',
  install: 'Install',
  none: 'None',
};

/**
 * "Environment: node_modules from your checkout (read-only)" for the chosen repository (#22): how its
 * checks will get the project's dependencies, and a way to change it. The pick is the repository's
 * setting (remembered with the trust record in the app's home), used by every later session there.
 */
export function EnvironmentField({ root }: { root: string }) {
  const environment = useNewSessionStore((s) => (s.environmentFor === root ? s.environment : null));
  const error = useNewSessionStore((s) => (s.environmentFor === root ? s.environmentError : null));
  const [changing, setChanging] = useState(false);
  const store = useNewSessionStore.getState();

  useEffect(() => {
    void useNewSessionStore.getState().loadEnvironment(root);
    setChanging(false);
  }, [root]);

  if (error !== null) return <div className="field-hint warning">{error}</div>;
  if (environment === null) return null;
  return (
    <div className="environment-field" data-environment-mode={environment.mode}>
      <div className="field-hint environment-line">
        <CodeSpans text={environment.line} />{' '}
        <button type="button" className="link-btn" aria-expanded={changing} onClick={() => setChanging(!changing)}>
          {changing ? 'Done' : 'Change…'}
        </button>
      </div>
      {changing && (
        <div className="environment-choices" role="radiogroup" aria-label="How checks get the dependencies">
          {environment.choices.map((choice) => (
            <label key={choice.mode} className={`checkbox environment-choice${choice.available ? '' : ' unavailable'}`}>
              <input
                type="radio"
                name="ns-environment"
                value={choice.mode}
                checked={environment.mode === choice.mode}
                disabled={!choice.available}
                onChange={() => void store.chooseEnvironment(choice.mode)}
              />
              <span>
                <strong>{MODE_LABEL[choice.mode]}</strong> — <CodeSpans text={choice.line.replace(/^Environment: (none — )?/, '')} />
              </span>
            </label>
          ))}
          <div className="field-hint">
            {environment.remembered !== null
              ? 'Remembered for this repository: later sessions here use it too.'
              : 'Your pick is remembered for this repository.'}{' '}
            “Use mine” shows your folder to checks read-only and never copies or commits it; “Install” runs the command in the session’s
            worktree, in the sandbox with network.
          </div>
        </div>
      )}
    </div>
  );
}
