// What the console makes of its `/config.json` (web/src/config.ts): the expiry-warning window, and
// the sign-in issuer only when it is an http(s) URL with a client id beside it.
import { afterEach, describe, expect, it, vi } from 'vitest';
import { loadConsoleConfig, UNKNOWN_CONSOLE_CONFIG } from '../../../web/src/config';

function serve(body: unknown, status = 200): void {
  vi.stubGlobal('fetch', async () => new Response(JSON.stringify(body), { status }));
}

describe('the console configuration', () => {
  afterEach(() => vi.unstubAllGlobals());

  it('names the issuer and the client id for Sign in with SSO', async () => {
    serve({
      expiry_warning_seconds: 60,
      oidc_issuer: 'http://127.0.0.1:4455',
      oidc_client_id: 'tokengate-console',
    });
    expect(await loadConsoleConfig()).toEqual({
      expiry_warning_seconds: 60,
      oidc_issuer: 'http://127.0.0.1:4455',
      oidc_client_id: 'tokengate-console',
    });
  });

  it('offers no SSO for an issuer that is not an http(s) URL, or without a client id', async () => {
    for (const sso of [
      { oidc_issuer: 'javascript:alert(1)', oidc_client_id: 'c' },
      { oidc_issuer: 'not a url', oidc_client_id: 'c' },
      { oidc_issuer: 'https://issuer.example.com' },
      { oidc_issuer: 'https://issuer.example.com', oidc_client_id: '' },
      { oidc_issuer: 42, oidc_client_id: 'c' },
    ]) {
      serve({ expiry_warning_seconds: 60, ...sso });
      expect(await loadConsoleConfig(), JSON.stringify(sso)).toEqual({ expiry_warning_seconds: 60 });
    }
  });

  it('falls back to no window and no SSO when the file cannot be read', async () => {
    serve({}, 404);
    expect(await loadConsoleConfig()).toEqual(UNKNOWN_CONSOLE_CONFIG);
    serve({ expiry_warning_seconds: -5 });
    expect(await loadConsoleConfig()).toEqual({ expiry_warning_seconds: 0 });
  });
});
