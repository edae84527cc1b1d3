// The local stack's data folder (`$DATA_DIR`, default `.data/`): DynamoDB Local's database, the HMAC
// key file, the audit stream poller's checkpoint and failures, the events file (what would go to
// EventBridge), the gateway's access log and the usage poller's checkpoint, and `stack.json`, through which the
// CLI finds a running stack. The local stack and
// `tokengate bootstrap --local` both prepare it here, the same way.
import {
  chmodSync,
  existsSync,
  lstatSync,
  mkdirSync,
  readdirSync,
  readFileSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import { join, resolve } from 'node:path';
import { z } from 'zod';
import { documentClient, dynamoClient } from '#adapters/clients';
import { TokenSearchIndex } from '#adapters/dynamo-token-search';
import { FileKeyRingSource } from '#adapters/file-keyring';
import { LIST_PARTITION } from '#adapters/token-item';
import type { PeopleConfig } from '#domain/people';
import { ENV } from '#spec/env';
import { AUDIT_TABLE, SEARCH_TABLE, TOKENS_TABLE, USAGE_TABLE } from '#spec/tables';
import { ensureTables } from './dynamodb-local';

export const DEFAULT_DATA_DIR = '.data';

/** Locally, tables are named the way the CDK stack names them: `tokengate-<id>`. */
export const LOCAL_TOKENS_TABLE = `tokengate-${TOKENS_TABLE.id}`;
export const LOCAL_AUDIT_TABLE = `tokengate-${AUDIT_TABLE.id}`;
export const LOCAL_SEARCH_TABLE = `tokengate-${SEARCH_TABLE.id}`;
export const LOCAL_USAGE_TABLE = `tokengate-${USAGE_TABLE.id}`;

export interface DataDir {
  root: string;
  dynamoDir: string;
  keyFile: string;
  stackFile: string;
  /**
   * Held (created exclusively, holding the holder's pid) by a process that runs a DynamoDB Local of its
   * own on `dynamoDir`: two of them on one database file fail each other (SQLite's lock, tables made
   * twice) and their writes are not atomic with each other's.
   */
  dynamoLockFile: string;
  /** Where the audit stream poller has got to in each shard of the tokens table's stream. */
  streamCheckpointFile: string;
  /** Stream records the audit consumer failed on too often (the local on-failure destination). */
  streamFailuresFile: string;
  /** The events the local stack would put on EventBridge (expiry warnings), one JSON line each. */
  eventsFile: string;
  /** The gateway's access log, one JSON line per request (local/access-log.ts). */
  accessLogFile: string;
  /** How far the usage poller has counted the access log (local/usage-poller.ts). */
  usageCheckpointFile: string;
  /** The development OpenID Connect issuer's signing and cookie keys (local/oidc-issuer.ts). */
  oidcKeyFile: string;
  /**
   * Present once every token of the folder has its search postings: a folder from before the search
   * table gets them at its first start (`prepareDataDir`), and again if that start stopped halfway.
   */
  searchPostedFile: string;
}

/** The data folder `$DATA_DIR` names, else `.data/`. */
export function dataDir(env: NodeJS.ProcessEnv = process.env): DataDir {
  return dataDirAt(env[ENV.dataDir] || DEFAULT_DATA_DIR);
}

/** The data folder at `path`. */
export function dataDirAt(path: string): DataDir {
  const root = resolve(path);
  return {
    root,
    dynamoDir: join(root, 'dynamodb'),
    keyFile: join(root, 'hmac-keys.json'),
    stackFile: join(root, 'stack.json'),
    dynamoLockFile: join(root, 'dynamodb.lock'),
    streamCheckpointFile: join(root, 'audit-stream.json'),
    streamFailuresFile: join(root, 'audit-failures.jsonl'),
    eventsFile: join(root, 'events.jsonl'),
    accessLogFile: join(root, 'access.log'),
    usageCheckpointFile: join(root, 'usage-checkpoint.json'),
    oidcKeyFile: join(root, 'oidc-issuer-keys.json'),
    searchPostedFile: join(root, 'search-posted'),
  };
}

/**
 * Keeps the data folder to this machine's user running us: it holds token records (emails, hashes),
 * the key file and DynamoDB Local's database. Sets this process's umask to 077, so that every folder
 * and file it (or a child it spawns afterwards, DynamoDB Local included) creates is 0700 or 0600, and
 * tightens what an older run left: every folder under `dir.root` becomes 0700 and every file 0600
 * (symbolic links are left alone, never followed). Call it before anything is written there. The
 * umask holds for the whole process: what else it writes (the console's build, at `npm start`) is
 * private to the user too.
 */
export function makeDataDirPrivate(dir: DataDir): void {
  process.umask(0o077);
  mkdirSync(dir.root, { recursive: true, mode: 0o700 });
  const tighten = (path: string): void => {
    const stat = lstatSync(path);
    if (stat.isDirectory()) {
      if ((stat.mode & 0o777) !== 0o700) chmodSync(path, 0o700);
      for (const name of readdirSync(path)) tighten(join(path, name));
    } else if (stat.isFile() && (stat.mode & 0o777) !== 0o600) {
      chmodSync(path, 0o600);
    }
  };
  tighten(dir.root);
}

/**
 * Creates what is missing: the tables in DynamoDB Local at `endpoint`, and the HMAC key file; and
 * posts the tokens of a folder made before the search table (idempotent, once).
 */
export async function prepareDataDir(dir: DataDir, endpoint: string): Promise<void> {
  const client = dynamoClient(endpoint);
  try {
    const created = await ensureTables(client, [
      { definition: TOKENS_TABLE, name: LOCAL_TOKENS_TABLE },
      { definition: AUDIT_TABLE, name: LOCAL_AUDIT_TABLE },
      { definition: SEARCH_TABLE, name: LOCAL_SEARCH_TABLE },
      { definition: USAGE_TABLE, name: LOCAL_USAGE_TABLE },
    ]);
    if (!existsSync(dir.searchPostedFile)) {
      if (!created.includes(LOCAL_TOKENS_TABLE)) {
        const documents = documentClient(endpoint);
        try {
          await new TokenSearchIndex(documents, LOCAL_SEARCH_TABLE).backfill(
            LOCAL_TOKENS_TABLE,
            LIST_PARTITION,
          );
        } finally {
          documents.destroy();
        }
      }
      writeFileSync(dir.searchPostedFile, `${new Date().toISOString()}\n`);
    }
  } finally {
    client.destroy();
  }
  FileKeyRingSource.ensure(dir.keyFile);
}

/**
 * The environment the handlers read their configuration from (shared/adapters/config.ts); with the
 * gateway's authorizer cache TTL, which the authorizer and the grace and expiry checks read, and the
 * OpenID Connect issuer people sign in with, when there is one.
 */
export function handlerEnvironment(
  dir: DataDir,
  endpoint: string,
  cacheTtlSeconds?: number,
  people?: PeopleConfig,
): Record<string, string> {
  return {
    // People sign-in: the issuer whose ID tokens the authorizer accepts; none, and it is off.
    ...(people && {
      [ENV.oidcIssuer]: people.issuer,
      [ENV.oidcClientId]: people.clientId,
      [ENV.oidcGroupsClaim]: people.groupsClaim,
      [ENV.oidcAdminGroup]: people.adminGroup,
    }),
    ...(cacheTtlSeconds !== undefined && { [ENV.authorizerCacheTtl]: String(cacheTtlSeconds) }),
    [ENV.tokensTable]: LOCAL_TOKENS_TABLE,
    [ENV.auditTable]: LOCAL_AUDIT_TABLE,
    [ENV.searchTable]: LOCAL_SEARCH_TABLE,
    [ENV.usageTable]: LOCAL_USAGE_TABLE,
    [ENV.keyFile]: dir.keyFile,
    [ENV.dynamoEndpoint]: endpoint,
    [ENV.eventsFile]: dir.eventsFile,
  };
}

const stackInfoSchema = z.object({
  url: z.string(),
  dynamodb_endpoint: z.string(),
  tokens_table: z.string(),
  pid: z.number().int(),
});

/** What a running local stack publishes in `stack.json`. */
export type StackInfo = z.infer<typeof stackInfoSchema>;

/**
 * Whether `raw` is an http(s) URL of this machine's loopback interface: `localhost`, 127.0.0.0/8 or
 * `::1`, and no user name or password. A `stack.json` is read from the current directory, which may
 * be a repository someone else wrote, so its URLs are trusted only this far: the CLI sends tokens to
 * them. The host is compared as the WHATWG URL parser leaves it (`127.1` is `127.0.0.1`), never by
 * prefix, so `127.0.0.1.example.com`, `localhost@example.com` and `[::ffff:127.0.0.1]` are not loopback.
 */
export function isLoopbackUrl(raw: string): boolean {
  let url: URL;
  try {
    url = new URL(raw.trim());
  } catch {
    return false;
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') return false;
  if (url.username !== '' || url.password !== '') return false;
  return url.hostname === 'localhost' || url.hostname === '[::1]' || /^127(\.\d{1,3}){3}$/.test(url.hostname);
}

/** The running stack's details, or null if there is no `stack.json` or it cannot be read. */
export function readStackInfo(dir: DataDir): StackInfo | null {
  if (!existsSync(dir.stackFile)) return null;
  try {
    return stackInfoSchema.parse(JSON.parse(readFileSync(dir.stackFile, 'utf8')));
  } catch {
    return null;
  }
}

export function writeStackInfo(dir: DataDir, info: StackInfo): void {
  writeFileSync(dir.stackFile, `${JSON.stringify(info, null, 2)}\n`);
}

/** Removes `stack.json` if it is this process's (a newer stack may have replaced it). */
export function removeStackInfo(dir: DataDir, pid: number = process.pid): void {
  if (readStackInfo(dir)?.pid === pid) rmSync(dir.stackFile, { force: true });
}

/** Another process holds the data folder's DynamoDB lock and did not let go in time. */
export class DataDirBusyError extends Error {}

/**
 * Takes the data folder's DynamoDB lock, waiting up to `timeoutMs` for a live holder to let it go; a
 * lock left by a process that has ended is taken over. Resolves to the function that releases it.
 */
export async function lockDynamoDir(dir: DataDir, timeoutMs = 120_000): Promise<() => void> {
  mkdirSync(dir.root, { recursive: true });
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    try {
      writeFileSync(dir.dynamoLockFile, `${process.pid}\n`, { flag: 'wx' });
      return () => {
        if (lockHolder(dir) === process.pid) rmSync(dir.dynamoLockFile, { force: true });
      };
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
    }
    const holder = lockHolder(dir);
    if (holder !== null && !processIsAlive(holder)) {
      rmSync(dir.dynamoLockFile, { force: true });
      continue;
    }
    if (Date.now() >= deadline) {
      throw new DataDirBusyError(
        `DynamoDB Local in ${dir.root} is in use by process ${holder ?? '(unknown)'}; try again when it has finished`,
      );
    }
    await new Promise((resolve) => setTimeout(resolve, 100 + Math.random() * 100));
  }
}

/** The pid in the lock file; null if there is none or it is being written. */
function lockHolder(dir: DataDir): number | null {
  try {
    const pid = Number.parseInt(readFileSync(dir.dynamoLockFile, 'utf8'), 10);
    return Number.isInteger(pid) && pid > 0 ? pid : null;
  } catch {
    return null;
  }
}

export function processIsAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}
