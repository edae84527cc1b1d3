// A token's details: everything the API knows of it, its rotation links, its requests of the last
// 30 days and its audit history.
import { type FormEvent, useEffect, useId, useState } from 'react';
import type { Api, AuditEvent, CatalogueScope, TokenView } from './api';
import { MAX_DESCRIPTION } from './create-request';
import { Dialog } from './Dialog';
import { formatDateTime, relative } from './format';
import { TrashIcon } from './icons';
import { TokenBadges } from './StatusBadge';
import { readScope, UNKNOWN_SCOPE } from './scopes';
import { UsageChart } from './UsageChart';

interface TokenDetailsProps {
  api: Api;
  /** The deployment's scope catalogue, null while it loads. */
  catalogue: readonly CatalogueScope[] | null;
  id: string;
  /** Opens another token's details (a rotation link). */
  onOpen: (id: string) => void;
  onClose: () => void;
  onRevoke: (token: TokenView) => void;
  onRotate: (token: TokenView) => void;
  /** The expiry-warning window, for the `Expiring soon` badge. */
  warningSeconds: number;
  /** Called with the token as read, so the list shows what the details show. */
  onChanged: (token: TokenView) => void;
  /** Changes when the token changed elsewhere (revoked from here): read it again. */
  revision: number;
}

/**
 * Who did it: a token the details know the name of (this token, or the one that created it) by that
 * name, its `token:<id>` on hover; anyone else as the audit trail names them.
 */
function ActorName({ actor, token }: { actor: AuditEvent['actor']; token: TokenView }) {
  const ref = `${actor.type}:${actor.id}`;
  const name =
    actor.type !== 'token'
      ? null
      : actor.id === token.id
        ? token.description
        : ref === token.created_by
          ? token.created_by_name
          : null;
  return name ? <span title={ref}>{name}</span> : <code>{ref}</code>;
}

const EVENT_LABELS: Record<string, string> = {
  'token.created': 'Created',
  'token.revoked': 'Revoked',
  'token.updated': 'Updated',
  'token.rotated': 'Rotated',
  'token.expiring': 'Expiry warning',
  'token.expired': 'Expired and removed',
  'token.deleted': 'Deleted',
};

/** A rotation link's row in the facts: its term (the children), and the other token's id, which opens it. */
function RotationLink({
  id,
  onOpen,
  children,
}: {
  id: string;
  onOpen: (id: string) => void;
  children: string;
}) {
  return (
    <>
      <dt>{children}</dt>
      <dd>
        <button type="button" className="link-button" onClick={() => onOpen(id)}>
          <code>{id}</code>
        </button>
      </dd>
    </>
  );
}

