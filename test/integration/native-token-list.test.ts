// GET /v1/tokens on DynamoDB Local: filters, search, sorts and cursor pagination, compared with an
// in-memory model of the contract: active tokens first, then revoked and expired ones, each part in
// the query's sort; names compared lower-cased, in code point order; ties broken by id.

import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DeleteCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import fc from 'fast-check';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { DynamoTokenStore } from '#adapters/dynamo-token-store';
import { FileKeyRingSource } from '#adapters/file-keyring';
import { parseListQuery } from '#api/native-tokens';
import { statusOf, type TokenKind, type TokenRecord, type TokenStatus, type TokenView } from '#domain/token';
import { TokenService } from '#domain/token-service';
import type { ExpirationFilter, ListSort } from '#domain/token-store';
import { ENV } from '#spec/env';
import { SEARCH_TABLE } from '#spec/tables';
import { captureCommands, freshTable, freshTokensTable, testDocumentClient } from '#test-support/dynamo';
import { saveHandlerEnv, useLocalHandlerEnv } from '#test-support/handler-env';
import { adminAuthorizerContext, lambdaContext, proxyEvent } from '#test-support/lambda-events';
import { type HttpHandler, loadHandlers } from '#test-support/load-handlers';
import { stamp, tokenRecord } from './fixtures';

const restoreEnv = saveHandlerEnv();
const dir = mkdtempSync(join(tmpdir(), 'tokengate-list-'));
const keyFile = join(dir, 'keys.json');
const client = testDocumentClient();
const keys = new FileKeyRingSource(keyFile);

const SORTS: readonly ListSort[] = ['newest', 'oldest', 'name_asc', 'name_desc'];
const STATUSES: readonly TokenStatus[] = ['active', 'revoked', 'expired'];
const EXPIRATIONS: readonly ExpirationFilter[] = ['never', 'has_expiration', 'expired'];
const KINDS: readonly TokenKind[] = ['service', 'user'];

/** The handlers as Lambda loads them, configured for `table` (and its search postings, if given). */
function handlersOn(table: string, searchTable?: string) {
  return loadHandlers(
    { list: () => import('#functions/tokens/list'), create: () => import('#functions/tokens/create') },
    { [ENV.tokensTable]: table, [ENV.searchTable]: searchTable },
  );
}

beforeAll(() => {
  useLocalHandlerEnv({ keyFile });
});

afterAll(() => {
  restoreEnv();
  rmSync(dir, { recursive: true, force: true });
});

const asAdmin = { authorizer: adminAuthorizerContext() };

interface Page {
  tokens: TokenView[];
  next_cursor: string | null;
}

async function listPage(handler: HttpHandler, query: Record<string, string>): Promise<Page> {
  const event = {
    ...proxyEvent('GET', '/v1/tokens', asAdmin),
    queryStringParameters: Object.keys(query).length > 0 ? query : null,
  };
  const result = await handler(event, lambdaContext());
  expect(result.statusCode, result.body).toBe(200);
  return JSON.parse(result.body) as Page;
}

/**
 * Every page of a listing, following next_cursor; checks each page's size on the way. A listing of
 * one status is one index range, so a next_cursor always leads to more tokens: no empty page.
 */
async function listAll(handler: HttpHandler, query: Record<string, string>, limit: number) {
  const ids: string[] = [];
  let cursor: string | null = null;
  let pages = 0;
  do {
    const page: Page = await listPage(handler, {
      ...query,
      limit: String(limit),
      ...(cursor && { cursor }),
    });
    expect(page.tokens.length).toBeLessThanOrEqual(limit);
    if (query.status && pages > 0)
      expect(page.tokens.length, 'a page after a next_cursor').toBeGreaterThan(0);
    ids.push(...page.tokens.map((token) => token.id));
    cursor = page.next_cursor;
    pages++;
    expect(pages).toBeLessThan(500);
  } while (cursor !== null);
  return { ids, pages };
}

// ---- the model ----

interface ModelQuery {
  status?: TokenStatus | undefined;
  expiration?: ExpirationFilter | undefined;
  kind?: TokenKind | undefined;
  q?: string | undefined;
  sort: ListSort;
}

const codePointOrder = (a: string, b: string) => Buffer.compare(Buffer.from(a), Buffer.from(b));

