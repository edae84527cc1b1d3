// The Create Token dialog: the form, the API's field errors at their fields,
// then the new token, shown once with Copy and Done.
import { type FormEvent, type ReactNode, useId, useMemo, useState } from 'react';
import { type Api, ApiError, type CatalogueScope, type CreatedToken, type CreateTokenRequest } from './api';
import { Dialog } from './Dialog';
import { Radio } from './Radio';
import { ShowOnce } from './ShowOnce';
import { firstResourceType, type ResourceType, resourceTypes } from './scopes';

const MAX_DESCRIPTION = 500;
const DEFAULT_DAYS = '90';

type Field = 'user_email' | 'description' | 'access' | 'resources' | 'days' | 'date';
type Expiry = 'never' | 'days' | 'date';

/** Which form field an API error's `field` concerns. */
function fieldOf(apiField: string | undefined): Field | null {
  if (!apiField) return null;
  if (apiField === 'user_email' || apiField === 'description') return apiField;
  if (apiField === 'expires_in_days') return 'days';
  if (apiField === 'expires_at') return 'date';
  if (/^scopes\.\d+\.resources/.test(apiField)) return 'resources';
  if (apiField.startsWith('scopes')) return 'access';
  return null;
}

interface CreateTokenDialogProps {
  api: Api;
  /** The deployment's scope catalogue, null while it loads. */
  catalogue: readonly CatalogueScope[] | null;
  onClose: () => void;
  onCreated: (token: CreatedToken) => void;
}

export function CreateTokenDialog({ api, catalogue, onClose, onCreated }: CreateTokenDialogProps) {
  const [created, setCreated] = useState<CreatedToken | null>(null);
  return (
    <Dialog title={created ? 'Token created' : 'Create Token'} onClose={onClose}>
      {created ? (
        <ShowOnce created={created} onDone={onClose} />
      ) : !catalogue ? (
        <p className="muted">Loading the scopes…</p>
      ) : (
        <CreateForm
          api={api}
          types={resourceTypes(catalogue)}
          onCancel={onClose}
          onCreated={(token) => {
            setCreated(token);
            onCreated(token);
          }}
        />
      )}
    </Dialog>
  );
}

