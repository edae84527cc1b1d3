// Posts every token of a tokens table in its search postings table (shared/adapters/dynamo-token-search.ts):
// once, for a deployment upgraded from before the postings, whose older tokens a search would miss.
// Idempotent; reads the list partition and batch-writes the postings with your AWS configuration
// (the SDK's default chain: environment, profiles, SSO, roles).
//
//   node --import tsx scripts/post-search-index.ts <TokensTableName> <SearchTableName> [--region R]
import { parseArgs } from 'node:util';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { TokenSearchIndex } from '#adapters/dynamo-token-search';
import { LIST_PARTITION } from '#adapters/token-item';

const { positionals, values } = parseArgs({
  allowPositionals: true,
  options: { region: { type: 'string' } },
});
const [tokensTable, searchTable] = positionals;
if (!tokensTable || !searchTable || positionals.length !== 2) {
  console.error('usage: post-search-index.ts <TokensTableName> <SearchTableName> [--region R]');
  process.exit(2);
}
const client = DynamoDBDocumentClient.from(
  new DynamoDBClient(values.region ? { region: values.region } : {}),
);
const posted = await new TokenSearchIndex(client, searchTable).backfill(tokensTable, LIST_PARTITION);
console.log(`posted ${posted} tokens of ${tokensTable} in ${searchTable}`);
client.destroy();