function compare(sort: ListSort, a: TokenRecord, b: TokenRecord): number {
  const ascending =
    sort === 'newest' || sort === 'oldest'
      ? a.createdAt.localeCompare(b.createdAt) || codePointOrder(a.id, b.id)
      : codePointOrder(a.description.toLowerCase(), b.description.toLowerCase()) ||
        codePointOrder(a.id, b.id);
  return sort === 'oldest' || sort === 'name_asc' ? ascending : -ascending;
}

function matches(record: TokenRecord, query: ModelQuery, now: Date): boolean {
  const status = statusOf(record, now);
  if (query.status && status !== query.status) return false;
  if (query.kind && record.kind !== query.kind) return false;
  if (query.expiration === 'never' && record.expiresAt !== null) return false;
  if (
    query.expiration === 'has_expiration' &&
    (record.expiresAt === null || Date.parse(record.expiresAt) <= now.getTime())
  )
    return false;
  if (
    query.expiration === 'expired' &&
    (record.expiresAt === null || Date.parse(record.expiresAt) > now.getTime())
  )
    return false;
  if (query.q) {
    const q = query.q.toLowerCase();
    return [record.description, record.userEmail ?? ''].some((field) => field.toLowerCase().includes(q));
  }
  return true;
}

/** The ids the contract says the listing holds, in its order. */
function expected(records: readonly TokenRecord[], query: ModelQuery, now = new Date()): string[] {
  const found = records.filter((record) => matches(record, query, now));
  const byOrder = (a: TokenRecord, b: TokenRecord) => compare(query.sort, a, b);
  const active = found.filter((record) => statusOf(record, now) === 'active').sort(byOrder);
  const inactive = found.filter((record) => statusOf(record, now) !== 'active').sort(byOrder);
  return [...active, ...inactive].map((record) => record.id);
}

function queryString(query: ModelQuery): Record<string, string> {
  return Object.fromEntries(Object.entries(query).filter(([, value]) => value !== undefined)) as Record<
    string,
    string
  >;
}

// ---- making tokens ----

const DAY = 86_400_000;
const HOUR = 3_600_000;
// Times near the real clock: DynamoDB Local deletes items whose ttl (expiry or revocation plus the
// retention) has passed.
const BASE = Date.now() - 5 * DAY;
const at = (offset: number) => new Date(BASE + offset).toISOString();

interface Spec {
  description: string;
  kind?: TokenKind;
  email?: string | null;
  /** Creation, as an offset from BASE. */
  created: number;
  /** Expiry relative to now; null for never. */
  expiresIn?: number | null;
  /** Revoked this long after creation. */
  revokedAfter?: number;
}

async function insert(store: DynamoTokenStore, spec: Spec): Promise<TokenRecord> {
  const ring = await keys.get();
  const { record } = tokenRecord(ring, {
    kind: spec.kind ?? 'user',
    description: spec.description,
    userEmail: spec.email ?? null,
    createdAt: at(spec.created),
    expiresAt: spec.expiresIn == null ? null : new Date(Date.now() + spec.expiresIn).toISOString(),
  });
  await store.insert(record, stamp('create', record.createdAt));
  if (spec.revokedAfter === undefined) return record;
  return store.revoke(record.id, stamp('revoke', at(spec.created + spec.revokedAfter)));
}

