// The Create Token form's expiry: Never expires, Expires in days, or Expires on date.
import type { ExpiryChoice, ExpiryMode, FieldErrors } from './create-request';
import { DaysField } from './DaysField';
import { describedBy, FieldError } from './FieldError';
import { Radio } from './Radio';

const MODES: readonly (readonly [mode: ExpiryMode, label: string])[] = [
  ['never', 'Never expires'],
  ['days', 'Expires in days'],
  ['date', 'Expires on date'],
];

interface ExpiryPickerProps {
  /** The form's id, under which the fields' ids are made. */
  formId: string;
  value: ExpiryChoice;
  onChange: (next: ExpiryChoice) => void;
  errors: FieldErrors;
}

export function ExpiryPicker({ formId: id, value, onChange, errors }: ExpiryPickerProps) {
  return (
    <fieldset className="field">
      <legend>Expiration</legend>
      <div className="radios">
        {MODES.map(([mode, label]) => (
          <Radio
            key={mode}
            name={`${id}-expiry`}
            checked={value.mode === mode}
            onChange={() => onChange({ ...value, mode })}
          >
            {label}
          </Radio>
        ))}
      </div>
      {value.mode === 'days' && (
        <DaysField
          formId={id}
          value={value.days}
          onChange={(days) => onChange({ ...value, days })}
          error={errors.days}
        />
      )}
      {value.mode === 'date' && (
        <div className="inline-field">
          <label htmlFor={`${id}-date`}>Date</label>
          <input
            id={`${id}-date`}
            type="date"
            value={value.date}
            onChange={(event) => onChange({ ...value, date: event.target.value })}
            aria-invalid={errors.date ? true : undefined}
            aria-describedby={describedBy(id, 'date', errors.date)}
          />
        </div>
      )}
      <FieldError formId={id} field="days" message={errors.days} />
      <FieldError formId={id} field="date" message={errors.date} />
    </fieldset>
  );
}
