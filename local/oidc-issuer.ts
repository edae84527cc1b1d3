// The local stack's development OpenID Connect issuer (`oidc-provider`), standing in for the
// organisation's identity provider: one public client, the console (authorization code with PKCE),
// and a sign-in page that takes any email with the password `tokengate`. The emails in
// TOKENGATE_ADMIN_EMAILS are in the admin group. Its signing and cookie keys live in $DATA_DIR, so
// identity tokens and sessions outlive a restart. For development only: anyone who can reach it can
// sign in as anyone.

import { generateKeyPairSync, randomBytes, randomUUID } from 'node:crypto';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import Provider, { type Configuration, type KoaContextWithOIDC } from 'oidc-provider';
import type { PeopleConfig } from '#domain/people';
import { ENV } from '#spec/env';

/** The console's client id at the local issuer. */
export const LOCAL_OIDC_CLIENT_ID = 'tokengate-console';
/** The one password the development sign-in page takes, for any email. */
export const DEVELOPMENT_PASSWORD = 'tokengate';
/** The claim holding a person's groups in the local issuer's identity tokens. */
export const LOCAL_GROUPS_CLAIM = 'groups';
/** The admin group the local issuer puts the admin emails in (the API's default admin group). */
export const LOCAL_ADMIN_GROUP = 'tokengate-admins';
/** Who is an admin when TOKENGATE_ADMIN_EMAILS is unset. */
export const DEFAULT_ADMIN_EMAILS = ['admin@example.com'];

const HOST = '127.0.0.1';
const DEVELOPMENT_ONLY =
  'Development only: this is the tokengate local stack’s own OpenID Connect issuer. Any email signs in with the password “tokengate”. Never use it for anything real.';

export interface OidcIssuerOptions {
  /** The JSON file holding the signing keys (JWKS) and cookie keys; made 0600 when missing. */
  keyFile: string;
  /** The console's origin (`http://127.0.0.1:8787`): its `/` is the client's redirect URI. */
  consoleUrl: string;
  /** Lower-cased emails put in the admin group. */
  adminEmails: readonly string[];
  /** Default 0: a free port. */
  port?: number;
}

interface IssuerKeys {
  jwks: { keys: Record<string, unknown>[] };
  cookie_keys: string[];
}

