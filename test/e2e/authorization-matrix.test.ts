// The authorization boundary as a whole, through the local stack as `npm start` runs it: every route
// of the route table and every method, against a token of every scope of the catalogue (on a named
// resource and on `*`), Connect service tokens, and tokens that must not work at all. What each
// cell should answer comes from the scope table of docs/scopes.md, written out again as a small oracle that shares
// nothing with shared/domain/policy.ts (test/support/authorization-contract.ts). Then crafted paths
// (dot segments, encoded separators, double slashes, case, trailing slashes, extra segments before a
// scope's anchor) that a token would pass if the check were a naive prefix or IAM glob match: each
// must be refused and reach no backend. The authorizer cache is on throughout: a cached answer must
// never let a request through that the authorizer would refuse on its own.
// Requests go out through node:http with the path exactly as written (fetch would normalise dots).
import { mkdtempSync, rmSync } from 'node:fs';
import { Agent, request } from 'node:http';
import { connect } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { isDeepStrictEqual } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { notInAdminGroup } from '#domain/people';
import { mintToken } from '#domain/token-format';
import { GATEWAY_ERRORS } from '#local/gateway';
import { LOCAL_ADMIN_GROUP } from '#local/oidc-issuer';
import { GATEWAY_RESPONSES } from '#spec/gateway';
import { ROUTES } from '#spec/routes';
import { PROTECTED_PREFIXES, SCOPE_NAMES, SCOPES, SERVICE_SCOPE_NAMES } from '#spec/scopes';
import {
  type Cell,
  CRAFTED,
  cellsOf,
  DOCUMENTED_SCOPES,
  expectedFor,
  type Grant,
  type Holder,
  REPEATED_AUTHORIZATION,
  REPRESENTATIVE_PATHS,
} from '#test-support/authorization-contract';
import { LocalStack, tokengate } from '#test-support/processes';
import { localIssuerIdToken } from '#test-support/test-issuer';

/** Long enough that every answer of the run could be served from the authorizer cache. */
const CACHE_TTL_SECONDS = 300;
const CONNECT = '/__api__/v1/system/service-tokens';
const CONCURRENCY = 4;

// ---------------------------------------------------------------------------------------------
// HTTP with raw paths.

interface Answer {
  status: number;
  body: unknown;
}

const agent = new Agent({ keepAlive: true, maxSockets: CONCURRENCY });

function send(base: string, method: string, path: string, authorization?: string, body?: unknown) {
  const url = new URL(base);
  const payload = body === undefined ? undefined : JSON.stringify(body);
  return new Promise<Answer>((resolve, reject) => {
    const outgoing = request(
      {
        host: url.hostname,
        port: url.port,
        method,
        path, // as written: node:http sends it without normalising
        agent,
        headers: {
          ...(authorization !== undefined && { authorization }),
          ...(payload !== undefined && { 'content-type': 'application/json' }),
        },
      },
      (response) => {
        const chunks: Buffer[] = [];
        response.on('data', (chunk: Buffer) => chunks.push(chunk));
        response.on('end', () => {
          const text = Buffer.concat(chunks).toString();
          let parsed: unknown = text;
          try {
            parsed = JSON.parse(text);
          } catch {}
          resolve({ status: response.statusCode ?? 0, body: parsed });
        });
        response.on('error', reject);
      },
    );
    outgoing.setTimeout(30_000, () => outgoing.destroy(new Error(`${method} ${path} timed out`)));
    outgoing.on('error', reject);
    outgoing.end(payload);
  });
}

/**
 * A request written byte for byte on a socket, so that a header can be sent twice in two cases
 * (node:http merges or refuses that). Only the status line and the body are read.
 */
function sendRaw(base: string, method: string, path: string, headers: readonly [string, string][]) {
  const url = new URL(base);
  // HTTP/1.0: the answer then comes unchunked, its body running to the end of the connection.
  const lines = [`${method} ${path} HTTP/1.0`, `Host: ${url.host}`];
  for (const [name, value] of headers) lines.push(`${name}: ${value}`);
  return new Promise<Answer>((resolve, reject) => {
    const socket = connect(Number(url.port), url.hostname);
    const chunks: Buffer[] = [];
    socket.setTimeout(30_000, () => socket.destroy(new Error(`${method} ${path} timed out`)));
    socket.on('data', (chunk: Buffer) => chunks.push(chunk));
    socket.on('error', reject);
    socket.on('end', () => {
      const text = Buffer.concat(chunks).toString();
      const status = Number(/^HTTP\/1\.[01] (\d{3})/.exec(text)?.[1] ?? 0);
      const raw = text.slice(text.indexOf('\r\n\r\n') + 4);
      let body: unknown = raw;
      try {
        body = JSON.parse(raw);
      } catch {}
      resolve({ status, body });
    });
    socket.end(`${lines.join('\r\n')}\r\n\r\n`);
  });
}