export function TokenDetails({
  api,
  catalogue,
  id,
  onOpen,
  onClose,
  onRevoke,
  onRotate,
  warningSeconds,
  onChanged,
  revision,
}: TokenDetailsProps) {
  const [token, setToken] = useState<TokenView | null>(null);
  const [events, setEvents] = useState<AuditEvent[] | null>(null);
  const [error, setError] = useState<string | null>(null);

  useEffect(() => {
    let live = true;
    if (revision < 0) return; // (read again on each revision)
    setError(null);
    api.getToken(id).then(
      (found) => {
        if (!live) return;
        setToken(found);
        onChanged(found);
      },
      (caught: unknown) => live && setError(caught instanceof Error ? caught.message : String(caught)),
    );
    api.audit(id).then(
      (page) => live && setEvents(page.events),
      () => live && setEvents([]),
    );
    return () => {
      live = false;
    };
  }, [api, id, onChanged, revision]);

  return (
    <Dialog title={token?.description ?? 'Token details'} onClose={onClose} size="wide" closeOnBackdrop>
      {error && (
        <div className="alert" role="alert">
          {error}
        </div>
      )}
      {!token && !error && <p className="muted">Loading…</p>}
      {token && (
        <>
          <div className="details-status">
            <TokenBadges token={token} warningSeconds={warningSeconds} />
            <span className="muted">{token.kind === 'service' ? 'Service token' : 'User token'}</span>
          </div>
          <dl className="facts">
            <dt>Token ID</dt>
            <dd>
              <code>{token.id}</code>
            </dd>
            <dt>Description</dt>
            <dd className="description">
              <EditableDescription
                api={api}
                token={token}
                onSaved={(saved) => {
                  setToken(saved);
                  onChanged(saved);
                }}
              />
            </dd>
            <dt>Scopes</dt>
            <dd>
              <ul className="plain">
                {token.scopes.map((grant) => {
                  const { label, unknown } = readScope(catalogue, grant.scope);
                  return (
                    <li key={grant.scope}>
                      <span className={unknown ? 'scope-badge unknown' : 'scope-badge'}>
                        {unknown ? UNKNOWN_SCOPE : label}
                      </span>{' '}
                      <code>{grant.scope}</code>
                      {unknown && (
                        <span className="muted">
                          {' '}
                          (no longer in this deployment's catalogue: it grants nothing)
                        </span>
                      )}
                      {grant.resources && (
                        <span className="muted">
                          {' '}
                          on {grant.resources.includes('*') ? 'all resources' : grant.resources.join(', ')}
                        </span>
                      )}
                    </li>
                  );
                })}
              </ul>
            </dd>
            <dt>Created For (User)</dt>
            <dd>{token.user_email ?? '—'}</dd>
            <dt>Created</dt>
            <dd>{formatDateTime(token.created_at)}</dd>
            <dt>Created By</dt>
            <dd title={token.created_by}>{token.created_by_name ?? <code>{token.created_by}</code>}</dd>
            <dt>Last used</dt>
            <dd>
              {token.last_used_at
                ? `${formatDateTime(token.last_used_at)} (${relative(token.last_used_at)})`
                : 'Never used'}
            </dd>
            <dt>Expires</dt>
            <dd>
              {token.expires_at
                ? `${formatDateTime(token.expires_at)} (${relative(token.expires_at)})`
                : 'Never expires'}
            </dd>
            {token.revoked_at && (
              <>
                <dt>Revoked</dt>
                <dd>
                  {formatDateTime(token.revoked_at)}
                  {token.revoked_by && (
                    <>
                      {' '}
                      by <code>{token.revoked_by}</code>
                    </>
                  )}
                </dd>
              </>
            )}
            <dt>Token hint</dt>
            <dd>
              <code>{token.hint}…</code>
            </dd>
            {token.rotated_from && (
              <RotationLink id={token.rotated_from} onOpen={onOpen}>
                Rotated from
              </RotationLink>
            )}
            {token.rotated_to && (
              <RotationLink id={token.rotated_to} onOpen={onOpen}>
                Rotated to
              </RotationLink>
            )}
          </dl>

          <UsageChart api={api} id={token.id} revision={revision} />

          <h3>Audit history</h3>
          {events === null && <p className="muted">Loading…</p>}
          {events?.length === 0 && <p className="muted">No events recorded yet.</p>}
          {events && events.length > 0 && (
            <ol className="timeline">
              {events.map((event) => (
                <li key={event.id}>
                  <span className="timeline-type">{EVENT_LABELS[event.type] ?? event.type}</span>
                  <time dateTime={event.time}>{formatDateTime(event.time)}</time>
                  <span className="muted">
                    by <ActorName actor={event.actor} token={token} />
                  </span>
                </li>
              ))}
            </ol>
          )}

          <div className="dialog-actions">
            {token.status === 'active' && token.rotated_to === null && (
              <button type="button" className="button" onClick={() => onRotate(token)}>
                Rotate Token
              </button>
            )}
            {token.status !== 'revoked' && (
              <button type="button" className="button danger-fill" onClick={() => onRevoke(token)}>
                <TrashIcon />
                Revoke Token
              </button>
            )}
          </div>
        </>
      )}
    </Dialog>
  );
}

/** The description, and `Edit Description` to change it in place with `Save` and `Cancel`. */
function EditableDescription({
  api,
  token,
  onSaved,
}: {
  api: Api;
  token: TokenView;
  onSaved: (token: TokenView) => void;
}) {
  const [draft, setDraft] = useState<string | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  const id = useId();

  if (draft === null) {
    return (
      <div className="edit-inline">
        <span>{token.description}</span>
        {token.status !== 'revoked' && (
          <div className="dialog-actions">
            <button type="button" className="button small" onClick={() => setDraft(token.description)}>
              Edit Description
            </button>
          </div>
        )}
      </div>
    );
  }

  async function save(event: FormEvent) {
    event.preventDefault();
    if (draft === null) return;
    setBusy(true);
    setError(null);
    try {
      onSaved(await api.editDescription(token.id, draft));
      setDraft(null);
    } catch (caught) {
      setError(caught instanceof Error ? caught.message : String(caught));
    } finally {
      setBusy(false);
    }
  }

  return (
    <form className="edit-inline" onSubmit={save} noValidate>
      <label htmlFor={`${id}-description`} className="visually-hidden">
        Description
      </label>
      <textarea
        id={`${id}-description`}
        rows={2}
        maxLength={MAX_DESCRIPTION}
        value={draft}
        onChange={(event) => setDraft(event.target.value)}
        aria-invalid={error ? true : undefined}
        aria-describedby={error ? `${id}-error` : undefined}
      />
      {error && (
        <p id={`${id}-error`} className="field-error">
          {error}
        </p>
      )}
      <div className="dialog-actions">
        <button type="button" className="button" onClick={() => setDraft(null)}>
          Cancel
        </button>
        <button type="submit" className="button primary" disabled={busy}>
          Save
        </button>
      </div>
    </form>
  );
}
