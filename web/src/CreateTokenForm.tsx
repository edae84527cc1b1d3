// The Create Token form: User Email, Token Description, the scope and the expiry; checked here, then
// sent, with the API's refusal shown at the field it names.
import { type FormEvent, useId, useState } from 'react';
import type { Api, CreatedToken } from './api';
import {
  createRequest,
  DEFAULT_EXPIRY,
  type ExpiryChoice,
  type FieldErrors,
  fieldOf,
  initialScope,
  MAX_DESCRIPTION,
  type ScopeChoice,
} from './create-request';
import { ExpiryPicker } from './ExpiryPicker';
import { describedBy, FieldError } from './FieldError';
import { FormFooter } from './FormFooter';
import { ScopePicker } from './ScopePicker';
import type { ResourceType } from './scopes';
import { useSubmission } from './useSubmission';

interface CreateTokenFormProps {
  api: Api;
  /** The catalogue's resource types, each with its access levels. */
  types: readonly ResourceType[];
  onCancel: () => void;
  onCreated: (token: CreatedToken) => void;
}

export function CreateTokenForm({ api, types, onCancel, onCreated }: CreateTokenFormProps) {
  const [email, setEmail] = useState('');
  const [description, setDescription] = useState('');
  const [scope, setScope] = useState<ScopeChoice>(() => initialScope(types));
  const [expiry, setExpiry] = useState<ExpiryChoice>(DEFAULT_EXPIRY);
  const [errors, setErrors] = useState<FieldErrors>({});
  const {
    busy,
    error: formError,
    submit: send,
  } = useSubmission((apiField, message) => {
    const field = fieldOf(apiField);
    if (field) setErrors({ [field]: message });
    return field !== null;
  });
  const id = useId();

  async function submit(event: FormEvent) {
    event.preventDefault();
    const checked = createRequest(types, { email, description, scope, expiry });
    setErrors(checked.errors ?? {});
    const { request } = checked;
    if (!request) return;
    await send(async () => onCreated(await api.createToken(request)));
  }

  return (
    <form onSubmit={submit} noValidate className="form">
      <div className="field">
        <label htmlFor={`${id}-email`}>User Email</label>
        <input
          id={`${id}-email`}
          type="email"
          autoComplete="off"
          value={email}
          onChange={(event) => setEmail(event.target.value)}
          aria-invalid={errors.user_email ? true : undefined}
          aria-describedby={describedBy(id, 'user_email', errors.user_email, `${id}-email-hint`)}
          placeholder="someone@example.com"
        />
        <p id={`${id}-email-hint`} className="hint">
          Optional: who the token is for.
        </p>
        <FieldError formId={id} field="user_email" message={errors.user_email} />
      </div>

      <div className="field">
        <label htmlFor={`${id}-description`}>Token Description</label>
        <textarea
          id={`${id}-description`}
          rows={2}
          maxLength={MAX_DESCRIPTION}
          value={description}
          onChange={(event) => setDescription(event.target.value)}
          aria-invalid={errors.description ? true : undefined}
          aria-describedby={describedBy(id, 'description', errors.description, `${id}-counter`)}
          required
        />
        <p
          id={`${id}-counter`}
          className={`hint counter${description.length >= MAX_DESCRIPTION ? ' at-limit' : ''}`}
        >
          {description.length} / {MAX_DESCRIPTION} characters
        </p>
        <FieldError formId={id} field="description" message={errors.description} />
      </div>

      <ScopePicker formId={id} types={types} value={scope} onChange={setScope} errors={errors} />
      <ExpiryPicker formId={id} value={expiry} onChange={setExpiry} errors={errors} />

      <FormFooter error={formError} onCancel={onCancel} submitLabel="Create Token" busy={busy} />
    </form>
  );
}
