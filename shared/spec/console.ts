// The web console's security headers, one set for both stacks: the local gateway sends them with
// the console's files, and the CDK stack's CloudFront response headers policy sets the same (plus
// HSTS, which only means something over HTTPS).

/**
 * Scripts, styles and images from the console's own origin only: no inline script or style, no
 * eval; API calls to the same origin, and to the OpenID Connect issuer's origin (`issuerOrigin`:
 * its discovery document and token endpoint) when people sign in through one; never framed.
 */
export function consoleCsp(issuerOrigin?: string): string {
  return [
    "default-src 'none'",
    "script-src 'self'",
    "style-src 'self'",
    "img-src 'self'",
    "font-src 'self'",
    issuerOrigin ? `connect-src 'self' ${issuerOrigin}` : "connect-src 'self'",
    "manifest-src 'self'",
    "base-uri 'none'",
    "form-action 'self'",
    "frame-ancestors 'none'",
  ].join('; ');
}

/** The console's CSP with no identity provider to reach. */
export const CONSOLE_CSP = consoleCsp();

/**
 * Cross-Origin-Opener-Policy: a window the console opens, or that opens it, from another origin gets
 * no handle on it (no `window.opener` to steer the signed-in tab).
 */
export const CONSOLE_COOP = 'same-origin';

/** The console's security headers; `issuerOrigin` as for `consoleCsp`. */
export function consoleHeaders(issuerOrigin?: string): Readonly<Record<string, string>> {
  return {
    'content-security-policy': consoleCsp(issuerOrigin),
    'x-frame-options': 'DENY',
    'x-content-type-options': 'nosniff',
    'referrer-policy': 'no-referrer',
    'cross-origin-opener-policy': CONSOLE_COOP,
  };
}

export const CONSOLE_HEADERS: Readonly<Record<string, string>> = consoleHeaders();

/** HSTS for the HTTPS deployment: two years, subdomains included. */
export const CONSOLE_HSTS_SECONDS = 63_072_000;

/**
 * What the console needs to know of its deployment, served beside its files (the local gateway
 * serves it from memory; in AWS the construct writes it into the console's bucket).
 */
export interface ConsoleConfig {
  /** The expiry-warning window: an active token expiring within it carries `Expiring soon`. */
  readonly expiry_warning_seconds: number;
  /** The OpenID Connect issuer people sign in with (`Sign in with SSO`); absent, people sign-in is off. */
  readonly oidc_issuer?: string;
  /** The console's client id at that issuer (a public client: authorization code with PKCE). */
  readonly oidc_client_id?: string;
}

/** Where the console reads its `ConsoleConfig`. */
export const CONSOLE_CONFIG_PATH = '/config.json';