/** A realistic mix: kinds, emails, expiries, revocations, names that sort tricky, equal times. */
const MIX: Spec[] = [
  { description: 'CI deploys', email: 'ci@example.com', created: 0, expiresIn: 30 * DAY },
  { description: 'ci nightly', created: 1 * HOUR },
  { description: 'SCIM sync', kind: 'service', created: 2 * HOUR },
  { description: 'Name service reader', kind: 'service', created: 3 * HOUR, expiresIn: 2 * DAY },
  { description: 'deploy', email: 'Ops@Example.com', created: 4 * HOUR },
  { description: 'deploy prod', email: 'ops@example.com', created: 4 * HOUR }, // same time as `deploy`
  { description: 'Deploy-staging', created: 5 * HOUR, expiresIn: -1 * HOUR },
  { description: 'a#b', created: 6 * HOUR },
  { description: 'a', created: 7 * HOUR, revokedAfter: HOUR },
  { description: 'Zeta', created: 8 * HOUR, expiresIn: -2 * DAY },
  { description: 'alpha', email: 'alpha@example.org', created: 9 * HOUR, revokedAfter: DAY },
  { description: 'Ärger mit Umlauten', created: 10 * HOUR },
  { description: '😀 release bot', kind: 'service', created: 11 * HOUR },
  { description: 'émile', created: 12 * HOUR, expiresIn: 10 * DAY, revokedAfter: 2 * HOUR },
  {
    description: 'old and expired, then revoked',
    created: 13 * HOUR,
    expiresIn: -3 * HOUR,
    revokedAfter: DAY,
  },
  { description: 'metrics', email: 'metrics@example.com', created: 14 * HOUR, expiresIn: 365 * DAY },
  { description: 'metrics (legacy)', kind: 'service', created: 15 * HOUR, revokedAfter: 3 * HOUR },
  { description: 'backup', created: 16 * HOUR, expiresIn: -10 * 60_000 },
  { description: 'Backup', created: 17 * HOUR },
  { description: 'zz last', created: 18 * HOUR, expiresIn: 5 * DAY },
  { description: 'web console', email: 'web@example.com', created: 19 * HOUR },
  { description: 'sources uploader', created: 20 * HOUR, revokedAfter: 5 * 60_000 },
];

