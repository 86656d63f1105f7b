import { useId } from 'react';
import { usePlayground } from '../store';
import { fieldApplies, fieldsFor, formForMethod, validateRunForm, type FieldSpec, type RunForm } from '../schemas/run-form';

/**
 * The form for a run's settings, generated from the fields table (the chosen
 * method's options from its declaration): a new setting needs no change here.
 */
/** `locked`: fields shown but not editable (a run that trains further keeps its adapter's method settings). */
export function SettingsForm({ form, onChange, disabled, locked }: { form: RunForm; onChange: (form: RunForm) => void; disabled?: boolean; locked?: ReadonlySet<string> }) {
  const problems = validateRunForm(form);
  // Settings of one task only (sequence length) are hidden for a model of the other.
  const task = usePlayground((s) => s.model.summary?.task ?? null);
  return (
    <div className="settings-grid">
      {fieldsFor(form).filter((f) => fieldApplies(f, form, task)).map((field) => (
        <Field
          key={field.key}
          field={field}
          form={form}
          problem={problems[field.key] ?? null}
          disabled={disabled || locked?.has(field.key)}
          onChange={(value) => onChange(field.key === 'method' ? formForMethod(value as RunForm['method'], form, task ?? undefined) : { ...form, [field.key]: value })}
        />
      ))}
    </div>
  );
}

function Field({
  field,
  form,
  problem,
  disabled,
  onChange,
}: {
  field: FieldSpec;
  form: RunForm;
  problem: string | null;
  disabled?: boolean;
  onChange: (value: unknown) => void;
}) {
  const id = useId();
  const value = form[field.key];
  const describedBy = problem ? `${id}-problem` : `${id}-help`;
  const common = { id, disabled, 'aria-describedby': describedBy, 'aria-invalid': problem ? true : undefined, name: field.key };
  let control;
  switch (field.kind) {
    case 'choice':
      control = (
        <select {...common} value={String(value)} onChange={(e) => onChange(e.target.value)}>
          {field.choices.map((c) => (
            <option key={c.value} value={c.value}>
              {c.label}
            </option>
          ))}
        </select>
      );
      break;
    case 'boolean':
      control = <input {...common} type="checkbox" checked={Boolean(value)} onChange={(e) => onChange(e.target.checked)} />;
      break;
    case 'text':
      control = <input {...common} type="text" value={String(value)} placeholder={field.placeholder} spellCheck={false} onChange={(e) => onChange(e.target.value)} />;
      break;
    default:
      control = (
        <input
          {...common}
          type="number"
          value={Number.isFinite(value as number) ? String(value) : ''}
          min={field.min}
          max={field.max}
          step={field.kind === 'integer' ? 1 : 'any'}
          placeholder={field.kind === 'integer' ? field.emptyMeans : undefined}
          onChange={(e) => onChange(e.target.value === '' ? (field.kind === 'integer' && field.emptyMeans ? null : Number.NaN) : Number(e.target.value))}
        />
      );
  }
  return (
    <div className={`field ${field.kind}`}>
      <label htmlFor={id}>{field.label}</label>
      {control}
      {problem ? (
        <span id={`${id}-problem`} className="field-problem">
          {problem}
        </span>
      ) : (
        <span id={`${id}-help`} className="field-help">
          {field.help}
        </span>
      )}
    </div>
  );
}
