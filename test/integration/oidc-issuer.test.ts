// The local stack's development OpenID Connect issuer, over HTTP as a browser drives it: the
// authorization code flow with PKCE through its sign-in page, then the identity token checked as the
// API checks it (aws-jwt-verify against the issuer's JWKS).
import { createHash, randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { JwtVerifier } from 'aws-jwt-verify';
import { SimpleJwksCache } from 'aws-jwt-verify/jwk';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import {
  adminEmails,
  DEVELOPMENT_PASSWORD,
  LOCAL_ADMIN_GROUP,
  LOCAL_OIDC_CLIENT_ID,
  OidcIssuer,
} from '#local/oidc-issuer';
import { ENV } from '#spec/env';

const CONSOLE = 'http://127.0.0.1:8787';
const REDIRECT = `${CONSOLE}/`;

/** A browser's part: follows nothing by itself, keeps the cookies each answer sets. */
class Browser {
  private readonly cookies = new Map<string, string>();

  async go(url: string, init: RequestInit = {}): Promise<Response> {
    const response = await fetch(url, {
      ...init,
      redirect: 'manual',
      headers: { ...(init.headers as Record<string, string>), cookie: this.cookieHeader() },
    });
    for (const line of response.headers.getSetCookie()) {
      const [pair = ''] = line.split(';');
      const [name = '', value = ''] = pair.split('=');
      if (value === '' || /expires=Thu, 01 Jan 1970/i.test(line)) this.cookies.delete(name);
      else this.cookies.set(name, value);
    }
    return response;
  }

  private cookieHeader(): string {
    return [...this.cookies].map(([name, value]) => `${name}=${value}`).join('; ');
  }
}

function locationOf(response: Response, base: string): string {
  const location = response.headers.get('location');
  expect(location, `a redirect, got ${response.status}`).toBeTruthy();
  return new URL(location ?? '', base).toString();
}

interface Discovery {
  authorization_endpoint: string;
  token_endpoint: string;
  jwks_uri: string;
}

/** Signs in at the issuer as `email` with `password`; the token endpoint's answer, or the refusal. */
async function codeFlow(issuer: string, email: string, password: string) {
  const discovery = (await (await fetch(`${issuer}/.well-known/openid-configuration`)).json()) as Discovery;
  const browser = new Browser();
  const verifier = randomBytes(32).toString('base64url');
  const state = randomBytes(8).toString('hex');
  const authorize = new URL(discovery.authorization_endpoint);
  authorize.search = new URLSearchParams({
    client_id: LOCAL_OIDC_CLIENT_ID,
    redirect_uri: REDIRECT,
    response_type: 'code',
    scope: 'openid email',
    state,
    nonce: randomBytes(8).toString('hex'),
    code_challenge: createHash('sha256').update(verifier).digest('base64url'),
    code_challenge_method: 'S256',
  }).toString();

  let response = await browser.go(authorize.toString());
  let url = locationOf(response, issuer);
  response = await browser.go(url); // the sign-in page
  expect(response.status).toBe(200);
  const html = await response.text();
  expect(html).toContain('Development only');
  const action = /<form method="post" action="([^"]+)"/.exec(html)?.[1] ?? '';
  response = await browser.go(new URL(action, issuer).toString(), {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams({ email, password }).toString(),
  });
  if (response.status !== 303 && response.status !== 302) {
    return { refused: response.status, page: await response.text() };
  }
  // Back to the authorization endpoint, then (no consent for the console) to the console with a code.
  for (let hops = 0; hops < 5; hops += 1) {
    url = locationOf(response, url);
    if (url.startsWith(REDIRECT)) break;
    response = await browser.go(url);
  }
  const back = new URL(url);
  expect(back.origin + back.pathname).toBe(REDIRECT);
  expect(back.searchParams.get('state')).toBe(state);
  const code = back.searchParams.get('code') ?? '';
  const token = await fetch(discovery.token_endpoint, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams({
      grant_type: 'authorization_code',
      code,
      redirect_uri: REDIRECT,
      client_id: LOCAL_OIDC_CLIENT_ID,
      code_verifier: verifier,
    }).toString(),
  });
  expect(token.status).toBe(200);
  return { tokens: (await token.json()) as { id_token: string }, discovery };
}

