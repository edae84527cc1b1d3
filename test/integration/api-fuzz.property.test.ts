// Every endpoint fed generated garbage: the local gateway (the same HTTP server, route table,
// authorizer and handlers as `npm start`, in this process) on DynamoDB Local, hit with random
// bodies, headers, path parameters, query strings, cursors and Authorization headers. Whatever comes
// in, the answer is a 4xx or a success the contract documents for that route (valid by chance),
// never a 5xx; and a refused request changes nothing in either table.
// Generated values never hold a token themselves (they name a kind of credential, and the token is
// looked up inside the property), so a counterexample printed by a failing run shows no secret.
import { mkdtempSync, rmSync } from 'node:fs';
import { Agent, type OutgoingHttpHeaders, request } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { isDeepStrictEqual } from 'node:util';
import { ScanCommand } from '@aws-sdk/lib-dynamodb';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DynamoTokenStore } from '#adapters/dynamo-token-store';
import { FileKeyRingSource } from '#adapters/file-keyring';
import { mintToken, TOKEN_LENGTH } from '#domain/token-format';
import { TokenService } from '#domain/token-service';
import { GATEWAY_ERRORS, Gateway } from '#local/gateway';
import { loadHandlers, settleHandlers } from '#local/handlers';
import { type GatewayServer, listen } from '#local/server';
import { checksOwnToken, FUNCTIONS } from '#spec/functions';
import { GATEWAY_RESPONSES } from '#spec/gateway';
import { ROUTES, type Route } from '#spec/routes';
import { SCOPE_NAMES } from '#spec/scopes';
import { AUDIT_TABLE, TOKENS_TABLE } from '#spec/tables';
import { freshTable, testDocumentClient } from '#test-support/dynamo';
import { saveHandlerEnv, useLocalHandlerEnv } from '#test-support/handler-env';

const restoreEnv = saveHandlerEnv();
const dir = mkdtempSync(join(tmpdir(), 'tokengate-fuzz-'));
const client = testDocumentClient();
const agent = new Agent({ keepAlive: true, maxSockets: 1 });

/** Throttling is the gateway's, not the handler's: without it the public revoke route is fuzzed too. */
const UNTHROTTLED: readonly Route[] = ROUTES.map(({ throttle: _, ...route }) => route);

/** The successes the API documents, by function; anything else 2xx is a finding. */
const SUCCESS: Record<string, readonly number[]> = {
  CreateServiceToken: [201],
  CreateToken: [201],
  RevokeLeakedTokens: [202],
  DeleteServiceToken: [204],
  RotateToken: [201],
  RotateSelfToken: [201],
};
/** Successes that may change the tables (valid by chance: a create with a plausible body; a self-rotation). */
const MAY_CHANGE = new Set(['CreateServiceToken', 'CreateToken', 'RotateSelfToken']);

let tokensTable: string;
let auditTable: string;
let server: GatewayServer;
const credentials = new Map<string, string>();
let tokens: TokenService;
const serverErrors: string[] = [];

