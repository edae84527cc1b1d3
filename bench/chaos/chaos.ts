// The chaos run: the local stack's pieces (the gateway with the same authorizer and handlers as in
// AWS, the stream poller feeding the audit consumer) over DynamoDB Local, with the fault proxy
// (test/support/fault-proxy.ts) between all of them and the database. Each phase sets one fault and
// sends a fixed number of requests; every loop is bounded in count and in time, and everything runs
// on 127.0.0.1. What it measures:
// - the authorizer fails closed within its deadline: never an Allow for a token it could not verify
//   (`unverified_allows`), counted where it answers, and never a 2xx for a token that is not valid;
// - the API answers 503 with Retry-After when DynamoDB throttles, and 5xx otherwise only while the
//   database is really unreachable (reset, timeout);
// - a refused write leaves the tokens and search tables as they were;
// - the audit consumer retries: a token written while the audit table refuses writes gets its
//   audit event once the fault ends, exactly once.
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ScanCommand } from '@aws-sdk/lib-dynamodb';
import { documentClient, services } from '#adapters/clients';
import { readConfig } from '#adapters/config';
import { mintToken } from '#domain/token-format';
import { TokenService } from '#domain/token-service';
import {
  dataDirAt,
  handlerEnvironment,
  LOCAL_AUDIT_TABLE,
  LOCAL_SEARCH_TABLE,
  LOCAL_TOKENS_TABLE,
  makeDataDirPrivate,
  prepareDataDir,
} from '#local/data-dir';
import { startDynamoDbLocal } from '#local/dynamodb-local';
import { Gateway, type LambdaFunction } from '#local/gateway';
import { loadFunction, loadHandlers, settleHandlers } from '#local/handlers';
import { listen } from '#local/server';
import { StreamPoller } from '#local/stream-poller';
import { ENV } from '#spec/env';
import { AUDIT_CONSUMER, AUTHORIZER } from '#spec/functions';
import { GATEWAY_RESPONSES } from '#spec/gateway';
import { ROUTES } from '#spec/routes';
import { AUDIT_ATTRIBUTES } from '#spec/tables';
import { FaultProxy, type FaultSetting } from '#test-support/fault-proxy';
import { percentile, round } from '../stats';

/** How many of a phase's requests are in flight at once. */
const CONCURRENCY = 4;
/** The local gateway's wait for a handler (API Gateway's is 29 s): shorter, so a held request ends the phase sooner. */
const GATEWAY_TIMEOUT_MS = 10_000;
/** A client's wait for any answer: beyond every deadline on the way. */
const CLIENT_TIMEOUT_MS = 15_000;
/** How long the audit table refuses writes: well within the stream's retries (10, backing off to 5 s). */
const AUDIT_FAULT_MS = 3_000;
/** The longest wait for the audit events once the fault has ended. */
const AUDIT_WAIT_MS = 30_000;
/** The whole run's bound: it stops itself, whatever happens. */
export const CHAOS_DEADLINE_MS = 4 * 60_000;

const WRITES = ['PutItem', 'UpdateItem', 'DeleteItem', 'TransactWriteItems', 'BatchWriteItem'];

export interface PhaseFigures {
  requests: number;
  faults_injected: number;
  /** Answers by status. */
  statuses: Record<string, number>;
  /** 503 with Retry-After (DynamoDB throttling, its retries spent). */
  unavailable_retry_after: number;
  /** The gateway's 500 when the authorizer could not decide: the request refused. */
  authorizer_failed_closed: number;
  /** 5xx that this phase's fault does not account for. */
  unexpected_5xx: number;
  /** Requests with no answer within the client's wait. */
  no_answer: number;
  p99_ms: number;
  /** The authorizer's longest call: within its deadline (AUTHORIZER.timeoutSeconds). */
  authorizer_max_ms: number;
}