/**
 * The authorizer's refusal as a Connect route answers it: its function checks the token itself and
 * says API Gateway's words in Connect's error shape.
 */
const CONNECT_REFUSALS: Record<number, unknown> = {
  401: { code: 4, error: GATEWAY_RESPONSES[401].error.message, payload: null },
  403: { code: 5, error: GATEWAY_RESPONSES[403].error.message, payload: null },
};

/** A person outside the admin group refused by tokengate's function, naming the group, in the route's shape. */
function isNotAdminRefusal(answer: Answer, path: string): boolean {
  const message = notInAdminGroup(LOCAL_ADMIN_GROUP);
  const body = path.startsWith(CONNECT)
    ? { code: 5, error: message, payload: null }
    : { error: { code: 'forbidden', message } };
  return answer.status === 403 && isDeepStrictEqual(answer.body, body);
}

/**
 * What the gateway made of the request: its own answer (refusal, no route), or the backend's. A
 * Connect route's refusal of the token counts as the gateway's: the same decision, in that route's shape.
 */
function outcomeOf(answer: Answer, path = ''): string {
  const own = { ...GATEWAY_ERRORS, ...GATEWAY_RESPONSES } as Record<number, unknown>;
  const refusal = path.startsWith(CONNECT) ? CONNECT_REFUSALS[answer.status] : own[answer.status];
  return isDeepStrictEqual(answer.body, refusal) ? `gateway ${answer.status}` : `backend ${answer.status}`;
}

/** True when the example backend answered: its JSON echo of the authorizer's context. */
function isEcho(body: unknown): boolean {
  return typeof body === 'object' && body !== null && 'token_id' in body && 'principal' in body;
}

async function inPool<T>(items: readonly T[], size: number, work: (item: T) => Promise<void>) {
  let next = 0;
  const worker = async () => {
    while (next < items.length) await work(items[next++] as T);
  };
  await Promise.all(Array.from({ length: size }, worker));
}

// ---------------------------------------------------------------------------------------------

