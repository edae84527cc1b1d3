// GET /v1/audit's cursor on DynamoDB Local, through the handler: a cursor is only a position in the
// listing the query parameters choose. A forged one is a 400 naming `cursor`, never a 500, reaches
// DynamoDB as nothing it would refuse, and cannot move the listing to another index or partition.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ScanCommand } from '@aws-sdk/lib-dynamodb';
import type { APIGatewayProxyEvent, APIGatewayProxyResult, Context } from 'aws-lambda';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { DynamoAuditStore } from '#adapters/dynamo-audit-store';
import type { AuditEvent } from '#domain/audit';
import type { Actor } from '#domain/token';
import { AUDIT_TABLE } from '#spec/tables';
import { freshTable, testDocumentClient, watchDynamoRequests } from '#test-support/dynamo';
import { saveHandlerEnv, useLocalHandlerEnv } from '#test-support/handler-env';
import { adminAuthorizerContext, lambdaContext, proxyEvent } from '#test-support/lambda-events';

type HttpHandler = (event: APIGatewayProxyEvent, context: Context) => Promise<APIGatewayProxyResult>;

const OPS: Actor = { type: 'iam', id: 'arn:aws:iam::123456789012:role/ops' };
const TOKEN_A = 'CursorTokenAAAA1';
const TOKEN_B = 'CursorTokenBBBB2';
const restoreEnv = saveHandlerEnv();
const dir = mkdtempSync(join(tmpdir(), 'tokengate-audit-cursor-'));
const client = testDocumentClient();

let auditTable = '';
let list: HttpHandler;

const cursorOf = (content: unknown) => Buffer.from(JSON.stringify(content)).toString('base64url');

async function listAudit(query: Record<string, string>): Promise<APIGatewayProxyResult> {
  const event = {
    ...proxyEvent('GET', '/v1/audit', { authorizer: adminAuthorizerContext() }),
    queryStringParameters: query,
  };
  return list(event, lambdaContext());
}

interface Page {
  events: AuditEvent[];
  next_cursor: string | null;
}

async function listPage(query: Record<string, string>): Promise<Page> {
  const result = await listAudit(query);
  expect(result.statusCode, result.body).toBe(200);
  return JSON.parse(result.body) as Page;
}

async function auditItems(): Promise<unknown[]> {
  const { Items = [] } = await client.send(new ScanCommand({ TableName: auditTable, ConsistentRead: true }));
  return Items.sort((a, b) => String(a.id).localeCompare(String(b.id)));
}

/** Three events of token A, then three of token B, a day apart, each older than the one before. */
const EVENTS: AuditEvent[] = [TOKEN_A, TOKEN_B].flatMap((tokenId, t) =>
  [0, 1, 2].map((i) => ({
    id: `cursor-${t}-${i}`,
    time: `2026-08-0${t * 3 + i + 1}T12:00:00.000Z`,
    type: i === 0 ? ('token.created' as const) : ('token.updated' as const),
    token_id: tokenId,
    actor: OPS,
    details: {},
  })),
);

beforeAll(async () => {
  auditTable = await freshTable(AUDIT_TABLE);
  useLocalHandlerEnv({ keyFile: join(dir, 'keys.json'), auditTable });
  vi.resetModules();
  list = (await import('#functions/audit/list')).handler as unknown as HttpHandler;
  const store = new DynamoAuditStore(client, { tableName: auditTable, retentionDays: 400 });
  for (const event of EVENTS) expect(await store.record(event)).toBe('recorded');
});

afterAll(() => {
  restoreEnv();
  rmSync(dir, { recursive: true, force: true });
});

