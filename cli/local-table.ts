// The local stack's token table, for commands that work on it directly. If the stack runs (its
// stack.json names a DynamoDB Local that answers), that one is used; otherwise a DynamoDB Local of
// our own is started on the same data folder for the time of the command.
import {
  type DataDir,
  handlerEnvironment,
  isLoopbackUrl,
  prepareDataDir,
  readStackInfo,
} from '../local/data-dir';
import { startDynamoDbLocal } from '../local/dynamodb-local';
import { CliError } from './io';
import { servicesFromEnv, type TokenTable } from './token-table';

/** Whether anything answers HTTP at `endpoint` within a short time (DynamoDB Local answers 400 to GET). */
async function answers(endpoint: string): Promise<boolean> {
  try {
    await fetch(endpoint, { signal: AbortSignal.timeout(2_000) });
    return true;
  } catch {
    return false;
  }
}

export async function openLocalTable(dir: DataDir): Promise<TokenTable> {
  const stack = readStackInfo(dir);
  // stack.json may come with a cloned repository: only a DynamoDB Local on this machine is used.
  if (stack && !isLoopbackUrl(stack.dynamodb_endpoint)) {
    throw new CliError(
      `${dir.stackFile} names DynamoDB at ${JSON.stringify(stack.dynamodb_endpoint)}, which is not on this machine; refusing to use it`,
    );
  }
  if (stack && (await answers(stack.dynamodb_endpoint))) {
    return {
      description: `table ${stack.tokens_table} of the local stack at ${stack.url}`,
      services: servicesFromEnv({
        ...handlerEnvironment(dir, stack.dynamodb_endpoint),
        TOKENGATE_TOKENS_TABLE: stack.tokens_table,
      }),
      close: async () => {},
    };
  }
  const db = await startDynamoDbLocal({ dbPath: dir.dynamoDir });
  try {
    await prepareDataDir(dir, db.endpoint);
    const env = handlerEnvironment(dir, db.endpoint);
    return {
      description: `table ${env.TOKENGATE_TOKENS_TABLE} in ${dir.root} (the local stack is not running)`,
      services: servicesFromEnv(env),
      close: () => db.stop(),
    };
  } catch (error) {
    await db.stop();
    throw error;
  }
}