beforeAll(async () => {
  tokensTable = await freshTable(TOKENS_TABLE);
  auditTable = await freshTable(AUDIT_TABLE);
  const keyFile = join(dir, 'keys.json');
  useLocalHandlerEnv({ keyFile, tokensTable, auditTable, logLevel: 'WARN' });
  const { authorizer, handlers } = await loadHandlers(UNTHROTTLED);
  // Its per-request lines are noise here; a request it could not read at all is worth knowing about.
  const log = (line: string) => void (line.startsWith('request failed') && serverErrors.push(line));
  server = await listen({ host: '127.0.0.1', port: 0, log });
  server.ready(
    new Gateway({
      routes: UNTHROTTLED,
      authorizer,
      handlers,
      cacheTtlSeconds: 0,
      onError: (message) => serverErrors.push(message),
    }),
  );

  const store = new DynamoTokenStore(client, { tableName: tokensTable, retentionDays: 30 });
  tokens = new TokenService({ store, keys: new FileKeyRingSource(keyFile) });
  const system = { type: 'system', id: 'fuzz' } as const;
  const admin = await tokens.bootstrapAdmin(system);
  credentials.set('admin', `Bearer ${admin.token}`);
  const user = (scope: (typeof SCOPE_NAMES)[number], resources: string[] | null) =>
    tokens.create(
      { kind: 'user', description: 'fuzz', userEmail: null, scopes: [{ scope, resources }], expiresAt: null },
      system,
    );
  credentials.set('scoped', `Bearer ${(await user('sources:write', ['*'])).token}`);
  const service = await tokens.create(
    {
      kind: 'service',
      description: 'fuzz service',
      userEmail: null,
      scopes: [{ scope: 'identity:manage', resources: null }],
      expiresAt: null,
    },
    system,
  );
  credentials.set('service', `Key ${service.token}`);
  const revoked = await user('repos:read', ['*']);
  await tokens.revokeLeaked([revoked.token]);
  credentials.set('revoked', `Bearer ${revoked.token}`);
}, 60_000);

afterAll(async () => {
  agent.destroy();
  await server?.close(1_000);
  await settleHandlers();
  restoreEnv();
  rmSync(dir, { recursive: true, force: true });
});

// ---------------------------------------------------------------------------------------------
// Generators.

type Credential =
  | { kind: 'admin' | 'scoped' | 'service' | 'revoked' | 'none' | 'unknown' }
  | { kind: 'mutated-admin'; at: number; to: string }
  | { kind: 'raw'; header: string };

const BASE62 = '0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz';
const printable = (maxLength = 40) =>
  fc.string({
    unit: fc.integer({ min: 0x20, max: 0x7e }).map((code) => String.fromCharCode(code)),
    maxLength,
  });

const badCredential: fc.Arbitrary<Credential> = fc.oneof(
  fc.constantFrom<Credential>({ kind: 'none' }, { kind: 'unknown' }, { kind: 'revoked' }),
  fc.record({
    kind: fc.constant('mutated-admin' as const),
    at: fc.nat({ max: TOKEN_LENGTH - 1 }),
    to: fc.constantFrom(...BASE62),
  }),
  fc.record({
    kind: fc.constant('raw' as const),
    header: fc.oneof(
      printable(),
      printable().map((rest) => `Bearer ${rest}`),
      printable().map((rest) => `Key tg_${rest}`),
      fc.constantFrom('Bearer', 'Bearer ', 'Basic dXNlcjpwYXNz', 'Bearer tg_', 'Key', 'null', '*'),
    ),
  }),
);

function authorizationOf(credential: Credential): string | undefined {
  switch (credential.kind) {
    case 'none':
      return undefined;
    case 'unknown':
      return `Bearer ${mintToken().token}`;
    case 'raw':
      return credential.header;
    case 'mutated-admin': {
      const admin = credentials.get('admin') as string;
      const token = admin.slice('Bearer '.length);
      const changed = token.slice(0, credential.at) + credential.to + token.slice(credential.at + 1);
      return changed === token ? `Bearer ${token}x` : `Bearer ${changed}`;
    }
    default:
      return credentials.get(credential.kind);
  }
}

const base64url = (text: string) => Buffer.from(text).toString('base64url');

/** Forged and random pagination cursors, the kinds once found to fail, among them. */
const cursor = fc.oneof(
  printable(),
  fc.jsonValue({ maxDepth: 2 }).map((value) => base64url(JSON.stringify(value))),
  fc
    .tuple(fc.constantFrom('by_time', 'by_token', 'by_actor', 'by_type', 'newest', 'x'), printable(20))
    .map((parts) => base64url(JSON.stringify(parts))),
  fc
    .tuple(
      fc.constantFrom('by_time', 'by_token'),
      fc.oneof(
        fc.constant(''),
        printable(20),
        printable(5).map((s) => s.repeat(400)),
      ),
      fc.oneof(fc.constant(''), printable(20)),
    )
    .map((parts) => base64url(JSON.stringify(parts))),
  fc.uint8Array({ maxLength: 48 }).map((bytes) => Buffer.from(bytes).toString('base64url')),
);