// Twice: a search reads the list partition without the search postings, and the postings with them
// (shared/adapters/dynamo-token-search.ts); both answer the same.
describe.each([
  { via: 'the list partition', postings: false },
  { via: 'the search postings', postings: true },
])('listing a realistic mix, searching $via', ({ postings }) => {
  let records: TokenRecord[];
  let list: HttpHandler;
  let store: DynamoTokenStore;
  let table: string;

  beforeAll(async () => {
    table = await freshTokensTable();
    const searchTable = postings ? await freshTable(SEARCH_TABLE) : undefined;
    ({ list } = await handlersOn(table, searchTable));
    store = new DynamoTokenStore(client, {
      tableName: table,
      retentionDays: 30,
      searchTableName: searchTable,
    });
    records = await Promise.all(MIX.map((spec) => insert(store, spec)));
    // The mix covers what it claims to.
    const now = new Date();
    expect(new Set(records.map((record) => statusOf(record, now)))).toEqual(new Set(STATUSES));
    expect(new Set(records.map((record) => record.kind))).toEqual(new Set(KINDS));
  });

  const idsOf = (page: Page) => page.tokens.map((token) => token.id);

  it('the default view: active tokens newest first, then revoked and expired ones merged, newest first', async () => {
    const page = await listPage(list, {});

    expect(idsOf(page)).toEqual(expected(records, { sort: 'newest' }));
    expect(page.next_cursor).toBeNull();
    const statuses = page.tokens.map((token) => token.status);
    expect(statuses.lastIndexOf('active')).toBeLessThan(statuses.findIndex((status) => status !== 'active'));
    expect(new Set(statuses.slice(statuses.lastIndexOf('active') + 1))).toEqual(
      new Set(['revoked', 'expired']),
    );
  });

  it.each(SORTS)(
    'sort=%s orders as the contract says, active tokens before revoked and expired ones',
    async (sort) => {
      const page = await listPage(list, { sort });

      expect(idsOf(page)).toEqual(expected(records, { sort }));
    },
  );

  it('name sorts ignore case and put a name before the longer names it begins', async () => {
    const page = await listPage(list, { sort: 'name_asc', status: 'active' });

    const names = page.tokens.map((token) => token.description);
    expect(names.indexOf('deploy')).toBeLessThan(names.indexOf('deploy prod'));
    expect(names.indexOf('deploy prod')).toBeLessThan(names.indexOf('Name service reader'));
    expect(names.indexOf('a#b')).toBe(0);
    expect(names.at(-1)).toBe('😀 release bot');
  });

  it.each(STATUSES)('status=%s lists exactly the tokens with that status', async (status) => {
    const page = await listPage(list, { status });

    expect(idsOf(page)).toEqual(expected(records, { status, sort: 'newest' }));
    expect(page.tokens.length).toBeGreaterThan(0);
    for (const token of page.tokens) expect(token.status).toBe(status);
  });

  it.each(EXPIRATIONS)('expiration=%s', async (expiration) => {
    const page = await listPage(list, { expiration });

    expect(idsOf(page)).toEqual(expected(records, { expiration, sort: 'newest' }));
    expect(page.tokens.length).toBeGreaterThan(0);
  });

  it.each([
    ['active tokens that expire', { status: 'active', expiration: 'has_expiration' }, 4],
    ['active tokens that never expire', { status: 'active', expiration: 'never' }, 9],
    ['revoked tokens whose expiry is still ahead', { status: 'revoked', expiration: 'has_expiration' }, 1],
    ['revoked tokens whose expiry has passed too', { status: 'revoked', expiration: 'expired' }, 1],
    ['active tokens past their expiry: none', { status: 'active', expiration: 'expired' }, 0],
    ['expired tokens that never expire: none', { status: 'expired', expiration: 'never' }, 0],
    ['active service tokens', { status: 'active', kind: 'service' }, 3],
    ['revoked service tokens, by name', { status: 'revoked', kind: 'service', sort: 'name_asc' }, 1],
    ['user tokens matching "deploy", oldest first', { kind: 'user', q: 'deploy', sort: 'oldest' }, 4],
  ] as [string, Partial<ModelQuery>, number][])('%s', async (_, query, count) => {
    const page = await listPage(list, queryString({ sort: 'newest', ...query }));

    expect(idsOf(page)).toEqual(expected(records, { sort: 'newest', ...query }));
    expect(page.tokens).toHaveLength(count);
  });

  it.each(KINDS)('kind=%s', async (kind) => {
    const page = await listPage(list, { kind });

    expect(idsOf(page)).toEqual(expected(records, { kind, sort: 'newest' }));
    for (const token of page.tokens) expect(token.kind).toBe(kind);
  });

  it('q matches the description whatever its case', async () => {
    const page = await listPage(list, { q: 'DEPLOY' });

    expect(page.tokens.map((token) => token.description).sort()).toEqual(
      ['CI deploys', 'deploy', 'deploy prod', 'Deploy-staging'].sort(),
    );
  });

  it('q matches the user email whatever its case', async () => {
    const page = await listPage(list, { q: 'OPS@example' });

    expect(page.tokens.map((token) => token.description).sort()).toEqual(['deploy', 'deploy prod']);
  });

  it('q does not match an id: a fragment of one finds nothing, in any case', async () => {
    const target = records[5] as TokenRecord;
    const part = target.id.slice(3, 12);

    for (const q of [part, part.toUpperCase(), part.toLowerCase(), target.id]) {
      const page = await listPage(list, { q });

      expect(idsOf(page), q).toEqual([]);
    }
  });

  it('q does not match an id written into the search text of a token stored before the rule', async () => {
    const target = records[2] as TokenRecord; // SCIM sync
    await client.send(
      new UpdateCommand({
        TableName: table,
        Key: { id: target.id },
        UpdateExpression: 'SET search_text = :old',
        ExpressionAttributeValues: { ':old': `scim sync\n\n${target.id.toLowerCase()}` },
      }),
    );

    const byId = await listPage(list, { q: target.id.slice(4, 10) });
    const byName = await listPage(list, { q: 'Scim' });

    expect(idsOf(byId)).toEqual([]);
    expect(idsOf(byName)).toEqual([target.id]);
  });

  it('expiration=has_expiration lists tokens whose expiry is ahead, none already expired', async () => {
    const page = await listPage(list, { expiration: 'has_expiration' });

    const now = Date.now();
    expect(page.tokens.length).toBeGreaterThan(0);
    for (const token of page.tokens) expect(Date.parse(token.expires_at ?? '')).toBeGreaterThan(now);
    expect(page.tokens.map((token) => token.description)).not.toContain('Deploy-staging');
    expect(page.tokens.map((token) => token.description)).not.toContain('backup');
  });

  it('q matches non-ASCII text', async () => {
    const page = await listPage(list, { q: 'ärger' });

    expect(page.tokens.map((token) => token.description)).toEqual(['Ärger mit Umlauten']);
  });

  it.each(SORTS.flatMap((sort) => [1, 2, 3, 7].map((limit) => [sort, limit] as const)))(
    'sort=%s with limit=%i: the pages visit every token exactly once, in order',
    async (sort, limit) => {
      const { ids, pages } = await listAll(list, { sort }, limit);

      expect(ids).toEqual(expected(records, { sort }));
      expect(pages).toBeGreaterThanOrEqual(Math.ceil(records.length / limit));
    },
  );

  it.each([1, 2, 3, 5])(
    'status=revoked with limit=%i: every page holds tokens, the last one ends the listing',
    async (limit) => {
      const { ids, pages } = await listAll(list, { status: 'revoked' }, limit);

      expect(ids).toEqual(expected(records, { status: 'revoked', sort: 'newest' }));
      expect(pages).toBe(Math.ceil(ids.length / limit));
    },
  );

  it('pages of a filtered listing visit every match exactly once', async () => {
    const { ids } = await listAll(list, { status: 'revoked', sort: 'name_desc' }, 2);

    expect(ids).toEqual(expected(records, { status: 'revoked', sort: 'name_desc' }));
  });

  it('any query and page size pages through to the model', async () => {
    const sample = (records: readonly TokenRecord[]) => [
      // By code points: a lone half of a surrogate pair cannot travel in a URL.
      ...records.map((record) => Array.from(record.description).slice(1, 4).join('')),
      ...records.map((record) => record.id.slice(5, 9).toUpperCase()),
      'example.com',
      'nothing matches this',
    ];
    await fc.assert(
      fc.asyncProperty(
        fc.record({
          sort: fc.constantFrom(...SORTS),
          status: fc.option(fc.constantFrom(...STATUSES), { nil: undefined }),
          expiration: fc.option(fc.constantFrom(...EXPIRATIONS), { nil: undefined }),
          kind: fc.option(fc.constantFrom(...KINDS), { nil: undefined }),
          q: fc.option(fc.constantFrom(...sample(records)), { nil: undefined, freq: 3 }),
        }),
        fc.integer({ min: 1, max: 12 }),
        async (query, limit) => {
          const { ids } = await listAll(list, queryString(query), limit);

          expect(ids).toEqual(expected(records, query));
        },
      ),
      { numRuns: 40 },
    );
  });

  it('statuses are those at the time of listing: three days on, tokens expire without any write', async () => {
    const later = new Date(Date.now() + 3 * DAY);
    const tokens = new TokenService({ store, keys, now: () => later });

    const page = await tokens.list(parseListQuery({}));

    expect(page.items.map((record) => record.id)).toEqual(expected(records, { sort: 'newest' }, later));
    const expiredLater = records.filter(
      (record) => statusOf(record, new Date()) === 'active' && statusOf(record, later) === 'expired',
    );
    expect(expiredLater.map((record) => record.description)).toEqual(['Name service reader']);
    const expiredPage = await tokens.list(parseListQuery({ status: 'expired' }));
    expect(expiredPage.items.map((record) => record.description)).toContain('Name service reader');
    expect(await store.get(expiredLater[0]?.id ?? '')).toEqual(expiredLater[0]);
  });

  it('a cursor of one sort is refused with another', async () => {
    const first = await listPage(list, { sort: 'name_asc', limit: '2' });

    const event = {
      ...proxyEvent('GET', '/v1/tokens', asAdmin),
      queryStringParameters: { sort: 'newest', cursor: first.next_cursor ?? '' },
    };
    const result = await list(event, lambdaContext());

    expect(result.statusCode).toBe(400);
    expect(JSON.parse(result.body)).toMatchObject({ error: { field: 'cursor' } });
  });

  it.each([
    ['far longer than any key', ['oldest', 0, 'x'.repeat(1200)], 'oldest'],
    ['of a phase that does not exist', ['newest', 7, null], 'newest'],
    ['with a negative phase', ['newest', -1, null], 'newest'],
    ['with a fractional phase', ['newest', 0.5, null], 'newest'],
    ['of the second phase for a one-phase listing', ['newest', 1, null], 'newest'],
  ])('a forged cursor %s: 400 naming the cursor, not a failure', async (_, content, sort) => {
    const cursor = Buffer.from(JSON.stringify(content)).toString('base64url');
    const query = { sort: String(sort), cursor, ...(content[1] === 1 && { status: 'active' }) };
    const event = { ...proxyEvent('GET', '/v1/tokens', asAdmin), queryStringParameters: query };

    const result = await list(event, lambdaContext());

    expect(result.statusCode).toBe(400);
    expect(JSON.parse(result.body)).toMatchObject({ error: { field: 'cursor' } });
  });

  it('a forged cursor past every name goes on with the inactive tokens, without failing', async () => {
    const cursor = Buffer.from(JSON.stringify(['name_asc', 0, '\u{10ffff}\u{10ffff}'])).toString('base64url');

    const page = await listPage(list, { sort: 'name_asc', cursor });

    const now = new Date();
    const inactive = expected(records, { sort: 'name_asc' }).filter((id) => {
      const record = records.find((one) => one.id === id);
      return record !== undefined && statusOf(record, now) !== 'active';
    });
    expect(idsOf(page)).toEqual(inactive);
  });
});

