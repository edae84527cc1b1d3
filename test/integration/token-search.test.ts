// Search by trigram postings (shared/adapters/dynamo-token-search.ts) on DynamoDB Local: the same
// answers as the substring filter of the contract (description and user email,
// case-insensitively, never ids), kept right as tokens are created, edited, rotated and deleted, and
// read from the postings rather than from every token.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { GetCommand, QueryCommand, ScanCommand } from '@aws-sdk/lib-dynamodb';
import { marshall } from '@aws-sdk/util-dynamodb';
import type { Context, DynamoDBBatchResponse, DynamoDBStreamEvent } from 'aws-lambda';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import {
  LONG_TEXT,
  MAX_POSTINGS_PER_TOKEN,
  POSTINGS_LIMIT,
  TokenSearchIndex,
  tokenTrigrams,
} from '#adapters/dynamo-token-search';
import { DynamoTokenStore } from '#adapters/dynamo-token-store';
import { LIST_PARTITION } from '#adapters/token-item';
import { parseListQuery } from '#api/native-tokens';
import type { Actor, TokenRecord } from '#domain/token';
import { TokenService } from '#domain/token-service';
import type { ListQuery } from '#domain/token-store';
import { AUDIT_TABLE, SEARCH_TABLE, TOKEN_INDEXES } from '#spec/tables';
import { captureCommands, freshTable, freshTokensTable, testDocumentClient } from '#test-support/dynamo';
import { saveHandlerEnv, useLocalHandlerEnv } from '#test-support/handler-env';
import { lambdaContext } from '#test-support/lambda-events';
import { newKeyRing, staticKeys } from './fixtures';

const ADMIN: Actor = { type: 'token', id: 'AdminTokenId0001' };
const client = testDocumentClient();
const keys = staticKeys(newKeyRing());

interface Setup {
  tokensTable: string;
  searchTable: string;
  /** Over the store that keeps and reads the postings. */
  tokens: TokenService;
  store: DynamoTokenStore;
  /** Over a store of the same table that reads the list partition: the reference answer. */
  plain: TokenService;
}

async function setup(): Promise<Setup> {
  const [tokensTable, searchTable] = await Promise.all([freshTokensTable(), freshTable(SEARCH_TABLE)]);
  const store = new DynamoTokenStore(client, {
    tableName: tokensTable,
    retentionDays: 30,
    searchTableName: searchTable,
  });
  const plainStore = new DynamoTokenStore(client, { tableName: tokensTable, retentionDays: 30 });
  return {
    tokensTable,
    searchTable,
    store,
    tokens: new TokenService({ store, keys }),
    plain: new TokenService({ store: plainStore, keys }),
  };
}

const create = (tokens: TokenService, description: string, userEmail: string | null = null) =>
  tokens
    .create(
      {
        kind: 'user',
        description,
        userEmail,
        scopes: [{ scope: 'repos:read', resources: null }],
        expiresAt: null,
      },
      ADMIN,
    )
    .then((created) => created.record);

const query = (q: string, extra: Record<string, string> = {}): ListQuery =>
  parseListQuery({ q, limit: '100', ...extra });

async function ids(tokens: TokenService, listQuery: ListQuery): Promise<string[]> {
  return (await tokens.list(listQuery)).items.map((record) => record.id);
}

/**
 * A TokenService over the postings of `s`, on a document client of its own, and the DynamoDB
 * commands that client sends.
 */
function recordedTokens(s: Setup) {
  const logged = testDocumentClient();
  const sent = captureCommands(logged);
  const tokens = new TokenService({
    store: new DynamoTokenStore(logged, {
      tableName: s.tokensTable,
      retentionDays: 30,
      searchTableName: s.searchTable,
    }),
    keys,
  });
  return { tokens, sent };
}

/** The token ids posted under `trigram`. */
async function postedUnder(searchTable: string, trigram: string): Promise<string[]> {
  const { Items = [] } = await client.send(
    new QueryCommand({
      TableName: searchTable,
      KeyConditionExpression: 'trigram = :g',
      ExpressionAttributeValues: { ':g': trigram },
      ConsistentRead: true,
    }),
  );
  return Items.map((item) => String(item.id));
}

