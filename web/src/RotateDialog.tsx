// Rotate Token: a grace period for the old token and, optionally, a new expiry (a renewal); then the
// new token, shown once with Copy and Done, as after Create Token.
import { type FormEvent, useId, useState } from 'react';
import type { Api, RotatedToken, TokenView } from './api';
import { DaysField } from './DaysField';
import { Dialog } from './Dialog';
import { FieldError } from './FieldError';
import { FormFooter } from './FormFooter';
import { formatDateTime } from './format';
import { Radio } from './Radio';
import { ShowOnce } from './ShowOnce';
import { useSubmission } from './useSubmission';

/** The grace periods offered, in seconds: how long the old token keeps working. */
const GRACE_OPTIONS = [
  ['0', 'None'],
  ['3600', '1 hour'],
  ['86400', '1 day'],
  ['604800', '7 days'],
] as const;
const DEFAULT_GRACE = '3600';
const DEFAULT_DAYS = '90';

interface RotateDialogProps {
  api: Api;
  token: TokenView;
  onClose: () => void;
  /** The old token as it is after the rotation is read again by the caller; the new one is passed. */
  onRotated: (rotated: RotatedToken) => void;
}

export function RotateDialog({ api, token, onClose, onRotated }: RotateDialogProps) {
  const [rotated, setRotated] = useState<RotatedToken | null>(null);
  return (
    <Dialog title={rotated ? 'Token rotated' : 'Rotate Token'} onClose={onClose}>
      {rotated ? (
        <ShowOnce created={rotated} onDone={onClose}>
          <dt>Old token accepted until</dt>
          <dd>{formatDateTime(rotated.previous_accepted_until, 'No longer accepted')}</dd>
        </ShowOnce>
      ) : (
        <RotateForm
          api={api}
          token={token}
          onCancel={onClose}
          onRotated={(answer) => {
            setRotated(answer);
            onRotated(answer);
          }}
        />
      )}
    </Dialog>
  );
}

function RotateForm({
  api,
  token,
  onCancel,
  onRotated,
}: {
  api: Api;
  token: TokenView;
  onCancel: () => void;
  onRotated: (rotated: RotatedToken) => void;
}) {
  const [grace, setGrace] = useState<string>(DEFAULT_GRACE);
  const [renew, setRenew] = useState(false);
  const [days, setDays] = useState(DEFAULT_DAYS);
  const [daysError, setDaysError] = useState<string | null>(null);
  const {
    busy,
    error: formError,
    submit: send,
  } = useSubmission((field, message) => {
    if (field === 'expires_in_days') setDaysError(message);
    return field === 'expires_in_days';
  });
  const id = useId();

  async function submit(event: FormEvent) {
    event.preventDefault();
    setDaysError(null);
    if (renew && !/^\d+$/.test(days.trim())) {
      setDaysError('Enter a whole number of days.');
      return;
    }
    await send(async () =>
      onRotated(
        await api.rotateToken(token.id, {
          grace_seconds: Number(grace),
          ...(renew && { expires_in_days: Number(days.trim()) }),
        }),
      ),
    );
  }

  return (
    <form onSubmit={submit} noValidate className="form">
      <p>
        A new token replaces <strong>{token.description}</strong> (<code>{token.id}</code>), with the same
        scopes. The old one keeps working for the grace period, so that whoever holds it can switch.
      </p>
      <div className="field">
        <label htmlFor={`${id}-grace`}>Grace period</label>
        <select id={`${id}-grace`} value={grace} onChange={(event) => setGrace(event.target.value)}>
          {GRACE_OPTIONS.map(([value, label]) => (
            <option key={value} value={value}>
              {label}
            </option>
          ))}
        </select>
      </div>
      <fieldset className="field">
        <legend>New expiry</legend>
        <div className="radios">
          <Radio name={`${id}-expiry`} checked={!renew} onChange={() => setRenew(false)}>
            Keep current expiry
          </Radio>
          <Radio name={`${id}-expiry`} checked={renew} onChange={() => setRenew(true)}>
            Expires in days
          </Radio>
        </div>
        {!renew && (
          <p className="hint">
            The new token expires {token.expires_at ? formatDateTime(token.expires_at) : 'never'}, as the old
            one does.
          </p>
        )}
        {renew && <DaysField formId={id} value={days} onChange={setDays} error={daysError ?? undefined} />}
        <FieldError formId={id} field="days" message={daysError ?? undefined} />
      </fieldset>
      <FormFooter error={formError} onCancel={onCancel} submitLabel="Rotate" busy={busy} />
    </form>
  );
}
