// The authorization boundary as a whole, through the local stack as `npm start` runs it: every route
// of the route table and every method, against a token of every scope of the catalogue (on a named
// resource and on `*`), Connect service tokens, and tokens that must not work at all. What each
// cell should answer comes from CONTRACT section 3, written out again below as a small oracle that
// shares nothing with shared/policy.ts, so a mistake there cannot hide itself. Then crafted paths
// (dot segments, encoded separators, double slashes, case, trailing slashes, extra segments before a
// scope's anchor) that a token would pass if the check were a naive prefix or IAM glob match: each
// must be refused and reach no backend. The authorizer cache is on throughout: a cached answer must
// never let a request through that the authorizer would refuse on its own.
// Requests go out through node:http with the path exactly as written (fetch would normalise dots).
import { mkdtempSync, rmSync } from 'node:fs';
import { Agent, request } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { isDeepStrictEqual } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { GATEWAY_ERRORS } from '../../local/gateway';
import { type Access, GATEWAY_RESPONSES, ROUTES, type Route } from '../../shared/routes';
import {
  PROTECTED_PREFIXES,
  SCOPE_NAMES,
  SCOPES,
  type ScopeName,
  SERVICE_SCOPE_NAMES,
} from '../../shared/scopes';
import { mintToken } from '../../shared/token-format';
import { LocalStack, tokengate } from './support/processes';

/** Long enough that every answer of the run could be served from the authorizer cache. */
const CACHE_TTL_SECONDS = 300;
const CONNECT = '/__api__/v1/system/service-tokens';
const ANY_METHODS = ['GET', 'POST', 'PUT', 'PATCH', 'DELETE'] as const;
/** A well-formed id no token has: management routes with it answer from their handler (404, 400). */
const UNKNOWN_ID = 'UnknownTokenId01';
const CONCURRENCY = 4;

// ---------------------------------------------------------------------------------------------
// The oracle: CONTRACT section 3's table, on clean paths (the representative paths below are).

type Segments = readonly string[];
type Rule = (method: string, segments: Segments, resources: readonly string[] | null) => boolean;

const named = (resources: readonly string[] | null, name: string | undefined) =>
  name !== undefined && name !== '' && (resources ?? []).some((r) => r === '*' || r === name);
const under = (segments: Segments, ...prefix: string[]) =>
  segments.length > prefix.length && prefix.every((part, index) => segments[index] === part);

/** `scope | grants | resources`, row by row. */
const CONTRACT_SCOPES: Record<ScopeName, Rule> = {
  'global:admin': () => true,
  'identity:manage': (_, s) => under(s, 'scim', 'v2'),
  'nameservice:read': (m, s) => m === 'GET' && under(s, 'nameservice'),
  'repos:read': (m, s, r) =>
    m === 'GET' && ((under(s, 'repos') && s.length > 2 && named(r, s[1])) || under(s, 'metadata')),
  'sources:write': (_, s, r) => under(s, 'sources') && named(r, s[1]) && s[2] === 'packages' && s.length > 3,
  'sources:admin': (_, s, r) => under(s, 'sources') && s.length > 2 && named(r, s[1]),
  'blocklist:read': (m, s) => m === 'GET' && under(s, 'blocklist'),
  'blocklist:admin': (_, s) => under(s, 'blocklist'),
  'metadata:read': (m, s) => m === 'GET' && under(s, 'metadata'),
  'metadata:admin': (_, s) => under(s, 'metadata'),
};

interface Grant {
  scope: ScopeName;
  resources: string[] | null;
}

interface Holder {
  name: string;
  /** The Authorization header, or undefined for none. */
  authorization: string | undefined;
  /** The token id, for tokens that work. */
  id?: string;
  /** null: no valid token (missing, malformed, unknown, revoked, expired). */
  grants: Grant[] | null;
  kind: 'user' | 'service' | 'invalid';
}

type Expected = 'reach' | 401 | 403;

function expectedFor(holder: Holder, access: Access, method: string, path: string): Expected {
  if (access === 'public') return 'reach';
  if (holder.grants === null) return 401;
  if (access === 'any-token') return 'reach';
  const isAdmin = holder.grants.some((grant) => grant.scope === 'global:admin');
  if (access === 'admin') return isAdmin ? 'reach' : 403;
  const segments = path.split('/').slice(1);
  return holder.grants.some((grant) => CONTRACT_SCOPES[grant.scope](method, segments, grant.resources))
    ? 'reach'
    : 403;
}

// ---------------------------------------------------------------------------------------------
// The cells: the route table's routes, and for its `{proxy+}` routes representative concrete paths.