const FORGED_AUDIT_CURSORS = [
  ['by_time', ''],
  ['by_time', 'x'.repeat(2_000)],
  ['by_token', '', ''],
].map((parts) => base64url(JSON.stringify(parts)));

const queryValue = fc.oneof(
  printable(),
  cursor,
  fc.constantFrom(
    'active',
    'revoked',
    'expired',
    'never',
    'has_expiration',
    'newest',
    'oldest',
    'name_asc',
    'name_desc',
    'user',
    'service',
    '-1',
    '0',
    '1',
    '1000000',
    'NaN',
    '1e3',
    '2026-01-01',
    '2026-13-45T99:00:00Z',
  ),
);
const queryKey = fc.constantFrom(
  'status',
  'expiration',
  'q',
  'sort',
  'kind',
  'limit',
  'cursor',
  'token_id',
  'actor',
  'type',
  'since',
  'until',
  'x',
);
const query = fc.oneof(
  fc
    .array(fc.tuple(queryKey, queryValue), { maxLength: 5 })
    .map((pairs) => pairs.map(([key, value]) => `${key}=${encodeURIComponent(value)}`).join('&')),
  fc.string({ unit: fc.constantFrom(...'a=&%;+[]cursorlimit0'), maxLength: 30 }),
);

/** A path parameter or an extra segment: unknown ids, encodings, dots, separators, Unicode. */
const segment = fc.oneof(
  fc.constantFrom(
    'UnknownTokenId01',
    'x',
    '.',
    '..',
    '%2e%2e',
    '%2F',
    '%5c',
    '%00',
    '%',
    '%zz',
    '%C0%AE',
    '*',
  ),
  fc.string({ unit: fc.constantFrom(..."abcXYZ019._-~%\\:@!$&'()*+,;="), maxLength: 20 }),
  fc.string({ unit: 'grapheme', maxLength: 10 }).map(encodeURIComponent),
  fc.constantFrom('a'.repeat(300), 'A'.repeat(2_000)),
);

const jsonBody = fc.oneof(
  fc.jsonValue({ maxDepth: 3 }),
  fc.record(
    {
      description: fc.oneof(printable(), fc.jsonValue({ maxDepth: 1 })),
      name: fc.oneof(printable(), fc.jsonValue({ maxDepth: 1 })),
      user_email: fc.oneof(printable(), fc.constant(null), fc.jsonValue({ maxDepth: 1 })),
      scopes: fc.oneof(
        fc.array(fc.oneof(fc.constantFrom(...SCOPE_NAMES), printable(20))),
        fc.array(
          fc.record(
            {
              scope: fc.oneof(fc.constantFrom(...SCOPE_NAMES), printable(20)),
              resources: fc.oneof(fc.constant(null), fc.array(printable(10)), fc.jsonValue({ maxDepth: 1 })),
            },
            { requiredKeys: [] },
          ),
        ),
        fc.jsonValue({ maxDepth: 1 }),
      ),
      expires_in_days: fc.oneof(fc.integer(), fc.double(), printable(10)),
      expires_at: fc.oneof(
        printable(),
        fc.date({ noInvalidDate: true }).map((d) => d.toISOString()),
      ),
      grace_seconds: fc.oneof(fc.integer(), fc.double(), printable(10)),
      tokens: fc.oneof(fc.array(printable()), fc.jsonValue({ maxDepth: 1 })),
    },
    { requiredKeys: [] },
  ),
);

type Body = { kind: 'none' } | { kind: 'text'; text: string } | { kind: 'bytes'; bytes: Uint8Array };
const body: fc.Arbitrary<Body> = fc.oneof(
  fc.constant({ kind: 'none' as const }),
  jsonBody.map((value) => ({ kind: 'text' as const, text: JSON.stringify(value) ?? 'null' })),
  fc.string({ maxLength: 200 }).map((text) => ({ kind: 'text' as const, text })),
  fc.uint8Array({ maxLength: 200 }).map((bytes) => ({ kind: 'bytes' as const, bytes })),
);

