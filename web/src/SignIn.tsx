// Sign in with the organisation's identity provider (`Sign in with SSO`, when the deployment names
// one), or with a global:admin token, checked with GET /v1/whoami. A refusal says why: a malformed
// token is caught here before it is sent; the API cannot tell a revoked token from an expired one
// (both 401), so the message names both.
import { type FormEvent, useId, useState } from 'react';
import { Api, ApiError, type TokenView } from './api';
import { isWellFormedToken } from './token-format';

interface SignInProps {
  onSignedIn: (token: string, self: TokenView) => void;
  notice: string | null;
  /** Starts `Sign in with SSO`; absent when the deployment names no identity provider. */
  onSso?: () => void;
  /** Why the last `Sign in with SSO` failed. */
  ssoError?: string | null;
}

export const SIGN_IN_MESSAGES = {
  empty: 'Enter an admin token to sign in.',
  malformed:
    'This is not a tokengate token: a token is tg_ followed by 65 letters and digits, with a checksum. Check that it was copied whole.',
  refused:
    'This token was refused: it has been revoked, it has expired, or it does not exist. Sign in with a token that is still active.',
  notAdmin:
    'This token works, but it is not an admin token: the console needs a token with the global:admin scope.',
  unreachable: 'The API could not be reached. Check that tokengate is running, then try again.',
  ssoUnreachable: 'The identity provider could not be reached. Check that it is running, then try again.',
} as const;

export function SignIn({ onSignedIn, notice, onSso, ssoError }: SignInProps) {
  const [token, setToken] = useState('');
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  const fieldId = useId();
  const helpId = useId();

  async function submit(event: FormEvent) {
    event.preventDefault();
    const candidate = token.trim();
    if (!candidate) return setError(SIGN_IN_MESSAGES.empty);
    if (!isWellFormedToken(candidate)) return setError(SIGN_IN_MESSAGES.malformed);
    setBusy(true);
    setError(null);
    try {
      const self = await new Api(candidate).whoami();
      if (self.status !== 'active') return setError(SIGN_IN_MESSAGES.refused);
      if (!self.scopes.some((grant) => grant.scope === 'global:admin')) {
        return setError(SIGN_IN_MESSAGES.notAdmin);
      }
      setToken('');
      onSignedIn(candidate, self);
    } catch (caught) {
      setError(
        caught instanceof ApiError && caught.status === 401
          ? SIGN_IN_MESSAGES.refused
          : SIGN_IN_MESSAGES.unreachable,
      );
    } finally {
      setBusy(false);
    }
  }

  return (
    <section className="sign-in" aria-labelledby={`${fieldId}-title`}>
      <h1 id={`${fieldId}-title`}>Sign in to manage tokens</h1>
      <p className="muted">
        Use a token with the <code>global:admin</code> scope, such as the one <code>tokengate bootstrap</code>{' '}
        printed. It is kept for this browser tab only.
      </p>
      {notice && (
        <p className="notice" role="status">
          {notice}
        </p>
      )}
      {onSso && (
        <div className="sso">
          <button type="button" className="button primary" onClick={onSso}>
            Sign in with SSO
          </button>
          {ssoError && (
            <div className="alert" role="alert">
              {ssoError}
            </div>
          )}
          <p className="muted">Or, for the first start and emergencies:</p>
        </div>
      )}
      <form onSubmit={submit} noValidate>
        <label htmlFor={fieldId}>Admin token</label>
        <input
          id={fieldId}
          type="password"
          autoComplete="off"
          spellCheck={false}
          value={token}
          onChange={(event) => setToken(event.target.value)}
          aria-invalid={error ? true : undefined}
          aria-describedby={error ? helpId : undefined}
          placeholder="tg_…"
          // biome-ignore lint/a11y/noAutofocus: the only field on the page
          autoFocus
        />
        {error && (
          <div id={helpId} className="alert" role="alert">
            {error}
          </div>
        )}
        <button type="submit" className="button primary" disabled={busy}>
          {busy ? 'Signing in…' : 'Sign in'}
        </button>
      </form>
    </section>
  );
}