/** Per protected prefix: paths inside and just outside each scope's grants. */
const REPRESENTATIVE_PATHS: Record<string, string[]> = {
  '/scim/v2': ['/scim/v2/Users', '/scim/v2/Groups/g1'],
  '/nameservice': ['/nameservice/users/u1'],
  '/repos': ['/repos/a/x', '/repos/a/pkgs/p/1.0.tar.gz', '/repos/b/x', '/repos/ab/x'],
  '/sources': [
    '/sources/a/packages/p',
    '/sources/b/packages/p',
    '/sources/a/settings',
    '/sources/b/settings',
    '/sources/a/packagesx/p',
  ],
  '/blocklist': ['/blocklist/rules/r1'],
  '/metadata': ['/metadata/p/1.0'],
};

interface Cell {
  route: Route;
  method: string;
  path: string;
}

function cellsOf(route: Route): Cell[] {
  if (route.method === 'ANY') {
    const prefix = route.path.replace(/\/\{proxy\+\}$/, '');
    const paths = REPRESENTATIVE_PATHS[prefix] ?? [];
    return ANY_METHODS.flatMap((method) => paths.map((path) => ({ route, method, path })));
  }
  return [{ route, method: route.method, path: route.path.replace(/\{\w+\}/g, UNKNOWN_ID) }];
}

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

