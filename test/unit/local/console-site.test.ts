// The local stack serves the console's build and nothing else: exact paths from an allow-list read
// at start, never a file path made from the URL, each answer with the console's security headers.
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ConsoleSite } from '#local/console-site';
import { Gateway, type GatewayResponse } from '#local/gateway';
import { CONSOLE_CSP } from '#spec/console';
import { AUTHORIZER } from '#spec/functions';
import { ROUTES } from '#spec/routes';

function build(): string {
  const dir = mkdtempSync(join(tmpdir(), 'tokengate-site-'));
  mkdirSync(join(dir, 'assets'));
  writeFileSync(join(dir, 'index.html'), '<!doctype html><title>t</title>');
  writeFileSync(join(dir, 'assets/index-abc.js'), 'export {};');
  writeFileSync(join(dir, 'assets/index-abc.css'), 'body{}');
  writeFileSync(join(dir, '.source-hash'), 'secret-ish');
  writeFileSync(join(dir, 'notes.md'), '# not served');
  return dir;
}

describe('the console site', () => {
  const site = ConsoleSite.load(build(), { expiry_warning_seconds: 3 * 86_400 });

  it('serves exactly the build’s files, / as index.html', () => {
    expect(site.paths.sort()).toEqual([
      '/',
      '/assets/index-abc.css',
      '/assets/index-abc.js',
      '/config.json',
      '/index.html',
    ]);
    const root = site.answer('GET', '/');
    expect(root?.statusCode).toBe(200);
    expect(String(root?.body)).toContain('<title>t</title>');
    expect(root?.headers['content-type']).toBe('text/html; charset=utf-8');
    expect(site.answer('GET', '/assets/index-abc.js')?.headers['content-type']).toBe(
      'text/javascript; charset=utf-8',
    );
  });

  it('serves what the console knows of its deployment at /config.json, never cached', () => {
    const config = site.answer('GET', '/config.json');
    expect(config?.statusCode).toBe(200);
    expect(JSON.parse(String(config?.body))).toEqual({ expiry_warning_seconds: 259_200 });
    expect(config?.headers['content-type']).toBe('application/json');
    expect(config?.headers['cache-control']).toBe('no-cache');
    expect(config?.headers['content-security-policy']).toBe(CONSOLE_CSP);
  });

  it('names the sign-in issuer in /config.json and lets the console reach its origin, and no other', () => {
    const withIssuer = ConsoleSite.load(build(), {
      expiry_warning_seconds: 60,
      oidc_issuer: 'http://127.0.0.1:4455',
      oidc_client_id: 'tokengate-console',
    });
    expect(JSON.parse(String(withIssuer.answer('GET', '/config.json')?.body))).toEqual({
      expiry_warning_seconds: 60,
      oidc_issuer: 'http://127.0.0.1:4455',
      oidc_client_id: 'tokengate-console',
    });
    for (const path of ['/', '/config.json', '/assets/index-abc.js']) {
      const csp = String(withIssuer.answer('GET', path)?.headers['content-security-policy']);
      expect(csp.split('; ')).toContain("connect-src 'self' http://127.0.0.1:4455");
      expect(csp.replace("connect-src 'self' http://127.0.0.1:4455", "connect-src 'self'")).toBe(CONSOLE_CSP);
    }
  });

  it('answers nothing for any other path, method, dot-file or unknown type', () => {
    for (const path of [
      '/.source-hash',
      '/notes.md',
      '/assets',
      '/assets/',
      '/index.html/',
      '//index.html',
      '/x',
    ]) {
      expect(site.answer('GET', path), path).toBeNull();
    }
    for (const path of ['/assets/../index.html', '/assets/%2e%2e/index.html', '/../package.json']) {
      expect(site.answer('GET', path), path).toBeNull();
    }
    expect(site.answer('POST', '/')).toBeNull();
    expect(site.answer('DELETE', '/index.html')).toBeNull();
  });

  it('sends the security headers; hashed assets are cached for good, the page never', () => {
    const page = site.answer('GET', '/');
    expect(page?.headers).toMatchObject({
      'content-security-policy': CONSOLE_CSP,
      'x-frame-options': 'DENY',
      'x-content-type-options': 'nosniff',
      'referrer-policy': 'no-referrer',
      'cache-control': 'no-cache',
    });
    expect(site.answer('GET', '/assets/index-abc.js')?.headers['cache-control']).toContain('immutable');
  });

  it('answers HEAD with the headers and no body', () => {
    const head = site.answer('HEAD', '/index.html');
    expect(head?.statusCode).toBe(200);
    expect(head?.body).toBe('');
  });
});

describe('the gateway with the console site', () => {
  // A site that would answer anything: what reaches it shows what the gateway lets through.
  const asked: string[] = [];
  const site = {
    answer(method: string, path: string): GatewayResponse {
      asked.push(`${method} ${path}`);
      return { statusCode: 200, headers: {}, body: 'site' };
    },
  };
  const handler = async () => ({ statusCode: 200, body: 'route' });
  const gateway = new Gateway({
    routes: ROUTES,
    authorizer: {
      fn: AUTHORIZER,
      handler: async () => {
        throw new Error('Unauthorized');
      },
    },
    handlers: new Map(ROUTES.map((route) => [route.fn.entry, handler])),
    cacheTtlSeconds: 0,
    site,
  });
  const request = (path: string, method = 'GET') =>
    gateway.handle({
      method,
      path,
      query: '',
      rawHeaders: [],
      body: null,
      sourceIp: '127.0.0.1',
      requestId: 'req',
      receivedAt: new Date(),
    });

  it('lets the routes answer first, protected ones included', async () => {
    expect(String((await request('/openapi.json')).body)).toBe('route');
    expect((await request('/v1/tokens')).statusCode).toBe(401);
    expect((await request('/repos/a/x')).statusCode).toBe(401);
    expect(asked).toEqual([]);
  });

  it('refuses crafted paths before the site is asked', async () => {
    for (const path of ['/assets/../index.html', '/assets/%2e%2e/index.html', '/%2fetc', '/a\\b']) {
      expect((await request(path)).statusCode, path).toBe(400);
    }
    expect(asked).toEqual([]);
  });

  it('asks the site for what no route matches', async () => {
    expect(String((await request('/')).body)).toBe('site');
    expect(asked).toEqual(['GET /']);
  });
});