describe('the local development OpenID Connect issuer', () => {
  const dir = mkdtempSync(join(tmpdir(), 'tokengate-oidc-'));
  const keyFile = join(dir, 'oidc-issuer.json');
  const started: OidcIssuer[] = [];

  async function start(): Promise<OidcIssuer> {
    const issuer = await OidcIssuer.start({
      keyFile,
      consoleUrl: CONSOLE,
      adminEmails: ['admin@example.com'],
    });
    started.push(issuer);
    return issuer;
  }

  async function verify(issuer: OidcIssuer, idToken: string) {
    const verifier = JwtVerifier.create(
      { issuer: issuer.url, audience: LOCAL_OIDC_CLIENT_ID, jwksUri: `${issuer.url}/jwks` },
      // aws-jwt-verify's own fetcher takes https only; the local issuer is plain http on loopback.
      {
        jwksCache: new SimpleJwksCache({
          fetcher: { fetch: async (uri) => (await fetch(uri)).arrayBuffer() },
        }),
      },
    );
    return verifier.verify(idToken);
  }

  afterEach(async () => {
    await Promise.all(started.splice(0).map((issuer) => issuer.close()));
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('signs an admin email in with the password, the admin group in the identity token', async () => {
    const issuer = await start();
    const flow = await codeFlow(issuer.url, 'Admin@Example.com', DEVELOPMENT_PASSWORD);
    expect(flow.refused).toBeUndefined();
    const claims = await verify(issuer, flow.tokens?.id_token ?? '');
    expect(claims.email).toBe('admin@example.com');
    expect(claims.groups).toEqual([LOCAL_ADMIN_GROUP]);
    expect(claims.iss).toBe(issuer.url);
    expect(claims.aud).toBe(LOCAL_OIDC_CLIENT_ID);
  });

  it('signs any other email in outside the admin group', async () => {
    const issuer = await start();
    const flow = await codeFlow(issuer.url, 'dev@example.com', DEVELOPMENT_PASSWORD);
    const claims = await verify(issuer, flow.tokens?.id_token ?? '');
    expect(claims.email).toBe('dev@example.com');
    expect(claims.groups).toEqual([]);
  });

  it('refuses a wrong password, issuing no code', async () => {
    const issuer = await start();
    const flow = await codeFlow(issuer.url, 'admin@example.com', 'not-tokengate');
    expect(flow.refused).toBe(401);
    expect(flow.page).toContain('role="alert"');
    expect(flow.page).toContain('Wrong password');
    expect(flow.tokens).toBeUndefined();
  });

  it('keeps its keys in a 0600 file, and signs with the same key after a restart', async () => {
    const first = await start();
    const before = await codeFlow(first.url, 'admin@example.com', DEVELOPMENT_PASSWORD);
    const kidBefore = JSON.parse(
      Buffer.from((before.tokens?.id_token ?? '').split('.')[0] ?? '', 'base64url').toString(),
    ).kid;
    const jwksBefore = await (await fetch(`${first.url}/jwks`)).json();
    await first.close();
    started.length = 0;
    expect(statSync(keyFile).mode & 0o777).toBe(0o600);

    const second = await start();
    expect(await (await fetch(`${second.url}/jwks`)).json()).toEqual(jwksBefore);
    const after = await codeFlow(second.url, 'admin@example.com', DEVELOPMENT_PASSWORD);
    const kidAfter = JSON.parse(
      Buffer.from((after.tokens?.id_token ?? '').split('.')[0] ?? '', 'base64url').toString(),
    ).kid;
    expect(kidAfter).toBe(kidBefore);
    expect(statSync(keyFile).mode & 0o777).toBe(0o600);
  });

  it('takes the admin emails from TOKENGATE_ADMIN_EMAILS, admin@example.com when unset', () => {
    expect(adminEmails({})).toEqual(['admin@example.com']);
    expect(adminEmails({ [ENV.adminEmails]: ' Ana@Example.com, bo@example.com ,' })).toEqual([
      'ana@example.com',
      'bo@example.com',
    ]);
  });
});
