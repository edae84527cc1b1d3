// A form field's error message, and the field's aria-describedby that points to it: the message is
// read with the field, and `aria-invalid` marks the field.

/** The id of a field's error message, under its form's id. */
function errorId(formId: string, field: string): string {
  return `${formId}-${field}-error`;
}

/** A field's aria-describedby: its error message when it has one, then its hints. */
export function describedBy(
  formId: string,
  field: string,
  error: string | undefined,
  ...hints: string[]
): string | undefined {
  return [error ? errorId(formId, field) : '', ...hints].filter(Boolean).join(' ') || undefined;
}

export function FieldError({
  formId,
  field,
  message,
}: {
  formId: string;
  field: string;
  message: string | undefined;
}) {
  return message ? (
    <p id={errorId(formId, field)} className="field-error">
      {message}
    </p>
  ) : null;
}
