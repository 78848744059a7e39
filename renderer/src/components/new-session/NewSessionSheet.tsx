import { useEffect, useRef } from 'react';
import { useShallow } from 'zustand/react/shallow';
import { keyContext } from '../../hooks/use-key-context.js';
import { validateNewSession } from '../../lib/new-session-form.js';
import { submitLabel } from '../../lib/shortcuts.js';
import { useNewSessionStore } from '../../state/new-session-store.js';
import { useServerStore } from '../../state/server-store.js';
import { useSettingsStore } from '../../state/settings-store.js';
import { useUiStore } from '../../state/ui-store.js';
import { MessageLines } from '../common/MessageLines.js';
import { Spinner } from '../common/Spinner.js';
import { RuntimeInstall } from '../server/RuntimeInstall.js';
import { FolderField } from './FolderField.js';

/** The New session sheet (⌘N / Ctrl+N; N in a browser): folder, task, check, model, limits — validated as you go. */
export function NewSessionSheet({ compact, onStarted }: { compact: boolean; onStarted: (id: string) => void }) {
  const s = useNewSessionStore(
    useShallow((st) => ({
      isOpen: st.isOpen,
      fields: st.fields,
      model: st.model,
      status: st.statusFor === st.fields.folder.trim() ? st.status : null,
      touched: st.touched,
      showAll: st.showAllErrors,
      submitting: st.submitting,
      submitError: st.submitError,
      submitErrorCode: st.submitErrorCode,
      testsFirst: st.testsFirst,
    })),
  );
  const models = useServerStore((st) => st.models);
  const serverModel = useServerStore((st) => st.status.value?.model ?? null);
  const config = useSettingsStore((st) => st.view?.config ?? null);
  const toast = useUiStore((st) => st.toast);
  const taskRef = useRef<HTMLTextAreaElement>(null);
  const store = useNewSessionStore.getState();

  useEffect(() => {
    if (!s.isOpen) return;
    if (useSettingsStore.getState().view === null) void useSettingsStore.getState().load();
    if (useServerStore.getState().models.value === null) void useServerStore.getState().loadModels();
    setTimeout(() => taskRef.current?.focus(), 0);
  }, [s.isOpen]);

  if (!s.isOpen) return null;
  const testsFirst = s.testsFirst ?? config?.agent.tests_first ?? false;
  const { errors } = validateNewSession(s.fields, s.status, testsFirst);
  const shown = (field: keyof typeof errors): string | undefined => (s.showAll || s.touched[field] === true ? errors[field] : undefined);
  const currentModel = serverModel ?? models.value?.current ?? config?.server.model ?? '';
  const modelOptions = Array.from(
    new Set(
      [currentModel, ...(models.value?.models ?? []).filter((m) => m.onDisk || m.recommended).map((m) => m.id)].filter((m) => m !== ''),
    ),
  );
  const chosen = s.model === '' ? currentModel : s.model;
  // Recommended models are offered before they are on disk: say so (the Models view downloads them).
  const notDownloaded = new Set((models.value?.models ?? []).filter((m) => !m.onDisk && m.recommended).map((m) => m.id));

  const submit = async (): Promise<void> => {
    const session = await store.submit();
    if (session !== null) {
      toast('success', `Started “${session.name}”.`);
      onStarted(session.id);
    }
  };

  return (
    <div className="modal-backdrop" onMouseDown={(e) => e.target === e.currentTarget && !s.submitting && store.close()}>
      <div className={`sheet${compact ? ' compact' : ''}`} role="dialog" aria-modal="true" aria-labelledby="ns-title">
        <form
          className="sheet-form"
          noValidate
          onSubmit={(e) => {
            e.preventDefault();
            void submit();
          }}
          onKeyDown={(e) => {
            if (e.key === 'Enter' && (e.metaKey || e.ctrlKey)) {
              e.preventDefault();
              void submit();
            }
          }}
        >
          <h2 id="ns-title">New session</h2>
          <FolderField error={shown('folder')} />
          <div className="field">
            <label htmlFor="ns-task" className="field-label">
              Task
            </label>
            <textarea
              id="ns-task"
              ref={taskRef}
              className={`input textarea${shown('description') !== undefined ? ' invalid' : ''}`}
              rows={compact ? 3 : 5}
              placeholder="What should the Coder do? e.g. “Add a --json flag to report.py and a test for it.”"
              value={s.fields.description}
              onChange={(e) => store.setField('description', e.target.value)}
              // Focus starts here: leaving it empty for the folder field is not an error yet (submit says so).
              onBlur={() => s.fields.description.trim() !== '' && store.touch('description')}
              aria-invalid={shown('description') !== undefined}
            />
            {shown('description') !== undefined && (
              <div className="field-error" role="alert" data-field-error="description">
                {shown('description')}
              </div>
            )}
          </div>
          <div className="field">
            <label htmlFor="ns-check" className="field-label">
              Check command
            </label>
            <input
              id="ns-check"
              className={`input mono${shown('check') !== undefined ? ' invalid' : ''}`}
              placeholder="e.g. python -m pytest -q — empty: run what the Coder wrote"
              value={s.fields.check}
              onChange={(e) => store.setField('check', e.target.value)}
              onBlur={() => store.touch('check')}
              spellCheck={false}
            />
            {shown('check') !== undefined && (
              <div className="field-error" role="alert">
                {shown('check')}
              </div>
            )}
          </div>
          <div className="field">
            <label className="checkbox">
              <input
                id="ns-tests-first"
                type="checkbox"
                checked={testsFirst}
                onChange={(e) => {
                  store.setTestsFirst(e.target.checked);
                  store.touch('check');
                }}
              />
              <span>Tests first</span>
            </label>
            <div className="field-hint">
              The Coder first writes tests that must fail on the current code; only those are kept, and passing needs them. Costs a few more
              turns; worth it when the check command runs a real test suite.
            </div>
          </div>
          <div className="field-row">
            <div className="field grow">
              <label htmlFor="ns-model" className="field-label">
                Model
              </label>
              <select
                id="ns-model"
                className="input"
                value={chosen}
                onChange={(e) => store.setModel(e.target.value === currentModel ? '' : e.target.value)}
                disabled={modelOptions.length === 0}
              >
                {modelOptions.length === 0 && <option value="">(the configured model)</option>}
                {modelOptions.map((m) => (
                  <option key={m} value={m}>
                    {notDownloaded.has(m) ? `${m} — not downloaded` : m}
                  </option>
                ))}
              </select>
              {notDownloaded.has(chosen) && (
                <div className="field-hint warning" data-model-missing={chosen}>
                  Not downloaded yet: download it in Models first.
                </div>
              )}
              {chosen !== currentModel && (
                <div className="field-hint warning">Sessions share one server: starting restarts it with this model.</div>
              )}
            </div>
            <div className="field small">
              <label htmlFor="ns-attempts" className="field-label">
                Max attempts
              </label>
              <input
                id="ns-attempts"
                className={`input${shown('maxAttempts') !== undefined ? ' invalid' : ''}`}
                inputMode="numeric"
                placeholder={String(config?.agent.max_attempts ?? 5)}
                value={s.fields.maxAttempts}
                onChange={(e) => store.setField('maxAttempts', e.target.value)}
                onBlur={() => store.touch('maxAttempts')}
                aria-invalid={shown('maxAttempts') !== undefined}
              />
            </div>
            <div className="field small">
              <label htmlFor="ns-timeout" className="field-label">
                Timeout (s)
              </label>
              <input
                id="ns-timeout"
                className={`input${shown('timeoutSec') !== undefined ? ' invalid' : ''}`}
                inputMode="numeric"
                placeholder={String(config?.agent.execution_timeout ?? 60)}
                value={s.fields.timeoutSec}
                onChange={(e) => store.setField('timeoutSec', e.target.value)}
                onBlur={() => store.touch('timeoutSec')}
                aria-invalid={shown('timeoutSec') !== undefined}
              />
            </div>
            <div className="field small">
              <label
                htmlFor="ns-best-of"
                className="field-label"
                title="Run K sibling sessions on this task at different temperatures; the first whose check passes wins and the others stop."
              >
                Parallel attempts
              </label>
              <input
                id="ns-best-of"
                className={`input${shown('bestOf') !== undefined ? ' invalid' : ''}`}
                inputMode="numeric"
                placeholder={String(config?.agent.best_of ?? 1)}
                value={s.fields.bestOf}
                onChange={(e) => store.setField('bestOf', e.target.value)}
                onBlur={() => store.touch('bestOf')}
                aria-invalid={shown('bestOf') !== undefined}
              />
            </div>
          </div>
          {(shown('maxAttempts') ?? shown('timeoutSec') ?? shown('bestOf')) !== undefined && (
            <div className="field-error" role="alert" data-field-error="limits">
              {shown('maxAttempts') ?? shown('timeoutSec') ?? shown('bestOf')}
            </div>
          )}
          {s.submitError !== null &&
            (s.submitErrorCode === 'RUNTIME_MISSING' ? (
              <>
                <div className="form-error" role="alert" data-error-code="RUNTIME_MISSING">
                  The MLX runtime (Python with mlx-lm) is not installed, so the model server cannot start. Install it here, then start the
                  session: what you typed stays.
                </div>
                <RuntimeInstall className="sheet-runtime-install" />
              </>
            ) : (
              <div className="form-error" role="alert">
                <MessageLines text={s.submitError} />
              </div>
            ))}
          <div className="dialog-buttons">
            <span className="dialog-hint">{submitLabel(keyContext().mac)} to start</span>
            <button type="button" className="btn" onClick={() => store.close()} disabled={s.submitting}>
              Cancel
            </button>
            <button type="submit" className="btn primary" disabled={s.submitting}>
              {s.submitting && <Spinner size={12} />}
              Start session
            </button>
          </div>
        </form>
      </div>
    </div>
  );
}