describe('the default view reads the list index, never the whole table', () => {
  it('lists with Query commands on an index only, no Scan', async () => {
    const table = await freshTokensTable();
    const store = new DynamoTokenStore(client, { tableName: table, retentionDays: 30 });
    await Promise.all(MIX.map((spec) => insert(store, spec)));
    const logged = testDocumentClient();
    const sent = captureCommands(logged);
    const tokens = new TokenService({
      store: new DynamoTokenStore(logged, { tableName: table, retentionDays: 30 }),
      keys,
    });

    const first = await tokens.list(parseListQuery({ limit: '5' }));
    await tokens.list(parseListQuery({ limit: '5', cursor: first.nextCursor ?? '' }));
    await tokens.list(parseListQuery({}));

    expect(sent.length).toBeGreaterThan(0);
    for (const command of sent) {
      expect(command.name).toBe('QueryCommand');
      expect(command.input.IndexName).toMatch(/^by_/);
    }
  });
});

describe('the first page of the default view reads about a page of the index, at any size', () => {
  it('asks DynamoDB for the page and one more: 51 entries for a page of 50, not four pages', async () => {
    const table = await freshTokensTable();
    const store = new DynamoTokenStore(client, { tableName: table, retentionDays: 30 });
    const specs: Spec[] = Array.from({ length: 120 }, (_, i) => ({
      description: `token ${i}`,
      created: i * 60_000,
      // Some expire ahead: the active stream's filter keeps them.
      expiresIn: i % 3 === 0 ? 30 * DAY : null,
    }));
    const records = await Promise.all(specs.map((spec) => insert(store, spec)));
    const logged = testDocumentClient();
    const sent = captureCommands(logged);
    const tokens = new TokenService({
      store: new DynamoTokenStore(logged, { tableName: table, retentionDays: 30 }),
      keys,
    });

    const page = await tokens.list(parseListQuery({ limit: '50' }));

    const newest = [...records].sort((a, b) => b.createdAt.localeCompare(a.createdAt)).slice(0, 50);
    expect(page.items.map((record) => record.id)).toEqual(newest.map((record) => record.id));
    expect(page.nextCursor).not.toBeNull();
    expect(sent.map((command) => [command.name, command.input.Limit])).toEqual([['QueryCommand', 51]]);
  });

  it('reads on past tokens expired among the active entries, and still pages every active token once', async () => {
    const table = await freshTokensTable();
    const store = new DynamoTokenStore(client, { tableName: table, retentionDays: 30 });
    // The newest ten expired (not revoked): the first read of 6 entries finds none active.
    const specs: Spec[] = Array.from({ length: 30 }, (_, i) => ({
      description: `token ${i}`,
      created: i * 60_000,
      expiresIn: i >= 20 ? -HOUR : null,
    }));
    const records = await Promise.all(specs.map((spec) => insert(store, spec)));
    const { list } = await handlersOn(table);
    const active = records
      .filter((record) => record.expiresAt === null)
      .sort((a, b) => b.createdAt.localeCompare(a.createdAt))
      .map((record) => record.id);

    const { ids } = await listAll(list, { status: 'active' }, 5);

    expect(ids).toEqual(active);
  });
});