/** What the gateway made of the request: its own answer (refusal, no route), or the backend's. */
function outcomeOf(answer: Answer): string {
  const own = { ...GATEWAY_ERRORS, ...GATEWAY_RESPONSES } as Record<number, unknown>;
  return isDeepStrictEqual(answer.body, own[answer.status])
    ? `gateway ${answer.status}`
    : `backend ${answer.status}`;
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
    const expiresAt = Date.now() + 3_000;
    const expired = await createUser(
      'expired',
      { scope: 'repos:read', resources: ['*'] },
      { expires_at: new Date(expiresAt).toISOString() },
    );
    const invalid = (name: string, authorization: string | undefined) =>
      add({ name, authorization, grants: null, kind: 'invalid' });
    invalid('no token', undefined);
    invalid('malformed', 'Bearer tg_not-a-token');
    invalid('other scheme', `Basic ${Buffer.from('user:password').toString('base64')}`);
    invalid('unknown (well-formed, never stored)', `Bearer ${mintToken().token}`);
    invalid('revoked', revoked.authorization);
    invalid('expired', expired.authorization);
    await sleep(Math.max(0, expiresAt - Date.now() + 1_100)); // second-resolution clocks too
  }, 240_000);

  afterAll(async () => {
    agent.destroy();
    await stack?.kill();
    rmSync(dataDir, { recursive: true, force: true });
  }, 90_000);

  it('covers every scope of the catalogue and every protected prefix of the route table', () => {
    expect(Object.keys(CONTRACT_SCOPES).sort()).toEqual([...SCOPE_NAMES].sort());
    expect(Object.keys(REPRESENTATIVE_PATHS).sort()).toEqual([...PROTECTED_PREFIXES].sort());
    for (const scope of SCOPE_NAMES) {
      expect(holders.some((h) => h.grants?.some((grant) => grant.scope === scope))).toBe(true);
    }
  });

  describe.each(ROUTES.map((route) => [`${route.method} ${route.path} (${route.access})`, route] as const))(
    '%s',
    (_, route) => {
      it('answers every method and token as CONTRACT section 3 says: reached, 401 or 403', async () => {
        const cells = cellsOf(route).flatMap((cell) => holders.map((h) => ({ cell, holder: h })));
        const wrong: string[] = [];
        await inPool(cells, CONCURRENCY, async ({ cell, holder: h }) => {
          const expected = expectedFor(h, route.access, cell.method, cell.path);
          const answer = await callCell(cell, h.authorization);
          const outcome = outcomeOf(answer);
          const ok =
            expected === 'reach'
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
        expect(outcomeOf(answer), `${h.name}: ${cell.method} ${cell.path}`).toBe('gateway 403');
      }
    }
  });

  interface Crafted {
    token: string;
    method: string;
    path: string;
    /** The answers the contract allows: 400 or 403, and 404 where no route matches the path. */
    allowed: readonly number[];
  }

  const REFUSED = [400, 403] as const;
  const REFUSED_OR_NO_ROUTE = [400, 403, 404] as const;
  const crafted = (token: string, method: string, paths: string[], allowed: readonly number[] = REFUSED) =>
    paths.map((path): Crafted => ({ token, method, path, allowed }));

  const CRAFTED: readonly Crafted[] = [
    // Dot segments, raw and percent-encoded in every case mix, before and after the resource.
    ...crafted('repos:read [a]', 'GET', [
      '/repos/a/../b/x',
      '/repos/a/%2e%2e/b/x',
      '/repos/a/%2E%2E/b/x',
      '/repos/a/.%2e/b/x',
      '/repos/a/%2e./b/x',
      '/repos/a/x/../../b/x',
      '/repos/a/x/..',
      '/repos/a/./x',
      '/repos/a/%2e/x',
    ]),
    ...crafted('repos:read [*]', 'GET', ['/repos/./a/x', '/repos/../v1/tokens', '/repos/a/../../v1/tokens']),
    ...crafted('sources:write [a]', 'DELETE', [
      '/sources/a/packages/../settings',
      '/sources/a/packages/%2e%2e/settings',
      '/sources/a/packages/..%2fsettings',
    ]),
    ...crafted('sources:write [*]', 'DELETE', ['/sources/a/packages/../../b/settings']),
    // Whatever the token: even an admin's request with a dot segment or an encoded slash reaches no backend.
    ...crafted('global:admin', 'GET', ['/repos/a/../b/x', '/repos/a/%2e%2e/b/x', '/repos/a%2Fb/x']),
    ...crafted('global:admin', 'DELETE', ['/sources/a/./packages/x', '/sources/a%5cb/packages/x']),
    // Encoded slashes and backslashes, in and after the resource segment.
    ...crafted('repos:read [a]', 'GET', [
      '/repos/a/x%2F..%2F..%2Fb/y',
      '/repos/a/x%2f..%2f..%2fb/y',
      '/repos/a/x%5C..%5C..%5Cb/y',
      '/repos/a/x%5c..%5c..%5cb/y',
    ]),
    ...crafted('repos:read [*]', 'GET', ['/repos/a%2Fb/x', '/repos/a%5cb/x', '/repos/a%2F..%2Fb/x']),
    ...crafted('sources:write [*]', 'PUT', ['/sources/a%2Fsettings/packages/x', '/sources/a%5Cb/packages/x']),
    // Double slashes: an empty segment is no resource name.
    ...crafted('repos:read [a]', 'GET', ['/repos//a/x']),
    ...crafted('sources:write [*]', 'DELETE', ['/sources//packages/x']),
    ...crafted('repos:read [a]', 'GET', ['//repos/a/x'], REFUSED_OR_NO_ROUTE),
    // Case: resource names and paths are case-sensitive.
    ...crafted('repos:read [a]', 'GET', ['/repos/A/x']),
    ...crafted('repos:read [a]', 'GET', ['/REPOS/a/x', '/Repos/a/x'], REFUSED_OR_NO_ROUTE),
    ...crafted('sources:write [*]', 'DELETE', ['/SOURCES/a/packages/x'], REFUSED_OR_NO_ROUTE),
    // Trailing slashes do not widen a grant.
    ...crafted('repos:read [a]', 'GET', ['/repos/b/', '/repos/ab/']),
    ...crafted('repos:read [a]', 'DELETE', ['/repos/a/x/']),
    ...crafted('sources:write [a]', 'DELETE', ['/sources/a/settings/']),
    ...crafted('repos:read [*]', 'GET', ['/v1/tokens/', '/v1/audit/'], REFUSED_OR_NO_ROUTE),
    // Extra segments before the scope's anchor: `*` is one segment, never several.
    ...crafted('sources:write [*]', 'DELETE', [
      '/sources/s/settings/packages/x',
      '/sources/a/b/c/packages/d',
      '/sources/a/b/packages/d',
    ]),
    ...crafted('sources:write [*]', 'POST', ['/sources/s/settings/packages/x']),
    ...crafted('sources:write [a]', 'DELETE', ['/sources/a/x/packages/y']),
    ...crafted('identity:manage', 'GET', ['/scim/x/v2/Users', '/scim/V2/Users'], REFUSED_OR_NO_ROUTE),
    ...crafted('service identity:manage', 'GET', [
      '/scim/v2/../../v1/tokens',
      '/scim/v2/x/../../../v1/whoami',
    ]),
  ];

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
      expect(outcomeOf(answer), `${method} ${path}`).toBe('gateway 403');
    }
    expect((await call('GET', '/repos/a/x', authorization)).status).toBe(200);
  });

  it('a token used just before its expires_at is refused after it, even with the answer cached', async () => {
    const { authorization: admin } = holder('global:admin');
    const expiresAt = Date.now() + 4_000;
    const created = await call('POST', '/v1/tokens', admin, {
      description: 'matrix expiring under cache',
      scopes: [{ scope: 'repos:read', resources: ['a'] }],
      expires_at: new Date(expiresAt).toISOString(),
    });
    expect(created.status).toBe(201);
    const authorization = `Bearer ${(created.body as { token: string }).token}`;
    // Before expiry it may pass (or be refused already, if the cache could outlive it).
    const before = await call('GET', '/repos/a/x', authorization);
    expect([200, 401]).toContain(before.status);
    await sleep(Math.max(0, expiresAt - Date.now() + 1_100));
    const after = await call('GET', '/repos/a/x', authorization);
    expect(outcomeOf(after)).toBe('gateway 401');
  }, 30_000);
});
