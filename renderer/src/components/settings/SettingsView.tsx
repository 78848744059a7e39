import { useEffect, useMemo, useState } from 'react';
import { useShallow } from 'zustand/react/shallow';
import {
  FIELDS,
  SECTION_TITLES,
  fieldId,
  fieldShown,
  isPatchEmpty,
  patchFromDraft,
  validateDraft,
  type Section,
  type ServerMode,
} from '../../lib/settings-form.js';
import { useConnectionStore } from '../../state/connection-store.js';
import { useServerStore } from '../../state/server-store.js';
import { Segmented } from '../common/Segmented.js';
import { useSettingsStore } from '../../state/settings-store.js';
import { Banner } from '../common/Banner.js';
import { ErrorState } from '../common/ErrorState.js';
import { LoadingState } from '../common/LoadingState.js';
import { Spinner } from '../common/Spinner.js';
import { LoginItemCard } from './LoginItemCard.js';
import { SettingsField } from './SettingsField.js';

/** factory.yaml as a form: validated with the core's schema as you type, saved through `config.write`. */
export function SettingsView() {
  const s = useSettingsStore(
    useShallow((st) => ({
      view: st.view,
      draft: st.draft,
      loading: st.loading,
      error: st.error,
      saving: st.saving,
      saveError: st.saveError,
      savedAt: st.savedAt,
    })),
  );
  const actions = useSettingsStore.getState();
  const hasLoginItem = useConnectionStore((st) => st.info?.capabilities.loginItem === true);
  useEffect(() => {
    void useSettingsStore.getState().load();
  }, []);
  const validation = useMemo(() => validateDraft(s.draft), [s.draft]);
  const savedUrl = s.view?.config.server.url ?? null;
  const [modeChoice, setModeChoice] = useState<ServerMode | null>(null);
  const mode: ServerMode = modeChoice ?? ((s.draft['server.url'] ?? '') !== '' ? 'url' : 'own');
  const served = useServerStore((st) => st.models.value);
  // With an external server saved, list what it serves (its /v1/models) to pick the model from.
  useEffect(() => {
    if (savedUrl !== null) void useServerStore.getState().loadModels();
  }, [savedUrl]);
  const chooseMode = (next: ServerMode): void => {
    setModeChoice(next);
    if (next === 'own') actions.edit('server.url', '');
  };
  const dirty = s.view !== null && !isPatchEmpty(patchFromDraft(s.draft, s.view.config));
  const errorCount = Object.keys(validation.errors).length;

  let body;
  if (s.view === null && s.error !== null)
    body = <ErrorState title="Could not read the settings" message={s.error} onRetry={() => void actions.load()} />;
  else if (s.view === null) body = <LoadingState label="Reading factory.yaml…" />;
  else
    body = (
      <form
        className="settings-form"
        noValidate
        onSubmit={(e) => {
          e.preventDefault();
          void actions.save();
        }}
      >
        {(Object.keys(SECTION_TITLES) as Section[]).map((section) => (
          <fieldset key={section} className="card settings-section">
            <legend className="card-title">{SECTION_TITLES[section]}</legend>
            {section === 'server' && (
              <div className="server-choice">
                <Segmented
                  label="Model server"
                  value={mode}
                  onChange={chooseMode}
                  options={[
                    { id: 'own', label: 'The app’s own MLX server' },
                    { id: 'url', label: 'An OpenAI-compatible server at a URL' },
                  ]}
                />
                {mode === 'url' && savedUrl !== null && served !== null && served.models.length > 0 && (
                  <div className="served-models muted">
                    Served there:{' '}
                    {served.models.map((m) => (
                      <button key={m.id} type="button" className="btn small" onClick={() => actions.edit('server.model', m.id)}>
                        {m.id}
                      </button>
                    ))}
                  </div>
                )}
              </div>
            )}
            {FIELDS.filter((f) => f.section === section && fieldShown(f, mode))
              .map((f) =>
                mode === 'url' && fieldId(f) === 'server.model'
                  ? { ...f, help: 'The model to ask that server for; if it does not serve it, the first model it lists is used.' }
                  : f,
              )
              .map((field) => (
                <SettingsField
                  key={fieldId(field)}
                  field={field}
                  value={s.draft[fieldId(field)] ?? ''}
                  error={validation.errors[fieldId(field)]}
                  onChange={(v) => actions.edit(fieldId(field), v)}
                />
              ))}
          </fieldset>
        ))}
        <div className="settings-footer">
          <span className="muted settings-sources" title={s.view.sources.join('\n')}>
            Saved to <span className="mono">{s.view.userConfigFile}</span>
          </span>
          <div className="spacer" />
          {errorCount > 0 && (
            <span className="field-error">{errorCount === 1 ? '1 field needs fixing' : `${errorCount} fields need fixing`}</span>
          )}
          {s.savedAt !== null && !dirty && <span className="saved-note">Saved</span>}
          <button type="button" className="btn" onClick={() => actions.revert()} disabled={!dirty || s.saving}>
            Revert
          </button>
          <button type="submit" className="btn primary" disabled={!dirty || errorCount > 0 || s.saving}>
            {s.saving && <Spinner size={11} />}
            Save
          </button>
        </div>
        {s.saveError !== null && <Banner tone="danger">{s.saveError}</Banner>}
      </form>
    );
  return (
    <div className="page">
      <header className="page-header">
        <h1>Settings</h1>
        <span className="page-sub">factory.yaml</span>
      </header>
      <div className="page-body settings-page">
        {hasLoginItem && <LoginItemCard />}
        {body}
      </div>
    </div>
  );
}
