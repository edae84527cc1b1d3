// `npm start`: the whole system on this machine. DynamoDB Local keeps its data in $DATA_DIR, the
// gateway serves the deployment's routes with the same authorizer and handlers as in AWS, and the
// stream poller feeds the tokens table's stream to the same audit consumer. The expiry-warning scan
// runs once at start, then daily, its events going to $DATA_DIR/events.jsonl (no EventBridge here).
//   PORT (default 8787; 0 picks a free one), DATA_DIR (default .data/),
//   TOKENGATE_AUTHORIZER_CACHE_TTL (seconds, default as in AWS; 0 disables the cache),
//   TOKENGATE_ADMIN_EMAILS (the development issuer's admins, default admin@example.com),
//   TOKENGATE_LOCAL_DYNAMODB_PORT (DynamoDB Local's port, default a free one) and
//   TOKENGATE_LOCAL_DYNAMODB_PROXY (a loopback proxy in front of it that the functions and the stream
//   poller go through: the chaos run puts its fault proxy there).

import { readExpiryConfig } from '#adapters/config';
import { readScopesFile, type ScopesFile } from '#adapters/scopes-file';
import { DEFAULT_AUTHORIZER_CACHE_TTL_SECONDS } from '#spec/defaults';
import { ENV } from '#spec/env';
import { AUDIT_CONSUMER, EXPIRY_WARNER, USAGE_RECORDER } from '#spec/functions';
import { ROUTES, type Route, routesFor } from '#spec/routes';
import { ensureConsoleBuild } from '#web/build';
import { AccessLogWriter } from './access-log';
import { ConsoleSite } from './console-site';
import {
  type DataDir,
  DataDirBusyError,
  dataDir,
  handlerEnvironment,
  isLoopbackUrl,
  LOCAL_TOKENS_TABLE,
  lockDynamoDir,
  makeDataDirPrivate,
  prepareDataDir,
  processIsAlive,
  readStackInfo,
  removeStackInfo,
  writeStackInfo,
} from './data-dir';
import { type DynamoDbLocal, startDynamoDbLocal } from './dynamodb-local';
import { Gateway, messageOf } from './gateway';
import { loadFunction, loadHandlers, settleHandlers } from './handlers';
import { DynamoHealth } from './health';
import { adminEmails, LOCAL_OIDC_CLIENT_ID, OidcIssuer } from './oidc-issuer';
import { LocalSchedule } from './scheduler';
import { type GatewayServer, listen } from './server';
import { registerStack } from './stack-registry';
import { StreamPoller } from './stream-poller';
import { UsagePoller } from './usage-poller';

const HOST = '127.0.0.1';
const DEFAULT_PORT = 8787;
/** API Gateway's own bound on `authorizerResultTtlInSeconds`. */
const MAX_CACHE_TTL_SECONDS = 3600;

class StartError extends Error {}

interface StartOptions {
  port: number;
  dir: DataDir;
  cacheTtlSeconds: number;
  /** `SCOPES_FILE`'s catalogue; none: the default. */
  scopes: ScopesFile | undefined;
  /** DynamoDB Local's port; 0: a free one. */
  dynamoPort: number;
  /** The loopback proxy the functions and the stream poller reach DynamoDB Local through, if any. */
  dynamoProxy: string | undefined;
}

function dynamoProxy(env: NodeJS.ProcessEnv): string | undefined {
  const raw = env[ENV.localDynamoProxy];
  if (raw === undefined || raw === '') return undefined;
  // The functions send the token table's items through it: never off this machine.
  if (!isLoopbackUrl(raw))
    throw new StartError(`${ENV.localDynamoProxy} must be a loopback URL, got "${raw}"`);
  return raw.trim().replace(/\/+$/, '');
}

function scopesFile(env: NodeJS.ProcessEnv): ScopesFile | undefined {
  try {
    return readScopesFile(env);
  } catch (error) {
    throw new StartError((error as Error).message);
  }
}

function wholeNumber(env: NodeJS.ProcessEnv, name: string, fallback: number, max: number): number {
  const raw = env[name];
  if (raw === undefined || raw === '') return fallback;
  const value = Number(raw);
  if (!Number.isInteger(value) || value < 0 || value > max) {
    throw new StartError(`${name} must be a whole number from 0 to ${max}, got "${raw}"`);
  }
  return value;
}

