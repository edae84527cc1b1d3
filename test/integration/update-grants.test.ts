// The UpdateItem grants against the code: IAM cannot run on DynamoDB Local, so this checks the other
// half. Each function that may UpdateItem the tokens table runs here as Lambda runs it, on DynamoDB
// Local; every UpdateItem it sends, read off the wire, names exactly the attributes its manifest
// declares (shared/spec/functions.ts `updates`, with the table's key), and asks for no return values the
// grant's condition refuses. A store that starts writing another attribute fails here, not in AWS.
import { randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { APIGatewayProxyEvent, APIGatewayProxyResult, Context } from 'aws-lambda';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { DynamoTokenStore } from '#adapters/dynamo-token-store';
import { FileKeyRingSource } from '#adapters/file-keyring';
import type { Actor, TokenKind } from '#domain/token';
import { TokenService } from '#domain/token-service';
import {
  ALL_FUNCTIONS,
  AUTHORIZER,
  EXPIRY_WARNER,
  FUNCTIONS,
  type FunctionDef,
  TOKEN_SECRET_ROTATION,
} from '#spec/functions';
import { TOKEN_ATTRIBUTES, TOKENS_TABLE } from '#spec/tables';
import {
  freshTokensTable,
  type RequestLog,
  testDocumentClient,
  watchDynamoRequests,
} from '#test-support/dynamo';
import { declareRotatedTokenEnv, saveHandlerEnv, useLocalHandlerEnv } from '#test-support/handler-env';
import {
  adminAuthorizerContext,
  lambdaContext,
  proxyEvent,
  restAuthorizerEvent,
} from '#test-support/lambda-events';
import {
  type RotationHandler,
  rotatableSecret,
  runSteps,
  secretsManager,
  useMotoEnv,
} from '#test-support/moto';

type HttpHandler = (event: APIGatewayProxyEvent, context: Context) => Promise<APIGatewayProxyResult>;
type Handler = (event: unknown, context: Context) => Promise<unknown>;

const PROJECT_ROOT = fileURLToPath(new URL('../../', import.meta.url));
const OPS: Actor = { type: 'iam', id: 'arn:aws:iam::123456789012:role/ops' };
const restoreEnv = saveHandlerEnv();
const dir = mkdtempSync(join(tmpdir(), 'tokengate-update-grants-'));
const keyFile = join(dir, 'keys.json');

let tokens: TokenService;
let handlers: Record<string, Handler>;
let restoreMotoEnv: () => void;
const sm = secretsManager();
/** A RotatedToken's secret, holding a token made as its rotation function is declared to mint it. */
let rotatedToken: { first: Awaited<ReturnType<typeof newToken>>; secretId: string };

/** What DynamoDB's expression grammar uses besides attribute names. */
const KEYWORDS = new Set(['SET', 'REMOVE', 'ADD', 'DELETE', 'AND', 'OR', 'NOT', 'BETWEEN', 'IN']);

/**
 * The top-level attribute names an expression reads or writes: names and `#placeholders` that start a
 * path (`stamp` in `stamp.#op`), not values (`:x`), functions (`attribute_exists(`) or keywords.
 */
function topLevelNames(expression: string, placeholders: Record<string, string>): string[] {
  const names: string[] = [];
  for (const [, token = ''] of expression.matchAll(/(?<![\w.:#])(#?[A-Za-z_]\w*)\b(?!\s*\()/g)) {
    if (KEYWORDS.has(token.toUpperCase())) continue;
    const name = token.startsWith('#') ? placeholders[token] : token;
    if (name === undefined)
      throw new Error(`${token} in "${expression}" has no ExpressionAttributeNames entry`);
    names.push(name);
  }
  return names;
}

interface UpdateItemInput {
  Key: Record<string, unknown>;
  UpdateExpression?: string;
  ConditionExpression?: string;
  ExpressionAttributeNames?: Record<string, string>;
  ReturnValues?: string;
}

/**
 * The updates in `log`: each UpdateItem, and each Update of a TransactWriteItems (IAM authorizes it as
 * `dynamodb:UpdateItem`, with the same `dynamodb:Attributes` condition).
 */
function updatesSent(log: RequestLog): UpdateItemInput[] {
  return log.requests.flatMap((request) => {
    if (request.operation !== 'UpdateItem' && request.operation !== 'TransactWriteItems') return [];
    if (!request.body) throw new Error('No body in the wire log: it needs Node 22 (see wire-log.ts)');
    const body = JSON.parse(request.body) as UpdateItemInput & {
      TransactItems?: { Update?: UpdateItemInput }[];
    };
    if (request.operation === 'UpdateItem') return [body];
    return (body.TransactItems ?? []).flatMap((item) => (item.Update ? [item.Update] : []));
  });
}

/** Every attribute name the updates in `log` touch: `dynamodb:Attributes` as IAM sees it. */
function attributesTouched(log: RequestLog): string[] {
  const names = new Set<string>();
  for (const input of updatesSent(log)) {
    const placeholders = input.ExpressionAttributeNames ?? {};
    for (const name of Object.keys(input.Key)) names.add(name);
    // Every name given, used at the top of a path or not: IAM may count them all.
    for (const name of Object.values(placeholders)) names.add(name);
    for (const expression of [input.UpdateExpression, input.ConditionExpression]) {
      for (const name of topLevelNames(expression ?? '', placeholders)) names.add(name);
    }
  }
  return [...names].sort();
}

function returnValuesAsked(log: RequestLog): (string | undefined)[] {
  return updatesSent(log).map((input) => input.ReturnValues);
}

/** The attributes the function's UpdateItem grant allows: its declared updates and the table's key. */
function declared(definition: FunctionDef): string[] {
  return [...new Set([TOKENS_TABLE.partitionKey.name, ...(definition.needs.updates ?? [])])].sort();
}

async function newToken(kind: TokenKind = 'user') {
  return tokens.create(
    {
      kind,
      description: 'grant check',
      userEmail: 'owner@example.com',
      scopes: [{ scope: 'nameservice:read', resources: null }],
      expiresAt: new Date(Date.now() + 86_400_000).toISOString(),
    },
    OPS,
  );
}

const asAdmin = { authorizer: adminAuthorizerContext() };
const json = { 'content-type': 'application/json' };

/**
 * For each function that may UpdateItem the tokens table: calls that take it down every path that
 * writes (the authorizer's first use of a token; a revoke; an email set and cleared; a delete).
 */
const SCENARIOS: Record<string, () => Promise<unknown>> = {
  [AUTHORIZER.name]: async () => {
    const { token } = await newToken();
    const log = watchDynamoRequests();
    const answer = await handlers[AUTHORIZER.name]?.(
      restAuthorizerEvent('GET', '/nameservice/x', { Authorization: `Bearer ${token}` }),
      lambdaContext('authorizer'),
    );
    expect(answer).toMatchObject({ policyDocument: { Statement: [{ Effect: 'Allow' }] } });
    await vi.waitFor(() => expect(log.count('UpdateItem')).toBe(1)); // last_used_at, written after the answer
    log.stop();
  },
  [FUNCTIONS.revokeLeakedTokens.name]: async () => {
    const { token } = await newToken();
    const body = JSON.stringify({ tokens: [token] });
    return http(
      FUNCTIONS.revokeLeakedTokens,
      proxyEvent('POST', '/v1/tokens/revoke', { headers: json, body }),
      202,
    );
  },
  [FUNCTIONS.revokeToken.name]: async () => {
    const { record } = await newToken();
    const event = proxyEvent('POST', `/v1/tokens/${record.id}/revoke`, {
      ...asAdmin,
      pathParameters: { id: record.id },
    });
    return http(FUNCTIONS.revokeToken, event, 200);
  },
  [FUNCTIONS.rotateToken.name]: async () => {
    const { record } = await newToken();
    const event = proxyEvent('POST', `/v1/tokens/${record.id}/rotate`, {
      ...asAdmin,
      headers: json,
      body: JSON.stringify({ grace_seconds: 60 }),
      pathParameters: { id: record.id },
    });
    return http(FUNCTIONS.rotateToken, event, 201);
  },
  [FUNCTIONS.rotateSelfToken.name]: async () => {
    const { record } = await newToken();
    const event = proxyEvent('POST', '/v1/tokens/self/rotate', {
      authorizer: adminAuthorizerContext(record.id), // the token itself is the caller
    });
    return http(FUNCTIONS.rotateSelfToken, event, 201);
  },
  [FUNCTIONS.updateToken.name]: async () => {
    const { record } = await newToken();
    for (const body of [
      { user_email: 'new-owner@example.com' },
      { user_email: null },
      { description: 'renamed' },
    ]) {
      const event = proxyEvent('PATCH', `/v1/tokens/${record.id}`, {
        ...asAdmin,
        headers: json,
        body: JSON.stringify(body),
        pathParameters: { id: record.id },
      });
      await http(FUNCTIONS.updateToken, event, 200);
    }
  },
  [EXPIRY_WARNER.name]: async () => {
    await newToken(); // expires within the warning window
    const result = await handlers[EXPIRY_WARNER.name]?.({}, lambdaContext('expiry-warner'));
    expect(result).toMatchObject({ warned: expect.any(Number) });
    expect((result as { warned: number }).warned).toBeGreaterThan(0);
  },
  // A rotation that replaces the successor of a crashed one: an update of the old token and a
  // revocation of the orphan, in one transaction.
  [TOKEN_SECRET_ROTATION.name]: async () => {
    const { first, secretId } = rotatedToken;
    await tokens.rotate(first.record.id, { graceSeconds: 60, actor: OPS }); // the crashed run's orphan
    const handler = handlers[TOKEN_SECRET_ROTATION.name] as unknown as RotationHandler;
    await runSteps(handler, secretId, randomUUID(), ['createSecret']);
  },
  // The Connect functions check the caller's token themselves: a new admin token's first use is
  // recorded (last_used_at), as by the authorizer.
  [FUNCTIONS.deleteServiceToken.name]: async () => {
    const { record } = await newToken('service');
    const event = proxyEvent('DELETE', `/__api__/v1/system/service-tokens/${record.id}`, {
      ...(await asNewAdmin()),
      pathParameters: { guid: record.id },
    });
    await http(FUNCTIONS.deleteServiceToken, event, 204);
    await settleTokenChecks();
  },
  [FUNCTIONS.createServiceToken.name]: async () => {
    const { headers } = await asNewAdmin();
    const event = proxyEvent('POST', '/__api__/v1/system/service-tokens', {
      headers: { ...headers, ...json },
      body: JSON.stringify({ name: 'grant check', scopes: ['identity:manage'] }),
    });
    await http(FUNCTIONS.createServiceToken, event, 201);
    await settleTokenChecks();
  },
  [FUNCTIONS.listServiceTokens.name]: async () => {
    await http(
      FUNCTIONS.listServiceTokens,
      proxyEvent('GET', '/__api__/v1/system/service-tokens', await asNewAdmin()),
      200,
    );
    await settleTokenChecks();
  },
  [FUNCTIONS.listServiceTokenScopes.name]: async () => {
    const event = proxyEvent('GET', '/__api__/v1/system/service-tokens/scopes', await asNewAdmin());
    await http(FUNCTIONS.listServiceTokenScopes, event, 200);
    await settleTokenChecks();
  },
};

/** A request's Authorization header for a new admin token (whose first use this process records). */
async function asNewAdmin() {
  const { token } = await tokens.create(
    {
      kind: 'user',
      description: 'grant check admin',
      userEmail: null,
      scopes: [{ scope: 'global:admin', resources: null }],
      expiresAt: null,
    },
    OPS,
  );
  return { headers: { Authorization: `Bearer ${token}` } };
}

/** Waits for the last_used_at writes of the token checks (the authorizer's verifier, loaded with them). */
async function settleTokenChecks() {
  const runtime = (await import(
    /* @vite-ignore */ join(PROJECT_ROOT, 'functions/authorizer/runtime.ts')
  )) as typeof import('#functions/authorizer/runtime');
  await runtime.verifier.settle();
}

async function http(definition: FunctionDef, event: APIGatewayProxyEvent, status: number) {
  const handler = handlers[definition.name] as unknown as HttpHandler;
  const result = await handler(event, lambdaContext());
  expect(result.statusCode, result.body).toBe(status);
}

beforeAll(async () => {
  const tokensTable = await freshTokensTable();
  useLocalHandlerEnv({ keyFile, tokensTable, eventsFile: join(dir, 'events.jsonl') });
  restoreMotoEnv = useMotoEnv(); // the token secret rotation's Secrets Manager
  const store = new DynamoTokenStore(testDocumentClient(), { tableName: tokensTable, retentionDays: 30 });
  tokens = new TokenService({ store, keys: new FileKeyRingSource(keyFile) });
  const first = await newToken();
  const secretId = await rotatableSecret(
    sm,
    JSON.stringify({ token_id: first.record.id, token: first.token }),
  );
  rotatedToken = { first, secretId };
  declareRotatedTokenEnv({
    secretArn: secretId,
    description: first.record.description,
    scopes: [{ scope: 'nameservice:read' }],
    graceSeconds: 60,
  });
  vi.resetModules();
  const updaters = ALL_FUNCTIONS.filter((definition) => definition.needs.tokens.includes('UpdateItem'));
  handlers = Object.fromEntries(
    await Promise.all(
      updaters.map(async (definition) => {
        const module = (await import(/* @vite-ignore */ join(PROJECT_ROOT, definition.entry))) as {
          handler: Handler;
        };
        return [definition.name, module.handler] as const;
      }),
    ),
  );
});

afterAll(() => {
  restoreMotoEnv();
  sm.destroy();
  restoreEnv();
  rmSync(dir, { recursive: true, force: true });
});

describe('the UpdateItem grants cover what the functions send', () => {
  it('every function that may UpdateItem the tokens table has a scenario here, and declares its attributes', () => {
    const updaters = ALL_FUNCTIONS.filter((definition) => definition.needs.tokens.includes('UpdateItem'));
    expect(updaters.map((definition) => definition.name).sort()).toEqual(Object.keys(SCENARIOS).sort());
    for (const definition of updaters) expect(definition.needs.updates?.length).toBeGreaterThan(0);
  });

  it.each(Object.keys(SCENARIOS))(
    'the %s function updates exactly the attributes it declares, and asks for none back beyond them',
    async (name) => {
      const definition = ALL_FUNCTIONS.find((one) => one.name === name) as FunctionDef;
      const log = watchDynamoRequests();

      await SCENARIOS[name]?.();
      log.stop();

      expect(updatesSent(log).length).toBeGreaterThan(0);
      expect(attributesTouched(log)).toEqual(declared(definition));
      for (const asked of returnValuesAsked(log)) {
        expect([undefined, 'NONE', 'UPDATED_OLD', 'UPDATED_NEW']).toContain(asked);
      }
    },
  );

  it('a token item is written with attributes of the catalogue only', async () => {
    const log = watchDynamoRequests();
    await newToken();
    log.stop();

    const [put] = log.requests.filter((sent) => sent.operation === 'PutItem');
    const item = (JSON.parse(put?.body ?? '{}') as { Item: Record<string, unknown> }).Item;
    expect(Object.keys(item).filter((name) => !(name in TOKEN_ATTRIBUTES))).toEqual([]);
  });
});

describe('reading the attributes an expression names', () => {
  it('finds names and placeholders at the top of a path, not values, functions, keywords or nested names', () => {
    const names = topLevelNames(
      'SET a = :a, #t = if_not_exists(b, :zero) REMOVE c ADD d :one DELETE e :set',
      { '#t': 'ttl' },
    );
    expect(names).toEqual(['a', 'ttl', 'b', 'c', 'd', 'e']);
    expect(
      topLevelNames(
        'attribute_exists(id) AND (NOT stamp.#op = :x OR size(list[0].inner) BETWEEN :a AND :b)',
        {
          '#op': 'op',
        },
      ),
    ).toEqual(['id', 'stamp', 'list']);
  });
});
