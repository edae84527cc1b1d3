// The end of a dialog's form: the error that concerns no one field (role alert), then Cancel and the
// submit button.
interface FormFooterProps {
  error: string | null;
  onCancel: () => void;
  submitLabel: string;
  busy: boolean;
}

export function FormFooter({ error, onCancel, submitLabel, busy }: FormFooterProps) {
  return (
    <>
      {error && (
        <div className="alert" role="alert">
          {error}
        </div>
      )}
      <div className="dialog-actions">
        <button type="button" className="button" onClick={onCancel}>
          Cancel
        </button>
        <button type="submit" className="button primary" disabled={busy}>
          {submitLabel}
        </button>
      </div>
    </>
  );
}