describe('random mixes and names', () => {
  let table: string;
  let store: DynamoTokenStore;
  let list: HttpHandler;

  beforeAll(async () => {
    table = await freshTokensTable();
    store = new DynamoTokenStore(client, { tableName: table, retentionDays: 30 });
    ({ list } = await handlersOn(table));
  });

  const name = fc
    .string({
      unit: fc.constantFrom('a', 'b', 'A', 'B', 'z', '0', ' ', '#', '-', '_', '.', 'é', 'É', 'ß', '😀', '中'),
      minLength: 1,
      maxLength: 6,
    })
    .map((text) => text.trim())
    .filter((text) => text.length > 0);

  const spec: fc.Arbitrary<Spec> = fc.record({
    description: name,
    kind: fc.constantFrom(...KINDS),
    email: fc.constant(null),
    created: fc.integer({ min: 0, max: 5 }).map((minutes) => minutes * 60_000),
    expiresIn: fc.constantFrom(null, null, -HOUR, DAY),
    revokedAfter: fc.option(fc.constant(1000), { nil: undefined }),
  });

  it('every sort, status and page size lists a random mix exactly as the model orders it', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.array(spec, { minLength: 1, maxLength: 8 }),
        fc.constantFrom(...SORTS),
        fc.option(fc.constantFrom(...STATUSES), { nil: undefined, freq: 3 }),
        fc.integer({ min: 1, max: 4 }),
        async (specs, sort, status, limit) => {
          const records = await Promise.all(specs.map((one) => insert(store, one)));
          try {
            const { ids } = await listAll(list, queryString({ sort, status }), limit);

            expect(ids).toEqual(expected(records, { sort, status }));
          } finally {
            await Promise.all(
              records.map(({ id }) => client.send(new DeleteCommand({ TableName: table, Key: { id } }))),
            );
          }
        },
      ),
      { numRuns: 20 },
    );
  });
});

