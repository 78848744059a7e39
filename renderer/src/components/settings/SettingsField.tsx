import type { DraftValue, FieldSpec } from '../../lib/settings-form.js';
import { fieldId } from '../../lib/settings-form.js';

export function SettingsField({
  field,
  value,
  error,
  onChange,
}: {
  field: FieldSpec;
  value: DraftValue;
  error: string | undefined;
  onChange: (value: DraftValue) => void;
}) {
  const id = `setting-${fieldId(field)}`;
  let control;
  if (field.kind === 'bool') {
    control = (
      <label className="checkbox">
        <input id={id} type="checkbox" checked={value === true} onChange={(e) => onChange(e.target.checked)} />
        {field.label}
      </label>
    );
  } else if (field.kind === 'list' || field.kind === 'optional-list') {
    control = (
      <textarea
        id={id}
        className={`input textarea mono${error !== undefined ? ' invalid' : ''}`}
        rows={3}
        value={String(value)}
        onChange={(e) => onChange(e.target.value)}
        spellCheck={false}
        aria-invalid={error !== undefined}
      />
    );
  } else {
    const numeric = ['int', 'optional-int', 'number', 'optional-number'].includes(field.kind);
    control = (
      <div className="input-with-unit">
        <input
          id={id}
          className={`input${numeric ? ' numeric' : ''}${field.section === 'server' && field.key !== 'idle_unload_minutes' ? ' mono' : ''}${error !== undefined ? ' invalid' : ''}`}
          inputMode={numeric ? 'decimal' : undefined}
          value={String(value)}
          onChange={(e) => onChange(e.target.value)}
          spellCheck={false}
          aria-invalid={error !== undefined}
        />
        {field.unit !== undefined && <span className="unit">{field.unit}</span>}
      </div>
    );
  }
  return (
    <div className="settings-field" data-field={fieldId(field)}>
      {field.kind !== 'bool' ? (
        <label htmlFor={id} className="settings-label">
          {field.label}
        </label>
      ) : (
        <span className="settings-label" />
      )}
      <div className="settings-control">
        {control}
        {error !== undefined ? (
          <div className="field-error" role="alert" data-field-error={fieldId(field)}>
            {error}
          </div>
        ) : (
          <div className="field-hint">{field.help}</div>
        )}
      </div>
    </div>
  );
}