/** The issuer's keys: read from `path`, or made and written there (0600) on the first start. */
export function ensureIssuerKeys(path: string): IssuerKeys {
  if (existsSync(path)) return JSON.parse(readFileSync(path, 'utf8')) as IssuerKeys;
  const { privateKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
  const keys: IssuerKeys = {
    jwks: {
      keys: [{ ...privateKey.export({ format: 'jwk' }), kid: randomUUID(), alg: 'RS256', use: 'sig' }],
    },
    cookie_keys: [randomBytes(32).toString('base64url')],
  };
  writeFileSync(path, `${JSON.stringify(keys)}\n`, { mode: 0o600, flag: 'wx' });
  return keys;
}

/** TOKENGATE_ADMIN_EMAILS (comma-separated), lower-cased; unset or empty: `admin@example.com`. */
export function adminEmails(env: NodeJS.ProcessEnv): string[] {
  const listed = (env[ENV.adminEmails] ?? '')
    .split(',')
    .map((email) => email.trim().toLowerCase())
    .filter(Boolean);
  return listed.length > 0 ? listed : [...DEFAULT_ADMIN_EMAILS];
}

/** A loopback URL's other spelling (`127.0.0.1` ⇄ `localhost`), so the console works under both. */
function bothSpellings(url: string): string[] {
  const other = url.includes('://127.0.0.1')
    ? url.replace('://127.0.0.1', '://localhost')
    : url.replace('://localhost', '://127.0.0.1');
  return other === url ? [url] : [url, other];
}

function escapeHtml(text: string): string {
  return text.replace(
    /[&<>"']/g,
    (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c] ?? c,
  );
}

const STYLE = `body{font-family:system-ui,sans-serif;margin:0;background:#f5f6f8;color:#1b1f24}
main{max-width:26rem;margin:3rem auto;background:#fff;padding:1.5rem 2rem;border-radius:8px;border:1px solid #d0d7de}
h1{font-size:1.3rem}label{display:block;margin-top:1rem;font-weight:600}
input{width:100%;box-sizing:border-box;padding:.5rem;margin-top:.25rem;font-size:1rem}
button{margin-top:1.25rem;padding:.55rem 1rem;font-size:1rem;background:#0b5cad;color:#fff;border:0;border-radius:4px;cursor:pointer}
.warning{background:#fff4ce;border:1px solid #9a6700;padding:.75rem;border-radius:4px}
.alert{color:#a40e26;font-weight:600}`;

function page(title: string, body: string): string {
  return `<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>${escapeHtml(title)}</title><style>${STYLE}</style></head>
<body><main><h1>${escapeHtml(title)}</h1>
<p class="warning" role="note">${escapeHtml(DEVELOPMENT_ONLY)}</p>
${body}</main></body></html>`;
}

function signInPage(uid: string, email: string, error?: string): string {
  return page(
    'Sign in to tokengate (development issuer)',
    `${error ? `<p class="alert" role="alert">${escapeHtml(error)}</p>` : ''}
<form method="post" action="/interaction/${escapeHtml(uid)}/login" autocomplete="off">
<label for="email">Email</label>
<input id="email" name="email" type="email" required value="${escapeHtml(email)}" autofocus>
<label for="password">Password</label>
<input id="password" name="password" type="password" required>
<button type="submit">Sign in</button>
</form>`,
  );
}

const EMAIL = /^[^\s@]+@[^\s@]+$/;
const MAX_BODY_BYTES = 16 * 1024;

async function formOf(request: IncomingMessage): Promise<URLSearchParams> {
  let body = '';
  for await (const chunk of request) {
    body += String(chunk);
    if (body.length > MAX_BODY_BYTES) throw new Error('form too large');
  }
  return new URLSearchParams(body);
}

function send(response: ServerResponse, status: number, html: string): void {
  response.writeHead(status, {
    'content-type': 'text/html; charset=utf-8',
    'cache-control': 'no-store',
    'x-frame-options': 'DENY',
    // No form-action: the sign-in form's answer redirects on to the console, another origin.
    'content-security-policy': "default-src 'none'; style-src 'unsafe-inline'; frame-ancestors 'none'",
  });
  response.end(html);
}

function configuration(options: OidcIssuerOptions, keys: IssuerKeys): Configuration {
  const admins = new Set(options.adminEmails);
  const redirects = bothSpellings(`${options.consoleUrl}/`);
  return {
    clients: [
      {
        client_id: LOCAL_OIDC_CLIENT_ID,
        client_name: 'tokengate console',
        token_endpoint_auth_method: 'none',
        grant_types: ['authorization_code'],
        response_types: ['code'],
        redirect_uris: redirects,
        post_logout_redirect_uris: redirects,
      },
    ],
    jwks: keys.jwks,
    cookies: { keys: keys.cookie_keys },
    pkce: { required: () => true },
    // oidc-provider's defaults, named so it does not warn at every start.
    ttl: {
      Interaction: 60 * 60,
      Session: 14 * 24 * 60 * 60,
      Grant: 14 * 24 * 60 * 60,
      AccessToken: 60 * 60,
      IdToken: 60 * 60,
      AuthorizationCode: 60,
    },
    // The groups go with `openid`, so every identity token carries them, as Cognito's do.
    claims: { openid: ['sub', LOCAL_GROUPS_CLAIM], email: ['email', 'email_verified'] },
    // The API reads `email` and `groups` from the identity token, not from userinfo.
    conformIdTokenClaims: false,
    findAccount: (_ctx, id) => ({
      accountId: id,
      claims: () => ({
        sub: id,
        email: id,
        email_verified: true,
        [LOCAL_GROUPS_CLAIM]: admins.has(id) ? [LOCAL_ADMIN_GROUP] : [],
      }),
    }),
    // The console is this issuer's only client, a first-party one: no consent screen.
    loadExistingGrant: async (ctx: KoaContextWithOIDC) => {
      const { client, session, result, provider } = ctx.oidc;
      if (!client || !session?.accountId) return undefined;
      const grantId = result?.consent?.grantId ?? session.grantIdFor(client.clientId);
      const existing = grantId ? await provider.Grant.find(grantId) : undefined;
      if (existing) return existing;
      const grant = new provider.Grant({ clientId: client.clientId, accountId: session.accountId });
      grant.addOIDCScope('openid email');
      await grant.save();
      return grant;
    },
    clientBasedCORS: (_ctx, origin) => redirects.some((uri) => new URL(uri).origin === origin),
    features: {
      devInteractions: { enabled: false },
      rpInitiatedLogout: {
        enabled: true,
        logoutSource: (ctx, form) => {
          ctx.type = 'html';
          ctx.body = page(
            'Sign out of the development issuer?',
            `${form}<button type="submit" form="op.logoutForm" name="logout" value="yes">Sign out</button>`,
          );
        },
        postLogoutSuccessSource: (ctx) => {
          ctx.type = 'html';
          ctx.body = page('Signed out', '<p>You are signed out of the development issuer.</p>');
        },
      },
    },
    renderError: (ctx, out) => {
      ctx.type = 'html';
      ctx.body = page(
        'Sign-in error',
        `<p role="alert">${escapeHtml(String(out.error_description ?? out.error))}</p>`,
      );
    },
  };
}

/** The development issuer, listening on 127.0.0.1. */
export class OidcIssuer {
  private constructor(
    private readonly server: Server,
    /** The issuer URL, `http://127.0.0.1:<port>` (the `iss` of its identity tokens). */
    readonly url: string,
  ) {}

  static async start(options: OidcIssuerOptions): Promise<OidcIssuer> {
    const keys = ensureIssuerKeys(options.keyFile);
    const server = createServer();
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(options.port ?? 0, HOST, () => resolve());
    });
    const url = `http://${HOST}:${(server.address() as AddressInfo).port}`;
    const provider = new Provider(url, configuration(options, keys));
    const oidc = provider.callback();
    server.on('request', (request, response) => {
      const login = /^\/interaction\/([\w-]+)(\/login)?$/.exec(request.url ?? '');
      if (!login) return void oidc(request, response);
      interact(provider, request, response, login[1] ?? '', login[2] !== undefined).catch(
        (error: unknown) => {
          if (process.env[ENV.debug] === '1') console.error(error);
          if (!response.headersSent)
            send(
              response,
              400,
              page(
                'Sign-in error',
                '<p role="alert">This sign-in has expired or is not valid: go back to the console and sign in again.</p>',
              ),
            );
          else response.end();
        },
      );
    });
    return new OidcIssuer(server, url);
  }

  /** Who the local functions accept as a person: this issuer's ID tokens for the console's client. */
  peopleConfig(): PeopleConfig {
    return {
      issuer: this.url,
      clientId: LOCAL_OIDC_CLIENT_ID,
      groupsClaim: LOCAL_GROUPS_CLAIM,
      adminGroup: LOCAL_ADMIN_GROUP,
    };
  }

  close(): Promise<void> {
    return new Promise((resolve) => {
      this.server.close(() => resolve());
      this.server.closeAllConnections();
    });
  }
}

/** The sign-in page (GET), and its form's answer (POST): any email, the password `tokengate`. */
async function interact(
  provider: Provider,
  request: IncomingMessage,
  response: ServerResponse,
  uid: string,
  submitted: boolean,
): Promise<void> {
  const details = await provider.interactionDetails(request, response);
  if (details.uid !== uid) throw new Error('interaction mismatch');
  if (!submitted || request.method !== 'POST') {
    if (request.method !== 'GET') return send(response, 405, page('Not allowed', ''));
    return send(response, 200, signInPage(uid, ''));
  }
  const form = await formOf(request);
  const email = (form.get('email') ?? '').trim().toLowerCase();
  if (!EMAIL.test(email)) {
    return send(response, 400, signInPage(uid, email, 'Enter an email address.'));
  }
  if (form.get('password') !== DEVELOPMENT_PASSWORD) {
    return send(
      response,
      401,
      signInPage(uid, email, 'Wrong password: the development issuer takes “tokengate”.'),
    );
  }
  await provider.interactionFinished(
    request,
    response,
    { login: { accountId: email } },
    { mergeWithLastSubmission: false },
  );
}