function readOptions(env: NodeJS.ProcessEnv): StartOptions {
  return {
    port: wholeNumber(env, ENV.port, DEFAULT_PORT, 65_535),
    dir: dataDir(env),
    cacheTtlSeconds: wholeNumber(
      env,
      ENV.authorizerCacheTtl,
      DEFAULT_AUTHORIZER_CACHE_TTL_SECONDS,
      MAX_CACHE_TTL_SECONDS,
    ),
    scopes: scopesFile(env),
    dynamoPort: wholeNumber(env, ENV.localDynamoPort, 0, 65_535),
    dynamoProxy: dynamoProxy(env),
  };
}

const debug = process.env[ENV.debug] === '1';
let server: GatewayServer | undefined;
let db: DynamoDbLocal | undefined;
/** Releases $DATA_DIR's DynamoDB lock, held while this stack's DynamoDB Local runs on its files. */
let unlockDynamoDir: (() => void) | undefined;
let poller: StreamPoller | undefined;
let accessLog: AccessLogWriter | undefined;
let usagePoller: UsagePoller | undefined;
let issuer: OidcIssuer | undefined;
let expiryWarnings: LocalSchedule | undefined;
/** Removes this stack from the per-user registry of running stacks, through which the CLI finds it. */
let unregisterStack: (() => void) | undefined;
let handlersLoaded = false;
let stopping = false;

function fail(error: unknown): never {
  const message = error instanceof StartError ? error.message : messageOf(error);
  console.error(`tokengate: ${message}`);
  if (debug && error instanceof Error) console.error(error.stack);
  process.exit(1); // DynamoDB Local, if started, is stopped by its exit hook
}

async function openServer(port: number): Promise<GatewayServer> {
  try {
    return await listen({ host: HOST, port, log: (line) => console.log(line) });
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'EADDRINUSE') {
      throw new StartError(
        `Port ${port} on ${HOST} is already in use: stop what holds it, or set ${ENV.port}`,
      );
    }
    throw error;
  }
}

/**
 * A terminal's Ctrl-C reaches this process twice: from the terminal and relayed by tsx's wrapper.
 * Repeats within this window are that one Ctrl-C; a later one means "stop waiting".
 */
const REPEAT_WINDOW_MS = 2_000;
let stopRequestedAt = 0;

/**
 * Stop accepting requests, let those in flight finish, let the stream poller finish its batch and
 * hand over what those requests changed, then stop DynamoDB Local so nothing is lost.
 */
async function stop(why: string, dir: DataDir): Promise<void> {
  if (stopRequestedAt > 0) {
    if (Date.now() - stopRequestedAt < REPEAT_WINDOW_MS) return;
    console.error(`tokengate: ${why} again, exiting without waiting`);
    process.exit(1);
  }
  stopRequestedAt = Date.now();
  stopping = true;
  console.log(`tokengate local stack stopping (${why})`);
  try {
    await server?.close();
    if (handlersLoaded) await settleHandlers();
    // The requests answered so far are counted before DynamoDB Local stops.
    await accessLog?.close();
    await usagePoller?.stop();
    await expiryWarnings?.stop();
    await poller?.stop();
    await db?.stop();
    await issuer?.close();
    unlockDynamoDir?.();
    unregisterStack?.();
    removeStackInfo(dir);
  } catch (error) {
    fail(error);
  }
  console.log('tokengate local stack stopped');
  process.exit(0);
}

const ORPHAN_CHECK_MS = 500;

/**
 * Stops the stack when the process that started it ends. `npm start` runs it under a shell that npm
 * signals: a SIGTERM or SIGKILL to npm ends npm and that shell but never reaches this process, which
 * would keep serving, holding the port and the data folder's lock. Its parent changing is the sign.
 */
function stopWhenOrphaned(stopStack: () => void): void {
  const parent = process.ppid;
  const timer = setInterval(() => {
    if (process.ppid === parent) return;
    clearInterval(timer);
    stopStack();
  }, ORPHAN_CHECK_MS);
  timer.unref();
}

/** The web console's files, built first when missing or stale. */
async function loadConsole(oidcIssuer: string): Promise<ConsoleSite> {
  const build = await ensureConsoleBuild(() => console.log('tokengate: building the web console (web/)...'));
  return ConsoleSite.load(build.dir, {
    // The warning window the local expiry-warning scan uses (the same environment variable).
    expiry_warning_seconds: readExpiryConfig(process.env).windowSeconds,
    oidc_issuer: oidcIssuer,
    oidc_client_id: LOCAL_OIDC_CLIENT_ID,
  });
}

