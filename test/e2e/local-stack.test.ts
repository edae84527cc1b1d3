// The local stack as a user meets it: `npm start`'s entry in a child process with its own DynamoDB
// Local, the `tokengate` CLI in another, and HTTP in between. The tests run in order and share the
// stack and the tokens they make. Timeouts are generous: a slow two-core machine must pass too.
import { chmodSync, existsSync, mkdirSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { request as httpRequest } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mintToken, TOKEN_PREFIX } from '#domain/token-format';
import { GATEWAY_RESPONSES } from '#spec/gateway';
import { notPrivate } from '#test-support/file-modes';
import { LocalStack, tokengate } from '#test-support/processes';

const CACHE_TTL_MS = 2_000;
const CONNECT = '/__api__/v1/system/service-tokens';
const STEP_TIMEOUT = 90_000;

describe('the local stack', () => {
  const dataDir = mkdtempSync(join(tmpdir(), 'tokengate-e2e-'));
  // As an older run left it, readable by every user: the stack tightens it when it starts.
  chmodSync(dataDir, 0o755);
  mkdirSync(join(dataDir, 'dynamodb'), { mode: 0o755 });
  writeFileSync(join(dataDir, 'events.jsonl'), '', { mode: 0o644 });
  const env = { PORT: '0', DATA_DIR: dataDir, TOKENGATE_AUTHORIZER_CACHE_TTL: String(CACHE_TTL_MS / 1000) };
  const stacks: LocalStack[] = [];
  let stack: LocalStack;
  let adminToken = '';
  let service: { guid: string; key: string } | undefined;

  async function startStack(): Promise<LocalStack> {
    const started = await LocalStack.start(env);
    stacks.push(started);
    return started;
  }

  function call(method: string, path: string, authorization?: string, body?: unknown) {
    return fetch(`${stack.url}${path}`, {
      method,
      headers: {
        ...(authorization && { authorization }),
        ...(body !== undefined && { 'content-type': 'application/json' }),
      },
      body: body === undefined ? undefined : JSON.stringify(body),
      signal: AbortSignal.timeout(30_000),
    });
  }

  /** A request with the Authorization header as given: an array goes out as that many header lines. */
  function sendWithHeaders(
    method: string,
    path: string,
    authorization: string | string[] | undefined,
  ): Promise<{ status: number; body: string }> {
    const { hostname, port } = new URL(stack.url);
    return new Promise((resolve, reject) => {
      const outgoing = httpRequest({ host: hostname, port, method, path }, (response) => {
        const chunks: Buffer[] = [];
        response.on('data', (chunk: Buffer) => chunks.push(chunk));
        response.on('end', () =>
          resolve({ status: response.statusCode ?? 0, body: Buffer.concat(chunks).toString() }),
        );
        response.on('error', reject);
      });
      if (authorization !== undefined) outgoing.setHeader('authorization', authorization);
      outgoing.on('error', reject);
      outgoing.end();
    });
  }

  function serviceToken() {
    if (!service) throw new Error('An earlier test did not create the service token');
    return service;
  }

  beforeAll(async () => {
    stack = await startStack();
  }, 150_000);

  afterAll(async () => {
    for (const started of stacks) await started.kill();
    rmSync(dataDir, { recursive: true, force: true });
  }, 90_000);

  it('prints its URL once, when ready, and then /healthz answers 200 without a token', async () => {
    expect(stack.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
    expect(stack.log.split('\n').filter((line) => line.includes(stack.url))).toHaveLength(1);
    const response = await call('GET', '/healthz');
    expect(response.status).toBe(200);
    expect(await response.json()).toEqual({ status: 'ok' });
    expect(existsSync(join(dataDir, 'stack.json'))).toBe(true);
  });

  it(
    'bootstrap --local prints a new admin token alone on stdout, using the running stack',
    async () => {
      const result = await tokengate(['bootstrap', '--local'], { DATA_DIR: dataDir });

      expect(result.status, result.stderr).toBe(0);
      expect(result.stdout).toMatch(new RegExp(`^${TOKEN_PREFIX}[0-9A-Za-z]{65}\\n$`));
      expect(result.stderr).toContain(`of the local stack at ${stack.url}`);
      expect(result.stderr).toContain('shown this once');
      adminToken = result.stdout.trim();
    },
    STEP_TIMEOUT,
  );

  it(
    'a second bootstrap, while an admin token is active, fails with one line on stderr',
    async () => {
      const result = await tokengate(['bootstrap', '--local'], { DATA_DIR: dataDir });

      expect(result.status).not.toBe(0);
      expect(result.stdout).toBe('');
      expect(result.stderr.trimEnd().split('\n')).toHaveLength(1);
      expect(result.stderr).toMatch(/^tokengate: An active global:admin token exists already/);
    },
    STEP_TIMEOUT,
  );

  it('an admin token creates a Connect service token; its key is in the create response only', async () => {
    const created = await call('POST', CONNECT, `Bearer ${adminToken}`, {
      name: 'scim sync',
      scopes: ['identity:manage'],
    });
    expect(created.status).toBe(201);
    const body = await created.json();
    expect(body).toMatchObject({ name: 'scim sync', scopes: ['identity:manage'] });
    expect(body.key).toMatch(new RegExp(`^${TOKEN_PREFIX}`));
    service = { guid: body.guid, key: body.key };

    const listed = await call('GET', CONNECT, `Bearer ${adminToken}`);
    expect(listed.status).toBe(200);
    const tokens: Record<string, unknown>[] = await listed.json();
    const entry = tokens.find((token) => token.guid === service?.guid);
    expect(entry).toMatchObject({ name: 'scim sync', scopes: ['identity:manage'] });
    expect(entry).not.toHaveProperty('key');
    expect(JSON.stringify(tokens)).not.toContain(service.key);
  });

  it('the service token reaches /scim/v2/* as Bearer or Key, and the backend sees who it is', async () => {
    const { guid, key } = serviceToken();
    const expected = {
      token_id: guid,
      kind: 'service',
      scopes: [{ scope: 'identity:manage', resources: null }],
      principal: `token:${guid}`,
    };
    for (const authorization of [`Bearer ${key}`, `Key ${key}`]) {
      const response = await call('GET', '/scim/v2/Users', authorization);
      expect(response.status).toBe(200);
      expect(await response.json()).toEqual(expected);
    }
  });

  it('the service token is refused token management with 403, on the Connect routes in their own shape', async () => {
    const native = await call('GET', '/v1/tokens', `Bearer ${serviceToken().key}`);
    expect(native.status).toBe(403);
    expect(await native.json()).toEqual(GATEWAY_RESPONSES[403]);
    for (const [method, path] of [
      ['GET', CONNECT],
      ['GET', `${CONNECT}/scopes`],
      ['POST', CONNECT],
      ['DELETE', `${CONNECT}/${serviceToken().guid}`],
    ]) {
      const body = method === 'POST' ? { name: 'never made', scopes: ['identity:manage'] } : undefined;
      const response = await call(method as string, path as string, `Key ${serviceToken().key}`, body);
      expect(response.status, `${method} ${path}`).toBe(403);
      expect(await response.json()).toEqual({
        code: 5,
        error: GATEWAY_RESPONSES[403].error.message,
        payload: null,
      });
    }
    // Refused, so not deleted: it still works.
    expect((await call('GET', '/scim/v2/Users', `Key ${serviceToken().key}`)).status).toBe(200);
  });

  it("the Connect routes answer a missing, malformed, unknown or doubled token with 401 in Connect's shape", async () => {
    const unauthorized = { code: 4, error: GATEWAY_RESPONSES[401].error.message, payload: null };
    const attempts: (string | string[] | undefined)[] = [
      undefined,
      'Bearer',
      `Bearer ${TOKEN_PREFIX}not-a-token`,
      `Bearer ${mintToken().token}`,
      [`Bearer ${adminToken}`, `Bearer ${adminToken}`],
      [`Bearer ${adminToken}`, `Key ${serviceToken().key}`],
    ];
    for (const authorization of attempts) {
      for (const [method, path] of [
        ['GET', CONNECT],
        ['POST', CONNECT],
        ['DELETE', `${CONNECT}/${serviceToken().guid}`],
      ] as const) {
        const answer = await sendWithHeaders(method, path, authorization);
        expect(answer.status, `${method} ${path} ${typeof authorization}`).toBe(401);
        expect(JSON.parse(answer.body)).toEqual(unauthorized);
      }
    }
    const head = await sendWithHeaders('HEAD', CONNECT, undefined);
    expect([head.status, head.body]).toEqual([401, '']);
    expect((await call('GET', '/scim/v2/Users', `Key ${serviceToken().key}`)).status).toBe(200);
  });

  it("HEAD works wherever GET does, with the GET answer's status and headers and no body", async () => {
    /** A HEAD request, its status, content type and the bytes that came back after the headers. */
    const head = (path: string, authorization?: string) =>
      new Promise<{ status: number; type: string | undefined; bytes: number }>((resolve, reject) => {
        const request = httpRequest(`${stack.url}${path}`, {
          method: 'HEAD',
          headers: authorization ? { authorization } : {},
        });
        request.on('response', (response) => {
          let bytes = 0;
          response.on('data', (chunk: Buffer) => {
            bytes += chunk.length;
          });
          response.on('end', () =>
            resolve({ status: response.statusCode ?? 0, type: response.headers['content-type'], bytes }),
          );
        });
        request.on('error', reject);
        request.end();
      });
    const admin = `Bearer ${adminToken}`;
    const service = `Bearer ${serviceToken().key}`;

    expect(await head('/healthz')).toEqual({ status: 200, type: 'application/json', bytes: 0 });
    expect(await head('/openapi.json')).toMatchObject({ status: 200, bytes: 0 });
    expect(await head('/v1/tokens', admin)).toEqual({ status: 200, type: 'application/json', bytes: 0 });
    expect(await head(CONNECT, admin)).toMatchObject({ status: 200, bytes: 0 });
    expect(await head('/v1/whoami', service)).toMatchObject({ status: 200, bytes: 0 });
    expect(await head('/v1/tokens', service)).toMatchObject({ status: 403, bytes: 0 });
    expect(await head('/v1/tokens')).toMatchObject({ status: 401, bytes: 0 });
    expect(await head('/v1/tokens/self/rotate', admin)).toMatchObject({ status: 404 });
  });

  it('a crafted path gets 400 before any authorizer or backend, even with an admin token', async () => {
    // Sent as is: fetch, like any WHATWG URL client, would resolve `%2e%2e` before sending.
    const rawGet = (path: string) =>
      new Promise<{ status: number; body: string }>((resolve, reject) => {
        const url = new URL(stack.url);
        const req = httpRequest(
          { host: url.hostname, port: url.port, path, headers: { authorization: `Bearer ${adminToken}` } },
          (res) => {
            let body = '';
            res.on('data', (chunk) => (body += chunk));
            res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
          },
        );
        req.on('error', reject);
        req.end();
      });
    for (const path of [
      '/scim/v2/Users/../x',
      '/scim/v2/Users/%2e%2e/x',
      '/scim/v2/Users/.%2E/x',
      '/scim/v2/a%2Fb',
      '/scim/v2/a%5cb',
    ]) {
      const response = await rawGet(path);
      expect(response.status, path).toBe(400);
      expect(JSON.parse(response.body).error).toMatchObject({ code: 'invalid_request', field: 'path' });
    }
  });

  it(
    'a token is never let through after its expires_at, though answers are cached',
    async () => {
      const create = async (expiresInMs: number) => {
        const expiresAt = new Date(Date.now() + expiresInMs).toISOString();
        const response = await call('POST', '/v1/tokens', `Bearer ${adminToken}`, {
          description: 'expires soon',
          scopes: [{ scope: 'identity:manage' }],
          expires_at: expiresAt,
        });
        expect(response.status).toBe(201);
        return { token: (await response.json()).token as string, expiresAt: Date.parse(expiresAt) };
      };
      // Expiring within the cache TTL and a second: not made at all, as it could never pass.
      const soon = await call('POST', '/v1/tokens', `Bearer ${adminToken}`, {
        description: 'expires too soon',
        scopes: [{ scope: 'identity:manage' }],
        expires_at: new Date(Date.now() + CACHE_TTL_MS / 2).toISOString(),
      });
      expect(soon.status).toBe(400);
      expect((await soon.json()).error).toMatchObject({ field: 'expires_at' });

      const later = await create(CACHE_TTL_MS + 4_000);
      expect((await call('GET', '/scim/v2/Users', `Bearer ${later.token}`)).status).toBe(200);
      let status = 200;
      while (Date.now() < later.expiresAt + CACHE_TTL_MS) {
        const sentAt = Date.now();
        status = (await call('GET', '/scim/v2/Users', `Bearer ${later.token}`)).status;
        if (status === 200) expect(sentAt).toBeLessThan(later.expiresAt);
        await sleep(200);
      }
      expect(status).toBe(401);
    },
    STEP_TIMEOUT,
  );

  it('a request body over 10 MB gets 413, as from API Gateway', async () => {
    const response = await call(
      'POST',
      '/scim/v2/Users',
      `Bearer ${adminToken}`,
      'x'.repeat(10 * 1024 * 1024),
    );
    expect(response.status).toBe(413);
    expect((await response.json()).error.code).toBe('payload_too_large');
  });

  it('a malformed token, or none, gets 401', async () => {
    for (const authorization of [`Bearer ${TOKEN_PREFIX}not-a-token`, 'Bearer', undefined]) {
      const response = await call('GET', '/scim/v2/Users', authorization);
      expect(response.status).toBe(401);
      expect(await response.json()).toEqual(GATEWAY_RESPONSES[401]);
    }
  });

  it(
    'a deleted token passes only while its authorizer answer is cached, then gets 401',
    async () => {
      const { guid, key } = serviceToken();
      await sleep(CACHE_TTL_MS + 200); // earlier answers for this key have expired: the next one is fresh

      const primedFrom = Date.now();
      expect((await call('GET', '/scim/v2/Users', `Bearer ${key}`)).status).toBe(200); // cached now
      expect((await call('DELETE', `${CONNECT}/${guid}`, `Bearer ${adminToken}`)).status).toBe(204);
      const whileCached = await call('GET', '/scim/v2/Users', `Bearer ${key}`);
      if (Date.now() - primedFrom < CACHE_TTL_MS) expect(whileCached.status).toBe(200);
      // The same key under a header value not in the cache goes to the authorizer, which refuses it.
      expect((await call('GET', '/scim/v2/Users', `Key ${key}`)).status).toBe(401);

      let status = whileCached.status;
      const deadline = Date.now() + 30_000;
      while (status !== 401 && Date.now() < deadline) {
        await sleep(250);
        status = (await call('GET', '/scim/v2/Users', `Bearer ${key}`)).status;
      }
      expect(status).toBe(401);
      expect(Date.now() - primedFrom).toBeGreaterThanOrEqual(CACHE_TTL_MS);
      const listed: { guid: string }[] = await (await call('GET', CONNECT, `Bearer ${adminToken}`)).json();
      expect(listed.map((token) => token.guid)).not.toContain(guid);
    },
    STEP_TIMEOUT,
  );

  it('never writes a token to its output', () => {
    expect(stack.log).not.toContain(adminToken);
    expect(stack.log).not.toContain(serviceToken().key);
  });

  it('stops on SIGTERM with status 0, and after a restart on the same DATA_DIR the admin token still works', async () => {
    expect(await stack.stop()).toBe(0);
    expect(stack.log).toContain('tokengate local stack stopped');
    expect(existsSync(join(dataDir, 'stack.json'))).toBe(false);

    stack = await startStack();
    const response = await call('GET', CONNECT, `Bearer ${adminToken}`);
    expect(response.status).toBe(200);
    expect(await response.json()).toEqual([]);
  }, 180_000);

  it("keeps its data folder to its user: every folder 0700, every file 0600, DynamoDB Local's too", () => {
    const files = (folder: string) => readdirSync(join(dataDir, folder));
    expect(files('dynamodb').some((name) => name.endsWith('.db'))).toBe(true);
    expect(files('.')).toEqual(expect.arrayContaining(['audit-stream.json', 'dynamodb.lock', 'stack.json']));

    const { looked, loose } = notPrivate(dataDir);

    expect(loose).toEqual([]);
    expect(looked).toBeGreaterThan(6);
  });
});