function CreateForm({
  api,
  types,
  onCancel,
  onCreated,
}: {
  api: Api;
  /** The catalogue's resource types, each with its access levels. */
  types: readonly ResourceType[];
  onCancel: () => void;
  onCreated: (token: CreatedToken) => void;
}) {
  const [email, setEmail] = useState('');
  const [description, setDescription] = useState('');
  const [type, setType] = useState<string>(() => firstResourceType(types)?.label ?? '');
  const levels = useMemo(
    () => types.find((candidate) => candidate.label === type)?.levels ?? [],
    [types, type],
  );
  const [level, setLevel] = useState<string>(() => firstResourceType(types)?.levels[0]?.scope ?? '');
  const [specific, setSpecific] = useState(false);
  const [resources, setResources] = useState('');
  const [expiry, setExpiry] = useState<Expiry>('days');
  const [days, setDays] = useState(DEFAULT_DAYS);
  const [date, setDate] = useState('');
  const [errors, setErrors] = useState<Partial<Record<Field, string>>>({});
  const [formError, setFormError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  const id = useId();

  const chosen = levels.find((candidate) => candidate.scope === level) ?? levels[0];

  function chooseType(next: string) {
    setType(next);
    setLevel(types.find((candidate) => candidate.label === next)?.levels[0]?.scope ?? '');
    setSpecific(false);
  }

  function request(): CreateTokenRequest | null {
    const found: Partial<Record<Field, string>> = {};
    if (!description.trim()) found.description = 'Give the token a description: what or who uses it.';
    if (!chosen) found.access = 'Choose an access level.';
    const names = resources
      .split(',')
      .map((name) => name.trim())
      .filter(Boolean);
    if (chosen?.takesResources && specific && names.length === 0) {
      found.resources = 'Name at least one resource, or choose All Resources.';
    }
    if (expiry === 'days' && !/^\d+$/.test(days.trim())) found.days = 'Enter a whole number of days.';
    if (expiry === 'date' && !date) found.date = 'Choose the date the token expires.';
    setErrors(found);
    if (Object.keys(found).length > 0 || !chosen) return null;
    return {
      description,
      ...(email.trim() && { user_email: email.trim() }),
      scopes: [
        {
          scope: chosen.scope,
          ...(chosen.takesResources && { resources: specific ? names : ['*'] }),
        },
      ],
      ...(expiry === 'days' && { expires_in_days: Number(days.trim()) }),
      ...(expiry === 'date' && { expires_at: date }),
    };
  }

  async function submit(event: FormEvent) {
    event.preventDefault();
    setFormError(null);
    const body = request();
    if (!body) return;
    setBusy(true);
    try {
      onCreated(await api.createToken(body));
    } catch (caught) {
      const field = caught instanceof ApiError ? fieldOf(caught.field) : null;
      const message = caught instanceof Error ? caught.message : String(caught);
      if (field) setErrors({ [field]: message });
      else setFormError(message);
    } finally {
      setBusy(false);
    }
  }

  const describedBy = (field: Field, extra?: string) =>
    [errors[field] ? `${id}-${field}-error` : '', extra ?? ''].filter(Boolean).join(' ') || undefined;
  const errorOf = (field: Field): ReactNode =>
    errors[field] ? (
      <p id={`${id}-${field}-error`} className="field-error">
        {errors[field]}
      </p>
    ) : null;

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
          aria-describedby={describedBy('user_email', `${id}-email-hint`)}
          placeholder="someone@example.com"
        />
        <p id={`${id}-email-hint`} className="hint">
          Optional: who the token is for.
        </p>
        {errorOf('user_email')}
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
          aria-describedby={describedBy('description', `${id}-counter`)}
          required
        />
        <p
          id={`${id}-counter`}
          className={`hint counter${description.length >= MAX_DESCRIPTION ? ' at-limit' : ''}`}
        >
          {description.length} / {MAX_DESCRIPTION} characters
        </p>
        {errorOf('description')}
      </div>

      <div className="field-row">
        <div className="field">
          <label htmlFor={`${id}-type`}>Resource Type</label>
          <select id={`${id}-type`} value={type} onChange={(event) => chooseType(event.target.value)}>
            {types.map((candidate) => (
              <option key={candidate.label} value={candidate.label}>
                {candidate.label}
              </option>
            ))}
          </select>
        </div>
        <div className="field">
          <label htmlFor={`${id}-level`}>Access Level</label>
          <select
            id={`${id}-level`}
            value={chosen?.scope ?? ''}
            onChange={(event) => setLevel(event.target.value)}
            aria-invalid={errors.access ? true : undefined}
            aria-describedby={describedBy('access')}
          >
            {levels.map((candidate) => (
              <option key={candidate.scope} value={candidate.scope}>
                {candidate.label}
                {candidate.deprecatedBy ? ' (deprecated)' : ''}
              </option>
            ))}
          </select>
          {errorOf('access')}
        </div>
      </div>
      {chosen && (
        <p className="hint scope-hint">
          Scope <code>{chosen.scope}</code>
          {chosen.deprecatedBy && (
            <>
              {' '}
              is deprecated: {chosen.deprecatedBy.label} (<code>{chosen.deprecatedBy.scope}</code>) grants it
              too.
            </>
          )}
        </p>
      )}

      {chosen?.takesResources && (
        <fieldset className="field">
          <legend>{type} this token reaches</legend>
          <div className="radios">
            <Radio name={`${id}-which`} checked={!specific} onChange={() => setSpecific(false)}>
              All Resources
            </Radio>
            <Radio name={`${id}-which`} checked={specific} onChange={() => setSpecific(true)}>
              Specific Resources
            </Radio>
          </div>
          {specific && (
            <>
              <label htmlFor={`${id}-resources`}>Resources</label>
              <input
                id={`${id}-resources`}
                type="text"
                value={resources}
                onChange={(event) => setResources(event.target.value)}
                aria-invalid={errors.resources ? true : undefined}
                aria-describedby={describedBy('resources', `${id}-resources-hint`)}
                placeholder={chosen.resourceKind ? 'cran, bioconductor' : undefined}
              />
              <p id={`${id}-resources-hint`} className="hint">
                Comma-separated names, up to 10.
              </p>
            </>
          )}
          {errorOf('resources')}
        </fieldset>
      )}

      <fieldset className="field">
        <legend>Expiration</legend>
        <div className="radios">
          <Radio name={`${id}-expiry`} checked={expiry === 'never'} onChange={() => setExpiry('never')}>
            Never expires
          </Radio>
          <Radio name={`${id}-expiry`} checked={expiry === 'days'} onChange={() => setExpiry('days')}>
            Expires in days
          </Radio>
          <Radio name={`${id}-expiry`} checked={expiry === 'date'} onChange={() => setExpiry('date')}>
            Expires on date
          </Radio>
        </div>
        {expiry === 'days' && (
          <div className="inline-field">
            <label htmlFor={`${id}-days`}>Days</label>
            <input
              id={`${id}-days`}
              type="number"
              inputMode="numeric"
              min={1}
              max={3650}
              value={days}
              onChange={(event) => setDays(event.target.value)}
              aria-invalid={errors.days ? true : undefined}
              aria-describedby={describedBy('days')}
            />
          </div>
        )}
        {expiry === 'date' && (
          <div className="inline-field">
            <label htmlFor={`${id}-date`}>Date</label>
            <input
              id={`${id}-date`}
              type="date"
              value={date}
              onChange={(event) => setDate(event.target.value)}
              aria-invalid={errors.date ? true : undefined}
              aria-describedby={describedBy('date')}
            />
          </div>
        )}
        {errorOf('days')}
        {errorOf('date')}
      </fieldset>

      {formError && (
        <div className="alert" role="alert">
          {formError}
        </div>
      )}
      <div className="dialog-actions">
        <button type="button" className="button" onClick={onCancel}>
          Cancel
        </button>
        <button type="submit" className="button primary" disabled={busy}>
          Create Token
        </button>
      </div>
    </form>
  );
}