const headers = fc.dictionary(
  fc.constantFrom('content-type', 'accept', 'x-forwarded-for', 'x-amz-date', 'content-encoding', 'x-custom'),
  fc.oneof(
    printable(),
    fc.constantFrom('application/json', 'text/plain', 'application/json; charset=utf-16', 'gzip', ''),
  ),
  { maxKeys: 3 },
);

function concretePath(route: Route, segments: readonly string[]): string {
  let index = 0;
  return route.path.replace(/\{\w+\+?\}/g, () => segments[index++] ?? 'x');
}

// ---------------------------------------------------------------------------------------------
// HTTP and the tables.

interface Answer {
  status: number;
  body: string;
}

function send(
  method: string,
  path: string,
  /** Several values are sent as that many Authorization headers. */
  authorization: string | string[] | undefined,
  extra: Record<string, string>,
  payload: Body,
): Promise<Answer> {
  const data =
    payload.kind === 'none' ? undefined : payload.kind === 'text' ? Buffer.from(payload.text) : payload.bytes;
  const headers: OutgoingHttpHeaders = {
    ...extra,
    // Set, or node:http sends a GET's body unframed and the server reads it as the next request.
    ...(data !== undefined && { 'content-length': String(data.length) }),
  };
  return new Promise((resolve, reject) => {
    const outgoing = request(
      { host: '127.0.0.1', port: server.port, method, path, agent, headers },
      (response) => {
        const chunks: Buffer[] = [];
        response.on('data', (chunk: Buffer) => chunks.push(chunk));
        response.on('end', () =>
          resolve({ status: response.statusCode ?? 0, body: Buffer.concat(chunks).toString() }),
        );
        response.on('error', reject);
      },
    );
    // An array goes out as that many header lines.
    if (authorization !== undefined) outgoing.setHeader('authorization', authorization);
    outgoing.setTimeout(20_000, () => outgoing.destroy(new Error(`${method} timed out`)));
    outgoing.on('error', reject);
    outgoing.end(data);
  });
}

/** Both tables' items, without the authorizer's own `last_used_at` bookkeeping. */
async function tables(): Promise<string> {
  await settleHandlers();
  const dump: unknown[] = [];
  for (const TableName of [tokensTable, auditTable]) {
    const { Items = [] } = await client.send(new ScanCommand({ TableName, ConsistentRead: true }));
    const items = Items.map(({ last_used_at: _, ...item }) => JSON.stringify(item, Object.keys(item).sort()));
    dump.push(items.sort());
  }
  return JSON.stringify(dump);
}

/**
 * The gateway's own refusals, which come before any token is looked at: no route matches (an empty
 * segment can leave none), or the path is one no backend may see (a dot segment, an encoded slash).
 */
function refusedBeforeTokenCheck(answer: Answer): boolean {
  const body: unknown = JSON.parse(answer.body);
  if (answer.status === 404) return isDeepStrictEqual(body, GATEWAY_ERRORS[404]);
  return answer.status === 400 && (body as { error?: { field?: unknown } }).error?.field === 'path';
}

/**
 * The authorizer's refusal as `route` answers it: API Gateway's own body, or, from a function that
 * checks its own token (the Connect routes), the same words in Connect's error shape.
 */
function refusalBody(route: Route, status: 401 | 403): unknown {
  const { message } = GATEWAY_RESPONSES[status].error;
  return checksOwnToken(route.fn)
    ? { code: status === 401 ? 4 : 5, error: message, payload: null }
    : GATEWAY_RESPONSES[status];
}