async function start(): Promise<void> {
  const options = readOptions(process.env);
  const { dir } = options;
  // Before anything is written there, or DynamoDB Local is spawned: both then make private files.
  makeDataDirPrivate(dir);
  const running = readStackInfo(dir);
  if (running && running.pid !== process.pid && processIsAlive(running.pid)) {
    throw new StartError(`A local stack (pid ${running.pid}) already runs on ${dir.root}, at ${running.url}`);
  }
  // Bind the port first: if it is taken, say so before spending seconds on DynamoDB Local.
  server = await openServer(options.port);
  for (const signal of ['SIGINT', 'SIGTERM'] as const) process.on(signal, () => void stop(signal, dir));
  stopWhenOrphaned(() => void stop('its parent process ended', dir));

  // One DynamoDB Local per data folder: a `bootstrap --local` running its own takes the same lock.
  try {
    unlockDynamoDir = await lockDynamoDir(dir);
  } catch (error) {
    throw error instanceof DataDirBusyError ? new StartError(error.message) : error;
  }
  process.once('exit', () => unlockDynamoDir?.());
  // People sign in to the console through the development issuer, as through the organisation's in AWS.
  issuer = await OidcIssuer.start({
    keyFile: dir.oidcKeyFile,
    consoleUrl: server.url,
    adminEmails: adminEmails(process.env),
  });
  // The console is built (when web/ changed) while DynamoDB Local starts.
  const site = loadConsole(issuer.url);
  site.catch(() => undefined); // its failure is reported where it is awaited
  db = await startDynamoDbLocal({ dbPath: dir.dynamoDir, detached: true, port: options.dynamoPort });
  if (stopping) return;
  /** Where the stack's own DynamoDB calls go. */
  const dynamoEndpoint = options.dynamoProxy ?? db.endpoint;
  await prepareDataDir(dir, dynamoEndpoint);
  // The functions accept people's ID tokens from the development issuer, as in AWS from the gate's.
  Object.assign(
    process.env,
    handlerEnvironment(dir, dynamoEndpoint, options.cacheTtlSeconds, issuer.peopleConfig()),
  );
  // The functions read the catalogue from the file their environment names, as in AWS; the echo
  // answers below its paths.
  if (options.scopes) process.env[ENV.catalogueFile] = options.scopes.file;
  else delete process.env[ENV.catalogueFile];
  const routes: readonly Route[] = options.scopes ? routesFor(options.scopes.catalogue) : ROUTES;
  const { authorizer, handlers } = await loadHandlers(routes);
  handlersLoaded = true;
  const consumer = await loadFunction(AUDIT_CONSUMER);
  const warner = await loadFunction(EXPIRY_WARNER);
  const recorder = await loadFunction(USAGE_RECORDER);
  if (stopping) return;
  poller = new StreamPoller({
    endpoint: dynamoEndpoint,
    tableName: LOCAL_TOKENS_TABLE,
    consumer,
    checkpointFile: dir.streamCheckpointFile,
    failuresFile: dir.streamFailuresFile,
    log: (line) => console.error(`tokengate: ${line}`),
  });
  poller.start();
  expiryWarnings = new LocalSchedule({
    fn: EXPIRY_WARNER,
    handler: warner.handler,
    log: (line) => console.error(`tokengate: ${line}`),
  });
  expiryWarnings.start();
  accessLog = new AccessLogWriter(dir.accessLogFile);
  usagePoller = new UsagePoller({
    accessLogFile: dir.accessLogFile,
    checkpointFile: dir.usageCheckpointFile,
    recorder: recorder.handler,
    log: (line) => console.error(`tokengate: ${line}`),
  });
  usagePoller.start();

  server.ready(
    new Gateway({
      routes,
      authorizer,
      handlers,
      cacheTtlSeconds: options.cacheTtlSeconds,
      onError: (message) => console.error(`tokengate: ${message}`),
      site: await site,
      accessLog: (entry) => accessLog?.write(entry),
    }),
    new DynamoHealth({ endpoint: dynamoEndpoint, tableName: LOCAL_TOKENS_TABLE }),
  );
  const info = {
    url: server.url,
    dynamodb_endpoint: db.endpoint,
    tokens_table: LOCAL_TOKENS_TABLE,
    pid: process.pid,
  };
  writeStackInfo(dir, info);
  unregisterStack = registerStack({ ...info, data_dir: dir.root }, process.env, (line) =>
    console.error(`tokengate: ${line}`),
  );
  process.once('exit', () => unregisterStack?.());
  console.log(
    `tokengate development OpenID Connect issuer at ${issuer.url} (any email, password "tokengate")`,
  );
  console.log(`tokengate local stack ready at ${server.url}`);
}

start().catch(fail);
