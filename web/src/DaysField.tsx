// A number of days (1–3650), as Create Token's `Expires in days` and Rotate Token's renewal take it;
// its error, when it has one, is read with it (FieldError).
import { describedBy } from './FieldError';

interface DaysFieldProps {
  /** The form's id, under which the field's id is made. */
  formId: string;
  value: string;
  onChange: (days: string) => void;
  error: string | undefined;
}

export function DaysField({ formId, value, onChange, error }: DaysFieldProps) {
  return (
    <div className="inline-field">
      <label htmlFor={`${formId}-days`}>Days</label>
      <input
        id={`${formId}-days`}
        type="number"
        inputMode="numeric"
        min={1}
        max={3650}
        value={value}
        onChange={(event) => onChange(event.target.value)}
        aria-invalid={error ? true : undefined}
        aria-describedby={describedBy(formId, 'days', error)}
      />
    </div>
  );
}