describe('a search through the postings', () => {
  let s: Setup;
  let records: TokenRecord[];

  beforeAll(async () => {
    s = await setup();
    records = [];
    for (const [description, email] of [
      ['Nightly Batch Export', 'ops@example.com'],
      ['deploy prod', 'Release.Team@Example.org'],
      ['metrics scraper', null],
      ['Ärger mit Umlauten 😀 bot', null],
      ['backup of the exports', 'backup@example.net'],
    ] as const) {
      records.push(await create(s.tokens, description, email));
    }
  });

  const descriptionsFor = async (q: string) =>
    (await s.tokens.list(query(q))).items.map((record) => record.description).sort();

  it('finds a substring inside a word, whatever its case', async () => {
    expect(await descriptionsFor('GHTLY bat')).toEqual(['Nightly Batch Export']);
    expect(await descriptionsFor('export')).toEqual(['Nightly Batch Export', 'backup of the exports']);
  });

  it('finds the user email, whatever its case', async () => {
    expect(await descriptionsFor('team@exa')).toEqual(['deploy prod']);
    expect(await descriptionsFor('EXAMPLE')).toEqual([
      'Nightly Batch Export',
      'backup of the exports',
      'deploy prod',
    ]);
  });

  it('finds non-ASCII text, an emoji among it', async () => {
    expect(await descriptionsFor('ÄRGER')).toEqual(['Ärger mit Umlauten 😀 bot']);
    expect(await descriptionsFor('n 😀 b')).toEqual(['Ärger mit Umlauten 😀 bot']);
  });

  it('never matches an id, nor across description and email', async () => {
    const target = records[1] as TokenRecord;
    for (const q of [target.id, target.id.slice(2, 9), target.id.slice(2, 9).toLowerCase()]) {
      expect(await ids(s.tokens, query(q)), q).toEqual([]);
    }
    expect(await ids(s.tokens, query('prod\nrelease'))).toEqual([]);
    expect(await ids(s.tokens, query('prodrelease'))).toEqual([]);
  });

  it('reads the postings and the candidates, never the list partition', async () => {
    const { tokens, sent } = recordedTokens(s);

    expect((await tokens.list(query('scraper'))).items.map((record) => record.description)).toEqual([
      'metrics scraper',
    ]);
    expect(sent.length).toBeGreaterThan(0);
    for (const command of sent) {
      if (command.name === 'QueryCommand') expect(command.input.TableName).toBe(s.searchTable);
      else expect(command.name).toBe('BatchGetItemCommand');
    }
  });

  it('a query under three characters reads the list partition, and answers the same', async () => {
    const { tokens, sent } = recordedTokens(s);

    expect(await ids(tokens, query('Ba'))).toEqual(await ids(s.plain, query('Ba')));
    expect(sent.some((command) => command.input.IndexName === TOKEN_INDEXES.byCreated.name)).toBe(true);
  });
});