export interface ChaosFigures {
  unverified_allows: number;
  /** 2xx for a revoked, forged, unknown or malformed token, as the client saw it. */
  invalid_token_2xx: number;
  errors_5xx_outside_faults: number;
  unexpected_5xx_under_faults: number;
  /** Refused writes after which the tokens or search table differed from before. */
  refused_writes_changed_tables: number;
  refused_writes: number;
  /** Creates refused while only the search table refused writes (it must not: the token is written). */
  search_fault_creates_refused: number;
  /** Of the tokens created then, those a search still does not find once the fault ended. */
  search_fault_postings_missing: number;
  search_faults_injected: number;
  audit_missing_after_fault: number;
  audit_duplicates_after_fault: number;
  audit_faults_injected: number;
  /** Stream batches the poller gave up on after its retries (in AWS: the audit failure queue). */
  stream_batches_given_up: number;
  authorizer_deadline_ms: number;
  authorizer_max_ms: number;
  p99_ms: number;
  phases: Record<string, PhaseFigures>;
  duration_s: number;
}

type Kind = 'valid' | 'revoked' | 'forged' | 'unknown' | 'malformed';

interface Shot {
  kind: Kind;
  method: string;
  path: string;
  body?: unknown;
}

interface Outcome {
  status: number;
  retryAfter: string | null;
  code: string | undefined;
  message: string | undefined;
  ms: number;
}

/** Which phase's requests the authorizer is answering, and what counts as an Allow it could not verify. */
interface AuthorizerWatch {
  /** Every bearer except these is one the authorizer must not allow. */
  valid: Set<string>;
  /** While every read of the tokens table fails, any Allow is one it could not verify. */
  databaseDown: boolean;
  unverifiedAllows: number;
  maxMs: number;
}

function bearerOf(event: unknown): string | undefined {
  const headers = (event as { headers?: Record<string, string> }).headers ?? {};
  const value = Object.entries(headers).find(([name]) => name.toLowerCase() === 'authorization')?.[1];
  return value?.replace(/^Bearer /, '');
}

function allows(result: unknown): boolean {
  const statements =
    (result as { policyDocument?: { Statement?: { Effect?: string }[] } })?.policyDocument?.Statement ?? [];
  return statements.some((statement) => statement.Effect === 'Allow');
}

/** The authorizer as the gateway calls it, watched: its time, and each Allow it gives. */
function watched(authorizer: LambdaFunction, watch: AuthorizerWatch): LambdaFunction {
  return {
    fn: authorizer.fn,
    handler: async (event, context) => {
      const started = performance.now();
      try {
        const result = await authorizer.handler(event, context);
        const bearer = bearerOf(event);
        if (allows(result) && (watch.databaseDown || !bearer || !watch.valid.has(bearer))) {
          watch.unverifiedAllows++;
        }
        return result;
      } finally {
        watch.maxMs = Math.max(watch.maxMs, performance.now() - started);
      }
    },
  };
}

async function send(url: string, bearer: string, shot: Shot): Promise<Outcome> {
  const started = performance.now();
  try {
    const response = await fetch(`${url}${shot.path}`, {
      method: shot.method,
      headers: {
        authorization: `Bearer ${bearer}`,
        ...(shot.body !== undefined && { 'content-type': 'application/json' }),
      },
      ...(shot.body !== undefined && { body: JSON.stringify(shot.body) }),
      signal: AbortSignal.timeout(CLIENT_TIMEOUT_MS),
    });
    const text = await response.text();
    let error: { code?: string; message?: string } | undefined;
    try {
      error = (JSON.parse(text) as { error?: { code?: string; message?: string } }).error;
    } catch {
      error = undefined;
    }
    return {
      status: response.status,
      retryAfter: response.headers.get('retry-after'),
      code: error?.code,
      message: error?.message,
      ms: performance.now() - started,
    };
  } catch {
    return {
      status: 0,
      retryAfter: null,
      code: undefined,
      message: undefined,
      ms: performance.now() - started,
    };
  }
}

/** Runs `count` jobs, `CONCURRENCY` at a time. */
async function pool<T>(count: number, job: (index: number) => Promise<T>): Promise<T[]> {
  const results: T[] = new Array(count);
  let next = 0;
  const worker = async () => {
    for (let index = next++; index < count; index = next++) results[index] = await job(index);
  };
  await Promise.all(Array.from({ length: Math.min(CONCURRENCY, count) }, worker));
  return results;
}