/** The answer must be a 4xx or a documented success, and a refusal must leave the tables as they were. */
async function check(route: Route | undefined, send: () => Promise<Answer>) {
  const before = await tables();
  const answer = await send();
  const name = route?.fn.name ?? '';
  const success = SUCCESS[name] ?? [200];
  if (answer.status >= 500) expect.fail(`${answer.status} ${answer.body.slice(0, 300)}`);
  if (answer.status < 400) expect(success, answer.body.slice(0, 300)).toContain(answer.status);
  if (answer.status >= 400 || !MAY_CHANGE.has(name)) expect(await tables()).toBe(before);
  return answer;
}

// ---------------------------------------------------------------------------------------------

const RUNS = { numRuns: 120 };
const routeArb = fc.constantFrom(...UNTHROTTLED);

describe('every endpoint fed random input', () => {
  /**
   * The caller for `route`: the admin, but for the self-rotation route a token of its own, so that a
   * body that is valid by chance (`{}`, a small `grace_seconds`) rotates that one, not the admin.
   */
  async function callerFor(route: Route): Promise<string | undefined> {
    if (route.fn !== FUNCTIONS.rotateSelfToken) return credentials.get('admin');
    const own = await tokens.create(
      {
        kind: 'user',
        description: 'fuzz self',
        userEmail: null,
        scopes: [{ scope: 'nameservice:read', resources: null }],
        expiresAt: null,
      },
      { type: 'system', id: 'fuzz' },
    );
    return `Bearer ${own.token}`;
  }

  it('with an admin token: random bodies, headers, path parameters, queries and cursors never give a 5xx', async () => {
    await fc.assert(
      fc.asyncProperty(
        routeArb,
        fc.array(segment, { minLength: 1, maxLength: 3 }),
        query,
        headers,
        body,
        async (route, segments, search, extra, payload) => {
          const method = route.method === 'ANY' ? 'POST' : route.method;
          const path = concretePath(route, segments);
          const caller = await callerFor(route);
          await check(route, () =>
            send(method, `${path}${search ? `?${search}` : ''}`, caller, extra, payload),
          );
        },
      ),
      RUNS,
    );
    expect(serverErrors).toEqual([]);
  }, 120_000);

  it('list endpoints refuse forged and random cursors and filters with 400, never 5xx', async () => {
    const lists = UNTHROTTLED.filter(
      (route) => route.method === 'GET' && ['/v1/tokens', '/v1/audit'].includes(route.path),
    );
    const auditList = lists.find((route) => route.path === '/v1/audit') as Route;
    await fc.assert(
      fc.asyncProperty(fc.constantFrom(...lists), cursor, query, async (route, forged, search) => {
        const answer = await check(route, () =>
          send(
            'GET',
            `${route.path}?cursor=${encodeURIComponent(forged)}&${search}`,
            credentials.get('admin'),
            {},
            { kind: 'none' },
          ),
        );
        expect([200, 400]).toContain(answer.status);
      }),
      {
        ...RUNS,
        // Forged cursors that once failed (an empty sort key, an over-long one, by_token with no id).
        examples: FORGED_AUDIT_CURSORS.map((forged) => [auditList, forged, '']),
      },
    );
  }, 120_000);

  it('with a missing, malformed, mutated, unknown or revoked token: 401 everywhere a token is needed', async () => {
    await fc.assert(
      fc.asyncProperty(
        routeArb,
        fc.array(segment, { minLength: 1, maxLength: 3 }),
        badCredential,
        body,
        async (route, segments, credential, payload) => {
          const method = route.method === 'ANY' ? 'GET' : route.method;
          const answer = await check(route, () =>
            send(method, concretePath(route, segments), authorizationOf(credential), {}, payload),
          );
          if (route.access !== 'public' && !refusedBeforeTokenCheck(answer)) {
            expect(answer.status, answer.body).toBe(401);
            expect(JSON.parse(answer.body)).toEqual(refusalBody(route, 401));
          }
        },
      ),
      RUNS,
    );
  }, 120_000);

  it('more than one Authorization header, whatever they hold (the admin token too): 401 everywhere a token is needed', async () => {
    const anyCredential: fc.Arbitrary<Credential> = fc.oneof(
      fc.constantFrom<Credential>({ kind: 'admin' }, { kind: 'scoped' }, { kind: 'service' }),
      badCredential.filter((credential) => credential.kind !== 'none'),
    );
    await fc.assert(
      fc.asyncProperty(
        routeArb,
        fc.array(segment, { minLength: 1, maxLength: 3 }),
        fc.array(anyCredential, { minLength: 2, maxLength: 3 }),
        async (route, segments, sent) => {
          const method = route.method === 'ANY' ? 'GET' : route.method;
          const values = sent.map((credential) => authorizationOf(credential) ?? '');
          const answer = await check(route, () =>
            send(method, concretePath(route, segments), values, {}, { kind: 'none' }),
          );
          if (route.access !== 'public' && !refusedBeforeTokenCheck(answer)) {
            expect(answer.status, answer.body).toBe(401);
            expect(JSON.parse(answer.body)).toEqual(refusalBody(route, 401));
          }
        },
      ),
      {
        ...RUNS,
        examples: [
          [
            UNTHROTTLED.find((r) => r.path === '/v1/tokens' && r.method === 'GET') as Route,
            ['x'],
            [{ kind: 'admin' }, { kind: 'scoped' }],
          ],
        ],
      },
    );
  }, 120_000);

  it("a valid token without global:admin on an admin route: 403 in the route's error shape, nothing changed", async () => {
    const adminRoutes = UNTHROTTLED.filter((route) => route.access === 'admin');
    await fc.assert(
      fc.asyncProperty(
        fc.constantFrom(...adminRoutes),
        fc.array(segment, { minLength: 1, maxLength: 3 }),
        fc.constantFrom('scoped', 'service'),
        body,
        async (route, segments, who, payload) => {
          const method = route.method === 'ANY' ? 'GET' : route.method;
          const answer = await check(route, () =>
            send(method, concretePath(route, segments), credentials.get(who), {}, payload),
          );
          if (!refusedBeforeTokenCheck(answer)) {
            expect(answer.status, answer.body).toBe(403);
            expect(JSON.parse(answer.body)).toEqual(refusalBody(route, 403));
          }
        },
      ),
      {
        ...RUNS,
        examples: adminRoutes.map((route): [Route, string[], 'scoped' | 'service', Body] => [
          route,
          ['x'],
          'service',
          { kind: 'none' },
        ]),
      },
    );
  }, 120_000);

  /** The routes whose function parses a JSON body. */
  const BODY_FUNCTIONS = new Set([
    FUNCTIONS.createServiceToken,
    FUNCTIONS.createToken,
    FUNCTIONS.updateToken,
    FUNCTIONS.rotateToken,
    FUNCTIONS.rotateSelfToken,
    FUNCTIONS.revokeLeakedTokens,
  ]);
  const bodyRoutes = UNTHROTTLED.filter((route) => (BODY_FUNCTIONS as Set<unknown>).has(route.fn));
  const refusal = (answer: Answer, face: 'native' | 'connect') => {
    const body = JSON.parse(answer.body) as Record<string, unknown>;
    return face === 'connect'
      ? { message: body.error, field: (body.payload as { field?: unknown } | null)?.field }
      : {
          message: (body.error as { message: unknown }).message,
          field: (body.error as { field: unknown }).field,
        };
  };
  /** A place inside a body: object keys and array positions, as the API names a field (`scopes.0.x`). */
  const place = fc.array(fc.oneof(fc.constantFrom('scopes', 'description', 'a'), fc.nat({ max: 2 })), {
    maxLength: 4,
  });
  /** `inner` at `at` in JSON text, arrays padded with nulls up to the position. */
  const wrapAt = (at: readonly (string | number)[], inner: string): string =>
    at.reduceRight<string>(
      (text, step) =>
        typeof step === 'number' ? `[${'null,'.repeat(step)}${text}]` : `{${JSON.stringify(step)}:${text}}`,
      inner,
    );

  /** `text` as `route`'s JSON body, from its caller, checked as every fuzzed request is. */
  async function sendJsonText(route: Route, text: string): Promise<Answer> {
    const caller = await callerFor(route);
    return check(route, () =>
      send(
        route.method,
        concretePath(route, ['UnknownTokenId01']),
        caller,
        { 'content-type': 'application/json' },
        { kind: 'text', text },
      ),
    );
  }

  it('a body holding __proto__, constructor or prototype anywhere: 400 naming its place, nothing changed', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.constantFrom(...bodyRoutes),
        place,
        fc.constantFrom('__proto__', 'constructor', 'prototype'),
        fc.jsonValue({ maxDepth: 2 }),
        async (route, at, key, value) => {
          // Written as text: an object literal with a `__proto__` key would set a prototype instead.
          const text = wrapAt(at, `{${JSON.stringify(key)}:${JSON.stringify(value) ?? 'null'}}`);
          const answer = await sendJsonText(route, text);
          expect(answer.status, answer.body).toBe(400);
          expect(refusal(answer, route.fn.face)).toEqual({
            message: `Forbidden key: ${key}`,
            field: [...at, key].join('.'),
          });
        },
      ),
      RUNS,
    );
  }, 120_000);

  it('a body nested deeper than 32 levels: 400 saying so, however deep; 32 levels are read', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.constantFrom(...bodyRoutes),
        fc.oneof(fc.integer({ min: 33, max: 5_000 }), fc.integer({ min: 1, max: 32 })),
        fc.boolean(),
        async (route, depth, arrays) => {
          const text = arrays
            ? `${'['.repeat(depth)}${']'.repeat(depth)}`
            : `${'{"a":'.repeat(depth - 1)}{}${'}'.repeat(depth - 1)}`;
          const answer = await sendJsonText(route, text);
          const said = answer.status === 400 ? refusal(answer, route.fn.face).message : undefined;
          const tooDeep = 'The request body is nested deeper than 32 levels';
          if (depth > 32) expect(said, answer.body).toBe(tooDeep);
          else expect(said).not.toBe(tooDeep);
        },
      ),
      { ...RUNS, examples: bodyRoutes.flatMap((route) => [[route, 33, true] as [Route, number, boolean]]) },
    );
  }, 120_000);

  it('a query parameter given twice: 400 naming it, on every route that reads a query', async () => {
    const gets = UNTHROTTLED.filter((route) => route.method === 'GET' && route.access !== 'public');
    await fc.assert(
      fc.asyncProperty(
        fc.constantFrom(...gets),
        queryKey,
        fc.tuple(queryValue, queryValue),
        async (route, key, [first, second]) => {
          const search = `${key}=${encodeURIComponent(first)}&${key}=${encodeURIComponent(second)}`;
          const answer = await check(route, () =>
            send(
              'GET',
              `${concretePath(route, ['UnknownTokenId01'])}?${search}`,
              credentials.get('admin'),
              {},
              {
                kind: 'none',
              },
            ),
          );
          expect(answer.status, answer.body).toBe(400);
          expect(refusal(answer, route.fn.face)).toEqual({
            message: `${key} is given more than once`,
            field: key,
          });
        },
      ),
      RUNS,
    );
  }, 120_000);

  it('random methods and paths, with scoped and service tokens too, never give a 5xx or change anything', async () => {
    const prefixes = [...new Set(UNTHROTTLED.map((route) => route.path.split('/{')[0] as string))];
    await fc.assert(
      fc.asyncProperty(
        fc.constantFrom('GET', 'POST', 'PUT', 'PATCH', 'DELETE', 'OPTIONS', 'HEAD'),
        fc.constantFrom(...prefixes, ''),
        fc.array(segment, { maxLength: 4 }),
        fc.constantFrom('admin', 'scoped', 'service'),
        body,
        async (method, prefix, segments, who, payload) => {
          const path = `${prefix}/${segments.join('/')}`;
          await check(undefined, () => send(method, path, credentials.get(who), {}, payload));
        },
      ),
      RUNS,
    );
  }, 120_000);
});