describe('the postings follow the tokens', () => {
  let s: Setup;

  beforeAll(async () => {
    s = await setup();
  });

  it('an email changed is found by the new address, no longer by the old, and its old postings go', async () => {
    const record = await create(s.tokens, 'email mover', 'first.owner@example.com');
    expect(await ids(s.tokens, query('first.owner'))).toEqual([record.id]);

    await s.tokens.update(record.id, { userEmail: 'second.keeper@example.com' }, ADMIN);

    expect(await ids(s.tokens, query('second.keeper'))).toEqual([record.id]);
    expect(await ids(s.tokens, query('first.owner'))).toEqual([]);
    expect(await postedUnder(s.searchTable, 'fir')).not.toContain(record.id);
    expect(await postedUnder(s.searchTable, 'kee')).toContain(record.id);
    // What the description and both addresses share stays posted.
    expect(await postedUnder(s.searchTable, 'exa')).toContain(record.id);

    await s.tokens.update(record.id, { userEmail: null }, ADMIN);
    expect(await ids(s.tokens, query('second.keeper'))).toEqual([]);
    expect(await ids(s.tokens, query('email mover'))).toEqual([record.id]);
  });

  it('a revoked token is found under status=revoked and not under status=active, as before', async () => {
    const record = await create(s.tokens, 'soon revoked quokka');
    await s.tokens.revoke(record.id, ADMIN);

    expect(await ids(s.tokens, query('quokka'))).toEqual([record.id]);
    expect(await ids(s.tokens, query('quokka', { status: 'revoked' }))).toEqual([record.id]);
    expect(await ids(s.tokens, query('quokka', { status: 'active' }))).toEqual([]);
  });

  it('a deleted token is found no more, and its postings go', async () => {
    const record = await create(s.tokens, 'deleted wombat');
    await s.tokens.delete(record.id, ADMIN);

    expect(await ids(s.tokens, query('wombat'))).toEqual([]);
    expect(await postedUnder(s.searchTable, 'wom')).not.toContain(record.id);
  });

  it("a rotation's successor is found beside the old token", async () => {
    const record = await create(s.tokens, 'rotating narwhal');
    const { record: successor } = await s.tokens.rotate(record.id, { graceSeconds: 60, actor: ADMIN });

    expect((await ids(s.tokens, query('NARWHAL'))).sort()).toEqual([record.id, successor.id].sort());
  });

  it('a posting left over from a deleted token costs a read, never a wrong answer', async () => {
    const index = new TokenSearchIndex(client, s.searchTable);
    await index.put([{ id: 'NoSuchTokenId0000000001', description: 'ghost platypus', userEmail: null }]);

    expect(await ids(s.tokens, query('platypus'))).toEqual([]);
  });

  it("the stream consumer's repair posts a token its writer left unposted, and unposts a removed one", async () => {
    const plainStore = new DynamoTokenStore(client, { tableName: s.tokensTable, retentionDays: 30 });
    const record = await create(new TokenService({ store: plainStore, keys }), 'unposted axolotl');
    expect(await ids(s.tokens, query('axolotl'))).toEqual([]); // a crash between the two writes

    const index = new TokenSearchIndex(client, s.searchTable);
    const image = { id: record.id, description: record.description, userEmail: null };
    await index.follow('INSERT', undefined, image);
    expect(await ids(s.tokens, query('axolotl'))).toEqual([record.id]);

    await index.follow('REMOVE', image, undefined);
    expect(await postedUnder(s.searchTable, 'axo')).not.toContain(record.id);
  });

  it('a backfill posts the tokens written before the search table', async () => {
    const plainStore = new DynamoTokenStore(client, { tableName: s.tokensTable, retentionDays: 30 });
    const record = await create(
      new TokenService({ store: plainStore, keys }),
      'older capybara',
      'cap@example.com',
    );
    expect(await ids(s.tokens, query('capybara'))).toEqual([]);

    const posted = await new TokenSearchIndex(client, s.searchTable).backfill(s.tokensTable, LIST_PARTITION);

    expect(posted).toBeGreaterThan(0);
    expect(await ids(s.tokens, query('capybara'))).toEqual([record.id]);
    expect(await ids(s.tokens, query('cap@exa'))).toEqual([record.id]);
  });
});

/** Every key the token `id` is posted under. */
async function postingsOf(searchTable: string, id: string): Promise<string[]> {
  const { Items = [] } = await client.send(
    new ScanCommand({
      TableName: searchTable,
      FilterExpression: 'id = :id',
      ExpressionAttributeValues: { ':id': id },
      ConsistentRead: true,
    }),
  );
  return Items.map((item) => String(item.trigram));
}

/** `length` characters of text with a new trigram at nearly every position (words of a counter). */
function longText(length: number, ending: string): string {
  let text = '';
  for (let i = 0; text.length < length - ending.length; i++) text += `${(i * 7919).toString(36)}q${i} `;
  return `${text.slice(0, length - ending.length)}${ending}`;
}

describe('a token with a long text', () => {
  let s: Setup;

  beforeAll(async () => {
    s = await setup();
  });

  it('writes one posting instead of one per trigram, and a search for text near the end of it still finds it', async () => {
    const description = longText(500, ' lyrebird.');
    expect(description).toHaveLength(500);
    expect(tokenTrigrams({ description, userEmail: null }).length).toBeGreaterThan(400);
    const record = await create(s.tokens, description);
    await create(s.tokens, 'a short lyrebird neighbour');

    expect(await postingsOf(s.searchTable, record.id)).toEqual([LONG_TEXT]);
    const nearTheEnd = description.slice(480, 495);
    for (const q of [nearTheEnd, 'LYREBIRD', description.slice(200, 230)]) {
      const found = await ids(s.tokens, query(q));
      expect(found.sort(), q).toEqual((await ids(s.plain, query(q))).sort());
      expect(found, q).toContain(record.id);
    }
    // Matching no text, it is read as a candidate but never listed.
    expect(await ids(s.tokens, query('short lyrebird'))).not.toContain(record.id);
  });

  it('moves between the one posting and its trigrams as an email change lengthens or shortens its text', async () => {
    const description = longText(110, ' pangolin');
    const short = tokenTrigrams({ description, userEmail: null }).length;
    expect(short).toBeLessThanOrEqual(MAX_POSTINGS_PER_TOKEN);
    const email = 'an.unusually.long.address.for.a.token.owner@example.com';
    expect(tokenTrigrams({ description, userEmail: email }).length).toBeGreaterThan(MAX_POSTINGS_PER_TOKEN);
    const record = await create(s.tokens, description, email);
    expect(await postingsOf(s.searchTable, record.id)).toEqual([LONG_TEXT]);
    expect(await ids(s.tokens, query('token.owner'))).toEqual([record.id]);

    await s.tokens.update(record.id, { userEmail: null }, ADMIN);

    const posted = await postingsOf(s.searchTable, record.id);
    expect(posted).not.toContain(LONG_TEXT);
    expect(posted).toHaveLength(short);
    expect(await ids(s.tokens, query('pangolin'))).toEqual([record.id]);
    expect(await ids(s.tokens, query('token.owner'))).toEqual([]);
  });
});