/** Everything in a table, in a stable order, for before/after comparisons. */
async function snapshot(client: ReturnType<typeof documentClient>, table: string): Promise<string> {
  const items: string[] = [];
  let start: Record<string, unknown> | undefined;
  for (let page = 0; page < 100; page++) {
    const answer = await client.send(new ScanCommand({ TableName: table, ExclusiveStartKey: start }));
    for (const item of answer.Items ?? []) items.push(JSON.stringify(item, Object.keys(item).sort()));
    start = answer.LastEvaluatedKey;
    if (!start) break;
  }
  return items.sort().join('\n');
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

export async function runChaos(log: (line: string) => void = () => undefined): Promise<ChaosFigures> {
  const runStarted = performance.now();
  const deadline = runStarted + CHAOS_DEADLINE_MS;
  const root = mkdtempSync(join(tmpdir(), 'tokengate-chaos-'));
  const dir = dataDirAt(root);
  makeDataDirPrivate(dir);
  const db = await startDynamoDbLocal();
  const direct = documentClient(db.endpoint);
  let proxy: FaultProxy | undefined;
  let poller: StreamPoller | undefined;
  let server: Awaited<ReturnType<typeof listen>> | undefined;
  try {
    await prepareDataDir(dir, db.endpoint);
    proxy = await FaultProxy.start(db.endpoint);
    // The functions read their configuration at import: every DynamoDB call goes through the proxy.
    Object.assign(process.env, handlerEnvironment(dir, proxy.endpoint, 0));
    delete process.env[ENV.catalogueFile];
    process.env.POWERTOOLS_LOG_LEVEL ??= 'SILENT';
    const { authorizer, handlers } = await loadHandlers(ROUTES);
    const consumer = await loadFunction(AUDIT_CONSUMER);
    const watch: AuthorizerWatch = { valid: new Set(), databaseDown: false, unverifiedAllows: 0, maxMs: 0 };
    poller = new StreamPoller({
      endpoint: proxy.endpoint,
      tableName: LOCAL_TOKENS_TABLE,
      consumer,
      checkpointFile: dir.streamCheckpointFile,
      failuresFile: dir.streamFailuresFile,
      log: (line) => log(`stream: ${line}`),
    });
    poller.start();
    server = await listen({ host: '127.0.0.1', port: 0, log: () => undefined });
    server.ready(
      new Gateway({
        routes: ROUTES,
        authorizer: watched(authorizer, watch),
        handlers,
        cacheTtlSeconds: 0, // every request asks the authorizer: no cached answer hides a fault
        timeoutMs: GATEWAY_TIMEOUT_MS,
      }),
    );
    const url = server.url;

    // The tokens: an admin made directly in the database, and through the API one to revoke.
    const tokens = new TokenService(services({ ...readConfig(process.env), dynamoEndpoint: db.endpoint }));
    const admin = await tokens.bootstrapAdmin({ type: 'system', id: 'chaos-run' });
    watch.valid.add(admin.token);
    const created = async (description: string) => {
      const answer = await fetch(`${url}/v1/tokens`, {
        method: 'POST',
        headers: { authorization: `Bearer ${admin.token}`, 'content-type': 'application/json' },
        body: JSON.stringify({ description, scopes: [{ scope: 'nameservice:read' }] }),
      });
      if (answer.status !== 201) throw new Error(`Create failed: ${answer.status} ${await answer.text()}`);
      return (await answer.json()) as { id: string; token: string };
    };
    const revoked = await created('chaos revoked');
    const revokedAnswer = await fetch(`${url}/v1/tokens/${revoked.id}/revoke`, {
      method: 'POST',
      headers: { authorization: `Bearer ${admin.token}` },
    });
    if (revokedAnswer.status !== 200) throw new Error(`Revoke failed: ${revokedAnswer.status}`);
    const spare = await created('chaos spare'); // the target of refused edits, revokes and rotations
    const bearers: Record<Kind, string> = {
      valid: admin.token,
      revoked: revoked.token,
      forged: mintToken(admin.record.id).token, // the admin's id, another secret
      unknown: mintToken().token,
      malformed: 'not-a-token',
    };
    const kinds = Object.keys(bearers) as Kind[];

    const mixed = (index: number): Shot => {
      const kind = kinds[index % kinds.length] as Kind;
      const turn = Math.floor(index / kinds.length);
      if (kind !== 'valid') return { kind, method: 'GET', path: '/v1/whoami' };
      return [
        { kind, method: 'GET', path: '/v1/whoami' },
        { kind, method: 'GET', path: '/v1/tokens?limit=5' },
        {
          kind,
          method: 'POST',
          path: '/v1/tokens',
          body: { description: `chaos ${index}`, scopes: [{ scope: 'nameservice:read' }] },
        },
        { kind, method: 'GET', path: `/v1/tokens/${spare.id}` },
      ][turn % 4] as Shot;
    };
    const writes = (index: number): Shot =>
      [
        {
          kind: 'valid',
          method: 'POST',
          path: '/v1/tokens',
          body: { description: `refused ${index}`, scopes: [{ scope: 'nameservice:read' }] },
        },
        {
          kind: 'valid',
          method: 'PATCH',
          path: `/v1/tokens/${spare.id}`,
          body: { description: `edited ${index}` },
        },
        { kind: 'valid', method: 'POST', path: `/v1/tokens/${spare.id}/rotate`, body: {} },
        { kind: 'valid', method: 'POST', path: `/v1/tokens/${spare.id}/revoke` },
      ][index % 4] as Shot;

    const phases: Record<string, PhaseFigures> = {};
    let invalidToken2xx = 0;
    let refusedWrites = 0;
    let refusedWritesChangedTables = 0;
    const allLatencies: number[] = [];

    /** Which 5xx a phase's fault accounts for. */
    type Allowed5xx = 'none' | 'throttling' | 'unreachable';

    const phase = async (
      name: string,
      options: {
        setting?: FaultSetting;
        count: number;
        shots: (index: number) => Shot;
        allowed5xx: Allowed5xx;
        databaseDown?: boolean;
        /** The writes must all be refused, leaving both tables as they were. */
        refusedWrites?: boolean;
      },
    ) => {
      if (performance.now() > deadline)
        throw new Error(`The chaos run passed its ${CHAOS_DEADLINE_MS} ms bound`);
      log(`phase ${name}: ${options.count} requests`);
      const before = options.refusedWrites
        ? [await snapshot(direct, LOCAL_TOKENS_TABLE), await snapshot(direct, LOCAL_SEARCH_TABLE)]
        : undefined;
      watch.databaseDown = options.databaseDown ?? false;
      watch.maxMs = 0;
      proxy?.resetCounts();
      if (options.setting) proxy?.set(options.setting);
      const outcomes = await pool(options.count, async (index) => {
        const shot = options.shots(index);
        return { shot, outcome: await send(url, bearers[shot.kind], shot) };
      });
      await settleHandlers(); // the authorizer's last-used writes, under the same fault
      const counts = proxy?.snapshotCounts();
      proxy?.clear();
      watch.databaseDown = false;
      const figures: PhaseFigures = {
        requests: outcomes.length,
        faults_injected: Object.values(counts?.faulted ?? {}).reduce((a, b) => a + b, 0),
        statuses: {},
        unavailable_retry_after: 0,
        authorizer_failed_closed: 0,
        unexpected_5xx: 0,
        no_answer: 0,
        p99_ms: round(
          percentile(
            outcomes.map(({ outcome }) => outcome.ms),
            99,
          ),
          1,
        ),
        authorizer_max_ms: round(watch.maxMs, 1),
      };
      for (const { shot, outcome } of outcomes) {
        allLatencies.push(outcome.ms);
        figures.statuses[outcome.status] = (figures.statuses[outcome.status] ?? 0) + 1;
        if (outcome.status === 0) figures.no_answer++;
        if (shot.kind !== 'valid' && outcome.status >= 200 && outcome.status < 300) invalidToken2xx++;
        if (outcome.status < 500) continue;
        const throttled =
          outcome.status === 503 && outcome.retryAfter !== null && outcome.code === 'unavailable';
        const failedClosed =
          outcome.status === 500 && outcome.message === GATEWAY_RESPONSES[500].error.message;
        if (throttled) figures.unavailable_retry_after++;
        else if (failedClosed) figures.authorizer_failed_closed++;
        const accounted =
          options.allowed5xx === 'unreachable' ||
          (options.allowed5xx === 'throttling' && (throttled || failedClosed));
        if (!accounted) figures.unexpected_5xx++;
      }
      if (before) {
        refusedWrites += outcomes.filter(({ outcome }) => outcome.status >= 400).length;
        await sleep(500);
        const after = [
          await snapshot(direct, LOCAL_TOKENS_TABLE),
          await snapshot(direct, LOCAL_SEARCH_TABLE),
        ];
        if (after[0] !== before[0] || after[1] !== before[1]) {
          refusedWritesChangedTables += outcomes.filter(({ outcome }) => outcome.status >= 400).length;
        }
      }
      phases[name] = figures;
      log(`phase ${name}: ${JSON.stringify(figures)}`);
      await sleep(1_000); // the stream's retries of what the fault refused, before the next phase
    };

    const throttleWrites = (error: 'ProvisionedThroughputExceededException' | 'ThrottlingException') => ({
      fault: { mode: 'throttle' as const, error },
      operations: WRITES,
    });

    await phase('baseline', { count: 60, shots: mixed, allowed5xx: 'none' });
    await phase('latency_200ms', {
      setting: { fault: { mode: 'latency', latencyMs: 200 } },
      count: 30,
      shots: mixed,
      allowed5xx: 'none',
    });
    await phase('throttle_writes_provisioned', {
      setting: throttleWrites('ProvisionedThroughputExceededException'),
      count: 8,
      shots: writes,
      allowed5xx: 'throttling',
      refusedWrites: true,
    });
    await phase('throttle_writes_throttling', {
      setting: throttleWrites('ThrottlingException'),
      count: 8,
      shots: writes,
      allowed5xx: 'throttling',
      refusedWrites: true,
    });
    await phase('throttle_half', {
      setting: { fault: { mode: 'throttle', error: 'ThrottlingException' }, fraction: 0.5 },
      count: 40,
      shots: mixed,
      allowed5xx: 'throttling',
    });
    await phase('throttle_all', {
      setting: { fault: { mode: 'throttle', error: 'ProvisionedThroughputExceededException' } },
      count: 20,
      shots: mixed,
      allowed5xx: 'throttling',
      databaseDown: true,
    });
    // Only the search postings refuse writes: a token's item is written first, its postings after.
    await phase('reset_writes', {
      setting: { fault: { mode: 'reset' }, operations: WRITES },
      count: 8,
      shots: writes,
      allowed5xx: 'unreachable',
      refusedWrites: true,
    });
    await phase('reset_half', {
      setting: { fault: { mode: 'reset' }, fraction: 0.5 },
      count: 30,
      shots: mixed,
      allowed5xx: 'unreachable',
    });
    await phase('reset_all', {
      setting: { fault: { mode: 'reset' } },
      count: 20,
      shots: mixed,
      allowed5xx: 'unreachable',
      databaseDown: true,
    });
    await phase('timeout_all', {
      setting: { fault: { mode: 'timeout' } },
      count: 8,
      shots: mixed,
      allowed5xx: 'unreachable',
      databaseDown: true,
    });

    // The audit consumer under a fault of its own table: the tokens are written, their events wait.
    log('phase audit_retry');
    proxy.resetCounts();
    proxy.set({
      fault: { mode: 'throttle', error: 'ProvisionedThroughputExceededException' },
      tables: [LOCAL_AUDIT_TABLE],
    });
    const auditIds: string[] = [];
    for (let i = 0; i < 5; i++) auditIds.push((await created(`chaos audit ${i}`)).id);
    await sleep(AUDIT_FAULT_MS);
    const auditFaults = proxy.snapshotCounts().faulted.throttle;
    proxy.clear();
    /** The token.created events of each id, read straight from the table (a scan: it is small). */
    const createdEvents = async (): Promise<number[]> => {
      const items: Record<string, unknown>[] = [];
      let start: Record<string, unknown> | undefined;
      for (let page = 0; page < 100; page++) {
        const answer = await direct.send(
          new ScanCommand({ TableName: LOCAL_AUDIT_TABLE, ExclusiveStartKey: start }),
        );
        items.push(...(answer.Items ?? []));
        start = answer.LastEvaluatedKey;
        if (!start) break;
      }
      return auditIds.map(
        (id) =>
          items.filter(
            (item) =>
              item[AUDIT_ATTRIBUTES.token_id] === id && item[AUDIT_ATTRIBUTES.type] === 'token.created',
          ).length,
      );
    };
    const auditWaitEnds = performance.now() + AUDIT_WAIT_MS;
    let found = await createdEvents();
    while (found.some((count) => count < 1) && performance.now() < auditWaitEnds) {
      await sleep(250);
      found = await createdEvents();
    }

    // The search table alone refusing writes: each create is kept and answered (its caller holds the
    // secret; refused, it would be retried into a second token), and the stream consumer writes its
    // postings once the fault ends, so that a search finds it.
    log('phase search_postings');
    proxy.resetCounts();
    proxy.set({
      fault: { mode: 'throttle', error: 'ProvisionedThroughputExceededException' },
      operations: WRITES,
      tables: [LOCAL_SEARCH_TABLE],
    });
    const searchIds: string[] = [];
    let searchCreatesRefused = 0;
    for (let i = 0; i < 4; i++) {
      try {
        searchIds.push((await created(`chaos postings ${i}`)).id);
      } catch {
        searchCreatesRefused++;
      }
    }
    const searchFaults = proxy.snapshotCounts().faulted.throttle;
    proxy.clear();
    /** The ids of `searchIds` a search for their common words finds. */
    const searchable = async (): Promise<number> => {
      const answer = await fetch(`${url}/v1/tokens?q=${encodeURIComponent('chaos postings')}&limit=100`, {
        headers: { authorization: `Bearer ${admin.token}` },
      });
      if (answer.status !== 200) return 0;
      const { tokens } = (await answer.json()) as { tokens: { id: string }[] };
      return searchIds.filter((id) => tokens.some((token) => token.id === id)).length;
    };
    let postingsFound = 0;
    for (const ends = performance.now() + AUDIT_WAIT_MS; performance.now() < ends; await sleep(250)) {
      postingsFound = await searchable();
      if (postingsFound === searchIds.length) break;
    }

    await phase('after_faults', { count: 30, shots: mixed, allowed5xx: 'none' });

    const faultPhases = Object.entries(phases).filter(
      ([name]) => name !== 'baseline' && name !== 'after_faults',
    );
    return {
      unverified_allows: watch.unverifiedAllows,
      invalid_token_2xx: invalidToken2xx,
      errors_5xx_outside_faults: (['baseline', 'after_faults'] as const).reduce(
        (sum, name) =>
          sum +
          Object.entries(phases[name]?.statuses ?? {})
            .filter(([status]) => Number(status) >= 500)
            .reduce((a, [, n]) => a + n, 0),
        0,
      ),
      unexpected_5xx_under_faults: faultPhases.reduce((sum, [, figures]) => sum + figures.unexpected_5xx, 0),
      refused_writes: refusedWrites,
      refused_writes_changed_tables: refusedWritesChangedTables,
      search_fault_creates_refused: searchCreatesRefused,
      search_fault_postings_missing: searchIds.length - postingsFound,
      search_faults_injected: searchFaults,
      audit_missing_after_fault: found.filter((count) => count < 1).length,
      audit_duplicates_after_fault: found.filter((count) => count > 1).length,
      audit_faults_injected: auditFaults,
      stream_batches_given_up: existsSync(dir.streamFailuresFile)
        ? readFileSync(dir.streamFailuresFile, 'utf8').split('\n').filter(Boolean).length
        : 0,
      authorizer_deadline_ms: AUTHORIZER.timeoutSeconds * 1_000,
      authorizer_max_ms: Math.max(...Object.values(phases).map((figures) => figures.authorizer_max_ms)),
      p99_ms: round(percentile(allLatencies, 99), 1),
      phases,
      duration_s: round((performance.now() - runStarted) / 1_000, 1),
    };
  } finally {
    await server?.close(1_000);
    await poller?.stop();
    await proxy?.close();
    direct.destroy();
    await db.stop();
    rmSync(root, { recursive: true, force: true });
  }
}
