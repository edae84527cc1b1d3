// The console: a sign-in form until an admin token is given, then the token list.
import { useCallback, useEffect, useState } from 'react';
import { Api, type TokenView } from './api';
import { loadConsoleConfig, UNKNOWN_CONSOLE_CONFIG } from './config';
import { KeyIcon } from './icons';
import { SignIn } from './SignIn';
import { loadSessionToken, saveSessionToken } from './session';
import { TokenList } from './TokenList';

interface Session {
  api: Api;
  self: TokenView | null;
}

function restore(): Session | null {
  const token = loadSessionToken();
  return token ? { api: new Api(token), self: null } : null;
}

export function App() {
  const [session, setSession] = useState<Session | null>(restore);
  const [notice, setNotice] = useState<string | null>(null);
  const [config, setConfig] = useState(UNKNOWN_CONSOLE_CONFIG);

  useEffect(() => {
    let live = true;
    void loadConsoleConfig().then((loaded) => live && setConfig(loaded));
    return () => {
      live = false;
    };
  }, []);

  const signIn = useCallback((token: string, self: TokenView) => {
    saveSessionToken(token);
    setNotice(null);
    setSession({ api: new Api(token), self });
  }, []);

  const signOut = useCallback((why?: string) => {
    saveSessionToken(null);
    setSession(null);
    setNotice(why ?? null);
  }, []);

  return (
    <div className="app">
      <header className="topbar">
        <div className="brand">
          <KeyIcon />
          <span>tokengate</span>
        </div>
        {session && (
          <div className="topbar-actions">
            {session.self && (
              <span className="signed-in" title={session.self.id}>
                Signed in as <strong>{session.self.description}</strong>
              </span>
            )}
            <button type="button" className="button" onClick={() => signOut()}>
              Sign out
            </button>
          </div>
        )}
      </header>
      <main className="content">
        {session ? (
          <TokenList api={session.api} warningSeconds={config.expiry_warning_seconds} onSignedOut={signOut} />
        ) : (
          <SignIn onSignedIn={signIn} notice={notice} />
        )}
      </main>
    </div>
  );
}