describe('the audit stream consumer', () => {
  const restoreEnv = saveHandlerEnv();
  const dir = mkdtempSync(join(tmpdir(), 'tokengate-search-consumer-'));

  afterAll(() => {
    restoreEnv();
    rmSync(dir, { recursive: true, force: true });
  });

  /** A Lambda stream record of a change to the token item `item`, as DynamoDB Streams delivers it. */
  const streamRecord = (eventName: 'INSERT' | 'REMOVE', item: Record<string, unknown>, sequence: number) => ({
    eventID: `search-${sequence}-${String(item.id)}`,
    eventName,
    eventVersion: '1.1',
    eventSource: 'aws:dynamodb',
    awsRegion: 'eu-west-1',
    eventSourceARN: 'arn:aws:dynamodb:eu-west-1:123456789012:table/tokens/stream/2026-06-15T00:00:00.000',
    dynamodb: {
      ApproximateCreationDateTime: Math.floor(Date.now() / 1000),
      Keys: { id: { S: String(item.id) } },
      [eventName === 'INSERT' ? 'NewImage' : 'OldImage']: marshall(item, {
        removeUndefinedValues: true,
        convertClassInstanceToMap: true,
      }) as Record<string, never>,
      SequenceNumber: String(100 + sequence).padStart(21, '0'),
      SizeBytes: 100,
      StreamViewType: 'NEW_AND_OLD_IMAGES' as const,
    },
  });

  it('posts a token created without its postings (its writer stopped between the two), and unposts it when removed', async () => {
    const s = await setup();
    const auditTable = await freshTable(AUDIT_TABLE);
    useLocalHandlerEnv({ keyFile: join(dir, 'keys.json'), auditTable, searchTable: s.searchTable });
    vi.resetModules();
    const consumer = (await import('#functions/audit/consumer')).handler as unknown as (
      event: DynamoDBStreamEvent,
      context: Context,
    ) => Promise<DynamoDBBatchResponse>;
    const plainStore = new DynamoTokenStore(client, { tableName: s.tokensTable, retentionDays: 30 });
    const record = await create(new TokenService({ store: plainStore, keys }), 'streamed manatee');
    expect(await ids(s.tokens, query('manatee'))).toEqual([]);
    const { Item: item = {} } = await client.send(
      new GetCommand({ TableName: s.tokensTable, Key: { id: record.id } }),
    );

    const inserted = await consumer(
      { Records: [streamRecord('INSERT', item, 1)] } as DynamoDBStreamEvent,
      lambdaContext('AuditConsumer'),
    );

    expect(inserted.batchItemFailures).toEqual([]);
    expect(await ids(s.tokens, query('manatee'))).toEqual([record.id]);

    await consumer(
      { Records: [streamRecord('REMOVE', item, 2)] } as DynamoDBStreamEvent,
      lambdaContext('AuditConsumer'),
    );
    expect(await postedUnder(s.searchTable, 'man')).not.toContain(record.id);
  });
});

