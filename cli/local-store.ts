// A direct store handle on the local stack's tables, for the command that works on them directly.
// If the stack runs (its stack.json names a DynamoDB Local that answers), that one is used; otherwise
// a DynamoDB Local of our own is started on the same data folder for the time of the command, holding
// the folder's DynamoDB lock, so that commands run side by side take turns instead of sharing one
// database file between two DynamoDB Locals.
import {
  type DataDir,
  DataDirBusyError,
  handlerEnvironment,
  isLoopbackUrl,
  lockDynamoDir,
  makeDataDirPrivate,
  prepareDataDir,
  readStackInfo,
  type StackInfo,
} from '#local/data-dir';
import { type DynamoDbLocal, startDynamoDbLocal } from '#local/dynamodb-local';
import { ENV } from '#spec/env';
import { type DirectStore, servicesFromEnv } from './direct-store';
import { CliError } from './io';

/** Whether anything answers HTTP at `endpoint` within a short time (DynamoDB Local answers 400 to GET). */
async function answers(endpoint: string): Promise<boolean> {
  try {
    await fetch(endpoint, { signal: AbortSignal.timeout(2_000) });
    return true;
  } catch {
    return false;
  }
}

/** The running local stack, if stack.json names one whose DynamoDB Local answers. */
async function runningStack(dir: DataDir): Promise<StackInfo | null> {
  const stack = readStackInfo(dir);
  if (!stack) return null;
  // stack.json may come with a cloned repository: only a DynamoDB Local on this machine is used.
  if (!isLoopbackUrl(stack.dynamodb_endpoint)) {
    throw new CliError(
      `${dir.stackFile} names DynamoDB at ${JSON.stringify(stack.dynamodb_endpoint)}, which is not on this machine; refusing to use it`,
    );
  }
  return (await answers(stack.dynamodb_endpoint)) ? stack : null;
}

function stackStore(dir: DataDir, stack: StackInfo): DirectStore {
  const environment = {
    ...handlerEnvironment(dir, stack.dynamodb_endpoint),
    [ENV.tokensTable]: stack.tokens_table,
  };
  return {
    description: `table ${stack.tokens_table} of the local stack at ${stack.url}`,
    services: servicesFromEnv(environment),
    environment,
    close: async () => {},
  };
}

const LOCK_WAIT_MS = 120_000;

/**
 * The data folder's DynamoDB lock, or the local stack that holds it: a stack that starts while we
 * wait keeps the lock as long as it runs, and is then the one to use.
 */
async function lockOrRunningStack(dir: DataDir): Promise<{ unlock: () => void } | { stack: StackInfo }> {
  const deadline = Date.now() + LOCK_WAIT_MS;
  for (;;) {
    try {
      return { unlock: await lockDynamoDir(dir, 1_000) };
    } catch (error) {
      if (!(error instanceof DataDirBusyError)) throw error;
      const stack = await runningStack(dir);
      if (stack) return { stack };
      if (Date.now() >= deadline) throw new CliError(error.message);
    }
  }
}

export async function openLocalStore(dir: DataDir): Promise<DirectStore> {
  const stack = await runningStack(dir);
  if (stack) return stackStore(dir, stack);
  // Our own DynamoDB Local and the files we write in the data folder are private, as the stack's are.
  makeDataDirPrivate(dir);
  const lockOrStack = await lockOrRunningStack(dir);
  if ('stack' in lockOrStack) return stackStore(dir, lockOrStack.stack);
  const { unlock } = lockOrStack;
  let db: DynamoDbLocal | undefined;
  try {
    // A stack may have started while we waited for the lock.
    const started = await runningStack(dir);
    if (started) {
      unlock();
      return stackStore(dir, started);
    }
    db = await startDynamoDbLocal({ dbPath: dir.dynamoDir });
    await prepareDataDir(dir, db.endpoint);
    const env = handlerEnvironment(dir, db.endpoint);
    const own = db;
    return {
      description: `table ${env[ENV.tokensTable]} in ${dir.root} (the local stack is not running)`,
      services: servicesFromEnv(env),
      environment: env,
      close: async () => {
        try {
          await own.stop();
        } finally {
          unlock();
        }
      },
    };
  } catch (error) {
    try {
      await db?.stop();
    } finally {
      unlock();
    }
    throw error;
  }
}