describe('a forged audit cursor', () => {
  const forged: [string, string, Record<string, string>][] = [
    ['with an empty position', cursorOf(['by_time', '']), {}],
    ['of the token index with an empty position', cursorOf(['by_token', '']), { token_id: TOKEN_A }],
    ['with a position longer than a sort key may be', cursorOf(['by_time', 'x'.repeat(1100)]), {}],
    [
      'with a position of 1025 bytes in two-byte characters',
      cursorOf(['by_time', `2026-08-01T${'é'.repeat(507)}`]),
      {},
    ],
    ['with a lone surrogate in its position', cursorOf(['by_time', '2026-08-01\ud800']), {}],
    ['with a number for a position', cursorOf(['by_time', 12]), {}],
    ['with a huge number for a position', cursorOf(['by_time', 1e308]), {}],
    ['with null for a position', cursorOf(['by_time', null]), {}],
    ['with an array for a position', cursorOf(['by_time', ['2026-08-01']]), {}],
    ['with an extra element', cursorOf(['by_time', '2026-08-04T12:00:00.000Z', 'more']), {}],
    ['with one element', cursorOf(['by_time']), {}],
    ['that is an empty array', cursorOf([]), {}],
    ['that is an object', cursorOf({ index: 'by_time', after: '2026-08-04' }), {}],
    ['that is a string', cursorOf('by_time'), {}],
    ['that is a number', cursorOf(42), {}],
    ['that is null', cursorOf(null), {}],
    ['of an index that does not exist', cursorOf(['by_secret', '2026-08-04']), {}],
    ['of another index than the query reads', cursorOf(['by_time', '2026-08-04']), { token_id: TOKEN_A }],
    ['that is not JSON', Buffer.from('["by_time",').toString('base64url'), {}],
    ['that is not base64url', '!!!not base64url***', {}],
    ['that is standard base64 with padding', Buffer.from('["by_time",""]').toString('base64'), {}],
    ['that is a single space', ' ', {}],
  ];

  it.each(forged)('%s: 400 naming the cursor, and the table is unchanged', async (_, cursor, query) => {
    const before = await auditItems();
    const requests = watchDynamoRequests();

    const result = await listAudit({ ...query, cursor });
    requests.stop();

    expect(result.statusCode, result.body).toBe(400);
    expect(JSON.parse(result.body)).toMatchObject({ error: { code: 'invalid_request', field: 'cursor' } });
    expect(requests.sent, 'a refused cursor costs no read').toEqual([]);
    expect(await auditItems()).toEqual(before);
  });

  it('any string as a cursor, with or without a token filter: 200 or 400 naming the cursor, never a failure', async () => {
    const before = await auditItems();
    const json = fc.jsonValue().map((value) => cursorOf(value));
    const shaped = fc
      .tuple(
        fc.constantFrom('by_time', 'by_token', 'by_actor', 'by_type', 'x'),
        fc.string({ unit: 'binary' }),
      )
      .map(cursorOf);
    await fc.assert(
      fc.asyncProperty(
        fc.oneof(fc.string({ unit: 'binary' }), fc.base64String(), json, shaped),
        fc.boolean(),
        async (cursor, byToken) => {
          const result = await listAudit({ cursor, ...(byToken && { token_id: TOKEN_A }) });
          expect([200, 400], result.body).toContain(result.statusCode);
          if (result.statusCode === 400) {
            expect(JSON.parse(result.body)).toMatchObject({ error: { field: 'cursor' } });
          }
        },
      ),
      { numRuns: 150 },
    );
    expect(await auditItems()).toEqual(before);
  });
});

describe('a listing parameter that ends up in a key condition', () => {
  it.each([
    ['over the 2048 bytes of a partition key', `iam:${'é'.repeat(1023)}`],
    ['with a lone surrogate', 'iam:arn:aws:iam::123456789012:role/\ud800'],
  ])('an actor %s: 400 naming the actor, no read', async (_, actor) => {
    const requests = watchDynamoRequests();

    const result = await listAudit({ actor });
    requests.stop();

    expect(result.statusCode, result.body).toBe(400);
    expect(JSON.parse(result.body)).toMatchObject({ error: { field: 'actor' } });
    expect(requests.sent).toEqual([]);
  });

  it('an actor of exactly 2048 bytes is a filter like any other', async () => {
    const page = await listPage({ actor: `iam:${'x'.repeat(2044)}` });

    expect(page.events).toEqual([]);
  });
});

describe('an audit cursor is only a position', () => {
  it('a real cursor still pages on, without repeating or skipping an event', async () => {
    const first = await listPage({ limit: '2' });
    expect(first.next_cursor).not.toBeNull();
    const second = await listPage({ limit: '10', cursor: first.next_cursor ?? '' });

    expect([...first.events, ...second.events].map((event) => event.id)).toEqual(
      [...EVENTS].reverse().map((event) => event.id),
    );
  });

  it("a cursor made for token A's listing, replayed with token B, lists only B's events", async () => {
    const first = await listPage({ token_id: TOKEN_A, limit: '1' });
    expect(first.events.map((event) => event.token_id)).toEqual([TOKEN_A]);

    const replayed = await listPage({ token_id: TOKEN_B, cursor: first.next_cursor ?? '' });

    expect(replayed.events.every((event) => event.token_id === TOKEN_B)).toBe(true);
  });

  it("a forged position above every event, given with token B, lists all of B's events and none of A's", async () => {
    // A's events are all older than B's: were the position to reach past B's partition, they would follow.
    const past = cursorOf(['by_token', '9999-12-31T23:59:59.999Z']);

    const page = await listPage({ token_id: TOKEN_B, cursor: past });

    expect(page.events.map((event) => event.id)).toEqual(['cursor-1-2', 'cursor-1-1', 'cursor-1-0']);
  });

  it('a forged position of exactly 1024 bytes, the most a sort key holds, is a position like any other', async () => {
    const page = await listPage({ cursor: cursorOf(['by_time', `2026-08-04${'~'.repeat(1014)}`]) });

    expect(page.events.map((event) => event.id)).toEqual([
      'cursor-1-0',
      'cursor-0-2',
      'cursor-0-1',
      'cursor-0-0',
    ]);
  });

  it('a forged position past the newest event lists from the newest, in the index the query names', async () => {
    const page = await listPage({ cursor: cursorOf(['by_time', '\u{10ffff}']) });

    expect(page.events.map((event) => event.id)).toEqual([...EVENTS].reverse().map((event) => event.id));
  });
});
