// Where the console keeps what it remembers. The admin token, and a person's identity token from
// `Sign in with SSO`, live for the browser tab only (sessionStorage), never in localStorage or a
// cookie; localStorage holds only the column choice.
import type { UserManager } from 'oidc-client-ts';
import { type ColumnKey, columnsFromKept, keptColumns } from './columns';

/** The sessionStorage key of the admin token (the benchmark signs in through it). */
export const TOKEN_KEY = 'tokengate.console.token';
const COLUMNS_KEY = 'tokengate.console.columns';

export function loadSessionToken(): string | null {
  try {
    return sessionStorage.getItem(TOKEN_KEY);
  } catch {
    return null;
  }
}

export function saveSessionToken(token: string | null): void {
  try {
    if (token === null) sessionStorage.removeItem(TOKEN_KEY);
    else sessionStorage.setItem(TOKEN_KEY, token);
  } catch {
    // storage disabled: the token lives in memory only
  }
}

export function loadColumns(): ColumnKey[] {
  try {
    return columnsFromKept(JSON.parse(localStorage.getItem(COLUMNS_KEY) ?? 'null'));
  } catch {
    return columnsFromKept(null); // unreadable: the defaults
  }
}

export function saveColumns(columns: readonly ColumnKey[]): void {
  try {
    localStorage.setItem(COLUMNS_KEY, JSON.stringify(keptColumns(columns)));
  } catch {
    // storage disabled: the choice lasts until the page is reloaded
  }
}

/** The tab's storage, or memory when sessionStorage is disabled. */
function tabStorage(memory: Storage): Storage {
  try {
    sessionStorage.getItem(TOKEN_KEY);
    return sessionStorage;
  } catch {
    return memory;
  }
}

/**
 * The OpenID Connect client for `Sign in with SSO`: authorization code with PKCE, back to the
 * console's `/`. The person (their identity token) and the flow's state (the PKCE verifier) are kept
 * in the tab's sessionStorage, where oidc-client-ts would otherwise keep the state in localStorage.
 * Loaded on demand: a console signed in with a token never fetches it.
 */
export async function ssoClient(issuer: string, clientId: string): Promise<UserManager> {
  const { InMemoryWebStorage, UserManager, WebStorageStateStore } = await import('oidc-client-ts');
  const store = new WebStorageStateStore({
    store: tabStorage(new InMemoryWebStorage()),
    prefix: 'tokengate.sso.',
  });
  const home = `${window.location.origin}/`;
  return new UserManager({
    authority: issuer,
    client_id: clientId,
    redirect_uri: home,
    post_logout_redirect_uri: home,
    response_type: 'code',
    scope: 'openid email',
    userStore: store,
    stateStore: store,
    loadUserInfo: false,
    automaticSilentRenew: false,
    monitorSession: false,
  });
}

/** Whether this page load is the issuer sending the person back with a code (or an error). */
export function isSsoReturn(location: Location): boolean {
  const params = new URLSearchParams(location.search);
  return params.has('state') && (params.has('code') || params.has('error'));
}