describe('the authorization matrix, through the local stack', () => {
  const dataDir = mkdtempSync(join(tmpdir(), 'tokengate-matrix-'));
  let stack: LocalStack;
  const holders: Holder[] = [];
  const byName = new Map<string, Holder>();

  const call = (method: string, path: string, authorization?: string, body?: unknown) =>
    send(stack.url, method, path, authorization, body);

  function holder(name: string): Holder {
    const found = byName.get(name);
    if (!found) throw new Error(`No token "${name}": the setup did not make it`);
    return found;
  }

  function add(entry: Holder) {
    holders.push(entry);
    byName.set(entry.name, entry);
  }

  /** Retries a throttled public route (5 rps) instead of counting the 429 as a cell's answer. */
  async function callCell(cell: Cell, authorization: string | undefined): Promise<Answer> {
    for (let attempt = 0; ; attempt++) {
      const answer = await call(cell.method, cell.path, authorization);
      if (outcomeOf(answer) !== 'gateway 429' || !cell.route.throttle || attempt > 40) return answer;
      await sleep(250);
    }
  }

  beforeAll(async () => {
    stack = await LocalStack.start({
      PORT: '0',
      DATA_DIR: dataDir,
      TOKENGATE_AUTHORIZER_CACHE_TTL: String(CACHE_TTL_SECONDS),
    });
    const boot = await tokengate(['bootstrap', '--local'], { DATA_DIR: dataDir });
    if (boot.status !== 0) throw new Error(`bootstrap failed: ${boot.stderr}`);
    const admin = `Bearer ${boot.stdout.trim()}`;
    const me = await call('GET', '/v1/whoami', admin);
    const adminId = (me.body as { id: string }).id;
    add({
      name: 'global:admin',
      authorization: admin,
      id: adminId,
      grants: [{ scope: 'global:admin', resources: null }],
      kind: 'user',
    });

    async function createUser(name: string, grant: Grant, extra: Record<string, unknown> = {}) {
      const created = await call('POST', '/v1/tokens', admin, {
        description: `matrix ${name}`,
        scopes: [grant.resources === null ? { scope: grant.scope } : grant],
        ...extra,
      });
      if (created.status !== 201) throw new Error(`create ${name}: ${JSON.stringify(created.body)}`);
      const { id, token } = created.body as { id: string; token: string };
      return { id, authorization: `Bearer ${token}` };
    }

    // A token of every scope, on one named resource and on `*` where the scope takes resources.
    for (const scope of SCOPE_NAMES.filter((name) => name !== 'global:admin')) {
      const variants: (string[] | null)[] = SCOPES[scope].resource ? [['a'], ['*']] : [null];
      for (const resources of variants) {
        const name = resources ? `${scope} [${resources.join(',')}]` : scope;
        const grant = { scope, resources };
        add({ name, ...(await createUser(name, grant)), grants: [grant], kind: 'user' });
      }
    }
    // A Connect service token of every scope a service token may hold, as Bearer and as Key.
    for (const scope of SERVICE_SCOPE_NAMES) {
      const created = await call('POST', CONNECT, admin, { name: `matrix ${scope}`, scopes: [scope] });
      if (created.status !== 201) throw new Error(`service ${scope}: ${JSON.stringify(created.body)}`);
      const { guid, key } = created.body as { guid: string; key: string };
      const grants = [{ scope, resources: null }];
      add({ name: `service ${scope}`, authorization: `Bearer ${key}`, id: guid, grants, kind: 'service' });
      add({ name: `service ${scope} (Key)`, authorization: `Key ${key}`, id: guid, grants, kind: 'service' });
    }
    // Tokens that must not work anywhere.
    const revoked = await createUser('revoked', { scope: 'repos:read', resources: ['*'] });
    const revoke = await call('POST', `/v1/tokens/${revoked.id}/revoke`, admin);
    if (revoke.status !== 200) throw new Error(`revoke: ${JSON.stringify(revoke.body)}`);
    // Expired without waiting: a rotation with grace 0 ends the old token now (an expiry within the
    // cache TTL could not be given at creation: such a token could never be used behind the cache).
    const expired = await createUser('expired', { scope: 'repos:read', resources: ['*'] });
    const ended = await call('POST', `/v1/tokens/${expired.id}/rotate`, admin, { grace_seconds: 0 });
    if (ended.status !== 201) throw new Error(`rotate: ${JSON.stringify(ended.body)}`);
    const expiresAt = Date.now();
    const invalid = (name: string, authorization: string | undefined) =>
      add({ name, authorization, grants: null, kind: 'invalid' });
    invalid('no token', undefined);
    invalid('malformed', 'Bearer tg_not-a-token');
    invalid('other scheme', `Basic ${Buffer.from('user:password').toString('base64')}`);
    invalid('unknown (well-formed, never stored)', `Bearer ${mintToken().token}`);
    invalid('revoked', revoked.authorization);
    invalid('expired', expired.authorization);
    // People: identity tokens signed by the stack's development issuer, with its key in the data folder.
    const issuer = ((await (await fetch(`${stack.url}/config.json`)).json()) as { oidc_issuer: string })
      .oidc_issuer;
    const keyFile = join(dataDir, 'oidc-issuer-keys.json');
    const person = (name: string, email: string, groups: string[], grants: Grant[]) =>
      add({
        name,
        authorization: `Bearer ${localIssuerIdToken(keyFile, issuer, { email, groups })}`,
        grants,
        kind: 'person',
      });
    person(
      'person in the admin group',
      'ada@example.com',
      [LOCAL_ADMIN_GROUP],
      [{ scope: 'global:admin', resources: null }],
    );
    person('person outside the admin group', 'bob@example.com', ['staff'], []);
    invalid(
      'person, for another client',
      `Bearer ${localIssuerIdToken(keyFile, issuer, { email: 'eve@example.com', groups: [LOCAL_ADMIN_GROUP], aud: 'another-app' })}`,
    );
    await sleep(Math.max(0, expiresAt - Date.now() + 1_100)); // second-resolution clocks too
  }, 240_000);

  afterAll(async () => {
    agent.destroy();
    await stack?.kill();
    rmSync(dataDir, { recursive: true, force: true });
  }, 90_000);

  it('covers every scope of the catalogue and every protected prefix of the route table', () => {
    expect(Object.keys(DOCUMENTED_SCOPES).sort()).toEqual([...SCOPE_NAMES].sort());
    expect(Object.keys(REPRESENTATIVE_PATHS).sort()).toEqual([...PROTECTED_PREFIXES].sort());
    for (const scope of SCOPE_NAMES) {
      expect(holders.some((h) => h.grants?.some((grant) => grant.scope === scope))).toBe(true);
    }
  });

  describe.each(ROUTES.map((route) => [`${route.method} ${route.path} (${route.access})`, route] as const))(
    '%s',
    (_, route) => {
      it('answers every method and token as the default scope table says: reached, 401 or 403', async () => {
        const cells = cellsOf(route).flatMap((cell) => holders.map((h) => ({ cell, holder: h })));
        const wrong: string[] = [];
        await inPool(cells, CONCURRENCY, async ({ cell, holder: h }) => {
          const expected = expectedFor(h, route.access, cell.method, cell.path);
          const answer = await callCell(cell, h.authorization);
          const outcome = outcomeOf(answer, cell.path);
          const ok =
            expected === 'not-admin'
              ? isNotAdminRefusal(answer, cell.path)
              : expected === 'reach'
                ? outcome.startsWith('backend') &&
                  answer.status < 500 &&
                  (route.fn.entry !== 'functions/example/echo.ts' ||
                    (answer.status === 200 && (answer.body as { token_id?: unknown }).token_id === h.id))
                : outcome === `gateway ${expected}`;
          if (!ok) wrong.push(`${h.name}: ${cell.method} ${cell.path} expected ${expected}, got ${outcome}`);
        });
        expect(wrong.sort()).toEqual([]);
      }, 120_000);
    },
  );

  it('Connect service tokens never reach a management route', async () => {
    const services = holders.filter((h) => h.kind === 'service');
    const management = ROUTES.filter((route) => route.access === 'admin').flatMap(cellsOf);
    for (const h of services) {
      for (const cell of management) {
        const answer = await call(cell.method, cell.path, h.authorization);
        expect(outcomeOf(answer, cell.path), `${h.name}: ${cell.method} ${cell.path}`).toBe('gateway 403');
      }
    }
  });

  it('crafted paths that a prefix or glob match would let through are refused and reach no backend', async () => {
    const wrong: string[] = [];
    await inPool(CRAFTED, CONCURRENCY, async ({ token, method, path, allowed }) => {
      const answer = await call(method, path, holder(token).authorization);
      const reached = isEcho(answer.body);
      if (reached || !allowed.includes(answer.status)) {
        wrong.push(
          `${token}: ${method} ${path} expected ${allowed.join('/')}, got ${answer.status}${reached ? ' from the backend' : ''}`,
        );
      }
    });
    expect(wrong.sort()).toEqual([]);
  }, 120_000);

  it('the same crafted paths are refused right after the token was let through on a clean path', async () => {
    // With a cached answer in place for the token, a crafted path must still be refused.
    const wrong: string[] = [];
    for (const { token, method, path, allowed } of CRAFTED) {
      const h = holder(token);
      const [primerMethod, primer] =
        token.startsWith('sources') || token === 'global:admin'
          ? [method, '/sources/a/packages/p']
          : ['GET', token.includes('identity') ? '/scim/v2/Users' : '/repos/a/x'];
      const primed = await call(primerMethod, primer, h.authorization);
      if (primed.status !== 200)
        wrong.push(`${token}: primer ${primerMethod} ${primer} got ${primed.status}`);
      const answer = await call(method, path, h.authorization);
      if (isEcho(answer.body) || !allowed.includes(answer.status)) {
        wrong.push(`${token}: ${method} ${path} after ${primer}: got ${answer.status}`);
      }
    }
    expect(wrong.sort()).toEqual([]);
  }, 120_000);

  it('a cached allow for GET /repos/a/x lets the token neither onto /repos/b/x nor DELETE /repos/a/x', async () => {
    const { authorization, id } = holder('repos:read [a]');
    const allowed = await call('GET', '/repos/a/x', authorization);
    expect(allowed.status).toBe(200);
    expect((allowed.body as { token_id: string }).token_id).toBe(id);

    for (const [method, path] of [
      ['GET', '/repos/b/x'],
      ['DELETE', '/repos/a/x'],
      ['POST', '/repos/a/x'],
      ['GET', '/repos/b/y'],
      ['GET', '/sources/a/packages/p'],
    ] as const) {
      const answer = await call(method, path, authorization);
      expect(outcomeOf(answer, path), `${method} ${path}`).toBe('gateway 403');
    }
    expect((await call('GET', '/repos/a/x', authorization)).status).toBe(200);
  });

  it('a person’s cached allow on a route of tokengate lets them onto no team’s route', async () => {
    const { authorization } = holder('person in the admin group');
    expect((await call('GET', '/v1/tokens', authorization)).status).toBe(200);
    for (const [method, path] of [
      ['GET', '/v1/tokens'],
      ['GET', '/repos/a/x'],
      ['DELETE', '/sources/a/settings'],
      ['GET', '/scim/v2/Users'],
    ] as const) {
      const answer = await call(method, path, authorization);
      const expected = path === '/v1/tokens' ? 'backend 200' : 'gateway 403';
      expect(outcomeOf(answer, path), `${method} ${path}`).toBe(expected);
    }
  });

  it('a person outside the admin group gets the 403 naming the group, and nothing changes', async () => {
    const { authorization } = holder('person outside the admin group');
    const { authorization: admin } = holder('global:admin');
    const ids = async () =>
      ((await call('GET', '/v1/tokens?limit=100', admin)).body as { tokens: { id: string }[] }).tokens.map(
        (token) => token.id,
      );
    const before = await ids();
    for (const [method, path, body] of [
      ['GET', '/v1/whoami', undefined],
      ['POST', '/v1/tokens', { description: 'not mine', scopes: [{ scope: 'nameservice:read' }] }],
      ['POST', CONNECT, { name: 'not mine', scopes: ['nameservice:read'] }],
      ['POST', '/v1/tokens/self/rotate', undefined],
    ] as const) {
      const answer = await call(method, path, authorization, body);
      expect(isNotAdminRefusal(answer, path), `${method} ${path}: ${JSON.stringify(answer.body)}`).toBe(true);
    }
    expect(await ids()).toEqual(before);
  });

  it('more than one Authorization header is refused with 401, whatever they hold, and caches nothing', async () => {
    // The attack: admin + low together used to pass on the admin's token and be cached under the low
    // one, which alone then reached the admin's routes from the cache, as the admin.
    const wrong: string[] = [];
    for (const { tokens, names } of REPEATED_AUTHORIZATION) {
      const sent = tokens.map(
        (name, index) => [names[index], holder(name).authorization] as [string, string],
      );
      for (const [method, path] of [
        ['GET', '/v1/tokens'],
        ['GET', '/repos/a/x'],
        ['GET', '/v1/whoami'],
        ['GET', CONNECT],
      ] as const) {
        const answer = await sendRaw(stack.url, method, path, sent);
        if (outcomeOf(answer, path) !== 'gateway 401') {
          wrong.push(
            `${names.join('/')} ${tokens.join(' + ')}: ${method} ${path} got ${outcomeOf(answer, path)}`,
          );
        }
      }
      for (const name of tokens) {
        const alone = holder(name);
        const answer = await call('GET', '/v1/tokens', alone.authorization);
        const expected = expectedFor(alone, 'admin', 'GET', '/v1/tokens');
        const ok = expected === 'reach' ? answer.status === 200 : outcomeOf(answer) === `gateway ${expected}`;
        if (!ok) wrong.push(`${name} alone after ${tokens.join(' + ')}: got ${outcomeOf(answer)}`);
      }
    }
    expect(wrong.sort()).toEqual([]);
  }, 60_000);

  it('a token that would expire within the cache TTL cannot be made: it could never pass the authorizer', async () => {
    const { authorization: admin } = holder('global:admin');
    const created = await call('POST', '/v1/tokens', admin, {
      description: 'matrix expiring under cache',
      scopes: [{ scope: 'repos:read', resources: ['a'] }],
      expires_at: new Date(Date.now() + 4_000).toISOString(),
    });
    expect(created.status).toBe(400);
    expect(created.body).toMatchObject({
      error: { field: 'expires_at', message: expect.stringMatching(/more than 301 s ahead/) },
    });
  }, 30_000);
});
