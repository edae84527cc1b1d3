// The authorizer in process against the real table, side by side with a bare strongly consistent
// GetItem of the same item on the same client; then junk tokens, which must cost no read at all.
import { GetCommand } from '@aws-sdk/lib-dynamodb';
import { mintToken } from '../shared/token-format';
import { authorizerEvent, lambdaContext } from './fixtures';
import { median, msSince, percentile } from './stats';

export interface AuthorizerFigures {
  authorizer_p50_ms: number;
  authorizer_p99_ms: number;
  getitem_p50_ms: number;
  getitem_p99_ms: number;
  authorizer_over_getitem_p50: number;
  malformed_rejections_per_s: number;
  malformed_db_reads: number;
}

const ROUNDS = 5;
const PER_ROUND = 400;

export async function benchAuthorizer(tokensTable: string): Promise<AuthorizerFigures> {
  const { handler } = await import('../functions/authorizer/handler');
  const { dynamo, tokens, verifier } = await import('../functions/commons/runtime');
  const { token, record } = await tokens.create(
    {
      kind: 'service',
      description: 'bench',
      userEmail: null,
      scopes: [{ scope: 'identity:manage', resources: null }],
      expiresAt: null,
    },
    { type: 'system', id: 'bench' },
  );
  const event = authorizerEvent(`Bearer ${token}`);
  const context = lambdaContext('Authorizer');
  const getItem = new GetCommand({ TableName: tokensTable, Key: { id: record.id }, ConsistentRead: true });
  // biome-ignore lint/suspicious/noExplicitAny: the handler's event union is wider than this REST event
  const authorize = () => handler(event as any, context);

  for (let i = 0; i < 200; i++) {
    await dynamo.send(getItem);
    await authorize();
  }
  await verifier.settle();

  const rounds: { a50: number; a99: number; g50: number; g99: number }[] = [];
  for (let round = 0; round < ROUNDS; round++) {
    const a: number[] = [];
    const g: number[] = [];
    for (let i = 0; i < PER_ROUND; i++) {
      // Alternate which goes first, so neither always meets a warmer connection.
      const order = i % 2 === 0 ? ['g', 'a'] : ['a', 'g'];
      for (const which of order) {
        const start = process.hrtime.bigint();
        if (which === 'g') await dynamo.send(getItem);
        else await authorize();
        (which === 'g' ? g : a).push(msSince(start));
      }
    }
    rounds.push({
      a50: percentile(a, 50),
      a99: percentile(a, 99),
      g50: percentile(g, 50),
      g99: percentile(g, 99),
    });
  }

  // Junk: well-shaped tokens with a wrong checksum, and strings that are no token at all.
  let reads = 0;
  dynamo.middlewareStack.add(
    (next) => async (args) => {
      reads++;
      return next(args);
    },
    { step: 'initialize', name: 'benchReadCounter' },
  );
  const junk = Array.from({ length: 1000 }, (_, i) => {
    if (i % 2 === 0) return `Bearer ${i}-not-a-token`;
    const real = mintToken().token;
    const last = real.at(-1) === 'A' ? 'B' : 'A';
    return `Bearer ${real.slice(0, -1)}${last}`;
  }).map(authorizerEvent);
  let rejected = 0;
  const start = process.hrtime.bigint();
  while (msSince(start) < 2_000) {
    for (const junkEvent of junk) {
      // biome-ignore lint/suspicious/noExplicitAny: as above
      await handler(junkEvent as any, context).catch(() => {
        rejected++;
      });
    }
  }
  const seconds = msSince(start) / 1000;

  return {
    authorizer_p50_ms: median(rounds.map((r) => r.a50)),
    authorizer_p99_ms: median(rounds.map((r) => r.a99)),
    getitem_p50_ms: median(rounds.map((r) => r.g50)),
    getitem_p99_ms: median(rounds.map((r) => r.g99)),
    authorizer_over_getitem_p50: median(rounds.map((r) => r.a50 / r.g50)),
    malformed_rejections_per_s: Math.round(rejected / seconds),
    malformed_db_reads: reads,
  };
}