describe('pages and common trigrams', () => {
  let s: Setup;

  beforeAll(async () => {
    s = await setup();
    const made: Promise<TokenRecord>[] = [];
    for (let i = 0; i < 13; i++)
      made.push(create(s.tokens, `zebra herd ${i}`, i % 2 ? `z${i}@example.com` : null));
    await Promise.all(made);
    const revoked = await create(s.tokens, 'zebra herd revoked');
    await s.tokens.revoke(revoked.id, ADMIN);
  });

  it.each(['newest', 'oldest', 'name_asc', 'name_desc'])(
    'sort=%s: pages of 4 visit every match once, in the order of the list partition',
    async (sort) => {
      const seen: string[] = [];
      let cursor: string | null = null;
      do {
        const page = await s.tokens.list(
          parseListQuery({ q: 'ZEBRA H', sort, limit: '4', ...(cursor && { cursor }) }),
        );
        seen.push(...page.items.map((record) => record.id));
        cursor = page.nextCursor;
      } while (cursor);

      expect(seen).toEqual(await ids(s.plain, parseListQuery({ q: 'ZEBRA H', sort, limit: '100' })));
      expect(seen).toHaveLength(14);
    },
  );

  it('a cursor of the postings goes on in the list partition, and the other way', async () => {
    const first = await s.tokens.list(parseListQuery({ q: 'zebra', limit: '5' }));
    const rest = await s.plain.list(
      parseListQuery({ q: 'zebra', limit: '100', cursor: first.nextCursor ?? '' }),
    );
    const back = await s.plain.list(parseListQuery({ q: 'zebra', limit: '5' }));
    const restBack = await s.tokens.list(
      parseListQuery({ q: 'zebra', limit: '100', cursor: back.nextCursor ?? '' }),
    );
    const all = await ids(s.plain, query('zebra'));

    expect([...first.items, ...rest.items].map((record) => record.id)).toEqual(all);
    expect([...back.items, ...restBack.items].map((record) => record.id)).toEqual(all);
  });

  it('a query whose trigrams all have too many postings reads the list partition, and answers right', async () => {
    // More postings under `zeb`, `ebr` and `bra` than a search reads, of tokens that do not exist.
    const index = new TokenSearchIndex(client, s.searchTable);
    const filler = Array.from({ length: POSTINGS_LIMIT + 1 }, (_, i) => ({
      id: `Filler${String(i).padStart(17, '0')}`,
      description: 'zebra',
      userEmail: null,
    }));
    await index.put(filler);
    const { tokens, sent } = recordedTokens(s);

    const found = await ids(tokens, query('zebra'));

    expect(found).toEqual(await ids(s.plain, query('zebra')));
    expect(found).toHaveLength(14);
    expect(sent.some((command) => command.input.IndexName === TOKEN_INDEXES.byCreated.name)).toBe(true);
    expect(sent.some((command) => command.name === 'BatchGetItemCommand')).toBe(false);
    // One rare trigram is enough to narrow it again.
    expect(await ids(tokens, query('zebra herd 1'))).toEqual(await ids(s.plain, query('zebra herd 1')));
  });
});

describe('trigram search against the substring filter', () => {
  it('answers every query as the list partition does, over random descriptions and emails', async () => {
    const s = await setup();
    const text = fc.string({
      unit: fc.constantFrom('a', 'b', 'A', 'B', ' ', '-', 'é', 'É', 'ß', '😀', '中'),
      minLength: 1,
      maxLength: 9,
    });
    const specs = fc.sample(
      fc.tuple(
        text.filter((t) => t.trim().length > 0),
        fc.option(text, { nil: null }),
      ),
      {
        numRuns: 40,
        seed: 42,
      },
    );
    const records = await Promise.all(
      specs.map(([description, email]) => create(s.tokens, description.trim(), email && `${email}@x`)),
    );
    const fragments = records.flatMap((record) =>
      [record.description, record.userEmail ?? ''].map((field) => Array.from(field)),
    );

    await fc.assert(
      fc.asyncProperty(
        fc.oneof(
          // A piece of a stored text, of 3 to 6 code points, its case changed.
          fc
            .tuple(fc.constantFrom(...fragments), fc.nat(), fc.integer({ min: 3, max: 6 }), fc.boolean())
            .map(([points, start, length, upper]) => {
              const from = points.length === 0 ? 0 : start % points.length;
              const piece = points.slice(from, from + length).join('');
              return upper ? piece.toUpperCase() : piece;
            }),
          text,
        ),
        fc.constantFrom('newest', 'name_asc'),
        async (q, sort) => {
          fc.pre(q.length > 0);
          const listQuery = parseListQuery({ q, sort, limit: '100' });

          expect(await ids(s.tokens, listQuery)).toEqual(await ids(s.plain, listQuery));
        },
      ),
      { numRuns: 60 },
    );
  });

  it('posts each distinct trigram of the description and of the email, each on its own', () => {
    expect(tokenTrigrams({ description: 'AbcAbc', userEmail: 'x@Y' }).sort()).toEqual(
      ['abc', 'bca', 'cab', 'x@y'].sort(),
    );
    expect(tokenTrigrams({ description: 'a😀b', userEmail: null })).toEqual(['a😀b']);
    expect(tokenTrigrams({ description: 'ab', userEmail: 'cd' })).toEqual([]);
  });
});
