// The console: a sign-in screen until an admin token is given or a person signs in with SSO, then
// the token list. A person outside the admin group sees why, and no data.
import type { UserManager } from 'oidc-client-ts';
import { useCallback, useEffect, useRef, useState } from 'react';
import { Api, ApiError, type TokenView } from './api';
import { loadConsoleConfig, UNKNOWN_CONSOLE_CONFIG } from './config';
import { restoredApi } from './first-page';
import { KeyIcon } from './icons';
import { SIGN_IN_MESSAGES, SignIn } from './SignIn';
import { isSsoReturn, loadSessionToken, saveSessionToken, ssoClient } from './session';
import { TokenList } from './TokenList';
import { SIGNED_OUT_NOTICES } from './useApiFailure';

interface Session {
  api: Api;
  /** Signed in with an admin token: that token, once read. */
  self: TokenView | null;
  /** Signed in with SSO: the person's email. */
  person?: string;
  /** A person's session the API refuses (not in the admin group): why, shown instead of the list. */
  refused?: string;
  /** A person's session not yet checked with the API. */
  checking?: boolean;
}

export const SSO_MESSAGES = {
  notAdmin: (email: string, said: string) =>
    `You are signed in as ${email}, but you are not in the admin group, so you cannot manage tokens. Ask an admin to add you to it. The API said: ${said}`,
  refused: (said: string) => `The API did not accept your sign-in. The API said: ${said}`,
  failed: 'Sign-in with SSO did not complete. Try again.',
} as const;

function restore(): Session | null {
  const token = loadSessionToken();
  return token ? { api: restoredApi(token), self: null } : null;
}

export function App() {
  const [session, setSession] = useState<Session | null>(restore);
  const [notice, setNotice] = useState<string | null>(null);
  const [ssoError, setSsoError] = useState<string | null>(null);
  const [config, setConfig] = useState(UNKNOWN_CONSOLE_CONFIG);
  const sso = useRef<Promise<UserManager> | null>(null);
  /** Whether the session is a person's, read by `signOut` (which must not change with the session). */
  const person = useRef(false);
  person.current = session?.person !== undefined;

  /** A person's session, from their identity token: checked with the API before any list shows. */
  const personSignedIn = useCallback((idToken: string, email: string) => {
    const api = new Api(idToken);
    setNotice(null);
    setSsoError(null);
    setSession({ api, self: null, person: email, checking: true });
    api.checkAdmin().then(
      () => setSession((current) => (current?.api === api ? { ...current, checking: false } : current)),
      (error: unknown) => {
        const said = error instanceof Error ? error.message : String(error);
        const refused =
          error instanceof ApiError && error.status === 403
            ? SSO_MESSAGES.notAdmin(email, said)
            : error instanceof ApiError
              ? SSO_MESSAGES.refused(said)
              : SIGN_IN_MESSAGES.unreachable;
        setSession((current) => (current?.api === api ? { ...current, checking: false, refused } : current));
      },
    );
  }, []);

  useEffect(() => {
    let live = true;
    void loadConsoleConfig().then(async (loaded) => {
      if (!live) return;
      setConfig(loaded);
      if (!loaded.oidc_issuer || !loaded.oidc_client_id) return;
      sso.current ??= ssoClient(loaded.oidc_issuer, loaded.oidc_client_id);
      try {
        const client = await sso.current;
        const returning = isSsoReturn(window.location);
        const back = window.location.href;
        // The code is used once: the address bar loses it (or the sign-out's state) whatever comes next.
        if (window.location.search) window.history.replaceState(null, '', '/');
        if (!returning && new URL(back).searchParams.has('state'))
          await client.signoutCallback(back).catch(() => undefined);
        const user = returning ? await client.signinRedirectCallback(back) : await client.getUser();
        // An identity token past its expiry is forgotten: the person signs in again.
        if (user?.expired) await client.removeUser();
        if (!live || !user || user.expired || !user.id_token || loadSessionToken()) return;
        personSignedIn(user.id_token, String(user.profile.email ?? user.profile.sub));
      } catch {
        if (live) setSsoError(SSO_MESSAGES.failed);
      }
    });
    return () => {
      live = false;
    };
  }, [personSignedIn]);

  const startSso = useCallback(() => {
    setSsoError(null);
    void sso.current
      ?.then((client) => client.signinRedirect())
      .catch(() => setSsoError(SIGN_IN_MESSAGES.ssoUnreachable));
  }, []);

  const signIn = useCallback((token: string, self: TokenView) => {
    saveSessionToken(token);
    setNotice(null);
    setSession({ api: new Api(token), self });
  }, []);

  /**
   * Ends the session. `Sign out` also ends a person's session at the identity provider, when it has
   * an end-session endpoint; a sign-out the API forced (`why`) only forgets it here.
   */
  const signOut = useCallback((why?: string) => {
    saveSessionToken(null);
    setNotice(why ?? null);
    const wasPerson = person.current;
    setSession(null);
    if (!wasPerson || !sso.current) return;
    void sso.current.then(async (client) => {
      const endSession = why
        ? undefined
        : await client.metadataService.getEndSessionEndpoint().catch(() => undefined);
      if (endSession) await client.signoutRedirect();
      else await client.removeUser();
    });
  }, []);

  /** The API refused the session mid-way: a person is told to sign in again, not to find an admin token. */
  const refused = useCallback(
    () => signOut(person.current ? SIGNED_OUT_NOTICES.person : SIGNED_OUT_NOTICES.token),
    [signOut],
  );

  return (
    <div className="app">
      <header className="topbar">
        <div className="brand">
          <KeyIcon />
          <span>tokengate</span>
        </div>
        {session && (
          <div className="topbar-actions">
            {session.person !== undefined ? (
              <span className="signed-in">
                Signed in as <strong>{session.person}</strong>
              </span>
            ) : (
              session.self && (
                <span className="signed-in" title={session.self.id}>
                  Signed in as <strong>{session.self.description}</strong>
                </span>
              )
            )}
            <button type="button" className="button" onClick={() => signOut()}>
              Sign out
            </button>
          </div>
        )}
      </header>
      <main className="content">
        {!session ? (
          <SignIn
            onSignedIn={signIn}
            notice={notice}
            onSso={config.oidc_issuer ? startSso : undefined}
            ssoError={ssoError}
          />
        ) : session.refused ? (
          <section className="sign-in" aria-label="Not signed in to the console">
            <div className="alert" role="alert">
              {session.refused}
            </div>
          </section>
        ) : session.checking ? (
          <p className="muted" role="status">
            Checking your access…
          </p>
        ) : (
          <TokenList api={session.api} warningSeconds={config.expiry_warning_seconds} onSignedOut={refused} />
        )}
      </main>
    </div>
  );
}