describe('pagination under concurrent inserts', () => {
  let table: string;
  let list: HttpHandler;
  let create: HttpHandler;
  let existing: TokenRecord[];

  beforeAll(async () => {
    table = await freshTokensTable();
    ({ list, create } = await handlersOn(table));
    const store = new DynamoTokenStore(client, { tableName: table, retentionDays: 30 });
    const specs: Spec[] = Array.from({ length: 24 }, (_, i) => ({
      description: `token ${String.fromCharCode(97 + (i % 26))}${i}`,
      kind: i % 3 === 0 ? 'service' : 'user',
      created: i * 60_000,
      ...(i % 5 === 0 && { revokedAfter: 1000 }),
      ...(i % 7 === 0 && { expiresIn: -HOUR }),
    }));
    existing = await Promise.all(specs.map((one) => insert(store, one)));
  });

  let made = 0;
  const createdHere: string[] = [];

  // Each case starts from the same tokens: what the last one created goes.
  afterEach(async () => {
    const ids = createdHere.splice(0);
    await Promise.all(ids.map((id) => client.send(new DeleteCommand({ TableName: table, Key: { id } }))));
  });

  async function createToken(): Promise<void> {
    made++;
    // Names land everywhere in the name order: before, among and after the existing ones.
    const description = ['a new one', `token m${made}`, `zz new ${made}`, `token ${made}`][
      made % 4
    ] as string;
    const event = {
      ...proxyEvent('POST', '/v1/tokens', {
        ...asAdmin,
        headers: { 'Content-Type': 'application/json' },
        body: JSON.stringify({ description, scopes: [{ scope: 'blocklist:read' }] }),
      }),
    };
    const result = await create(event, lambdaContext());
    expect(result.statusCode).toBe(201);
    createdHere.push((JSON.parse(result.body) as TokenView).id);
  }

  it.each(SORTS.flatMap((sort) => [undefined, 'active'].map((status) => [sort, status] as const)))(
    'sort=%s status=%s: tokens that existed are each seen once, and no token twice',
    async (sort, status) => {
      const seen: string[] = [];
      let cursor: string | null = null;
      let pages = 0;
      do {
        // Create between page fetches, and while a page is being fetched (fewer than a page, so a
        // listing that shows new tokens still ends).
        await createToken();
        const query: Record<string, string> = { sort, limit: '4' };
        if (status) query.status = status;
        if (cursor !== null) query.cursor = cursor;
        const [page] = await Promise.all([listPage(list, query), createToken()]);
        seen.push(...page.tokens.map((token) => token.id));
        cursor = page.next_cursor;
        pages++;
      } while (cursor !== null && pages < 200);

      expect(cursor).toBeNull();
      expect(new Set(seen).size).toBe(seen.length);
      const now = new Date();
      const wanted = existing.filter((record) => !status || statusOf(record, now) === status);
      for (const record of wanted) expect(seen).toContain(record.id);
    },
  );
});
